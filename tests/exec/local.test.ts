/** LocalExecutor's host faults: a missing program is its own error (nothing ran), not a 502. */
import { describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CommandError, HostTimeoutError, ProgramMissingError } from '../../src/errors/catalogue.ts'
import { LocalExecutor } from '../../src/exec/local.ts'

const e = new LocalExecutor('test/local')

describe('LocalExecutor faults', () => {
  test('a program not on PATH → ProgramMissingError (local), for run and stream', async () => {
    const err = await e.run(['no-such-program-lws', 'x']).catch((x) => x)
    expect(err).toBeInstanceOf(ProgramMissingError)
    expect(err).toMatchObject({ program: 'no-such-program-lws', local: true, exitCode: 127, status: 500 })
    expect(err.toBody()).toEqual({
      error: 'Command failed',
      details: 'no-such-program-lws: command not found on this machine',
      return_code: 127,
      code: 'HOST_COMMAND_FAILED',
    })
    expect(await e.stream(['no-such-program-lws']).catch((x) => x)).toBeInstanceOf(ProgramMissingError)
  })

  test('a program that exits 127 itself is a result, not a missing program', async () => {
    expect(await e.run(['sh', '-c', 'exit 127'])).toMatchObject({ exitCode: 127 })
  })

  test('not executable → 500 HOST_COMMAND_FAILED with 126, as a shell says it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lws-local-'))
    try {
      const file = join(dir, 'plain')
      writeFileSync(file, 'no program\n')
      chmodSync(file, 0o644)
      const noX = await e.run([file]).catch((x) => x)
      expect(noX).toBeInstanceOf(CommandError)
      expect(noX.toBody()).toMatchObject({ code: 'HOST_COMMAND_FAILED', return_code: 126, details: `cannot start ${file}: permission denied` })
      chmodSync(file, 0o755) // executable bits, but neither a binary nor a script with #!
      writeFileSync(file, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]))
      const junk = await e.run([file]).catch((x) => x)
      expect(junk.toBody()).toMatchObject({ code: 'HOST_COMMAND_FAILED', return_code: 126 })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a command past its timeout → 504 HOST_TIMEOUT "the command was stopped"', async () => {
    const err = await e.run(['sleep', '5'], { timeoutMs: 150 }).catch((x) => x)
    expect(err).toBeInstanceOf(HostTimeoutError)
    expect(err.toBody()).toMatchObject({ code: 'HOST_TIMEOUT', details: 'test/local: no answer within 150 ms; the command was stopped' })
    expect(err.commandStarted).toBe(true)
  })
})
