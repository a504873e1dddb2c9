/**
 * The node: its name, version, status and the cluster's resource list, the
 * host summary of /px/status in one round trip, and the host-level commands
 * (reachability no-op, reboot).
 *
 * Sources: pve-manager `PVE/API2/Nodes.pm` (`/nodes/<node>/status`),
 * `PVE/API2/Cluster.pm` (`/cluster/status`, `/cluster/resources`),
 * `bin/pveversion`; pve-storage `src/PVE/API2/Storage/Status.pm`
 * (`/nodes/<node>/storage`); pve-container `src/PVE/API2/LXC.pm` (`vmlist`,
 * `/nodes/<node>/lxc`).
 */
import { CommandError, HostUnreachableError, InternalError } from '../errors/catalogue.ts'
import type { BatchSpec } from './batch.ts'
import { matches, type NodeName } from './ids.ts'
import { asArray, flag, parsePveshJson, str } from './parse/json.ts'
import { toClusterResource, toContainerStatus, toNodeStatus, toStorage } from './parse/normalize.ts'
import { parsePveversion, parsePveversionVerbose, type PvePackageVersion } from './parse/pveversion.ts'
import { partNamed, pveshGetArgv, type CallOptions, type Host, type HostRunner } from './run.ts'
import type { ClusterResource, ContainerStatus, NodeStatus, PveVersion, Storage } from './schemas.ts'

export const RESOURCE_TYPES = ['vm', 'storage', 'node', 'sdn'] as const
export type ResourceType = (typeof RESOURCE_TYPES)[number]

/** The node name of one AZ, shared by a client and its `with()` views. */
export interface NodeCache {
  name?: NodeName
  discovery?: Promise<NodeName>
}

/**
 * Node-name discovery, one round trip: `/cluster/status` (its `local` node
 * entry, pve-manager `PVE/API2/Cluster.pm`) and `hostname`, the fallback on a
 * node whose cluster filesystem does not answer.
 */
const DISCOVER: BatchSpec = {
  name: 'node-name',
  steps: [
    { part: { name: 'cluster-status', argv: pveshGetArgv('/cluster/status') } },
    { part: { name: 'hostname', argv: ['hostname'] } },
  ],
}

/** The PVE node name: configured, else discovered once per AZ (concurrent callers share the discovery). */
export function nodeName(r: HostRunner, cache: NodeCache): Promise<NodeName> {
  if (cache.name !== undefined) return Promise.resolve(cache.name)
  cache.discovery ??= discoverNode(r).then(
    (n) => {
      cache.name = n
      return n
    },
    (e) => {
      cache.discovery = undefined // retry on the next call
      throw e
    },
  )
  return cache.discovery
}

async function discoverNode(r: HostRunner): Promise<NodeName> {
  const parts = await r.batch(DISCOVER, [])
  const cs = partNamed(parts, 'cluster-status')
  // A missing pvesh is 503 here: falling back to `hostname` would name a
  // node on a machine that is no Proxmox host at all.
  if (cs.missing) await r.check(cs)
  if (cs.exitCode === 0) {
    try {
      for (const e of asArray(parsePveshJson(cs.stdout), 'cluster status')) {
        if (!e || typeof e !== 'object') continue
        const o = e as Record<string, unknown>
        const name = str(o.name)
        if (o.type === 'node' && flag(o.local) && name && matches('node', name)) return name as NodeName
      }
    } catch {
      // fall through to hostname
    }
  }
  const h = await r.check(partNamed(parts, 'hostname'))
  const name = (h.stdout.trim().split('\n')[0] ?? '').trim().split('.')[0] ?? ''
  if (!matches('node', name)) {
    throw new InternalError(`${r.az}: cannot determine the Proxmox node name (hostname printed ${JSON.stringify(name.slice(0, 80))})`)
  }
  return name as NodeName
}

/** `pveversion` (pve-manager `bin/pveversion`): `pve-manager/<version>/<repoid> (running kernel: …)`. */
export async function version(h: Host, call?: CallOptions): Promise<PveVersion> {
  const argv = ['pveversion']
  const r = await h.run.run(argv, { kind: 'read', call })
  return h.run.parse(argv, () => parsePveversion(r.stdout))
}

/** `pveversion --verbose`: package → version. */
export async function packageVersions(h: Host, call?: CallOptions): Promise<Record<string, PvePackageVersion>> {
  const argv = ['pveversion', '--verbose']
  const r = await h.run.run(argv, { kind: 'read', call })
  return h.run.parse(argv, () => parsePveversionVerbose(r.stdout))
}

