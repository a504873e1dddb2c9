/**
 * The preamble of every instance route (`/lxc/instances/:instance_id/...`),
 * as one Elysia macro plugins get as `ctx.instance`:
 *
 *   new ctx.Elysia({ name: 'my-routes' })
 *     .use(ctx.instance)
 *     .post('/lxc/instances/:instance_id/thing', ({ zone, vmid, body }) => ..., {
 *       instance: 'body',                      // region/az from the body ('query': from the query)
 *       params: ctx.schemas.InstanceIdParams,  // or an object with instance_id: ctx.schemas.InstanceId
 *       body: t.Object({ ...ctx.schemas.zoneFields, ... }),
 *     })
 *
 * After the route's schemas are validated (a malformed instance_id is 400
 * VALIDATION_FAILED there), it resolves region/az to the AZ exactly as
 * `ctx.zones.resolve(region, az)` does (404 ZONE_NOT_FOUND, 400
 * ZONE_AMBIGUOUS or VALIDATION_FAILED), then checks `instance_id` once more
 * against the VMID pattern, and hands the handler `{ zone, vmid }`. A
 * missing body (an optional one) means the defaults.
 */
import { Elysia } from 'elysia'
import type { ZoneHandle, ZoneRegistry } from '../hosts/registry.ts'
import { assertVmid } from '../proxmox/ids.ts'

/** Where a route's region/az come from. */
export type ZoneSource = 'query' | 'body'

/** What an instance route's handler receives besides Elysia's context. */
export type Instance = {
  zone: ZoneHandle
  /** The validated VMID, as a string. */
  vmid: string
}

type Where = { region?: unknown; az?: unknown } | null | undefined

const text = (v: unknown) => (typeof v === 'string' ? v : undefined)

export function instanceMacro(zones: Pick<ZoneRegistry, 'resolve'>) {
  return new Elysia({ name: 'lws-instance' }).macro({
    instance: (from: ZoneSource) => ({
      resolve({ params, query, body }) {
        const where = (from === 'body' ? body : query) as Where
        const zone = zones.resolve(text(where?.region), text(where?.az))
        const vmid = assertVmid((params as Record<string, unknown> | undefined)?.instance_id)
        const out: Instance = { zone, vmid }
        return out
      },
    }),
  })
}

export type InstanceMacro = ReturnType<typeof instanceMacro>

/** `{ region, az }` of a zone, as every answer reports where something is. */
export function placementOf(zone: Pick<ZoneHandle, 'zone'>): { region: string; az: string } {
  return { region: zone.zone.region, az: zone.zone.az }
}
