import { describe, expect, test } from 'bun:test'
import { Deadline, DeadlineError, timer, withDeadline } from './deadline.ts'

const later = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms))

describe('withDeadline', () => {
  test('settles like the promise when it is in time', async () => {
    expect(await withDeadline(later(5, 'ok'), 200)).toBe('ok')
    await expect(withDeadline(Promise.reject(new Error('boom')), 200)).rejects.toThrow('boom')
  })

  test('rejects with DeadlineError (or the given error) when it is not; the late value goes to onLate', async () => {
    const err = await withDeadline(later(100, 'late'), 10).catch((e) => e)
    expect(err).toBeInstanceOf(DeadlineError)
    expect(err.ms).toBe(10)
    let released: string | undefined
    await expect(withDeadline(later(60, 'conn'), 5, { error: () => new RangeError('too slow'), onLate: (v) => (released = v) })).rejects.toThrow('too slow')
    await Bun.sleep(80)
    expect(released).toBe('conn')
  })

  test('a late rejection is swallowed', async () => {
    const p = new Promise((_, reject) => setTimeout(() => reject(new Error('late failure')), 30))
    await expect(withDeadline(p, 5)).rejects.toBeInstanceOf(DeadlineError)
    await Bun.sleep(50) // an unhandled rejection would fail the test run
  })
})

describe('Deadline', () => {
  test('counts down one budget', async () => {
    const d = new Deadline(100)
    expect(d.leftMs()).toBeGreaterThan(80)
    expect(d.expired).toBe(false)
    await Bun.sleep(30)
    expect(d.elapsedMs()).toBeGreaterThanOrEqual(25)
    expect(d.leftMs()).toBeLessThanOrEqual(75)
    const gone = new Deadline(0)
    expect(gone.expired).toBe(true)
    expect(gone.leftMs()).toBe(0)
    expect(gone.leftMs(1)).toBe(1)
  })
})

describe('timer', () => {
  test('fires once unless cancelled', async () => {
    let n = 0
    const a = timer(5, () => n++)
    const b = timer(5, () => (n += 10))
    b.cancel()
    await Bun.sleep(30)
    expect(n).toBe(1)
    expect(a.fired).toBe(true)
    expect(b.fired).toBe(false)
  })
})
