/**
 * POST /lxc/instances/scale — change memory, swap, CPU and root disk size of
 * containers. Running containers get the new limits live (Proxmox hotplugs
 * memory/swap/cores/cpulimit); the answer reports the values read back.
 */
import type { Static } from '@sinclair/typebox'
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import type { SetConfigChanges } from '../../../src/proxmox/options.ts'
import type { ContainerConfig } from '../../../src/proxmox/schemas.ts'
import type { OpContext } from '../../../src/operations/service.ts'
import { bulkOperation, uniqueIds } from '../bulk.ts'
import type { LxcContext } from '../context.ts'

const MAX_MIB = 268_435_456

export function scaleSchemas(c: LxcContext) {
  const { t, s, ids } = c
  const body = t.Object({
    instance_ids: s.InstanceIds,
    memory: t.Optional(t.Integer({ minimum: 16, maximum: MAX_MIB, description: 'Memory limit in MiB', examples: [4096] })),
    swap: t.Optional(t.Integer({ minimum: 0, maximum: MAX_MIB, description: 'Swap limit in MiB' })),
    cpulimit: t.Optional(t.Number({ minimum: 0, maximum: 8192, description: 'CPU time limit in CPUs (fractions allowed; 0 = unlimited)', examples: [4] })),
    cpucores: t.Optional(t.Integer({ minimum: 1, maximum: 8192, description: 'Number of CPU cores visible to the container' })),
    storage_size: t.Optional(
      t.String({
        pattern: ids.PATTERNS.resizeSize,
        description: 'Root disk size: absolute (`64G`) or relative (`+8G`); units K, M, G, T. Disks only grow.',
        examples: ['64G', '+8G'],
      }),
    ),
    ...s.zoneBody,
  })
  const Applied = t.Object({
    memory_mb: t.Union([t.Number(), t.Null()], { description: 'MiB' }),
    swap_mb: t.Union([t.Number(), t.Null()], { description: 'MiB' }),
    cores: t.Union([t.Number(), t.Null()], { description: 'null = all host cores' }),
    cpulimit: t.Number({ description: '0 = unlimited' }),
    storage_size: t.Union([t.String(), t.Null()], { description: 'Root disk size as Proxmox writes it, e.g. 8G' }),
    storage_bytes: t.Union([t.Number(), t.Null()], { description: 'bytes' }),
  })
  const Result = t.Object(
    {
      ...s.ActionResult.properties,
      applied: t.Optional(Applied),
      pending: t.Optional(t.Array(t.String(), { description: 'Requested settings that are not in effect yet (applied at the next start)' })),
    },
    { title: 'LxcScaleResult' },
  )
  const response = t.Object({ output: t.String(), results: t.Array(Result) }, { title: 'LxcScaleResponse' })
  return { body, response }
}

type Body = Static<ReturnType<typeof scaleSchemas>['body']>

export function scaleRoute(c: LxcContext) {
  const sch = scaleSchemas(c)
  return new c.Elysia({ name: 'lxc-scale' }).post(
    '/lxc/instances/scale',
    (ctx) => {
      const { body } = ctx
      if ([body.memory, body.swap, body.cpulimit, body.cpucores, body.storage_size].every((v) => v === undefined)) {
        throw new c.errors.BadRequestError('give at least one of memory, swap, cpulimit, cpucores, storage_size', 'VALIDATION_FAILED')
      }
      const zone = c.zones.resolve(body.region, body.az)
      return bulkOperation(c, ctx, 'lxc.scale', zone, uniqueIds(body.instance_ids), (op, id) => scaleOne(c, op, zone, id, body))
    },
    {
      body: sch.body,
      response: { 200: sch.response, ...c.ops.responses(), ...c.s.errors(400, 401, 404, 409, 422, 500, 502, 503, 504) },
      detail: {
        tags: ['lxc'],
        summary: 'Scale container resources',
        description:
          'Sets memory/swap (MiB), cpulimit, cpucores and grows the root disk (`storage_size`). A size smaller than the disk is refused (400) before anything changes. ' +
          'Each id is reported in `results`; when every id failed, the answer is the error itself.',
      },
    },
  )
}

