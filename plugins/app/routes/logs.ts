/**
 * GET /lxc/instances/{instance_id}/app/logs/{container_name} — `docker logs`.
 *
 * `follow=false`: the last `lines` lines as JSON. `follow=true`: the last
 * `lines` lines, then new ones as they come, until the client disconnects —
 * as Server-Sent Events with `Accept: text/event-stream` (one `data:` event per
 * line, a final `end` event if docker stops), else as chunked text/plain. When
 * the client goes away, `docker logs -f` is killed on the host (its whole SSH
 * session) and the channel is closed.
 */
import { check, runIn, streamIn } from '../container.ts'
import type { AppContext } from '../context.ts'
import { assertName } from '../names.ts'
import { inspectScript, logsScript } from '../shell.ts'
import { followBody } from '../stream.ts'

const LOGS_TIMEOUT_MS = 60_000

export function logsSchemas(c: AppContext) {
  const { t, s } = c
  const params = t.Object({ instance_id: s.InstanceId, container_name: s.ContainerName })
  const query = t.Object({
    lines: t.Optional(t.Integer({ minimum: 1, maximum: 10_000, default: 100, description: 'How many of the last lines (1–10000, default 100)' })),
    follow: t.Optional(t.Boolean({ default: false, description: 'Keep streaming new lines until the client disconnects' })),
    timestamps: t.Optional(t.Boolean({ default: false, description: 'Prefix each line with its RFC 3339 timestamp' })),
    ...c.s.zoneBody,
  })
  const response = t.Object(
    {
      ...s.placement,
      container: t.String(),
      lines: t.Integer({ description: 'Lines asked for' }),
      output: t.String({ description: 'The log text (stdout and stderr of the Docker container, merged)' }),
      truncated: t.Boolean({ description: 'stdout or stderr exceeded api.max_output_bytes; the rest was dropped' }),
    },
    { title: 'AppLogs', description: 'follow=false. With follow=true the answer is a stream instead: text/event-stream (Accept: text/event-stream) or chunked text/plain.' },
  )
  return { params, query, response }
}

export function logsRoute(c: AppContext) {
  const sch = logsSchemas(c)
  const E = c.errors
  const { SSE_HEADERS, TEXT_HEADERS, wantsEventStream } = c.sse
  return new c.Elysia({ name: 'app-logs' }).use(c.instance).get(
    '/lxc/instances/:instance_id/app/logs/:container_name',
    async ({ zone, vmid: id, params, query, request }) => {
      const name = assertName(c, 'container', params.container_name, 'container_name')
      const lines = query.lines ?? 100
      const notFound = (r: { stdout: string; stderr: string }) => /no such (container|object)/i.test(r.stdout + r.stderr)

      if (!query.follow) {
        const r = await runIn(c, zone, id, logsScript(name, { lines, follow: false, timestamps: query.timestamps }), { timeoutMs: LOGS_TIMEOUT_MS })
        if (r.exitCode !== 0 && notFound(r)) throw new E.NotFoundError(`no Docker container '${name}' in container ${id}`)
        check(c, zone, id, 'docker logs', r)
        return { instance_id: id, ...c.placementOf(zone), container: name, lines, output: r.stdout, truncated: c.proxmox.wasTruncated(r) }
      }

      // Before committing to a 200 stream: the container must exist (404) and docker be there (409).
      const st = await zone.pve.containerStatus(id)
      if (st.status !== 'running') throw new E.ConflictError(`container ${id} is ${st.status}`)
      const probe = await runIn(c, zone, id, inspectScript(name), { timeoutMs: LOGS_TIMEOUT_MS })
      if (probe.exitCode !== 0 && notFound(probe)) throw new E.NotFoundError(`no Docker container '${name}' in container ${id}`)
      check(c, zone, id, 'docker inspect', probe)

      const sse = wantsEventStream(request)
      const started = performance.now()
      const handle = await streamIn(c, zone, id, logsScript(name, { lines, follow: true, timestamps: query.timestamps }))
      c.log.info('app logs follow started', { az: zone.label, instance_id: id, container: name })
      const body = followBody(c, handle, sse ? 'sse' : 'text', request.signal, (how) =>
        c.log.info('app logs follow ended', { az: zone.label, instance_id: id, container: name, how, duration_ms: Math.round(performance.now() - started) }),
      )
      // A Response skips response validation; the schema above documents the JSON form.
      return new Response(body, { headers: sse ? SSE_HEADERS : TEXT_HEADERS }) as never
    },
    {
      instance: 'query',
      params: sch.params,
      query: sch.query,
      response: { 200: sch.response, ...c.s.errors(400, 401, 404, 409, 500, 502, 504) },
      detail: {
        tags: ['app'],
        summary: 'Get Docker logs',
        description:
          '`docker logs --tail <lines> <container_name>` inside the LXC container. `follow=false` → JSON with the text, ' +
          'at most `api.max_output_bytes` of it (`truncated: true` when more was dropped). ' +
          '`follow=true` → a stream that stays open and delivers new lines as they are written: Server-Sent Events with `Accept: text/event-stream` ' +
          '(each line one `data:` event; `event: end` with the exit code if the Docker container stops), else chunked `text/plain`. ' +
          'When the client disconnects, the `docker logs -f` process on the host is killed and its SSH channel closed. Unknown Docker container → 404; docker missing → 409.',
      },
    },
  )
}
