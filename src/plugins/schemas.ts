/**
 * The schemas plugins get as `ctx.schemas`: the core's shared ones
 * (src/http/schemas.ts: the Error shape, region/az names) plus the one
 * instance-id schema every instance route uses.
 */
import { t } from '../http/openapi/typebox.ts'
import { AzName, RegionName } from '../http/schemas.ts'
import { PATTERNS } from '../proxmox/ids.ts'

export * from '../http/schemas.ts'

/** A container id in a path: a Proxmox VMID as a string, 100–999999999. */
export const InstanceId = t.String({ pattern: PATTERNS.vmid, description: 'Container id (Proxmox VMID, 100–999999999)', examples: ['100'] })

/** `params` of a route under `/lxc/instances/:instance_id` with no other path parameter. */
export const InstanceIdParams = t.Object({ instance_id: InstanceId })

/** `region` and `az` (both optional: default_region/default_az), to spread into a body or query schema. */
export const zoneFields = {
  region: t.Optional(RegionName),
  az: t.Optional(AzName),
}
