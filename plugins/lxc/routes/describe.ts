/**
 * GET /lxc/instances/{instance_id} — live status plus the configuration
 * (sizes, network, disks, features) and the number of snapshots, in one host
 * command (ProxmoxClient.describeContainer batches the three reads; an
 * unknown container is 404 INSTANCE_NOT_FOUND as with any other route).
 */
import type { ContainerConfig } from '../../../src/proxmox/schemas.ts'
import type { LxcContext } from '../context.ts'
import { statusSummary } from '../format.ts'
import { matchSize } from '../sizes.ts'

export function describeSchemas(c: LxcContext) {
  const { t, s } = c
  const Str = (description?: string) => t.Optional(t.String(description ? { description } : {}))
  const Disk = t.Object({
    volume: t.String({ description: 'Proxmox volume id, e.g. local-lvm:vm-100-disk-0' }),
    size: t.Union([t.String(), t.Null()], { description: 'As Proxmox writes it, e.g. 8G' }),
    size_bytes: t.Union([t.Number(), t.Null()], { description: 'bytes' }),
    path: Str('mount path inside the container (mount points only)'),
  })
  const Nic = t.Object({
    id: t.String({ description: 'net0 … net31' }),
    name: Str('interface name inside the container'),
    bridge: Str(),
    ip: Str('a.b.c.d/nn, dhcp or manual'),
    gw: Str(),
    ip6: Str(),
    gw6: Str(),
    hwaddr: Str(),
    firewall: Str(),
    mtu: Str(),
    tag: Str(),
    rate: Str(),
    type: Str(),
  })
  const Config = t.Object({
    memory_mb: t.Union([t.Number(), t.Null()], { description: 'MiB' }),
    swap_mb: t.Union([t.Number(), t.Null()], { description: 'MiB' }),
    cores: t.Union([t.Number(), t.Null()], { description: 'null = all host cores' }),
    cpulimit: t.Number({ description: 'CPU time limit in CPUs; 0 = unlimited' }),
    ostype: t.Union([t.String(), t.Null()]),
    arch: t.Union([t.String(), t.Null()]),
    unprivileged: t.Boolean(),
    onboot: t.Boolean(),
    protection: t.Boolean(),
    nameserver: t.Array(t.String()),
    searchdomain: t.Union([t.String(), t.Null()]),
    description: t.Union([t.String(), t.Null()]),
    rootfs: t.Union([Disk, t.Null()]),
    mountpoints: t.Record(t.String(), Disk, { description: 'mp0 … mp255' }),
    net: t.Array(Nic),
    features: t.Record(t.String(), t.String(), { description: 'e.g. {"nesting": "1"}' }),
  })
  const response = t.Object(
    {
      instance_id: t.String(),
      hostname: t.String(),
      status: t.String(),
      lock: t.Union([t.String(), t.Null()]),
      ...s.placement,
      cpus: t.Number(),
      memory: s.UsedMax('memory'),
      swap: s.UsedMax('swap'),
      disk: s.UsedMax('root disk'),
      uptime_seconds: t.Number(),
      tags: t.Array(t.String()),
      size: t.Union([t.String(), t.Null()], { description: 'Instance size whose memory/cpulimit/cores match the config, or null' }),
      snapshots: t.Integer({ description: 'Number of snapshots' }),
      snapshot_parent: t.Union([t.String(), t.Null()], { description: 'Snapshot the current state derives from' }),
      config: Config,
    },
    { title: 'LxcInstance' },
  )
  return { response }
}

export function describeRoute(c: LxcContext) {
  const sch = describeSchemas(c)
  return new c.Elysia({ name: 'lxc-describe' })
    .use(c.instance)
    .get(
      '/lxc/instances/:instance_id',
      async ({ zone, vmid }) => {
        const { status: st, config: cfg, snapshots: snaps } = await zone.pve.describeContainer(vmid)
        return {
          ...statusSummary(st),
          ...c.placementOf(zone),
          size: matchSize(c, cfg),
          snapshots: snaps.length,
          snapshot_parent: cfg.parent ?? null,
          config: configView(cfg),
        }
      },
      {
        instance: 'query',
        params: c.s.InstanceIdParams,
        query: c.s.ZoneQuery,
        response: { 200: sch.response, ...c.s.errors(400, 401, 404, 500, 502, 504) },
        detail: { tags: ['lxc'], summary: 'Describe a container (status and configuration)' },
      },
    )
}

function disk(v: { volume: string; size?: string; bytes?: number; mp?: string }) {
  const d: { volume: string; size: string | null; size_bytes: number | null; path?: string } = {
    volume: v.volume,
    size: v.size ?? null,
    size_bytes: v.bytes ?? null,
  }
  if (v.mp !== undefined) d.path = v.mp
  return d
}

function configView(cfg: ContainerConfig) {
  return {
    memory_mb: cfg.memory ?? null,
    swap_mb: cfg.swap ?? null,
    cores: cfg.cores ?? null,
    cpulimit: cfg.cpulimit ?? 0,
    ostype: cfg.ostype ?? null,
    arch: cfg.arch ?? null,
    unprivileged: cfg.unprivileged === 1,
    onboot: cfg.onboot === 1,
    protection: cfg.protection === 1,
    nameserver: (cfg.nameserver ?? '').split(/\s+/).filter(Boolean),
    searchdomain: cfg.searchdomain ?? null,
    description: cfg.description ?? null,
    rootfs: cfg.rootfs ? disk(cfg.rootfs) : null,
    mountpoints: Object.fromEntries(Object.entries(cfg.mp).map(([k, v]) => [k, disk(v)])),
    net: Object.entries(cfg.net)
      .sort(([a], [b]) => Number(a.slice(3)) - Number(b.slice(3)))
      .map(([id, props]) => ({ id, ...props })),
    features: cfg.features ?? {},
  }
}
