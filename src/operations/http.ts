/**
 * Change routes as operations, from inside an Elysia handler:
 *
 *   .post('/lxc/instances/stop', (c) =>
 *     runAsOperation(operations, c, { kind: 'lxc.stop', region, az, resources: { instances: ids } }, async (op) => {
 *       ...
 *       return body            // exactly what the route returned before
 *     }),
 *     { response: { 200: StopResult, ...operationResponses(), ...errors } })
 *
 * - Default (synchronous): waits for the operation and answers what the
 *   work returned (or the error it failed with), plus `LWS-Operation: <id>`.
 *   A caller that disconnects does not stop the operation.
 * - `Prefer: respond-async` (RFC 7240): `202 Accepted`, `Location:
 *   /api/v1/operations/{id}`, `Preference-Applied: respond-async`, body =
 *   the operation. With `wait=N` as well, the answer waits up to N seconds
 *   and is the synchronous one if the operation ended by then.
 * - `Idempotency-Key: <key>` (IETF httpapi draft; or a `client_token` the
 *   route passes as `idempotencyKey`): the same key with the same method,
 *   path and body within 24 h gives the first call's answer (its operation
 *   while it still runs; a synchronous retry waits for it) without doing
 *   the work again, with `Idempotent-Replayed: true`; another request with
 *   that key → 422 IDEMPOTENCY_KEY_REUSED.
 */
import { createHash } from 'node:crypto'
import { currentRequest } from '../context/request-scope.ts'
import { BadRequestError } from '../errors/catalogue.ts'
import { isFinished, type OperationRecord } from '../store/types.ts'
import { ReplayedError } from './errors.ts'
import type { OpContext, OperationSpec, Operations } from './service.ts'
import { operationBody, type OperationBody } from './view.ts'

/** The part of an Elysia handler context this needs. */
export interface HandlerContext {
  request: Request
  set: { status?: number | string; headers: Record<string, string | number> | Headers | any }
  body?: unknown
}

export interface RunSpec extends Omit<OperationSpec, 'requestId'> {
  /** An idempotency key from the body (create's `client_token`), used when the request has no Idempotency-Key header. */
  idempotencyKey?: string
}

export const MAX_PREFER_WAIT_S = 300
const KEY = /^[\x21-\x7e]{1,255}$/

export interface Preferences {
  respondAsync: boolean
  /** Seconds (RFC 7240 `wait`), capped at 300; 0 when absent. */
  wait: number
}

/** `Prefer: respond-async, wait=10` (several headers arrive joined by commas). Unknown preferences are ignored, as RFC 7240 says. */
export function parsePrefer(header: string | null): Preferences {
  const out: Preferences = { respondAsync: false, wait: 0 }
  for (const item of (header ?? '').split(/[,;]/)) {
    const [rawName, rawValue] = item.split('=', 2)
    const name = rawName?.trim().toLowerCase()
    const value = rawValue?.trim().replace(/^"(.*)"$/, '$1')
    if (name === 'respond-async') out.respondAsync = true
    else if (name === 'wait' && value && /^\d{1,6}$/.test(value)) out.wait = Math.min(MAX_PREFER_WAIT_S, Number(value))
  }
  return out
}

/** The Idempotency-Key header (a bare token or a quoted string), or undefined; 400 when malformed. */
export function idempotencyKeyOf(request: Request): string | undefined {
  const raw = request.headers.get('idempotency-key')
  if (raw === null) return undefined
  const key = raw.trim().replace(/^"(.*)"$/, '$1')
  if (!KEY.test(key)) throw new BadRequestError('Idempotency-Key: must be 1–255 visible ASCII characters (no spaces)')
  return key
}

/** JSON with object keys sorted, so two bodies that mean the same have one text. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(v) ?? 'null'
}

/** What a request asks for: method, path with query, and body. */
export function requestFingerprint(request: Request, body: unknown): string {
  const url = new URL(request.url)
  return createHash('sha256')
    .update(`${request.method.toUpperCase()} ${url.pathname}${url.search}\n${body === undefined ? '' : stableJson(body)}`)
    .digest('hex')
}

/** Where an operation is (app.ts mounts the API under /api/v1). */
export const operationLocation = (id: string) => `/api/v1/operations/${id}`

function setHeader(c: HandlerContext, name: string, value: string) {
  const h = c.set.headers
  if (h instanceof Headers) h.set(name, value)
  else h[name] = value
}

/**
 * Runs `work` as an operation and answers as the route did before (see the
 * module comment). Throws what the operation failed with, so the route's
 * error answers stay the same.
 */
export async function runAsOperation<T>(ops: Operations, c: HandlerContext, spec: RunSpec, work: (op: OpContext) => Promise<T> | T): Promise<T | OperationBody> {
  const prefer = parsePrefer(c.request.headers.get('prefer'))
  const key = idempotencyKeyOf(c.request) ?? spec.idempotencyKey
  if (key !== undefined && !KEY.test(key)) throw new BadRequestError('client_token: must be 1–255 visible ASCII characters (no spaces)')
  const { idempotencyKey: _, ...rest } = spec
  const requestId = currentRequest()?.id ?? c.request.headers.get('x-request-id')
  const { operation, reused } = await ops.start({ ...rest, requestId }, work, {
    idempotency: key === undefined ? undefined : { key, fingerprint: requestFingerprint(c.request, c.body) },
  })
  setHeader(c, 'lws-operation', operation.id)
  if (reused) setHeader(c, 'idempotent-replayed', 'true')

  let current: OperationRecord = operation
  if (prefer.respondAsync) {
    if (prefer.wait > 0 && !isFinished(current.status)) current = await ops.wait(current.id, prefer.wait * 1000, c.request.signal)
    if (!isFinished(current.status)) return accepted(c, current)
  } else if (!isFinished(current.status)) {
    // Not tied to the caller: if it leaves, the wait ends but the operation goes on.
    current = await ops.wait(current.id, Number.POSITIVE_INFINITY, c.request.signal)
    if (!isFinished(current.status)) return accepted(c, current)
  }
  return answerOf(c, current) as T
}

function accepted(c: HandlerContext, op: OperationRecord): OperationBody {
  c.set.status = 202
  setHeader(c, 'location', operationLocation(op.id))
  setHeader(c, 'preference-applied', 'respond-async')
  return operationBody(op)
}

/** A finished operation as the synchronous answer: its result, or its error thrown. */
export function answerOf(c: HandlerContext, op: OperationRecord): unknown {
  if (op.status === 'succeeded') {
    if (op.result_status && op.result_status !== 200) c.set.status = op.result_status
    return op.result
  }
  const extra: Record<string, string> = { 'lws-operation': op.id }
  if (c.set.headers && !(c.set.headers instanceof Headers) && c.set.headers['idempotent-replayed']) extra['idempotent-replayed'] = 'true'
  throw new ReplayedError(op.error ?? { status: 500, body: { error: 'Internal Server Error', details: 'the operation ended without a result', return_code: 1, code: 'INTERNAL_ERROR' } }, extra)
}
