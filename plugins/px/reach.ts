/**
 * Reachability with a deadline. The executor's own timeout covers connecting
 * and running, but not waiting for a free channel, and ProxmoxClient reads
 * take no timeout at all: `deadline()` bounds any promise so one slow host
 * never holds an answer longer than asked.
 */
import type { ZoneHandle } from '../../src/hosts/registry.ts'
import type { PluginContext } from '../../src/plugins/types.ts'

export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`)
  }
}

/** Resolves or rejects like `p`, or rejects with DeadlineError after `ms`; a late outcome of `p` is dropped. */
export function deadline<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineError(ms)), ms)
    p.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}

/** The client-facing text of an error: an LwsError's details, else its message. */
export function reason(e: unknown): string {
  if (e && typeof e === 'object' && 'details' in e && typeof e.details === 'string') return e.details
  return e instanceof Error ? e.message : String(e)
}

/**
 * Runs a no-op on the host within `ms` and returns its round-trip time, in
 * milliseconds. Its failure is the executor's own classification (502 for
 * refused, auth, host key; 504 for a silent host, saying at which step), so
 * a host answers the same here as on any other route.
 */
export async function assertReachable(errors: PluginContext['errors'], h: ZoneHandle, ms: number): Promise<number> {
  const started = performance.now()
  try {
    await deadline(h.exec.run(['true'], { timeoutMs: ms }), ms + 100)
  } catch (e) {
    if (e instanceof DeadlineError) throw new errors.HostTimeoutError(h.label, ms, `no answer within ${errors.formatDuration(ms)}`, false)
    throw e
  }
  return performance.now() - started
}
