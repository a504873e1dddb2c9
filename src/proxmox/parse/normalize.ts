/**
 * Loose Proxmox JSON/text records → the typed shapes of schemas.ts. Every
 * numeric field goes through `num()` (numbers and numeric strings both work).
 */
import type {
  ClusterResource,
  ContainerConfig,
  ContainerStatus,
  NodeStatus,
  Storage,
  Template,
  Volume,
} from '../schemas.ts'
import { asObject, flag, num, numOr, OutputParseError, str } from './json.ts'
import type { ParsedPctConfig } from './pct-config.ts'
import { parseFeatures, parsePropertyString, parseVolume } from './property-string.ts'

type Rec = Record<string, unknown>

const PRESSURE = [
  'pressurecpufull',
  'pressurecpusome',
  'pressureiofull',
  'pressureiosome',
  'pressurememoryfull',
  'pressurememorysome',
] as const

/** A status hash (pvesh JSON object; pve-container `src/PVE/LXC.pm` `vmstatus`) → ContainerStatus. */
export function toContainerStatus(input: unknown): ContainerStatus {
  const o = asObject(input, 'container status')
  const vmid = num(o.vmid)
  if (vmid === undefined || !Number.isInteger(vmid)) throw new OutputParseError('container status: missing vmid')
  const out: ContainerStatus = {
    vmid,
    name: str(o.name) ?? `CT${vmid}`,
    status: str(o.status) ?? 'unknown',
    type: str(o.type) ?? 'lxc',
    cpus: numOr(o.cpus, 0),
    cpu: numOr(o.cpu, 0),
    maxmem: numOr(o.maxmem, 0),
    mem: numOr(o.mem, 0),
    maxswap: numOr(o.maxswap, 0),
    swap: numOr(o.swap, 0),
    maxdisk: numOr(o.maxdisk, 0),
    disk: numOr(o.disk, 0),
    diskread: numOr(o.diskread, 0),
    diskwrite: numOr(o.diskwrite, 0),
    netin: numOr(o.netin, 0),
    netout: numOr(o.netout, 0),
    uptime: numOr(o.uptime, 0),
  }
  const pid = num(o.pid)
  if (pid !== undefined) out.pid = pid
  const lock = str(o.lock)
  if (lock) out.lock = lock
  const tags = str(o.tags)
  if (tags) out.tags = tags
  const template = num(o.template)
  if (template !== undefined) out.template = template
  if (o.ha && typeof o.ha === 'object') {
    const ha = o.ha as Rec
    const h: NonNullable<ContainerStatus['ha']> = { managed: numOr(ha.managed, 0) }
    const state = str(ha.state)
    if (state !== undefined) h.state = state
    const group = str(ha.group)
    if (group !== undefined) h.group = group
    out.ha = h
  }
  for (const k of PRESSURE) {
    const v = num(o[k])
    if (v !== undefined) out[k] = v
  }
  return out
}

function sub(o: Rec, key: string): Rec {
  const v = o[key]
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {}
}

/** `/nodes/<node>/status` JSON → NodeStatus (loadavg strings → numbers, hvm "1"/"" → boolean). */
export function toNodeStatus(input: unknown): NodeStatus {
  const o = asObject(input, 'node status')
  const ci = sub(o, 'cpuinfo')
  const mem = sub(o, 'memory')
  const swap = sub(o, 'swap')
  const rootfs = sub(o, 'rootfs')
  const out: NodeStatus = {
    uptime: numOr(o.uptime, 0),
    cpu: numOr(o.cpu, 0),
    wait: numOr(o.wait, 0),
    idle: numOr(o.idle, 0),
    loadavg: Array.isArray(o.loadavg) ? o.loadavg.map((x) => numOr(x, 0)) : [],
    cpuinfo: {
      cpus: numOr(ci.cpus, 0),
      cores: numOr(ci.cores, 0),
      sockets: numOr(ci.sockets, 0),
      model: str(ci.model) ?? '',
    },
    memory: { total: numOr(mem.total, 0), used: numOr(mem.used, 0), free: numOr(mem.free, 0) },
    swap: { total: numOr(swap.total, 0), used: numOr(swap.used, 0), free: numOr(swap.free, 0) },
    rootfs: {
      total: numOr(rootfs.total, 0),
      used: numOr(rootfs.used, 0),
      free: numOr(rootfs.free, 0),
      avail: numOr(rootfs.avail, 0),
    },
    pveversion: str(o.pveversion) ?? '',
    kversion: str(o.kversion) ?? '',
  }
  const mhz = num(ci.mhz)
  if (mhz !== undefined) out.cpuinfo.mhz = mhz
  if (ci.hvm !== undefined) out.cpuinfo.hvm = flag(ci.hvm)
  for (const k of ['flags', 'vendor', 'family'] as const) {
    const v = str(ci[k])
    if (v !== undefined) out.cpuinfo[k] = v
  }
  const userHz = num(ci.user_hz)
  if (userHz !== undefined) out.cpuinfo.user_hz = userHz
  const avail = num(mem.available)
  if (avail !== undefined) out.memory.available = avail
  if (o.ksm && typeof o.ksm === 'object') out.ksm = { shared: numOr(sub(o, 'ksm').shared, 0) }
  if (o['current-kernel'] && typeof o['current-kernel'] === 'object') {
    const k = sub(o, 'current-kernel')
    out['current-kernel'] = {
      sysname: str(k.sysname) ?? '',
      release: str(k.release) ?? '',
      version: str(k.version) ?? '',
      machine: str(k.machine) ?? '',
    }
  }
  if (o['boot-info'] && typeof o['boot-info'] === 'object') {
    const b = sub(o, 'boot-info')
    const bi: NonNullable<NodeStatus['boot-info']> = { mode: str(b.mode) ?? '' }
    const sb = num(b.secureboot)
    if (sb !== undefined) bi.secureboot = sb
    out['boot-info'] = bi
  }
  return out
}