async function scaleOne(c: LxcContext, op: OpContext, zone: ZoneHandle, id: string, body: Body) {
  // The config before is read only to plan an absolute resize (and refuse a shrink before anything changes).
  const resize = body.storage_size === undefined ? undefined : await planResize(c, id, () => zone.pve.containerConfig(id, { current: true }), body.storage_size)

  const changes: SetConfigChanges = {}
  if (body.memory !== undefined) changes.memory = body.memory
  if (body.swap !== undefined) changes.swap = body.swap
  if (body.cpucores !== undefined) changes.cores = body.cpucores
  if (body.cpulimit !== undefined) changes.cpulimit = body.cpulimit
  if (Object.keys(changes).length) {
    op.log(`${id}: pct set ${Object.entries(changes).map(([k, v]) => `--${k} ${v}`).join(' ')}`)
    await zone.pve.setConfig(id, changes)
  }
  if (resize) {
    try {
      op.log(`${id}: pct resize rootfs ${resize}`)
      await zone.pve.resize(id, 'rootfs', resize)
    } catch (err) {
      if (!Object.keys(changes).length || !(err instanceof c.errors.LwsError)) throw err
      throw err.withDetails(`${Object.keys(changes).join(', ')} applied, but growing the disk failed: ${err.details}`)
    }
  }

  const [after, st] = await Promise.all([zone.pve.containerConfig(id, { current: true }), zone.pve.containerStatus(id)])
  const pending: string[] = []
  if (changes.memory !== undefined && after.memory !== changes.memory) pending.push('memory')
  if (changes.swap !== undefined && after.swap !== changes.swap) pending.push('swap')
  if (changes.cores !== undefined && after.cores !== changes.cores) pending.push('cpucores')
  if (changes.cpulimit !== undefined && (after.cpulimit ?? 0) !== changes.cpulimit) pending.push('cpulimit')
  const applied = {
    memory_mb: after.memory ?? null,
    swap_mb: after.swap ?? null,
    cores: after.cores ?? null,
    cpulimit: after.cpulimit ?? 0,
    storage_size: after.rootfs?.size ?? null,
    storage_bytes: after.rootfs?.bytes ?? null,
  }
  const what = [
    changes.memory !== undefined && `memory ${applied.memory_mb} MiB`,
    changes.swap !== undefined && `swap ${applied.swap_mb} MiB`,
    changes.cores !== undefined && `cores ${applied.cores}`,
    changes.cpulimit !== undefined && `cpulimit ${applied.cpulimit}`,
    body.storage_size !== undefined && `disk ${applied.storage_size}${resize ? '' : ' (already that size)'}`,
  ].filter(Boolean)
  const live = st.status === 'running' ? ' (live)' : ''
  return {
    previous_status: st.status,
    current_status: st.status,
    message: `scaled${live}: ${what.join(', ')}${pending.length ? `; pending until restart: ${pending.join(', ')}` : ''}`,
    applied,
    pending,
  }
}

/**
 * The `pct resize` size to run, or undefined when the disk already has that
 * size. Shrinking is refused here, before any other change is made.
 */
async function planResize(c: LxcContext, id: string, config: () => Promise<ContainerConfig>, size: string): Promise<string | undefined> {
  const { parseDiskSize, formatDiskSize } = c.proxmox
  if (size.startsWith('+')) return parseDiskSize(size.slice(1)) === 0 ? undefined : size
  const wanted = parseDiskSize(size)!
  const cfg = await config()
  const current = cfg.rootfs?.bytes
  if (current === undefined) return size
  if (wanted < current) {
    throw new c.errors.BadRequestError(
      `storage_size: ${size} is smaller than the root disk of container ${id} (${cfg.rootfs?.size ?? formatDiskSize(current)}); disks can only grow`,
      'DISK_SHRINK_UNSUPPORTED',
    )
  }
  return wanted === current ? undefined : size
}
