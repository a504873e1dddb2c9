/** The errors the operations layer answers with (codes in src/errors/catalogue.ts). */
import { ConflictError, LwsError, NotFoundError, type ErrorBody } from '../errors/catalogue.ts'
import type { StoredError } from '../store/types.ts'

export class OperationNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no operation ${id.slice(0, 64)}`, 'OPERATION_NOT_FOUND')
  }
}

export class OperationFinishedError extends ConflictError {
  constructor(id: string, status: string) {
    super(`operation ${id} has already ended (${status})`, 'OPERATION_FINISHED')
  }
}

export class OperationNotCancellableError extends ConflictError {
  constructor(id: string, kind: string) {
    super(`operation ${id} (${kind}) cannot be cancelled once it runs`, 'OPERATION_NOT_CANCELLABLE')
  }
}

/** What a cancelled operation's `error` says, and what its synchronous caller gets. */
export class OperationCancelledError extends ConflictError {
  constructor(id: string, how = 'by DELETE /api/v1/operations/' + id) {
    super(`operation ${id} was cancelled ${how}`, 'OPERATION_CANCELLED')
  }
}

export class IdempotencyKeyReusedError extends LwsError {
  constructor(key: string) {
    super(
      422,
      'Unprocessable Content',
      `Idempotency-Key ${JSON.stringify(key.slice(0, 64))} was used for a different request (method, path or body) within the last 24 h; use a new key`,
      1,
      'IDEMPOTENCY_KEY_REUSED',
    )
  }
}

/** The operation was running (or waiting) when LWS stopped; it did not finish. */
export class InterruptedError extends LwsError {
  constructor(details: string) {
    super(500, 'Interrupted', details, 1, 'INTERRUPTED')
  }
}

/** New changes are refused while LWS drains before it stops. */
export class ShuttingDownError extends LwsError {
  constructor(readonly retryAfterS = 30) {
    super(503, 'Service Unavailable', 'LWS is shutting down and takes no new changes; retry against the restarted service', 1, 'SHUTTING_DOWN')
  }

  override headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterS) }
  }
}

/**
 * A stored error told again: the same status, body and headers the first
 * answer had (a synchronous caller, an idempotent retry), plus the headers
 * given here (LWS-Operation).
 */
export class ReplayedError extends LwsError {
  constructor(
    private stored: StoredError,
    private extraHeaders: Record<string, string> = {},
  ) {
    const b = stored.body
    super(stored.status, b.error, b.details, b.return_code, b.code as LwsError['code'])
  }

  override toBody(): ErrorBody & Record<string, unknown> {
    return { ...this.stored.body }
  }

  override headers(): Record<string, string> {
    return { ...(this.stored.headers ?? {}), ...this.extraHeaders }
  }
}

/** Anything thrown, as the error a client gets (unexpected ones as a 500 whose cause goes to the log). */
export function storedErrorOf(err: unknown, fallback: () => LwsError): StoredError {
  const e = err instanceof LwsError ? err : fallback()
  const headers = e.headers()
  return { status: e.status, body: { ...e.toBody() }, ...(Object.keys(headers).length ? { headers } : {}) }
}
