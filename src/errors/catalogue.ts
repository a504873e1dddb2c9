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

/**
 * Every machine code LWS answers with, grouped by where it arises. The OpenAPI
 * `Error` schema lists them as an enum and the README documents them; a code
 * used anywhere must be listed here (the type below and a test check).
 */
const CODES = [
  // One per status: the code of an error whose class names none (DEFAULT_CODES).
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'URI_TOO_LONG',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNPROCESSABLE',
  'RATE_LIMITED',
  'HEADERS_TOO_LARGE',
  'INTERNAL_ERROR',
  'UNAVAILABLE',
  // The request itself (src/http, src/proxmox/ids.ts, validate.ts, options.ts).
  'VALIDATION_FAILED',
  'UNKNOWN_FIELD',
  'MALFORMED_BODY',
  'BODY_TOO_DEEP',
  'MALFORMED_HOST',
  'MALFORMED_URL',
  'AUTH_RATE_LIMITED',
  // Access control (src/access/).
  'FORBIDDEN_ROLE',
  'FORBIDDEN_SCOPE',
  // Regions and availability zones (src/hosts/registry.ts).
  'ZONE_NOT_FOUND',
  'ZONE_AMBIGUOUS',
  // Reaching a host (src/exec/ssh.ts, src/exec/local.ts).
  'HOST_UNREACHABLE',
  'HOST_AUTH_FAILED',
  'HOST_KEY_MISMATCH',
  'HOST_KEY_CHANGED',
  'HOST_TIMEOUT',
  'HOST_TASK_LOST',
  // What the Proxmox layer makes of a failed PVE command (src/proxmox/errors.ts).
  'PROXMOX_TOOLS_MISSING',
  'HOST_BUSY',
  'CLIENT_GONE',
  'HOST_COMMAND_FAILED',
  'INSTANCE_NOT_FOUND',
  'INSTANCE_EXISTS',
  'INSTANCE_LOCKED',
  'INSTANCE_BUSY',
  'INSTANCE_NOT_RUNNING',
  'INSTANCE_RUNNING',
  'INSTANCE_PROTECTED',
  'SNAPSHOT_EXISTS',
  'SNAPSHOT_NOT_FOUND',
  'SNAPSHOTS_UNSUPPORTED',
  'STORAGE_NOT_FOUND',
  'FILE_NOT_FOUND',
  'DISK_NOT_FOUND',
  'DISK_SHRINK_UNSUPPORTED',
  'DISK_SIZE_UNCHANGED',
  // Plugins.
  'IMAGE_NOT_FOUND',
  'VMID_EXHAUSTED',
  'COMMAND_EXIT_NONZERO',
  // Operations (src/operations/).
  'OPERATION_NOT_FOUND',
  'OPERATION_FINISHED',
  'OPERATION_NOT_CANCELLABLE',
  'OPERATION_CANCELLED',
  'IDEMPOTENCY_KEY_REUSED',
  'INTERRUPTED',
  'SHUTTING_DOWN',
] as const

export type ErrorCode = (typeof CODES)[number]

/** The code an error gets when its class names none: one per status. */
export const DEFAULT_CODES: Record<number, ErrorCode> = {
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

/** Every machine code, each once (see CODES). */
export const ERROR_CODES: string[] = [...new Set<string>([...Object.values(DEFAULT_CODES), ...CODES])]

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (CODES as readonly string[]).includes(value)
}

/** The machine code of anything thrown: an LwsError's, else undefined. Plugins branch on this, never on text. */
export function codeOf(err: unknown): ErrorCode | undefined {
  return err instanceof LwsError ? err.code : undefined
}

