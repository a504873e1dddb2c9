/**
 * Turns anything thrown during a request into the seed's error shape with
 * the right status. Registered before all routes so it covers every plugin.
 * Never sends a stack trace; unexpected errors are logged with theirs.
 */
import { Elysia } from 'elysia'
import { BadRequestError, InternalError, LwsError, NotFoundError } from '../errors/catalogue.ts'
import type { Logger } from '../log.ts'

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

function json(status: number, err: LwsError): Response {
  return new Response(JSON.stringify(err.toBody()), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

export function errorHandler(log: Logger) {
  return new Elysia({ name: 'lws-errors' }).onError({ as: 'global' }, ({ code, error, request }) => {
    if (error instanceof LwsError) return json(error.status, error)
    // Elysia wraps whatever a parser throws (e.g. our 413) in a ParseError.
    const cause = (error as { cause?: unknown }).cause
    if (cause instanceof LwsError) return json(cause.status, cause)
    switch (code) {
      case 'VALIDATION':
        return json(400, new BadRequestError(describeValidation(error as unknown as ValidationLike, request)))
      case 'PARSE':
        return json(400, new BadRequestError('malformed request body (expected JSON)'))
      case 'NOT_FOUND':
        return json(404, new NotFoundError(`no route ${request.method} ${new URL(request.url).pathname}`))
      case 'INVALID_COOKIE_SIGNATURE':
      case 'INVALID_FILE_TYPE':
        return json(400, new BadRequestError(String((error as Error).message)))
    }
    // Elysia's own status() errors (e.g. thrown `status(418)`) carry a code number.
    const status = (error as { status?: number }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return json(status, new LwsError(status, 'Error', String((error as Error).message ?? 'error')))
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
