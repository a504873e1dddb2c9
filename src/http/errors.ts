/**
 * Turns anything thrown during a request into the seed's error shape with
 * the right status. Registered before all routes so it covers every plugin.
 * Never sends a stack trace; unexpected errors are logged with theirs.
 */
import { Elysia } from 'elysia'
import { BadRequestError, InternalError, LwsError, NotFoundError, UnauthorizedError } from '../errors/catalogue.ts'
import type { Logger } from '../log.ts'
import { errorResponse } from './edge/edge.ts'

interface ValidationLike {
  type?: string
  value?: unknown
  all?: Array<{ path?: string; message?: string; summary?: string; schema?: { title?: string } }>
  valueError?: { path?: string; message?: string }
}

/**
 * Elysia checks coerced query numbers one property at a time and then
 * reports an empty path; find the query parameter holding the bad value.
 */
function guessQueryField(err: ValidationLike, request?: Request): string | undefined {
  if (!request || err.value === undefined || (typeof err.value === 'object' && err.value !== null)) return undefined
  for (const [key, value] of new URL(request.url).searchParams) if (value === String(err.value)) return `query.${key}`
  return undefined
}

/** `body.memory: Expected integer` — always names the field. */
export function describeValidation(err: ValidationLike, request?: Request): string {
  const where = (err.type === 'property' ? guessQueryField(err, request) : undefined) ?? err.type ?? 'request'
  const items = (() => {
    try {
      return err.all ?? []
    } catch {
      return []
    }
  })()
  const lines = items.slice(0, 5).map((e) => {
    const field = (e.path ?? '').replace(/^\//, '').replaceAll('/', '.')
    return `${where}${field ? '.' + field : ''}: ${e.summary ?? e.message ?? 'invalid'}`
  })
  return [...new Set(lines)].join('; ') || `${where}: invalid`
}

const json = (_status: number, err: LwsError): Response => errorResponse(err)

/** `authorized` tells whether a request carries the right key: unknown routes answer 401 without one. */
export function errorHandler(log: Logger, authorized: (request: Request) => boolean) {
  return new Elysia({ name: 'lws-errors' }).onError({ as: 'global' }, ({ code, error, request }) => {
    if (error instanceof LwsError) return json(error.status, error)
    // Elysia wraps whatever a parser throws (e.g. our 413) in a ParseError.
    const cause = (error as { cause?: unknown }).cause
    if (cause instanceof LwsError) return json(cause.status, cause)
    switch (code) {
      case 'VALIDATION':
        return json(400, new BadRequestError(describeValidation(error as unknown as ValidationLike, request), 'VALIDATION_FAILED'))
      case 'PARSE':
        return json(400, new BadRequestError('malformed request body (expected JSON)', 'MALFORMED_BODY'))
      case 'NOT_FOUND':
        if (!authorized(request)) return json(401, new UnauthorizedError())
        return json(404, new NotFoundError(`no route ${request.method} ${new URL(request.url).pathname.slice(0, 256)}`))
      case 'INVALID_COOKIE_SIGNATURE':
      case 'INVALID_FILE_TYPE':
        return json(400, new BadRequestError(String((error as Error).message)))
    }
    // Elysia's own status() errors (e.g. thrown `status(418)`) carry a code number.
    const status = (error as { status?: number }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return json(status, new LwsError(status, 'Error', String((error as Error).message ?? 'error').slice(0, 1024)))
    }
    log.error('unhandled error', {
      method: request.method,
      path: new URL(request.url).pathname,
      error: String((error as Error)?.message ?? error),
      stack: (error as Error)?.stack,
    })
    return json(500, new InternalError())
  })
}
