/**
 * Every error LWS can answer with lives here, so status codes, titles and
 * machine codes stay consistent across the core and all plugins. Responses
 * always take the seed's shape `{error, details, return_code}` plus `code`, a
 * stable UPPER_SNAKE name clients can branch on instead of English text.
 */

export interface ErrorBody {
  error: string
  details: string
  return_code: number
  code: string
}

/** The code an error gets when its class names none: one per status. */
export const DEFAULT_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  500: 'INTERNAL_ERROR',
  502: 'HOST_UNREACHABLE',
  503: 'UNAVAILABLE',
  504: 'HOST_TIMEOUT',
}

/**
 * Every machine code LWS answers with. The OpenAPI `Error` schema lists them
 * as an enum and the README documents them; a code used anywhere must be
 * listed here (a test checks).
 */
export const ERROR_CODES = [
  ...new Set([
    ...Object.values(DEFAULT_CODES),
    'VALIDATION_FAILED',
    'UNKNOWN_FIELD',
    'MALFORMED_BODY',
    'BODY_TOO_DEEP',
    'MALFORMED_HOST',
    'MALFORMED_URL',
    'AUTH_RATE_LIMITED',
    'HOST_COMMAND_FAILED',
  ]),
]

export class LwsError extends Error {
  readonly code: string
  constructor(
    readonly status: number,
    readonly title: string,
    readonly details: string,
    readonly returnCode: number = 1,
    code?: string,
  ) {
    super(`${title}: ${details}`)
    this.name = new.target.name
    this.code = code ?? DEFAULT_CODES[status] ?? 'ERROR'
  }

  toBody(): ErrorBody {
    return { error: this.title, details: this.details, return_code: this.returnCode, code: this.code }
  }

  /** Extra response headers (e.g. Retry-After). */
  headers(): Record<string, string> {
    return {}
  }
}

export class BadRequestError extends LwsError {
  constructor(details: string, code = 'BAD_REQUEST') {
    super(400, 'Bad Request', details, 1, code)
  }
}

export class UnauthorizedError extends LwsError {
  constructor(details = 'missing or invalid X-API-Key header') {
    super(401, 'Unauthorized', details)
  }
}

export class RequestTimeoutError extends LwsError {
  constructor(limitMs: number) {
    super(408, 'Request Timeout', `the request body did not arrive within ${Math.round(limitMs / 1000)} s`)
  }
}

export class UriTooLongError extends LwsError {
  constructor(limit: number) {
    super(414, 'URI Too Long', `the request URL exceeds ${limit} bytes`)
  }
}

export class HeadersTooLargeError extends LwsError {
  constructor(limit: number) {
    super(431, 'Request Header Fields Too Large', `the request headers exceed ${limit} bytes`)
  }
}

/** Too many attempts from one client; `Retry-After` says when to come back. */
export class TooManyRequestsError extends LwsError {
  constructor(
    readonly retryAfterS: number,
    details: string,
    code = 'RATE_LIMITED',
  ) {
    super(429, 'Too Many Requests', details, 1, code)
  }

  override headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterS) }
  }
}

export class NotFoundError extends LwsError {
  constructor(details: string) {
    super(404, 'Not Found', details)
  }
}

export class ConflictError extends LwsError {
  constructor(details: string) {
    super(409, 'Conflict', details)
  }
}

export class PayloadTooLargeError extends LwsError {
  constructor(limitBytes: number) {
    super(413, 'Payload Too Large', `request body exceeds ${limitBytes} bytes`)
  }
}

/**
 * A command ran on a host and failed. Carries everything needed to debug it;
 * only stderr (or stdout when stderr is empty) is shown to the client.
 */
export class CommandError extends LwsError {
  constructor(
    readonly az: string,
    readonly argv: readonly string[],
    readonly stdout: string,
    readonly stderr: string,
    readonly exitCode: number,
  ) {
    const text = (stderr.trim() || stdout.trim() || `exit code ${exitCode}`).slice(0, 16_384)
    super(500, 'Command failed', text, exitCode === 0 ? 1 : exitCode, 'HOST_COMMAND_FAILED')
  }
}

/** The host could not be reached (connect refused, auth failed, DNS, host key mismatch). */
export class HostUnreachableError extends LwsError {
  constructor(
    readonly az: string,
    reason: string,
  ) {
    super(502, 'Host unreachable', `${az}: ${reason}`, 1)
  }
}

/** The host was reached but the command did not finish in time; it was killed. */
export class HostTimeoutError extends LwsError {
  constructor(
    readonly az: string,
    timeoutMs: number,
  ) {
    super(504, 'Host timeout', `${az}: no answer within ${timeoutMs} ms; the command was stopped`, 1)
  }
}

export class InternalError extends LwsError {
  constructor(details = 'unexpected error; see the server log') {
    super(500, 'Internal Server Error', details, 1)
  }
}
