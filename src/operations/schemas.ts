/**
 * The schemas of the operations API: `Operation` (a named component of the
 * document), its list, log and events.
 */
import type { TSchema } from '@sinclair/typebox'
import { t } from '../http/openapi/typebox.ts'
import { ErrorSchema } from '../http/schemas.ts'
import { OPERATION_STATUSES } from '../store/types.ts'
import { EVENT_TYPES } from './events.ts'

const nullable = <T extends TSchema>(s: T, description?: string) => t.Union([s, t.Null()], description ? { description } : {})
const Time = t.String({ format: 'date-time' })

export const OperationStatus = t.Union(
  [t.Literal('pending'), t.Literal('running'), t.Literal('succeeded'), t.Literal('failed'), t.Literal('cancelled')],
  { description: '`pending` (accepted; waiting for its containers), `running`, then one of `succeeded`, `failed`, `cancelled`' },
)

/** What a failed, cancelled or interrupted operation answered: the Error shape plus its HTTP status (and the command output some errors carry). */
export const OperationErrorSchema = t.Object(
  {
    ...ErrorSchema.properties,
    // Text here (the document still lists ERROR_CODES as its enum: openapi/document.ts normalize()).
    code: t.String({ description: ErrorSchema.properties.code.description }),
    status_code: t.Integer({ description: 'HTTP status of the synchronous answer' }),
    stdout: t.Optional(t.String()),
    stderr: t.Optional(t.String()),
    exit_code: t.Optional(t.Integer()),
    truncated: t.Optional(t.Boolean()),
    instance_id: t.Optional(t.String()),
    container_id: t.Optional(nullable(t.String())),
  },
  { title: 'OperationError', description: 'The error answer the synchronous call gave (or gives on an idempotent retry)' },
)

export const OperationSchema = t.Object(
  {
    id: t.String({ format: 'uuid', description: 'Operation id (also in the `LWS-Operation` header of the change that started it)' }),
    kind: t.String({ description: 'What it does: `<plugin>.<verb>`', examples: ['lxc.create', 'lxc.stop', 'app.setup'] }),
    status: OperationStatus,
    created_at: Time,
    started_at: nullable(Time, 'When it started running; null while pending'),
    finished_at: nullable(Time, 'When it ended; null until then'),
    region: nullable(t.String()),
    az: nullable(t.String()),
    resources: t.Record(t.String(), t.Array(t.String()), { description: 'What it acts on, by kind: `{"instances": ["101", "102"]}`' }),
    progress: t.Object({
      done: t.Integer({ minimum: 0, description: 'Items or steps done' }),
      total: nullable(t.Integer({ minimum: 0 }), 'Items or steps in all, when known'),
      step: nullable(t.String(), 'What it is doing now; while pending, its place in the queue'),
      percent: nullable(t.Integer({ minimum: 0, maximum: 100 }), 'done / total, when total is known'),
    }),
    may_cancel: t.Boolean({ description: 'Whether DELETE /operations/{id} can stop it while it runs (a pending one can always be cancelled)' }),
    result: t.Unknown({ description: 'Once succeeded: the body the synchronous call returns; else null' }),
    error: nullable(OperationErrorSchema),
    request_id: nullable(t.String(), 'X-Request-Id of the call that started it'),
    host_task: nullable(
      t.Object({ upid: t.String({ description: 'UPID of the Proxmox worker task' }), node: t.String() }),
      'The Proxmox worker task it follows (latest), e.g. to read with `pvesh get /nodes/<node>/tasks/<upid>/log`',
    ),
  },
  { title: 'Operation', description: 'A change LWS makes on a host, tracked from the moment it is accepted until it ends' },
)

export const OperationIdParams = t.Object({ operation_id: t.String({ format: 'uuid', description: 'Operation id' }) })

export const OperationListQuery = t.Object({
  status: t.Optional(OperationStatus),
  kind: t.Optional(t.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)*$', description: 'Only this kind, e.g. `lxc.create`' })),
  instance_id: t.Optional(t.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'Only operations on this container' })),
  since: t.Optional(t.String({ format: 'date-time', description: 'Only operations created at or after this time' })),
  until: t.Optional(t.String({ format: 'date-time', description: 'Only operations created before this time' })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Page size (1–500, default 100)' })),
  next: t.Optional(t.String({ minLength: 1, maxLength: 256, description: 'The `next` of the previous page' })),
})

export const OperationListSchema = t.Object(
  {
    operations: t.Array(OperationSchema, { description: 'Newest first' }),
    next: nullable(t.String(), 'Cursor of the next page (send it as `next` with the same filters); null on the last page'),
  },
  { title: 'OperationList' },
)

export const WaitQuery = t.Object({
  timeout: t.Optional(t.Integer({ minimum: 0, maximum: 300, default: 30, description: 'Seconds to wait at most (0–300, default 30)' })),
})

export const LogQuery = t.Object({
  offset: t.Optional(t.Integer({ minimum: 0, default: 0, description: 'Lines to skip (0 = from the first line)' })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'Lines at most (1–10000, default 1000); not with follow' })),
  follow: t.Optional(t.Boolean({ default: false, description: 'Stream the lines as Server-Sent Events, new ones as they come, until the operation ends' })),
})

export const LogLineSchema = t.Object(
  { n: t.Integer({ minimum: 1, description: 'Line number (1-based)' }), at: Time, text: t.String() },
  { title: 'OperationLogLine' },
)

export const OperationLogSchema = t.Object(
  {
    operation_id: t.String({ format: 'uuid' }),
    status: OperationStatus,
    lines: t.Array(LogLineSchema),
    next_offset: t.Integer({ minimum: 0, description: '`offset` of the next read' }),
  },
  { title: 'OperationLog' },
)

export const CancelQuery = t.Object({
  wait: t.Optional(t.Integer({ minimum: 0, maximum: 300, default: 10, description: 'Seconds to wait for the operation to stop and undo its steps (default 10)' })),
})

export const EventsQuery = t.Object({
  types: t.Optional(
    t.String({ pattern: `^(${EVENT_TYPES.join('|')})(,(${EVENT_TYPES.join('|')}))*$`, description: 'Comma-separated event types (`operation,instance`); default all' }),
  ),
  after: t.Optional(t.Integer({ minimum: 0, description: 'Only events with a larger id (what `Last-Event-ID` does for a stream)' })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'JSON form: events at most (1–1000, default 100)' })),
})

export const EventSchema = t.Object(
  {
    id: t.Integer({ minimum: 1, description: 'Increasing; the SSE `id`' }),
    type: t.String({ description: 'Event type: `operation` or `instance` (more may come; skip the ones you do not know)' }),
    at: Time,
    data: t.Unknown({ description: '`operation`: `{action: created|progress|finished, operation: Operation}`; `instance`: the state change' }),
  },
  { title: 'Event' },
)

export const EventListSchema = t.Object(
  {
    events: t.Array(EventSchema, { description: 'Oldest first' }),
    last_event_id: t.Integer({ minimum: 0, description: 'Id of the newest event stored: pass it as `after` (or Last-Event-ID) next time' }),
  },
  { title: 'EventList' },
)

/** Spread into a change route's `response`: its 202 answer under `Prefer: respond-async`. */
export const operationResponses = () => ({ 202: OperationSchema })