/** `pvesh get /nodes/<node>/status`. Its `cpu` is always 0 from a fresh pvesh: the CPU figure is in /cluster/resources. */
export async function nodeStatus(h: Host, call?: CallOptions): Promise<NodeStatus> {
  return h.run.pveshGet(`/nodes/${await h.node()}/status`, [], toNodeStatus, call)
}

/** `pvesh get /cluster/resources [--type vm|storage|node|sdn]`; `vm` includes qemu guests. */
export async function clusterResources(h: Host, type?: ResourceType, call?: CallOptions): Promise<ClusterResource[]> {
  return h.run.pveshGet('/cluster/resources', type === undefined ? [] : ['--type', type], toResources, call)
}

export const toResources = (j: unknown): ClusterResource[] => asArray(j, 'cluster resources').map(toClusterResource)
export const toStorages = (j: unknown): Storage[] =>
  asArray(j, 'storage list')
    .map(toStorage)
    .sort((a, b) => (a.storage < b.storage ? -1 : a.storage > b.storage ? 1 : 0))
export const toContainers = (j: unknown): ContainerStatus[] =>
  asArray(j, 'container list')
    .map(toContainerStatus)
    .sort((a, b) => a.vmid - b.vmid)

/** /px/status: node status, storages, containers and the node's resource entry, in one round trip. */
const HOST_STATUS: BatchSpec = {
  name: 'host-status',
  steps: [
    { part: { name: 'status', argv: pveshGetArgv('/nodes/{1}/status') } },
    { part: { name: 'storage', argv: pveshGetArgv('/nodes/{1}/storage') } },
    { part: { name: 'containers', argv: pveshGetArgv('/nodes/{1}/lxc') } },
    { part: { name: 'resources', argv: pveshGetArgv('/cluster/resources', ['--type', 'node']) } },
  ],
}

export interface HostStatus {
  node: string
  status: NodeStatus
  storages: Storage[]
  containers: ContainerStatus[]
  /** `/cluster/resources --type node`, or why it could not be read (the rest still answers). */
  resources: { ok: true; list: ClusterResource[] } | { ok: false; error: unknown }
}

export async function hostStatus(h: Host, call?: CallOptions): Promise<HostStatus> {
  const node = await h.node()
  const parts = await h.run.batch(HOST_STATUS, [node], call)
  const status = await h.run.checkJson(partNamed(parts, 'status'), toNodeStatus, {}, call)
  const storages = await h.run.checkJson(partNamed(parts, 'storage'), toStorages, {}, call)
  const containers = await h.run.checkJson(partNamed(parts, 'containers'), toContainers, {}, call)
  let resources: HostStatus['resources']
  try {
    resources = { ok: true, list: await h.run.checkJson(partNamed(parts, 'resources'), toResources, {}, call) }
  } catch (error) {
    resources = { ok: false, error }
  }
  return { node, status, storages, containers, resources }
}

/**
 * The reachability check: `true` on the host within the call's timeout.
 * Resolves with the round trip in ms; a host that cannot be reached rejects
 * with the executor's classification (502 refused/auth/key, 504 silent).
 */
export async function probe(h: Host, call?: CallOptions): Promise<number> {
  const started = performance.now()
  const argv = ['true']
  const r = await h.run.exec(argv, { kind: 'probe', call })
  if (r.exitCode !== 0) throw new CommandError(h.run.az, argv, r.stdout, r.stderr, r.exitCode)
  return performance.now() - started
}

/** `reboot` only queues the shutdown and returns; this bounds a host that hangs instead. */
export const REBOOT_TIMEOUT_MS = 30_000

/**
 * Reboots the host (`reboot`). `connectionLost`: the connection closed while
 * `reboot` ran, which is the reboot taking effect when the host answered just
 * before (the caller's probe). A non-zero exit is a CommandError.
 */
export async function rebootHost(h: Host, call?: CallOptions): Promise<{ connectionLost: boolean }> {
  const argv = ['reboot']
  try {
    const r = await h.run.exec(argv, { kind: 'change', timeoutMs: REBOOT_TIMEOUT_MS, call })
    if (r.exitCode !== 0) throw new CommandError(h.run.az, argv, r.stdout, r.stderr, r.exitCode)
    return { connectionLost: false }
  } catch (e) {
    if (e instanceof HostUnreachableError) return { connectionLost: true }
    throw e
  }
}
