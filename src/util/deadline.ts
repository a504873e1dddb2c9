/**
 * Time limits on work that has no timeout of its own: the one copy for
 * plugins (they get it as `ctx.time`).
 *
 * - `withDeadline(p, ms)`: settle like `p`, or reject after `ms`; a late
 *   outcome of `p` is dropped (or handed to `onLate`, e.g. to close what it
 *   opened).
 * - `Deadline`: one budget shared by several steps (`leftMs()` for the next
 *   step's own timeout).
 * - `timer(ms, fn)`: run `fn` once after `ms` unless cancelled, and tell
 *   whether it ran (kill a stream that outlives its limit).
 */

/** The rejection of `withDeadline` when no `error` is given. */
export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`)
    this.name = 'DeadlineError'
  }
}

export interface DeadlineOptions<T> {
  /** The reason to reject with when the time is up (default: a DeadlineError). */
  error?: () => unknown
  /** Receives the value `p` resolves with after the time was up (to release it). */
  onLate?: (value: T) => void
}

/** Resolves or rejects like `p`, or rejects after `ms`; a late outcome of `p` never escapes. */
export function withDeadline<T>(p: Promise<T>, ms: number, opts: DeadlineOptions<T> = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false
    const t = setTimeout(() => {
      expired = true
      reject(opts.error ? opts.error() : new DeadlineError(ms))
    }, Math.max(0, ms))
    p.then(
      (v) => {
        if (expired) opts.onLate?.(v)
        else {
          clearTimeout(t)
          resolve(v)
        }
      },
      (e) => {
        if (expired) return
        clearTimeout(t)
        reject(e)
      },
    )
  })
}

/** A time budget that starts now and ends `ms` later, on the monotonic clock. */
export class Deadline {
  readonly startedAt = performance.now()
  readonly endsAt: number

  constructor(readonly ms: number) {
    this.endsAt = this.startedAt + ms
  }

  /** Milliseconds left, never below `floor` (so a next step still gets a positive timeout). */
  leftMs(floor = 0): number {
    return Math.max(floor, Math.round(this.endsAt - performance.now()))
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.startedAt)
  }

  get expired(): boolean {
    return performance.now() >= this.endsAt
  }
}

export interface Timer {
  /** Stop it; `fn` will not run any more. */
  cancel(): void
  /** `fn` has run. */
  readonly fired: boolean
}

/** Runs `fn` once after `ms` unless cancelled first. */
export function timer(ms: number, fn: () => void): Timer {
  let fired = false
  const t = setTimeout(() => {
    fired = true
    fn()
  }, Math.max(0, ms))
  return {
    cancel: () => clearTimeout(t),
    get fired() {
      return fired
    },
  }
}
