/**
 * Identical concurrent reads on one AZ share one host command: 200 clients
 * listing the same AZ cost one `pvesh get`, not 200 Perl start-ups. A read
 * is stopped on the host once every caller waiting for it has gone (its
 * signal, or its request's, aborted), as on a timeout. Only runs marked
 * `read` are shared: a change must run once per request, and must not stop
 * because the client left.
 */
import { currentRequest } from '../context/request-scope.ts'
import { LwsError } from '../errors/catalogue.ts'
import type { Executor, RunOptions, RunResult, StreamHandle, StreamOptions } from './executor.ts'

interface Flight {
  result: Promise<RunResult>
  waiters: number
  stop: AbortController
}

/** What a caller whose client has gone gets; nobody reads it but the request log. */
export class ClientGoneError extends LwsError {
  constructor(az: string) {
    super(499, 'Client closed request', `${az}: the client went away before the answer; the read was stopped`, 1, 'CLIENT_GONE')
  }
}

export class SingleFlightExecutor implements Executor {
  private readonly flights = new Map<string, Flight>()
  /** Reads answered by joining one already in flight (metrics read it). */
  hits = 0

  constructor(
    readonly inner: Executor,
    private readonly onHit: () => void = () => {},
  ) {}

  get label(): string {
    return this.inner.label
  }

  /** Runs in flight now (tests read it). */
  get inFlight(): number {
    return this.flights.size
  }

  run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const signal = opts.signal ?? (opts.read ? currentRequest()?.signal : undefined)
    // Binary stdin is not keyed; such reads run alone.
    if (!opts.read || (opts.stdin !== undefined && typeof opts.stdin !== 'string')) return this.inner.run(argv, signal ? { ...opts, signal } : opts)
    const key = JSON.stringify([argv, opts.stdin ?? null, opts.maxOutputBytes ?? null, opts.share ?? 'short'])
    let flight = this.flights.get(key)
    if (flight) {
      this.hits++
      this.onHit()
    } else {
      const stop = new AbortController()
      const f: Flight = { result: this.inner.run(argv, { ...opts, signal: stop.signal }), waiters: 0, stop }
      const done = () => {
        if (this.flights.get(key) === f) this.flights.delete(key)
      }
      f.result.then(done, done)
      this.flights.set(key, f)
      flight = f
    }
    return this.join(flight, key, signal)
  }

  private join(f: Flight, key: string, signal: AbortSignal | undefined): Promise<RunResult> {
    f.waiters++
    return new Promise<RunResult>((resolve, reject) => {
      let left = false
      const leave = () => {
        if (left) return
        left = true
        signal?.removeEventListener('abort', onAbort)
        f.waiters--
      }
      const onAbort = () => {
        leave()
        if (f.waiters === 0) {
          // Nobody waits any more: a later identical read starts afresh rather than join a stopped one.
          if (this.flights.get(key) === f) this.flights.delete(key)
          f.stop.abort()
        }
        reject(new ClientGoneError(this.label))
      }
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      f.result.then(
        (r) => {
          if (left) return
          leave()
          resolve(r)
        },
        (e) => {
          if (left) return
          leave()
          reject(e)
        },
      )
    })
  }

  stream(argv: readonly string[], opts: StreamOptions = {}): Promise<StreamHandle> {
    return this.inner.stream(argv, opts)
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
