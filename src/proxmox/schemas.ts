/**
 * TypeBox schemas of what the Proxmox layer returns, so plugins can reuse them
 * as response schemas. Field names are Proxmox's own; values are normalised
 * (numeric strings → numbers, see parse/json.ts `num`).
 */
import { Type, type Static } from '@sinclair/typebox'

const Num = (description?: string) => Type.Number(description ? { description } : {})
const OptNum = (description?: string) => Type.Optional(Num(description))
const OptStr = (description?: string) => Type.Optional(Type.String(description ? { description } : {}))

/** `pvesh get /nodes/<node>/lxc` entry and `.../status/current`: the status hash of pve-container `src/PVE/LXC.pm` `vmstatus`. */
export const ContainerStatus = Type.Object(
  {
    vmid: Type.Integer(),
    name: Type.String({ description: 'hostname, or CT<vmid>' }),
    status: Type.String({ description: 'running | stopped' }),
    type: Type.String({ description: 'lxc' }),
    cpus: Num('usable CPUs'),
    cpu: Num('CPU usage fraction (always 0 from a fresh CLI process)'),
    maxmem: Num('bytes'),
    mem: Num('bytes'),
    maxswap: Num('bytes'),
    swap: Num('bytes'),
    maxdisk: Num('bytes'),
    disk: Num('bytes'),
    diskread: Num('bytes'),
    diskwrite: Num('bytes'),
    netin: Num('bytes'),
    netout: Num('bytes'),
    uptime: Num('seconds'),
    pid: OptNum('only when running'),
    lock: OptStr('only when locked'),
    tags: OptStr('`a;b`, only when set'),
    template: OptNum('1 when the CT is a template'),
    ha: Type.Optional(
      Type.Object({
        managed: Num(),
        state: OptStr(),
        group: OptStr(),
      }),
    ),
    pressurecpufull: OptNum(),
    pressurecpusome: OptNum(),
    pressureiofull: OptNum(),
    pressureiosome: OptNum(),
    pressurememoryfull: OptNum(),
    pressurememorysome: OptNum(),
  },
  { title: 'ProxmoxContainerStatus' },
)
export type ContainerStatus = Static<typeof ContainerStatus>

/** `pvesh get /nodes/<node>/status` (pve-manager `PVE/API2/Nodes.pm` `status`). */
export const NodeStatus = Type.Object(
  {
    uptime: Num('seconds'),
    cpu: Num('fraction (0 from a fresh pvesh process)'),
    wait: Num(),
    idle: Num(),
    loadavg: Type.Array(Type.Number(), { description: '1, 5, 15 minutes' }),
    cpuinfo: Type.Object({
      cpus: Num('logical threads'),
      cores: Num('physical cores'),
      sockets: Num(),
      model: Type.String(),
      mhz: OptNum(),
      hvm: Type.Optional(Type.Boolean()),
      flags: OptStr(),
      user_hz: OptNum(),
      vendor: OptStr(),
      family: OptStr(),
    }),
    memory: Type.Object({ total: Num(), used: Num(), free: Num(), available: OptNum('PVE ≥ 9.0') }),
    swap: Type.Object({ total: Num(), used: Num(), free: Num() }),
    ksm: Type.Optional(Type.Object({ shared: Num() })),
    rootfs: Type.Object({ total: Num(), used: Num(), free: Num(), avail: Num() }),
    pveversion: Type.String({ description: 'e.g. pve-manager/9.0.3/025864202ebb6109' }),
    kversion: Type.String(),
    'current-kernel': Type.Optional(
      Type.Object({ sysname: Type.String(), release: Type.String(), version: Type.String(), machine: Type.String() }),
    ),
    'boot-info': Type.Optional(Type.Object({ mode: Type.String(), secureboot: OptNum() })),
  },
  { title: 'ProxmoxNodeStatus' },
)
export type NodeStatus = Static<typeof NodeStatus>

/** `pvesh get /nodes/<node>/storage` entry (pve-storage `src/PVE/API2/Storage/Status.pm` `index`). */
export const Storage = Type.Object(
  {
    storage: Type.String(),
    type: Type.String({ description: 'dir, lvmthin, zfspool, nfs, ...' }),
    content: Type.String({ description: 'comma list, e.g. rootdir,images' }),
    active: Num('0/1'),
    enabled: Num('0/1'),
    shared: Num('0/1'),
    total: Num('bytes'),
    used: Num('bytes'),
    avail: Num('bytes'),
    used_fraction: OptNum(),
  },
  { title: 'ProxmoxStorage' },
)
export type Storage = Static<typeof Storage>

/** `pvesm status` row (pve-storage `src/PVE/CLI/pvesm.pm`); sizes in KiB. */
export const PvesmStatusRow = Type.Object({
  name: Type.String(),
  type: Type.String(),
  status: Type.String({ description: 'active | inactive | disabled' }),
  total: Num('KiB'),
  used: Num('KiB'),
  available: Num('KiB'),
  percent: Type.Union([Type.Number(), Type.Null()], { description: 'null for N/A (disabled)' }),
})
export type PvesmStatusRow = Static<typeof PvesmStatusRow>

