/**
 * Every error LWS can answer with lives here, so status codes and titles stay
 * consistent across the core and all plugins. Responses always take the seed's
 * shape `{error, details, return_code}`.
 */

export interface ErrorBody {
  error: string
  details: string
  return_code: number
}

export class LwsError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly details: string,
    readonly returnCode: number = 1,
  ) {
    super(`${title}: ${details}`)
    this.name = new.target.name
  }

  toBody(): ErrorBody {
    return { error: this.title, details: this.details, return_code: this.returnCode }
  }
}

export class BadRequestError extends LwsError {
  constructor(details: string) {
    super(400, 'Bad Request', details)
  }
}

export class UnauthorizedError extends LwsError {
  constructor(details = 'missing or invalid X-API-Key header') {
    super(401, 'Unauthorized', details)
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
    super(500, 'Command failed', text, exitCode === 0 ? 1 : exitCode)
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
