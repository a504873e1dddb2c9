/**
 * GET /lxc/instances — containers of one AZ, of one region, or of every AZ.
 * AZs are asked in parallel; one that fails or does not answer in time is
 * reported in `errors` while the others still answer.
 */
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import { failureError, toFailure } from '../bulk.ts'
import type { LxcContext } from '../context.ts'
import { statusSummary } from '../format.ts'

/**
 * A dead or hung AZ must not hold the whole list for the full command
 * timeout; below Bun.serve's default idle timeout (10 s), which would
 * otherwise drop the connection first.
 */
const AZ_DEADLINE_MS = 8_000

export function listSchemas(c: LxcContext) {
  const { t, s } = c
  const Row = t.Object(
    {
      instance_id: t.String(),
      hostname: t.String(),
      status: t.String({ description: 'running | stopped' }),
      lock: t.Union([t.String(), t.Null()], { description: 'Proxmox lock (backup, snapshot, create, ...) or null' }),
      ...s.placement,
      cpus: t.Number({ description: 'CPUs the container may use' }),
      memory: s.UsedMax('memory'),
      swap: s.UsedMax('swap'),
      disk: s.UsedMax('root disk'),
      uptime_seconds: t.Number({ description: 'Seconds since start (0 when stopped)' }),
      tags: t.Array(t.String()),
    },
    { title: 'LxcInstanceRow' },
  )
  const ZoneFailure = t.Object(
    {
      ...s.placement,
      status_code: t.Integer({ description: 'HTTP status of this AZ’s failure (502 unreachable, 504 no answer, ...)' }),
      error: t.String(),
      details: t.String(),
      return_code: t.Integer(),
      code: t.String({ description: 'Machine code, as in the Error schema' }),
    },
    { title: 'LxcZoneFailure' },
  )
  const response = t.Object(
    {
      count: t.Integer({ description: 'Number of instances listed' }),
      instances: t.Array(Row),
      errors: t.Array(ZoneFailure, { description: 'AZs that could not be listed' }),
    },
    { title: 'LxcListResponse' },
  )
  return { Row, response }
}

export function listRoute(c: LxcContext) {
  const sch = listSchemas(c)
  return new c.Elysia({ name: 'lxc-list' }).get(
    '/lxc/instances',
    async ({ query }) => {
      const named = query.az !== undefined && query.az !== ''
      const zones = named ? [c.zones.resolve(query.region, query.az)] : c.zones.list(query.region)
      const answers = await Promise.all(zones.map((z) => listZone(c, z)))
      const instances = answers.flatMap((a) => a.rows)
      const errors = answers.flatMap((a) => (a.error ? [a.error] : []))
      // An AZ the caller named explicitly answers with its own error.
      if (named && errors.length) {
        throw failureError(c, errors[0]!)
      }
      return { count: instances.length, instances, errors }
    },
    {
      query: c.s.ZoneQuery,
      response: { 200: sch.response, ...c.s.errors(400, 401, 404, 500, 502, 504) },
      detail: {
        tags: ['lxc'],
        summary: 'List containers',
        description:
          'With `az`: that AZ. With only `region`: every AZ of the region. Without either: every configured AZ, in parallel. ' +
          'AZs that fail are listed in `errors`; the others still answer.',
      },
    },
  )
}

async function listZone(c: LxcContext, zone: ZoneHandle) {
  const where = c.placementOf(zone)
  const why = `no container list within ${c.errors.formatDuration(AZ_DEADLINE_MS)}`
  try {
    const list = await c.time.withDeadline(zone.pve.listContainers(), AZ_DEADLINE_MS, {
      error: () => new c.errors.HostTimeoutError(zone.label, AZ_DEADLINE_MS, why, true),
    })
    return { rows: list.map((st) => ({ ...statusSummary(st), ...where })) }
  } catch (err) {
    const { instance_id: _, ...f } = toFailure(c, err)
    return { rows: [], error: { ...where, ...f } }
  }
}