/** `10 s`, `400 ms`: a duration as people read it in an error message. */
export function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${Math.round(ms)} ms`
}

export class LwsError extends Error {
  readonly code: ErrorCode
  constructor(
    readonly status: number,
    readonly title: string,
    readonly details: string,
    readonly returnCode: number = 1,
    code?: ErrorCode,
  ) {
    super(`${title}: ${details}`)
    this.name = new.target.name
    this.code = code ?? DEFAULT_CODES[status] ?? 'INTERNAL_ERROR'
  }

  toBody(): ErrorBody {
    return { error: this.title, details: this.details, return_code: this.returnCode, code: this.code }
  }

  /** Extra response headers (e.g. Retry-After). */
  headers(): Record<string, string> {
    return {}
  }

  /** The same error (status, title, code, return code) told with other details, e.g. with context in front. */
  withDetails(details: string): LwsError {
    const e = new LwsError(this.status, this.title, details, this.returnCode, this.code)
    e.cause = this
    return e
  }
}

export class BadRequestError extends LwsError {
  constructor(details: string, code: ErrorCode = 'BAD_REQUEST') {
    super(400, 'Bad Request', details, 1, code)
  }
}

export class UnauthorizedError extends LwsError {
  constructor(details = 'missing or invalid X-API-Key header') {
    super(401, 'Unauthorized', details)
  }
}

/** The key is valid but may not do this: its role is too low (FORBIDDEN_ROLE) or the place is outside its scope (FORBIDDEN_SCOPE). */
export class ForbiddenError extends LwsError {
  constructor(details: string, code: ErrorCode = 'FORBIDDEN') {
    super(403, 'Forbidden', details, 1, code)
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
    code: ErrorCode = 'RATE_LIMITED',
  ) {
    super(429, 'Too Many Requests', details, 1, code)
  }

  override headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterS) }
  }
}

export class NotFoundError extends LwsError {
  constructor(details: string, code: ErrorCode = 'NOT_FOUND') {
    super(404, 'Not Found', details, 1, code)
  }
}

export class ConflictError extends LwsError {
  constructor(details: string, code: ErrorCode = 'CONFLICT') {
    super(409, 'Conflict', details, 1, code)
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

/**
 * The program itself does not exist on the host (what a shell reports as
 * exit 127), so nothing ran. The Proxmox layer turns this into
 * ProxmoxToolsMissingError when the program is one of the PVE tools.
 */
export class ProgramMissingError extends CommandError {
  constructor(
    az: string,
    argv: readonly string[],
    /** True when the executor runs commands on this machine (no SSH). */
    readonly local: boolean,
  ) {
    super(az, argv, '', `${argv[0]}: command not found on ${local ? 'this machine' : 'the host'}`, 127)
  }

  get program(): string {
    return this.argv[0] ?? ''
  }
}

/**
 * A command the user asked for (exec, app run) ran and exited non-zero. Not a
 * host fault: the body carries the command's own streams and exit code.
 */
export class CommandExitError extends LwsError {
  constructor(
    readonly stdout: string,
    readonly stderr: string,
    readonly exitCode: number,
    readonly truncated: boolean,
    details: string,
    /** Route-specific fields added to the body (instance_id, container_id, ...). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(500, `Command exited with status ${exitCode}`, details, exitCode, 'COMMAND_EXIT_NONZERO')
  }

  override toBody(): ErrorBody & Record<string, unknown> {
    return { ...super.toBody(), ...this.extra, stdout: this.stdout, stderr: this.stderr, exit_code: this.exitCode, truncated: this.truncated }
  }
}

/**
 * The host could not be reached: connection refused, no route, DNS. The
 * subclasses below are the other ways of not getting in (502 all).
 */
export class HostUnreachableError extends LwsError {
  constructor(
    readonly az: string,
    reason: string,
    code: ErrorCode = 'HOST_UNREACHABLE',
    title = 'Host unreachable',
  ) {
    super(502, title, `${az}: ${reason}`, 1, code)
  }
}

/** The host answered but refused our credentials (or the key file is unusable). */
export class HostAuthError extends HostUnreachableError {
  constructor(az: string, reason: string) {
    super(az, reason, 'HOST_AUTH_FAILED', 'Host authentication failed')
  }
}

/** The host presented a key other than the pinned `ssh_host_fingerprint`: nothing was sent to it. */
export class HostKeyMismatchError extends HostUnreachableError {
  constructor(az: string, reason: string) {
    super(az, reason, 'HOST_KEY_MISMATCH', 'Host key mismatch')
  }
}

/**
 * The host offered a key other than the one first seen (trust on first use,
 * state_dir/known_hosts): nothing was sent; an admin accepts the new key
 * with POST /api/v1/px/hosts/trust.
 */
export class HostKeyChangedError extends HostUnreachableError {
  constructor(az: string, reason: string) {
    super(az, reason, 'HOST_KEY_CHANGED', 'Host key changed')
  }
}

/**
 * The host did not answer in time. `reason` says at which step (no TCP
 * connection, no SSH greeting, every SSH channel busy, a command that ran too
 * long): the limit covers waiting and connecting as well as running. Without
 * one it is a command that ran past `timeoutMs` and was stopped.
 */
export class HostTimeoutError extends LwsError {
  /** Whether the command had started on the host (and was stopped), or never ran. */
  readonly commandStarted: boolean
  constructor(
    readonly az: string,
    readonly timeoutMs: number,
    reason?: string,
    commandStarted = reason === undefined,
  ) {
    super(504, 'Host timeout', `${az}: ${reason ?? `no answer within ${formatDuration(timeoutMs)}; the command was stopped`}`, 1)
    this.commandStarted = commandStarted
  }
}

/**
 * An AZ's host lacks the Proxmox VE tools, so no Proxmox call can work there:
 * a local AZ on a machine that is not a Proxmox VE host, or a remote host
 * that is not one.
 */
/**
 * Every channel of the AZ's share is taken and its queue is full (or a
 * stream found no free channel): refused at once, so the client retries
 * instead of waiting for a 504.
 */
export class HostBusyError extends LwsError {
  constructor(
    readonly az: string,
    readonly retryAfterS: number,
    details: string,
  ) {
    super(503, 'Host busy', `${az}: ${details}`, 1, 'HOST_BUSY')
  }

  override headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterS) }
  }
}

export class ProxmoxToolsMissingError extends LwsError {
  constructor(
    readonly az: string,
    readonly tools: readonly string[],
    readonly local: boolean,
  ) {
    const what = `${tools.join(', ')} not found`
    super(
      503,
      'Proxmox VE tools missing',
      local
        ? `${az}: ${what} on PATH; this machine is not a Proxmox VE host: configure remote availability zones (host, ssh_key_file or ssh_password) instead of local: true`
        : `${az}: ${what} on the host; it is not a Proxmox VE host, or the tools are not on the SSH user's PATH`,
      127,
      'PROXMOX_TOOLS_MISSING',
    )
  }
}

export class InternalError extends LwsError {
  constructor(details = 'unexpected error; see the server log') {
    super(500, 'Internal Server Error', details, 1)
  }
}
