/** An operation as clients see it (the `Operation` schema), from its stored record. */
import type { Static } from '@sinclair/typebox'
import type { OperationRecord } from '../store/types.ts'
import type { OperationSchema } from './schemas.ts'

/** What GET /operations/{id} answers (the `Operation` schema). */
export type OperationBody = Static<typeof OperationSchema>

export function percentOf(done: number, total: number | null): number | null {
  if (total === null || total <= 0) return null
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)))
}

export function operationBody(r: OperationRecord): OperationBody {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    created_at: r.created_at,
    started_at: r.started_at,
    finished_at: r.finished_at,
    region: r.region,
    az: r.az,
    resources: r.resources,
    progress: { ...r.progress, percent: percentOf(r.progress.done, r.progress.total) },
    may_cancel: r.may_cancel,
    result: r.result ?? null,
    error: r.error ? ({ ...r.error.body, status_code: r.error.status } as NonNullable<OperationBody['error']>) : null,
    request_id: r.request_id,
    host_task: r.host_task ?? null,
  }
}
