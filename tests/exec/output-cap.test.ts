/**
 * maxOutputBytes: both executors keep at most that much of stdout and of
 * stderr, keep reading (and dropping) the rest so the command runs to its
 * end with its real exit code, stay within bounded memory, and never end
 * the kept text with half a UTF-8 character.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { HostTimeoutError } from '../../src/errors/catalogue.ts'
import type { Executor } from '../../src/exec/executor.ts'
import { LocalExecutor } from '../../src/exec/local.ts'
import { LoggedExecutor } from '../../src/exec/logged.ts'
import { SshExecutor } from '../../src/exec/ssh.ts'
import { memoryLogger } from '../../src/log.ts'
import type { TestHost } from '../pvehost/host.ts'
import { sharedHosts } from '../support/hosts.ts'

const MiB = 1024 * 1024
const CAP = MiB

/** How each transport lets a test look at files and processes where the command ran. */
interface Where {
  readFile(path: string): Promise<string | null>
  alive(pid: number): Promise<boolean>
  cleanup(path: string): Promise<void>
}

const localWhere: Where = {
  async readFile(p) {
    return existsSync(p) ? readFileSync(p, 'utf8') : null
  },
  async alive(pid) {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  },
  async cleanup(p) {
    rmSync(p, { force: true })
  },
}

const hostWhere = (h: TestHost): Where => ({
  async readFile(p) {
    const r = await h.exec(['cat', p])
    return r.exitCode === 0 ? r.stdout : null
  },
  async alive(pid) {
    return (await h.exec(['kill', '-0', String(pid)])).exitCode === 0
  },
  async cleanup(p) {
    await h.exec(['rm', '-f', p])
  },
})

/** Peak RSS growth of this process while `fn` runs, in bytes. */
async function rssGrowth(fn: () => Promise<unknown>): Promise<number> {
  Bun.gc(true)
  const before = process.memoryUsage().rss
  let peak = before
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5)
  try {
    await fn()
  } finally {
    clearInterval(sample)
  }
  return Math.max(peak, process.memoryUsage().rss) - before
}

