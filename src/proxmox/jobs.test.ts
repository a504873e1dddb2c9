/**
 * The detached-job scripts run for real here, in this machine's sh: a job
 * outlives the command that started it, its output comes back byte-exact
 * (multi-byte text split between polls too), its exit code is its own, and a
 * stop ends it with SIGTERM.
 */
import { describe, expect, test } from 'bun:test'
import type { RunResult } from '../exec/executor.ts'
import type { Executor } from '../exec/executor.ts'
import { HostTimeoutError } from '../errors/catalogue.ts'
import { followJob, parsePoll, pollArgv, removeArgv, startArgv, stopArgv } from './jobs.ts'
import { HostRunner } from './run.ts'

async function sh(argv: readonly string[]): Promise<RunResult> {
  const t0 = performance.now()
  const p = Bun.spawn([...argv], { stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, exitCode] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { stdout, stderr, exitCode, durationMs: performance.now() - t0 }
}

const name = () => `test-${crypto.randomUUID()}`

describe('host jobs', () => {
  test('start returns at once; follow brings back both streams and the exit code, then removes the files', async () => {
    const n = name()
    const t0 = performance.now()
    const started = await sh(startArgv(n, ['sh', '-c', 'echo one; sleep 0.6; printf "zwei\\n" >&2; printf "ünïcödé €\\n"; exit 3']))
    expect(started.stdout).toMatch(/^started \d+\n$/)
    expect(performance.now() - t0).toBeLessThan(500)
    const seen: string[] = []
    const r = await followJob(sh, n, { az: 'local', pollMs: 50, onOutput: (t, s) => seen.push(`${s}:${t}`) })
    expect(r.exitCode).toBe(3)
    expect(r.stdout).toBe('one\nünïcödé €\n')
    expect(r.stderr).toBe('zwei\n')
    expect(seen[0]).toBe('stdout:one\n')
    expect(parsePoll((await sh(pollArgv(n, 0, 0))).stdout).state.state).toBe('gone')
  })

  test('the same name never starts twice', async () => {
    const n = name()
    await sh(startArgv(n, ['true']))
    expect((await sh(startArgv(n, ['true']))).stdout.trim()).toBe('exists')
    await sh(removeArgv(n))
  })

  test('output split inside a multi-byte character comes back whole', async () => {
    const n = name()
    // 3 bytes of € written one at a time, with polls in between.
    await sh(startArgv(n, ['sh', '-c', "printf '\\342'; sleep 0.3; printf '\\202'; sleep 0.3; printf '\\254\\n'"]))
    const chunks: string[] = []
    const r = await followJob(sh, n, { az: 'local', pollMs: 50, onOutput: (t) => chunks.push(t) })
    expect(r.stdout).toBe('€\n')
    expect(chunks.join('')).toBe('€\n')
  })

  test('a cancel stops the job with SIGTERM and ends with the reason', async () => {
    const n = name()
    await sh(startArgv(n, ['sh', '-c', 'trap "echo got TERM; exit 7" TERM; echo waiting; while :; do sleep 0.1; done']))
    const ac = new AbortController()
    const lines: string[] = []
    const following = followJob(sh, n, { az: 'local', pollMs: 50, signal: ac.signal, onOutput: (t) => lines.push(t) })
    await Bun.sleep(400)
    ac.abort(new Error('cancelled by test'))
    await expect(following).rejects.toThrow('cancelled by test')
    expect(lines.join('')).toContain('got TERM')
  })

  test('a timeout stops the job and answers 504 HOST_TIMEOUT', async () => {
    const n = name()
    await sh(startArgv(n, ['sleep', '30']))
    const err = await followJob(sh, n, { az: 'local', pollMs: 50, timeoutMs: 300 }).catch((e) => e)
    expect(err.code).toBe('HOST_TIMEOUT')
    expect(err.commandStarted).toBe(true)
  })

  test('a job whose wrapper died without an exit code is lost (502 HOST_TASK_LOST)', async () => {
    const n = name()
    await sh(startArgv(n, ['sleep', '30']))
    await Bun.sleep(200)
    const pid = (await Bun.file(`/var/tmp/lws-jobs/${n}.pid`).text()).trim().split(' ')
    process.kill(Number(pid[1]), 'SIGKILL')
    process.kill(Number(pid[2]), 'SIGKILL')
    const err = await followJob(sh, n, { az: 'local', pollMs: 50 }).catch((e) => e)
    expect(err.code).toBe('HOST_TASK_LOST')
    await sh(removeArgv(n))
  })

  test('names are checked; values reach the scripts only as arguments', () => {
    expect(() => startArgv('../etc/x', ['true'])).toThrow()
    expect(() => pollArgv('a b', 0, 0)).toThrow()
    const argv = startArgv('ok-1', ['echo', '$(reboot)'])
    expect(argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(argv.at(-1)).toBe('$(reboot)')
    expect(stopArgv('ok-1', 'TERM').at(-1)).toBe('TERM')
  })

  test('a start that was sent but got no answer is followed anyway; one that never started answers the original error', async () => {
    // The start reaches the host (or not), then the answer is lost: a 504 whose command had started.
    const lossy = (startsJob: boolean): Executor => ({
      label: 'local',
      run: async (argv) => {
        if (argv[3] !== 'lws-job-start') return sh(argv)
        if (startsJob) await sh(argv)
        throw new HostTimeoutError('local', 15_000)
      },
      stream: () => Promise.reject(new Error('unused')),
      close: async () => {},
    })
    const made = await new HostRunner(lossy(true), 'local').run(['sh', '-c', 'echo made'], { kind: 'task', call: { detach: { name: name(), pollMs: 50 } } })
    expect(made.stdout).toBe('made\n')
    const err = await new HostRunner(lossy(false), 'local').run(['true'], { kind: 'task', call: { detach: { name: name(), pollMs: 50 } } }).catch((e) => e)
    expect(err).toBeInstanceOf(HostTimeoutError)
  })
})
