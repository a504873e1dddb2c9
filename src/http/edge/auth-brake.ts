/**
 * Slows down key guessing: after `limit` failed keys from one client
 * address within a minute, that address gets 429 for every request that
 * carries a key (the right one included, or the brake would still confirm
 * guesses) until the oldest failure is a minute old. Other addresses are
 * not affected. Memory is bounded: at most `maxAddresses` are tracked, the
 * least recently failing are forgotten first.
 */
export interface AuthBrakeOptions {
  limit: number
  windowMs?: number
  maxAddresses?: number
  now?: () => number
}

export class AuthBrake {
  private readonly failures = new Map<string, number[]>()
  private readonly windowMs: number
  private readonly maxAddresses: number
  private readonly now: () => number

  constructor(private readonly opts: AuthBrakeOptions) {
    if (!(opts.limit >= 1)) throw new Error('AuthBrake: limit must be at least 1')
    this.windowMs = opts.windowMs ?? 60_000
    this.maxAddresses = opts.maxAddresses ?? 10_000
    this.now = opts.now ?? Date.now
  }

  private recent(address: string): number[] {
    const list = this.failures.get(address)
    if (!list) return []
    const cutoff = this.now() - this.windowMs
    while (list.length && list[0]! <= cutoff) list.shift()
    if (!list.length) this.failures.delete(address)
    return list
  }

  /** Seconds until `address` may try again, or 0 when it may now. */
  retryAfterS(address: string): number {
    const list = this.recent(address)
    if (list.length < this.opts.limit) return 0
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - this.now()) / 1000))
  }

  fail(address: string): void {
    const list = this.recent(address)
    list.push(this.now())
    if (list.length > this.opts.limit) list.shift()
    this.failures.delete(address) // re-insert: Map order = least recently failing first
    this.failures.set(address, list)
    if (this.failures.size > this.maxAddresses) this.failures.delete(this.failures.keys().next().value!)
  }
}
