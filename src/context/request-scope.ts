/**
 * The request a piece of work runs for, without passing it down every call:
 * the edge enters the scope, and host-command logs (request id), reads that
 * stop when their client has gone (signal) and audit read it back.
 * AsyncLocalStorage follows awaits and timers in Bun and Deno alike.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export interface RequestScope {
  /** The X-Request-Id the answer carries. */
  id: string
  /** Client address as the runtime saw it. */
  address: string
  /** Aborted when the client disconnects before the answer is complete. */
  signal?: AbortSignal
}

const storage = new AsyncLocalStorage<RequestScope>()

export function inRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn)
}

/** The scope of the request being served, or undefined outside one (start-up, background work). */
export function currentRequest(): RequestScope | undefined {
  return storage.getStore()
}
