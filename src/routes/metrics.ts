/** GET /metrics: the app's Prometheus metrics (metrics/metrics.ts), API key required. */
import { Elysia, t } from 'elysia'
import { errorResponses } from '../http/schemas.ts'
import { renderMetrics, type LwsMetrics } from '../metrics/metrics.ts'

export function metricsRoutes(metrics: LwsMetrics) {
  return new Elysia({ name: 'lws-metrics' }).get(
    '/metrics',
    async () => {
      const { body, contentType } = await renderMetrics(metrics)
      return new Response(body, { headers: { 'content-type': contentType } })
    },
    {
      response: {
        200: t.String({
          description:
            'Prometheus text exposition format 0.0.4 (`text/plain; version=0.0.4`): lws_http_requests_total, lws_http_request_duration_seconds, lws_host_commands_total, lws_host_command_duration_seconds, lws_host_channels_in_use, lws_host_channels_queued, lws_ssh_reconnects_total, lws_single_flight_hits_total',
        }),
        ...errorResponses(401),
      },
      detail: { tags: ['core'], summary: 'Prometheus metrics of this server (requests, host commands, SSH channels)' },
    },
  )
}