/** `/nodes/<node>/storage` entry → Storage. */
export function toStorage(input: unknown): Storage {
  const o = asObject(input, 'storage')
  const storage = str(o.storage)
  if (!storage) throw new OutputParseError('storage: missing storage id')
  const out: Storage = {
    storage,
    type: str(o.type) ?? '',
    content: str(o.content) ?? '',
    active: numOr(o.active, 0),
    enabled: numOr(o.enabled, 1),
    shared: numOr(o.shared, 0),
    total: numOr(o.total, 0),
    used: numOr(o.used, 0),
    avail: numOr(o.avail, 0),
  }
  const f = num(o.used_fraction)
  if (f !== undefined) out.used_fraction = f
  return out
}

const RESOURCE_NUM = [
  'vmid', 'template', 'uptime', 'cpu', 'maxcpu', 'mem', 'maxmem', 'disk', 'maxdisk',
  'netin', 'netout', 'diskread', 'diskwrite', 'shared',
] as const
const RESOURCE_STR = [
  'node', 'name', 'status', 'storage', 'plugintype', 'content', 'pool', 'lock', 'tags', 'hastate', 'level',
] as const

/** `/cluster/resources` entry → ClusterResource (known fields only). */
export function toClusterResource(input: unknown): ClusterResource {
  const o = asObject(input, 'cluster resource')
  const out: ClusterResource = { id: str(o.id) ?? '', type: str(o.type) ?? '' }
  for (const k of RESOURCE_NUM) {
    const v = num(o[k])
    if (v !== undefined) out[k] = v
  }
  for (const k of RESOURCE_STR) {
    const v = str(o[k])
    if (v !== undefined) out[k] = v
  }
  return out
}

/** `/nodes/<node>/storage/<sid>/content` entry (content vztmpl) → Template. */
export function toTemplate(input: unknown): Template {
  const o = asObject(input, 'storage content')
  const volid = str(o.volid)
  if (!volid) throw new OutputParseError('storage content: missing volid')
  const colon = volid.indexOf(':')
  const storage = colon > 0 ? volid.slice(0, colon) : ''
  const rest = colon > 0 ? volid.slice(colon + 1) : volid
  const out: Template = {
    volid,
    storage,
    name: rest.replace(/^(vztmpl|iso|backup|snippets|import)\//, ''),
    size: numOr(o.size, 0),
  }
  const format = str(o.format)
  if (format !== undefined) out.format = format
  const ctime = num(o.ctime)
  if (ctime !== undefined) out.ctime = ctime
  return out
}

function toVolume(text: string): Volume {
  const v = parseVolume(text)
  const out: Volume = { volume: v.volume }
  if (v.size !== undefined) out.size = String(v.size)
  if (typeof v.bytes === 'number') out.bytes = v.bytes
  if (v.mp !== undefined) out.mp = String(v.mp)
  return out
}

/** Parsed `pct config` → ContainerConfig (typed fields, volumes, nets, plus raw keys). */
export function toContainerConfig(parsed: ParsedPctConfig): ContainerConfig {
  const v = parsed.values
  const out: ContainerConfig = { mp: {}, net: {}, raw: { ...v }, lxc: parsed.lxc.map(([k, x]) => [k, x]) }
  for (const k of ['hostname', 'ostype', 'arch', 'description', 'lock', 'parent', 'tags', 'nameserver', 'searchdomain'] as const) {
    if (v[k] !== undefined) out[k] = v[k]
  }
  for (const k of ['memory', 'swap', 'cores', 'cpulimit', 'onboot', 'unprivileged', 'template', 'protection'] as const) {
    const n = num(v[k])
    if (n !== undefined) out[k] = n
  }
  if (v.features !== undefined) out.features = parseFeatures(v.features)
  if (v.rootfs !== undefined) out.rootfs = toVolume(v.rootfs)
  for (const [k, x] of Object.entries(v)) {
    if (/^mp\d+$/.test(k)) out.mp[k] = toVolume(x)
    else if (/^net\d+$/.test(k)) out.net[k] = parsePropertyString(x)
  }
  return out
}
