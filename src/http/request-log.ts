/**
 * One structured log line per request: method, path, status, duration and a
 * request id (taken from a sane `X-Request-Id` header or generated), which is
 * also returned to the client for correlation.
 */
import { Elysia } from 'elysia'
import type { Logger } from '../log.ts'

const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/

export function requestLog(log: Logger) {
  const started = new WeakMap<Request, { t0: number; id: string }>()
  return new Elysia({ name: 'lws-request-log' })
    .onRequest(function tagRequest({ request, set }) {
      const given = request.headers.get('x-request-id')
      const id = given && SANE_ID.test(given) ? given : crypto.randomUUID()
      started.set(request, { t0: performance.now(), id })
      set.headers['x-request-id'] = id
    })
    .onAfterResponse({ as: 'global' }, function logRequest({ request, set, response }) {
      const meta = started.get(request)
      const status =
        response instanceof Response ? response.status : typeof set.status === 'number' ? set.status : 200
      log.info('request', {
        method: request.method,
        path: new URL(request.url).pathname,
        status,
        duration_ms: meta ? Math.round((performance.now() - meta.t0) * 10) / 10 : undefined,
        request_id: meta?.id,
      })
    })
}