function capSuite(name: string, setup: () => Promise<{ exec: Executor; where: Where; tmp: string }>) {
  describe(name, () => {
    let exec: Executor
    let where: Where
    let tmp: string
    const made: string[] = []
    const tmpFile = (what: string) => {
      const p = `${tmp}/lws-cap-${what}-${randomBytes(6).toString('hex')}`
      made.push(p)
      return p
    }

    beforeAll(async () => {
      ;({ exec, where, tmp } = await setup())
    })
    afterAll(async () => {
      await Promise.all(made.map((p) => where.cleanup(p)))
      await exec.close()
    })

    test('20 MiB on stdout with a 1 MiB cap: exactly 1 MiB kept, flagged, and the command ran to its end', async () => {
      const pidFile = tmpFile('pid')
      const doneFile = tmpFile('done')
      // `&&`: if the output pipe were closed early, head would die of SIGPIPE and `finished` never be written.
      const script = `echo $$ > ${pidFile}; head -c ${20 * MiB} /dev/zero && echo finished > ${doneFile}`
      const r = await exec.run(['sh', '-c', script], { maxOutputBytes: CAP })
      expect(r.exitCode).toBe(0)
      expect(r.stdout.length).toBe(CAP)
      expect(r.truncated).toEqual({ stdout: true, stderr: false })
      // Written after all 20 MiB were taken: the output went on being read, nothing blocked or killed the command.
      expect(await where.readFile(doneFile)).toBe('finished\n')
      const pid = Number((await where.readFile(pidFile))?.trim())
      expect(pid).toBeGreaterThan(1)
      expect(await where.alive(pid)).toBe(false)
    })

    test('the real exit code survives truncation', async () => {
      const r = await exec.run(['sh', '-c', `head -c ${4 * MiB} /dev/zero && exit 3`], { maxOutputBytes: CAP })
      expect(r.exitCode).toBe(3)
      expect(r.stdout.length).toBe(CAP)
      expect(r.truncated?.stdout).toBe(true)
    })

    test('stderr is capped on its own; stdout stays whole', async () => {
      const r = await exec.run(['sh', '-c', `head -c ${3 * MiB} /dev/zero >&2; echo small`], { maxOutputBytes: CAP })
      expect(r.exitCode).toBe(0)
      expect(r.stdout).toBe('small\n')
      expect(r.stderr.length).toBe(CAP)
      expect(r.truncated).toEqual({ stdout: false, stderr: true })
    })

    test('exactly the cap is not truncated; one byte more is', async () => {
      const exact = await exec.run(['head', '-c', String(CAP), '/dev/zero'], { maxOutputBytes: CAP })
      expect(exact.stdout.length).toBe(CAP)
      expect(exact.truncated).toEqual({ stdout: false, stderr: false })
      const over = await exec.run(['head', '-c', String(CAP + 1), '/dev/zero'], { maxOutputBytes: CAP })
      expect(over.stdout.length).toBe(CAP)
      expect(over.truncated?.stdout).toBe(true)
    })

    test('the cut never leaves half a UTF-8 character', async () => {
      // 1024 bytes split 'é' (2 bytes) after 'a', '€' (3) after 'ab' and after 'a', '😀' (4) after 'a'.
      for (const [prefix, ch] of [['a', 'é'], ['ab', '€'], ['a', '€'], ['a', '😀'], ['ab', '😀'], ['abc', '😀']] as const) {
        const text = prefix + ch.repeat(2000)
        const r = await exec.run(['cat'], { stdin: text, maxOutputBytes: 1024 })
        expect(r.truncated?.stdout).toBe(true)
        expect(r.stdout).not.toContain('\uFFFD')
        const kept = Buffer.byteLength(r.stdout)
        expect(kept).toBeLessThanOrEqual(1024)
        expect(kept).toBeGreaterThan(1024 - Buffer.byteLength(ch))
        expect(text.startsWith(r.stdout)).toBe(true)
      }
      // Below the cap the command's own bytes are passed on as they are.
      expect((await exec.run(['cat'], { stdin: 'x€', maxOutputBytes: 1024 })).stdout).toBe('x€')
    })

    test('endless output is still stopped by the timeout', async () => {
      const pidFile = tmpFile('yes-pid')
      const t0 = performance.now()
      const err = await exec.run(['sh', '-c', `echo $$ > ${pidFile}; exec yes`], { maxOutputBytes: CAP, timeoutMs: 1000 }).catch((x) => x)
      expect(err).toBeInstanceOf(HostTimeoutError)
      expect(performance.now() - t0).toBeLessThan(4000)
      const pid = Number((await where.readFile(pidFile))?.trim())
      expect(pid).toBeGreaterThan(1)
      let alive = true
      for (let i = 0; i < 30 && alive; i++) {
        alive = await where.alive(pid)
        if (alive) await Bun.sleep(100)
      }
      expect(alive).toBe(false)
    })

    test('200 MB of output with a 1 MiB cap does not grow this process by 200 MB (uncapped: 560–640 MB)', async () => {
      let r: Awaited<ReturnType<Executor['run']>> | undefined
      const grew = await rssGrowth(async () => {
        r = await exec.run(['head', '-c', String(200 * 1000 * 1000), '/dev/zero'], { maxOutputBytes: CAP, timeoutMs: 120_000 })
      })
      expect(grew).toBeLessThan(200 * 1000 * 1000)
      expect(r?.exitCode).toBe(0)
      expect(r?.stdout.length).toBe(CAP)
    }, 180_000)

    test('without maxOutputBytes the executor default applies', async () => {
      // Both executors here are built with a 2 MiB default.
      const r = await exec.run(['head', '-c', String(3 * MiB), '/dev/zero'])
      expect(r.stdout.length).toBe(2 * MiB)
      expect(r.truncated?.stdout).toBe(true)
    })
  })
}

capSuite('LocalExecutor output cap', async () => ({
  exec: new LocalExecutor('test/local', 60_000, 2 * MiB),
  where: localWhere,
  tmp: tmpdir(),
}))

capSuite('SshExecutor output cap (real sshd)', async () => {
  const [h] = await sharedHosts()
  const exec = new SshExecutor(
    `test/${h!.ip}`,
    { host: h!.ip, port: h!.port, user: h!.user, keyFile: h!.keyFile, password: h!.password, fingerprint: h!.fingerprint },
    { defaultMaxOutputBytes: 2 * MiB },
  )
  return { exec, where: hostWhere(h!), tmp: '/tmp' }
})

describe('LoggedExecutor', () => {
  test('the host command log line says what was truncated, and only when something was', async () => {
    const log = memoryLogger()
    const e = new LoggedExecutor(new LocalExecutor('test/local'), log)
    await e.run(['sh', '-c', `head -c ${2 * MiB} /dev/zero >&2`], { maxOutputBytes: CAP })
    await e.run(['echo', 'small'], { maxOutputBytes: CAP })
    expect(log.lines.map((l) => [l.msg, l.truncated])).toEqual([
      ['host command', { stdout: false, stderr: true }],
      ['host command', undefined],
    ])
  })
})