/** A container snapshot (pve-container `src/PVE/API2/LXC/Snapshot.pm` `list`). */
export const Snapshot = Type.Object(
  {
    name: Type.String(),
    parent: OptStr('parent snapshot'),
    snaptime: OptNum('Unix epoch'),
    description: Type.String(),
    current: Type.Boolean({ description: 'the container state derives from this snapshot' }),
    snapstate: OptStr('prepare | delete while unfinished'),
  },
  { title: 'ProxmoxSnapshot' },
)
export type Snapshot = Static<typeof Snapshot>

/** A downloaded template on a storage (`/nodes/<node>/storage/<sid>/content`). */
export const Template = Type.Object(
  {
    volid: Type.String({ description: 'e.g. local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst' }),
    storage: Type.String(),
    name: Type.String({ description: 'file name after vztmpl/ (or iso/, backup/, ...)' }),
    size: Num('bytes'),
    format: OptStr(),
    ctime: OptNum('Unix epoch'),
  },
  { title: 'ProxmoxTemplate' },
)
export type Template = Static<typeof Template>

/** `pveam available` row (pve-manager `PVE/CLI/pveam.pm`). */
export const AvailableTemplate = Type.Object(
  {
    section: Type.String({ description: 'system | mail | turnkeylinux' }),
    template: Type.String({ description: 'name to pass to pveam download' }),
    arch: OptStr('pve-manager ≥ 9.2.7'),
  },
  { title: 'ProxmoxAvailableTemplate' },
)
export type AvailableTemplate = Static<typeof AvailableTemplate>

/** `pveversion` (pve-manager `bin/pveversion`). */
export const PveVersion = Type.Object(
  {
    version: Type.String({ description: '8.2.4 (or 7.4-16 on PVE ≤ 7)' }),
    release: Type.String({ description: 'major.minor' }),
    major: Type.Integer(),
    minor: Type.Integer(),
    patch: Type.Integer(),
    repoid: Type.String(),
    kernel: Type.String({ description: 'running kernel (uname -r)' }),
    pveversion: Type.String({ description: 'pve-manager/<version>/<repoid>, as /nodes/<node>/status reports it' }),
  },
  { title: 'ProxmoxPveVersion' },
)
export type PveVersion = Static<typeof PveVersion>

/** `pvesh get /cluster/resources` entry (pve-manager `PVE/API2/Cluster.pm` `resources`); fields depend on `type`. */
export const ClusterResource = Type.Object({
  id: Type.String(),
  type: Type.String({ description: 'lxc | qemu | node | storage | sdn | ...' }),
  node: OptStr(),
  name: OptStr(),
  vmid: OptNum(),
  status: OptStr(),
  template: OptNum(),
  uptime: OptNum(),
  cpu: OptNum(),
  maxcpu: OptNum(),
  mem: OptNum(),
  maxmem: OptNum(),
  disk: OptNum(),
  maxdisk: OptNum(),
  netin: OptNum(),
  netout: OptNum(),
  diskread: OptNum(),
  diskwrite: OptNum(),
  storage: OptStr(),
  plugintype: OptStr(),
  content: OptStr(),
  shared: OptNum(),
  pool: OptStr(),
  lock: OptStr(),
  tags: OptStr(),
  hastate: OptStr(),
  level: OptStr(),
})
export type ClusterResource = Static<typeof ClusterResource>

/** A `rootfs`/`mpN` volume (pve-container `src/PVE/LXC/Config.pm` `$rootfs_desc`). */
export const Volume = Type.Object({
  volume: Type.String(),
  size: OptStr('as written, e.g. 8G'),
  bytes: OptNum('size in bytes'),
  mp: OptStr('mount path (mpN)'),
})
export type Volume = Static<typeof Volume>

/** `pct config` (pve-container `src/PVE/API2/LXC/Config.pm` `vm_config`), typed where LWS needs it, plus every raw key. */
export const ContainerConfig = Type.Object(
  {
    hostname: OptStr(),
    memory: OptNum('MiB'),
    swap: OptNum('MiB'),
    cores: OptNum(),
    cpulimit: OptNum(),
    ostype: OptStr(),
    arch: OptStr(),
    description: OptStr('decoded'),
    onboot: OptNum(),
    unprivileged: OptNum(),
    template: OptNum(),
    protection: OptNum(),
    lock: OptStr(),
    parent: OptStr('snapshot the current state derives from'),
    tags: OptStr(),
    nameserver: OptStr('space-separated'),
    searchdomain: OptStr(),
    features: Type.Optional(Type.Record(Type.String(), Type.String())),
    rootfs: Type.Optional(Volume),
    mp: Type.Record(Type.String(), Volume, { description: 'mp0 … mp255' }),
    net: Type.Record(Type.String(), Type.Record(Type.String(), Type.String()), { description: 'net0 … net31' }),
    raw: Type.Record(Type.String(), Type.String(), { description: 'every key as printed (description decoded)' }),
    lxc: Type.Array(Type.Tuple([Type.String(), Type.String()]), { description: 'raw lxc.* entries in order' }),
  },
  { title: 'ProxmoxContainerConfig' },
)
export type ContainerConfig = Static<typeof ContainerConfig>

/** Result of a command run inside a container. */
export const ExecResult = Type.Object({
  stdout: Type.String(),
  stderr: Type.String(),
  exitCode: Type.Integer(),
})
export type ExecResult = Static<typeof ExecResult>
