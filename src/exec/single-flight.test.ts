import { describe, expect, test } from 'bun:test'
import { inRequestScope } from '../context/request-scope.ts'
import type { Executor, RunOptions, RunResult } from './executor.ts'
import { SingleFlightExecutor } from './single-flight.ts'

/** Each run resolves when the test says so; records calls and aborts. */
class Gate implements Executor {
  readonly label = 'r/az'
  calls: Array<{ argv: readonly string[]; opts: RunOptions; done: (r: Partial<RunResult>) => void; aborted: boolean }> = []
  run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const call = { argv, opts, aborted: false, done: (r: Partial<RunResult>) => resolve({ stdout: '', stderr: '', exitCode: 0, durationMs: 1, ...r }) }
      opts.signal?.addEventListener('abort', () => {
        call.aborted = true
        reject(new Error('killed'))
      })
      this.calls.push(call)
    })
  }
  stream(): never {
    throw new Error('no streams')
  }
  async close() {}
}

describe('SingleFlightExecutor', () => {
  test('identical concurrent reads share one run; all get its result', async () => {
    const g = new Gate()
    let hits = 0
    const sf = new SingleFlightExecutor(g, () => hits++)
    const all = Array.from({ length: 200 }, () => sf.run(['pvesh', 'get', '/nodes/n/lxc'], { read: true }))
    expect(g.calls.length).toBe(1)
    g.calls[0]!.done({ stdout: '[]' })
    const results = await Promise.all(all)
    expect(results.every((r) => r.stdout === '[]')).toBe(true)
    expect(hits).toBe(199)
    expect(sf.inFlight).toBe(0)
    // Finished: the next read runs again.
    const again = sf.run(['pvesh', 'get', '/nodes/n/lxc'], { read: true })
    expect(g.calls.length).toBe(2)
    g.calls[1]!.done({})
    await again
  })

  test('writes, different argv and different stdin are never shared', async () => {
    const g = new Gate()
    const sf = new SingleFlightExecutor(g)
    const p = [
      sf.run(['pct', 'start', '100']),
      sf.run(['pct', 'start', '100']),
      sf.run(['pct', 'config', '100'], { read: true }),
      sf.run(['pct', 'config', '101'], { read: true }),
      sf.run(['sh', '-c', 'x'], { read: true, stdin: 'a' }),
      sf.run(['sh', '-c', 'x'], { read: true, stdin: 'b' }),
    ]
    expect(g.calls.length).toBe(6)
    for (const c of g.calls) c.done({})
    await Promise.all(p)
  })

  test('the run is stopped only when every waiter has gone', async () => {
    const g = new Gate()
    const sf = new SingleFlightExecutor(g)
    const a = new AbortController()
    const b = new AbortController()
    const pa = sf.run(['pvesh', 'get', '/x'], { read: true, signal: a.signal })
    const pb = sf.run(['pvesh', 'get', '/x'], { read: true, signal: b.signal })
    a.abort()
    await expect(pa).rejects.toMatchObject({ code: 'CLIENT_GONE' })
    expect(g.calls[0]!.aborted).toBe(false)
    b.abort()
    await expect(pb).rejects.toMatchObject({ code: 'CLIENT_GONE' })
    expect(g.calls[0]!.aborted).toBe(true)
    // A read after that starts afresh rather than joining the stopped one.
    const pc = sf.run(['pvesh', 'get', '/x'], { read: true })
    expect(g.calls.length).toBe(2)
    g.calls[1]!.done({ stdout: 'fresh' })
    expect((await pc).stdout).toBe('fresh')
  })

  test("a read without its own signal uses its request's", async () => {
    const g = new Gate()
    const sf = new SingleFlightExecutor(g)
    const ctl = new AbortController()
    const p = inRequestScope({ id: 'r1', address: 'x', signal: ctl.signal }, () => sf.run(['pvesh', 'get', '/y'], { read: true }))
    ctl.abort()
    await expect(p).rejects.toMatchObject({ code: 'CLIENT_GONE' })
    expect(g.calls[0]!.aborted).toBe(true)
  })

  test("a write ignores the request's signal: it runs on when the client leaves", async () => {
    const g = new Gate()
    const sf = new SingleFlightExecutor(g)
    const ctl = new AbortController()
    const p = inRequestScope({ id: 'r1', address: 'x', signal: ctl.signal }, () => sf.run(['pct', 'exec', '100', '--', 'apt', 'upgrade']))
    ctl.abort()
    expect(g.calls[0]!.aborted).toBe(false)
    g.calls[0]!.done({ exitCode: 0 })
    expect((await p).exitCode).toBe(0)
  })
})
