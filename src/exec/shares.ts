/**
 * Splits an AZ's channels between quick commands, long ones and streams, so
 * that no kind of work can starve another: streams and long tasks are
 * capped below the total, which leaves channels that only quick commands
 * (reads, status probes, pct set) can take. One SSH connection carries at
 * most sshd's MaxSessions channels (10 by default), and every `pct`/`pvesh`
 * start costs the host a Perl start-up, so the split bounds the host's load
 * as much as the connection's.
 *
 * Beyond a bounded queue a command is refused at once with 503 HOST_BUSY and
 * Retry-After instead of waiting into a 504. A stream never queues: a client
 * following logs wants them now, not after someone else's stream ended.
 */
import { formatDuration, HostBusyError } from '../errors/catalogue.ts'
import type { Executor, RunOptions, RunResult, Share, StreamHandle, StreamOptions } from './executor.ts'

export type ShareName = Share | 'stream'

export interface ShareLimits {
  /** Channels in use at once, all shares together (≤ the executor's own channel cap). */
  total: number
  /** At most this many long commands at once. */
  long: number
  /** At most this many streams at once. */
  stream: number
  /** Commands that may wait per share; one more is refused with HOST_BUSY. */
  queue: { short: number; long: number }
  /** Seconds the 503 tells the client to wait. */
  retryAfterS: number
}

/** For 8 channels: 3 long, 3 streams, and at least 2 that only quick commands use. */
export function defaultShareLimits(total = 8): ShareLimits {
  const long = Math.max(1, Math.floor((total * 3) / 8))
  const stream = long
  return { total, long, stream, queue: { short: 64, long: 16 }, retryAfterS: 2 }
}

export interface ShareStats {
  inUse: Record<ShareName, number>
  queued: Record<ShareName, number>
}

interface Waiter {
  share: Share
  grant: () => void
}

const SHARE_WORDS: Record<ShareName, string> = { short: 'quick commands', long: 'long tasks', stream: 'streams' }

export class SharedChannels {
  private readonly inUse: Record<ShareName, number> = { short: 0, long: 0, stream: 0 }
  private readonly waiting: Waiter[] = []

  constructor(
    readonly az: string,
    readonly limits: ShareLimits,
  ) {
    if (limits.long + limits.stream >= limits.total) throw new RangeError('shares: long + stream must leave channels for quick commands')
  }

  private total(): number {
    return this.inUse.short + this.inUse.long + this.inUse.stream
  }

  private fits(share: ShareName): boolean {
    if (this.total() >= this.limits.total) return false
    if (share === 'long') return this.inUse.long < this.limits.long
    if (share === 'stream') return this.inUse.stream < this.limits.stream
    return true
  }

  private queued(share: Share): number {
    let n = 0
    for (const w of this.waiting) if (w.share === share) n++
    return n
  }

  stats(): ShareStats {
    return { inUse: { ...this.inUse }, queued: { short: this.queued('short'), long: this.queued('long'), stream: 0 } }
  }

  private busy(share: ShareName, why: string): HostBusyError {
    return new HostBusyError(this.az, this.limits.retryAfterS, `${why}; retry in ${this.limits.retryAfterS} s`)
  }

  private take(share: ShareName): () => void {
    this.inUse[share]++
    let released = false
    return () => {
      if (released) return
      released = true
      this.inUse[share]--
      this.wake()
    }
  }

  /** Grants waiters in arrival order, skipping those whose share is full (a long task does not hold up a read). */
  private wake(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const w = this.waiting[i]!
      if (this.fits(w.share)) {
        this.waiting.splice(i, 1)
        w.grant()
      } else i++
    }
  }

  /** A stream's channel now, or HOST_BUSY. */
  acquireStream(): () => void {
    if (!this.fits('stream')) {
      const n = this.inUse.stream >= this.limits.stream ? this.limits.stream : this.limits.total
      throw this.busy('stream', `all ${n} channels for ${this.inUse.stream >= this.limits.stream ? SHARE_WORDS.stream : 'commands'} are in use`)
    }
    return this.take('stream')
  }

  /**
   * A channel of `share`, waiting at most `waitMs` in the queue. Refused at
   * once when the queue is full; HOST_BUSY too when the wait runs out,
   * because the command never started.
   */
  acquire(share: Share, waitMs: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'))
    if (this.fits(share) && !this.waiting.some((w) => w.share === share)) return Promise.resolve(this.take(share))
    if (this.queued(share) >= this.limits.queue[share]) {
      return Promise.reject(this.busy(share, `${this.limits.queue[share]} ${SHARE_WORDS[share]} are already waiting for a channel`))
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        share,
        grant: () => {
          cleanup()
          resolve(this.take(share))
        },
      }
      const leave = (err: unknown) => {
        const i = this.waiting.indexOf(w)
        if (i < 0) return
        this.waiting.splice(i, 1)
        cleanup()
        reject(err)
      }
      const timer = setTimeout(
        () => leave(this.busy(share, `no channel for ${SHARE_WORDS[share]} became free within ${formatDuration(waitMs)}; the command did not start`)),
        Math.max(1, waitMs),
      )
      const onAbort = () => leave(signal!.reason ?? new Error('aborted'))
      const cleanup = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(w)
    })
  }
}

/** An executor whose commands take a channel of their share first (see SharedChannels). */
export class SharedExecutor implements Executor {
  readonly channels: SharedChannels

  constructor(
    readonly inner: Executor,
    limits: ShareLimits,
    /** The inner executor's default timeout: time spent queued counts against it. */
    private readonly defaultTimeoutMs: number,
  ) {
    this.channels = new SharedChannels(inner.label, limits)
  }

  get label(): string {
    return this.inner.label
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs
    const t0 = performance.now()
    const release = await this.channels.acquire(opts.share ?? 'short', timeoutMs, opts.signal)
    try {
      // A channel granted at once costs no time: the limit stays as given (and reads "1 s" in errors, not "999 ms").
      const waited = performance.now() - t0
      const left = waited < 5 ? timeoutMs : Math.max(1, Math.round(timeoutMs - waited))
      return await this.inner.run(argv, { ...opts, timeoutMs: left })
    } finally {
      release()
    }
  }

  async stream(argv: readonly string[], opts: StreamOptions = {}): Promise<StreamHandle> {
    const release = this.channels.acquireStream()
    let handle: StreamHandle
    try {
      handle = await this.inner.stream(argv, opts)
    } catch (err) {
      release()
      throw err
    }
    handle.exited.then(release, release)
    return handle
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
