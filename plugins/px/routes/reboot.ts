/**
 * POST /px/reboot: reboots one Proxmox host, only with `"confirm": true`.
 * Every accepted request leaves an audit line (with its operation id, kind
 * `px.reboot`, which cannot be cancelled) before anything is sent.
 */
import type { PxContext } from '../context.ts'
import { assertReachable, reason } from '../reach.ts'
import { PROBE_TIMEOUT } from '../schemas.ts'

const clip = (v: string | null | undefined, n = 200) => (v ? v.slice(0, n) : null)

export function rebootRoutes(ctx: PxContext) {
  const { errors, log, s } = ctx
  return new ctx.Elysia({ name: 'px-reboot' }).post(
    '/px/reboot',
    async (c) => {
      const { body, request, server } = c
      const h = ctx.zones.resolve(body?.region, body?.az)
      const { region, az, host } = h.zone
      if (body?.confirm !== true) {
        throw new errors.BadRequestError(`confirm: set "confirm": true to reboot ${h.label} (${host}); nothing was sent`)
      }
      await assertReachable(ctx, h, PROBE_TIMEOUT.default)
      const node = await h.pve.node()
      const requester = {
        client_ip: server?.requestIP(request)?.address ?? null,
        forwarded_for: clip(request.headers.get('x-forwarded-for')),
        user_agent: clip(request.headers.get('user-agent')),
      }
      // Once sent, a reboot cannot be called back: the operation may not be cancelled.
      return ctx.ops.run(c, { kind: 'px.reboot', region, az, resources: { nodes: [node] }, mayCancel: false }, async (op) => {
        log.warn('audit: host reboot', { region, az, host, node, operation_id: op.id, ...requester })
        const requestedAt = new Date().toISOString()
        op.progress({ step: `reboot ${node}` })
        // The host answered a moment ago: losing it while `reboot` runs is the reboot taking effect (connectionLost).
        const sent = await h.pve.rebootHost().catch((e: unknown) => {
          log.warn('audit: host reboot failed', { region, az, host, node, operation_id: op.id, error: reason(e) })
          throw e
        })
        const output = sent.connectionLost
          ? `reboot of ${node} (${h.label}, ${host}) requested; the connection closed while it ran, as the host went down`
          : `reboot of ${node} (${h.label}, ${host}) requested`
        op.log(output)
        log.warn('audit: host reboot sent', { region, az, host, node, operation_id: op.id })
        return { region, az, host, node, rebooting: true as const, output, requested_at: requestedAt }
      })
    },
    {
      body: s.RebootBody,
      response: { 200: s.RebootResponse, ...ctx.ops.responses(), ...ctx.schemas.errorResponses(400, 401, 404, 500, 502, 504) },
      detail: {
        tags: ['px'],
        summary: 'Reboot a Proxmox host',
        description:
          'Reboots the host of `region`/`az`. Requires `"confirm": true`; without it the answer is 400 and nothing is sent. Every container on the host goes down with it. ' +
          'Runs as an operation (`px.reboot`, not cancellable; header `LWS-Operation`, `Prefer: respond-async` → 202).',
      },
    },
  )
}
