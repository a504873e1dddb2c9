/**
 * Turns anything thrown during a request into the seed's error shape with
 * the right status. Registered before all routes so it covers every plugin.
 * Never sends a stack trace; unexpected errors are logged with theirs.
 */
import { ValueErrorType } from '@sinclair/typebox/errors'
import { Elysia } from 'elysia'
import { BadRequestError, InternalError, LwsError, NotFoundError, UnauthorizedError } from '../errors/catalogue.ts'
import type { Logger } from '../log.ts'
import { errorResponse } from './edge/edge.ts'

interface ValidationLike {
  type?: string
  value?: unknown
  all?: Array<{ type?: number; path?: string; message?: string; summary?: string; schema?: { title?: string } }>
  valueError?: { path?: string; message?: string }
}

const UNKNOWN_FIELD = 'unknown field'
const MAX_LINES = 5

/**
 * Fields the request contract found undeclared, kept until the request's
 * outcome is known: alone they are a 400 UNKNOWN_FIELD, next to a validation
 * error they are listed in its details, so one answer names every problem.
 */
const unknownByRequest = new WeakMap<Request, string[]>()

export function noteUnknownFields(request: Request, fields: string[]): void {
  if (fields.length) unknownByRequest.set(request, fields)
}

export const unknownFieldsOf = (request: Request | undefined): string[] => (request && unknownByRequest.get(request)) || []

const unknownLines = (fields: string[]) => fields.map((f) => `${f}: ${UNKNOWN_FIELD}`)

/** `body.hostnme: unknown field` for each field a route does not declare. */
export function unknownFieldError(fields: string[]): BadRequestError {
  return new BadRequestError(unknownLines(fields.slice(0, MAX_LINES)).join('; '), 'UNKNOWN_FIELD')
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

function validationItems(err: ValidationLike): NonNullable<ValidationLike['all']> {
  try {
    return err.all ?? []
  } catch {
    return []
  }
}

const isUnknownField = (e: { type?: number }) => e.type === ValueErrorType.ObjectAdditionalProperties

/**
 * `body.memory: Expected integer; body.hostnme: unknown field` — always names
 * the field: the validation errors first, then the undeclared fields the
 * request contract noted for this request (a schema that closes its
 * properties itself reports those as validation errors; they read the same).
 */
export function describeValidation(err: ValidationLike, request?: Request): string {
  const where = (err.type === 'property' ? guessQueryField(err, request) : undefined) ?? err.type ?? 'request'
  const lines = validationItems(err)
    .slice(0, MAX_LINES)
    .map((e) => {
      const field = (e.path ?? '').replace(/^\//, '').replaceAll('/', '.')
      return `${where}${field ? '.' + field : ''}: ${isUnknownField(e) ? UNKNOWN_FIELD : (e.summary ?? e.message ?? 'invalid')}`
    })
  const all = [...new Set([...lines, ...unknownLines(unknownFieldsOf(request))])].slice(0, MAX_LINES)
  return all.join('; ') || `${where}: invalid`
}

/** UNKNOWN_FIELD when undeclared fields are all that is wrong, else VALIDATION_FAILED. */
export function validationCode(err: ValidationLike): 'UNKNOWN_FIELD' | 'VALIDATION_FAILED' {
  const items = validationItems(err)
  return items.length > 0 && items.every(isUnknownField) ? 'UNKNOWN_FIELD' : 'VALIDATION_FAILED'
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
        return json(400, new BadRequestError(describeValidation(error as unknown as ValidationLike, request), validationCode(error as unknown as ValidationLike)))
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
