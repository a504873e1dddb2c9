/**
 * GET /events: the event journal (operation created / progress / finished,
 * instance state changes) as a stream of Server-Sent Events that resumes
 * with Last-Event-ID, or as JSON for clients that poll.
 */
import { Elysia } from 'elysia'
import { errorResponses } from '../http/schemas.ts'
import { EventListSchema, EventsQuery } from '../operations/schemas.ts'
import type { Operations } from '../operations/service.ts'
import { eventStream, lastEventIdOf, sseResponse } from '../operations/streams.ts'

/** JSON only when the client asks for it and not for a stream. */
function wantsJson(request: Request): boolean {
  const accept = (request.headers.get('accept') ?? '').toLowerCase()
  return accept.includes('application/json') && !accept.includes('event-stream')
}

export function eventsRoutes(ops: Operations) {
  return new Elysia({ name: 'lws-events' }).get(
    '/events',
    async ({ query, request }) => {
      const types = query.types ? [...new Set(query.types.split(','))] : undefined
      const after = lastEventIdOf(request) ?? query.after
      if (!wantsJson(request)) return sseResponse(eventStream(ops, { types, lastId: after })) as never
      const events = await ops.events.replay(after ?? 0, types, query.limit ?? 100)
      return { events, last_event_id: await ops.store.lastEventId() }
    },
    {
      query: EventsQuery,
      response: { 200: EventListSchema, ...errorResponses(400, 401) },
      detail: {
        tags: ['operations'],
        summary: 'Events: operations created, progressing, finished; container state changes',
        description:
          'A stream of Server-Sent Events by default (`EventSource`); `Last-Event-ID` (or `after`) resumes after that event, from the store, within the retention. With `Accept: application/json` the stored events after `after` as JSON, for polling.',
      },
    },
  )
}
