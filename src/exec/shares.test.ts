import { describe, expect, test } from 'bun:test'
import { HostBusyError } from '../errors/catalogue.ts'
import { defaultShareLimits, SharedChannels } from './shares.ts'

const limits = (over: Partial<ReturnType<typeof defaultShareLimits>> = {}) => ({ ...defaultShareLimits(8), ...over })

describe('SharedChannels', () => {
  test('8 channels: 3 long, 3 streams, and quick commands keep the rest', async () => {
    const c = new SharedChannels('r/az', limits())
    const long = await Promise.all([0, 1, 2].map(() => c.acquire('long', 1000)))
    const streams = [c.acquireStream(), c.acquireStream(), c.acquireStream()]
    expect(() => c.acquireStream()).toThrow(HostBusyError)
    const fourthLong = c.acquire('long', 5000)
    // Long and stream work is capped: two channels are still free for quick commands.
    const quick = await Promise.all([0, 1].map(() => c.acquire('short', 1000)))
    expect(c.stats().inUse).toEqual({ short: 2, long: 3, stream: 3 })
    expect(c.stats().queued.long).toBe(1)
    long[0]!()
    await fourthLong
    for (const r of [...long, ...streams, ...quick]) r()
  })

  test('a full queue is refused at once with HOST_BUSY and Retry-After', async () => {
    const c = new SharedChannels('r/az', limits({ queue: { short: 2, long: 1 } }))
    const held = await Promise.all([0, 1, 2].map(() => c.acquire('long', 1000)))
    const waiting = c.acquire('long', 10_000)
    const t0 = performance.now()
    const err = await c.acquire('long', 10_000).catch((e) => e)
    expect(performance.now() - t0).toBeLessThan(50)
    expect(err).toBeInstanceOf(HostBusyError)
    expect(err.code).toBe('HOST_BUSY')
    expect(err.status).toBe(503)
    expect(err.headers()['retry-after']).toBe('2')
    held[0]!()
    ;(await waiting)()
    for (const r of held) r()
  })

  test('a wait that runs out is HOST_BUSY "did not start", not a 504', async () => {
    const c = new SharedChannels('r/az', limits({ total: 2, long: 1, stream: 0 }))
    const a = await c.acquire('short', 100)
    const b = await c.acquire('short', 100)
    const err = await c.acquire('short', 50).catch((e) => e)
    expect(err.code).toBe('HOST_BUSY')
    expect(err.details).toContain('did not start')
    expect(c.stats().queued.short).toBe(0)
    a()
    b()
  })

  test('a queued long task does not hold up a quick command behind it', async () => {
    const c = new SharedChannels('r/az', limits({ total: 4, long: 1, stream: 1 }))
    const l = await c.acquire('long', 1000)
    const s = [await c.acquire('short', 1000), await c.acquire('short', 1000), await c.acquire('short', 1000)]
    const queuedLong = c.acquire('long', 5000)
    const queuedShort = c.acquire('short', 5000)
    s[0]!() // a free channel: the long share is still full, so the quick command gets it
    const got = await Promise.race([queuedShort.then(() => 'short'), queuedLong.then(() => 'long')])
    expect(got).toBe('short')
    l()
    ;(await queuedLong)()
    ;(await queuedShort)()
    s[1]!()
    s[2]!()
    expect(c.stats().inUse).toEqual({ short: 0, long: 0, stream: 0 })
  })

  test('an aborted waiter leaves the queue; release is idempotent', async () => {
    const c = new SharedChannels('r/az', limits({ total: 2, long: 1, stream: 0 }))
    const a = await c.acquire('short', 100)
    const b = await c.acquire('short', 100)
    const ctl = new AbortController()
    const waiting = c.acquire('short', 10_000, ctl.signal)
    ctl.abort()
    await expect(waiting).rejects.toBeDefined()
    expect(c.stats().queued.short).toBe(0)
    a()
    a()
    expect(c.stats().inUse.short).toBe(1)
    b()
  })

  test('limits that leave nothing for quick commands are refused', () => {
    expect(() => new SharedChannels('x', limits({ total: 4, long: 2, stream: 2 }))).toThrow(RangeError)
  })
})
