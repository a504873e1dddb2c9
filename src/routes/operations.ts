/**
 * /operations: every change LWS made or is making (src/operations/): list,
 * describe, wait for, read the log of (or follow it), cancel.
 */
import { Elysia } from 'elysia'
import { BadRequestError } from '../errors/catalogue.ts'
import { t } from '../http/openapi/typebox.ts'
import { errorResponses } from '../http/schemas.ts'
import { InvalidCursorError } from '../store/index.ts'
import type { Operations } from '../operations/service.ts'
import {
  CancelQuery,
  LogQuery,
  OperationIdParams,
  OperationListQuery,
  OperationListSchema,
  OperationLogSchema,
  OperationSchema,
  WaitQuery,
} from '../operations/schemas.ts'
import { lastEventIdOf, logStream, sseResponse } from '../operations/streams.ts'
import { operationBody } from '../operations/view.ts'
import { isFinished } from '../store/types.ts'

const tags = ['operations']
const iso = (v: string | undefined) => (v === undefined ? undefined : new Date(v).toISOString())

export function operationsRoutes(ops: Operations) {
  return new Elysia({ name: 'lws-operations' })
    .get(
      '/operations',
      async ({ query }) => {
        try {
          const page = await ops.list({
            status: query.status,
            kind: query.kind,
            instance_id: query.instance_id,
            created_after: iso(query.since),
            created_before: iso(query.until),
            limit: query.limit ?? 100,
            next: query.next,
          })
          return { operations: page.items.map(operationBody), next: page.next }
        } catch (err) {
          if (err instanceof InvalidCursorError) throw new BadRequestError(`query.${err.message}`)
          throw err
        }
      },
      {
        query: OperationListQuery,
        response: { 200: OperationListSchema, ...errorResponses(400, 401) },
        detail: {
          tags,
          summary: 'List operations, newest first',
          description: 'Filters combine (`status`, `kind`, `instance_id`, `since`, `until`). At most `limit` per page; `next` fetches the following page. Finished operations are kept `operations.retention_days` (default 7).',
        },
      },
    )
    .get('/operations/:operation_id', async ({ params }) => operationBody(await ops.require(params.operation_id)), {
      params: OperationIdParams,
      response: { 200: OperationSchema, ...errorResponses(400, 401, 404) },
      detail: { tags, summary: 'Describe an operation' },
    })
    .get(
      '/operations/:operation_id/wait',
      async ({ params, query, request }) => operationBody(await ops.wait(params.operation_id, (query.timeout ?? 30) * 1000, request.signal)),
      {
        params: OperationIdParams,
        query: WaitQuery,
        response: { 200: OperationSchema, ...errorResponses(400, 401, 404) },
        detail: {
          tags,
          summary: 'Wait for an operation to end (long poll)',
          description: 'Answers as soon as the operation has ended, or with the operation as it stands once `timeout` seconds (at most 300) have passed.',
        },
      },
    )
    .get(
      '/operations/:operation_id/log',
      async ({ params, query, request }) => {
        const op = await ops.require(params.operation_id)
        const offset = query.offset ?? 0
        if (query.follow) return sseResponse(logStream(ops, op.id, lastEventIdOf(request) ?? offset)) as never
        const lines = await ops.readLog(op.id, offset, query.limit ?? 1000)
        const now = isFinished(op.status) ? op : await ops.require(op.id)
        return { operation_id: op.id, status: now.status, lines, next_offset: lines.length ? lines[lines.length - 1]!.n : offset }
      },
      {
        params: OperationIdParams,
        query: LogQuery,
        response: { 200: OperationLogSchema, ...errorResponses(400, 401, 404) },
        detail: { tags, summary: 'Read the log of an operation (what its host commands printed)' },
      },
    )
    .delete(
      '/operations/:operation_id',
      async ({ params, query, set }) => {
        const op = await ops.cancel(params.operation_id, (query.wait ?? 10) * 1000)
        if (!isFinished(op.status)) set.status = 202
        return operationBody(op)
      },
      {
        params: OperationIdParams,
        query: CancelQuery,
        response: {
          200: described('Cancelled: the operation has stopped and undone its steps'),
          202: described('Cancel requested; the operation is still stopping (wait for it)'),
          ...errorResponses(400, 401, 404, 409),
        },
        detail: {
          tags,
          summary: 'Cancel an operation',
          description:
            'A pending operation ends at once. A running one is stopped (its host commands are killed) and what it had made is undone; the answer waits up to `wait` seconds for that. 409 `OPERATION_FINISHED` when it had already ended, `OPERATION_NOT_CANCELLABLE` when it may not be stopped once running.',
        },
      },
    )
}

/** The Operation component, described for one response. */
const described = (description: string) => t.Object(OperationSchema.properties, { title: 'Operation', description })
