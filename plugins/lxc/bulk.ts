/**
 * Helpers for requests that act on several containers: bounded concurrency,
 * per-instance failures in the seed's error shape, and the rule for the HTTP
 * status of the whole answer (all failed → the failure itself; otherwise 200
 * with each result); the operation such a request runs as.
 */
import type { Static } from '@sinclair/typebox'
import type { ErrorCode } from '../../src/errors/catalogue.ts'
import type { ZoneHandle } from '../../src/hosts/registry.ts'
import type { HandlerContext } from '../../src/operations/http.ts'
import type { OpContext } from '../../src/operations/service.ts'
import { ACTIONS_PER_REQUEST, type LxcContext } from './context.ts'
import type { LxcSchemas } from './schemas.ts'

export type Failure = Static<LxcSchemas['Failure']>
export type ActionResult = Static<LxcSchemas['ActionResult']>

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/**
 * De-duplicated ids as strings, in request order. The body schema
 * (`InstanceIds`) has already checked each against the VMID pattern (strings)
 * or range (integers), before anything ran; the Proxmox layer checks each
 * again before its command.
 */
export function uniqueIds(input: ReadonlyArray<string | number>): string[] {
  return [...new Set(input.map(String))]
}

/** Anything thrown → the failure shape; errors that are not LwsErrors are logged and hidden. */
export function toFailure(c: LxcContext, err: unknown, instanceId?: string): Failure {
  const e = err instanceof c.errors.LwsError ? err : unexpected(c, err)
  const f: Failure = { status_code: e.status, error: e.title, details: e.details, return_code: e.returnCode, code: e.code }
  if (instanceId !== undefined) f.instance_id = instanceId
  return f
}

function unexpected(c: LxcContext, err: unknown) {
  c.log.error('lxc: unexpected error', { error: String((err as Error)?.message ?? err), stack: (err as Error)?.stack })
  return new c.errors.InternalError()
}

/** A Failure (of this plugin's answers) as the error to throw, code included. */
export function failureError(c: LxcContext, f: Failure, details = f.details) {
  return new c.errors.LwsError(f.status_code, f.error, details, f.return_code, c.errors.isErrorCode(f.code) ? f.code : undefined)
}

/**
 * The error answer when nothing succeeded: one failure is returned as itself;
 * several are summed up, with their common code, else their status's, else
 * (mixed statuses) as failed commands.
 */
export function allFailedError(c: LxcContext, failures: Failure[]) {
  const first = failures[0]!
  if (failures.length === 1) return failureError(c, first)
  const sameStatus = failures.every((f) => f.status_code === first.status_code)
  const sameCode = sameStatus && failures.every((f) => f.code === first.code)
  const details = failures.map((f) => (f.instance_id ? `${f.instance_id}: ${f.details}` : f.details)).join('; ')
  if (sameCode) return failureError(c, first, details)
  const code: ErrorCode | undefined = sameStatus ? undefined : 'HOST_COMMAND_FAILED'
  return new c.errors.LwsError(sameStatus ? first.status_code : 500, sameStatus ? first.error : 'Command failed', details, first.return_code, code)
}

/**
 * Runs one action per id and builds the bulk answer. `act` returns the
 * success row (plus any route-specific fields); anything it throws becomes
 * that id's failure.
 */
export async function bulk<Extra extends object = object>(
  c: LxcContext,
  ids: string[],
  act: (id: string) => Promise<Omit<ActionResult, 'instance_id' | 'success'> & Extra>,
  op?: OpContext,
): Promise<{ output: string; results: Array<ActionResult & Partial<Extra>> }> {
  let done = 0
  const results = await mapLimit(ids, ACTIONS_PER_REQUEST, async (id): Promise<ActionResult & Partial<Extra>> => {
    try {
      // Cancelled (several ids): the ones not started yet are not started.
      op?.throwIfCancelled()
      const row = { instance_id: id, success: true, ...(await act(id)) } as ActionResult & Partial<Extra>
      op?.log(`${id}: ${row.message}`)
      return row
    } catch (err) {
      const error = toFailure(c, err, id)
      op?.log(`${id}: failed: ${error.details}`)
      return { instance_id: id, success: false, message: error.details, error } as ActionResult & Partial<Extra>
    } finally {
      if (op && ids.length > 1) op.progress({ done: ++done })
    }
  })
  op?.throwIfCancelled()
  const failed = results.filter((r) => !r.success).map((r) => r.error!)
  if (failed.length === results.length) throw allFailedError(c, failed)
  const output = results.map((r) => `${r.instance_id}: ${r.success ? r.message : `failed: ${r.message}`}`).join('\n')
  return { output, results }
}

/** The HTTP context a change route hands to `c.ops.run`. */
export type RouteContext = HandlerContext

/**
 * A bulk change (power, terminate, scale) as one operation on its
 * containers: they are locked for its run (one change per container at a
 * time), progress counts them when there are several, and a cancel skips
 * the ones not started yet (a started host task runs to its end).
 */
export function bulkOperation<Extra extends object = object>(
  c: LxcContext,
  ctx: RouteContext,
  kind: string,
  zone: ZoneHandle,
  ids: string[],
  act: (op: OpContext, id: string) => Promise<Omit<ActionResult, 'instance_id' | 'success'> & Extra>,
) {
  return c.ops.run(
    ctx,
    { kind, ...c.placementOf(zone), resources: { instances: ids }, total: ids.length > 1 ? ids.length : null, mayCancel: ids.length > 1 },
    (op) => bulk(c, ids, (id) => act(op, id), op),
  )
}

/** An `instance` event (GET /events) for a state change LWS made. */
export function instanceEvent(
  c: LxcContext,
  op: OpContext,
  zone: ZoneHandle,
  id: string,
  action: 'created' | 'started' | 'stopped' | 'rebooted' | 'terminated' | 'rolled_back',
  state: string,
): void {
  void c.ops.publishEvent('instance', { instance_id: id, ...c.placementOf(zone), state, action, operation_id: op.id })
}

/** What a host command printed (a task log), into the operation log; nothing for empty output. */
export function logOutput(op: OpContext, text: string): void {
  const trimmed = text.replace(/\s+$/, '')
  if (trimmed) op.log(trimmed)
}
