/**
 * ProxmoxClient: the typed operations on one Proxmox VE host (one AZ), as
 * the plugins see them. This facade is where a request value enters the
 * layer, so it is checked here, once (ids.ts / validate.ts; the option
 * objects of create/set in options.ts); the resource modules below take only
 * checked values:
 *
 * - node.ts: node name (discovered once per AZ), version, node status,
 *   /cluster/resources, the /px/status summary, the reachability no-op, the
 *   host's reboot
 * - containers.ts: list, status, config, the describe/usage reads, lifecycle,
 *   commands inside a container
 * - snapshots.ts, storage.ts (storages and templates), tasks.ts (worker-task
 *   timeouts)
 *
 * and every command goes through run.ts (one checked run, one timeout rule);
 * a read endpoint that needs several tools gets them in one host round trip
 * (batch.ts).
 *
 * Which interface per call:
 * - pvesh JSON for structured reads (container list/status, node status,
 *   cluster resources, storages, storage content, snapshots): exact byte
 *   counts and epochs, field names as Proxmox has them, no column parsing
 *   (pve-manager `PVE/CLI/pvesh.pm`).
 * - `pct config` text for configs: it needs no node name and keeps repeated
 *   `lxc.*` lines in order (pve-container `src/PVE/CLI/pct.pm`).
 * - `pct <action>` for every change: the "upid_exit" handler makes the exit
 *   code reliable (resize is the exception; errors.ts handles it), pre-task
 *   errors are plain stderr lines, and the password can be masked by argv index.
 * - `pveversion`, `pveam available|download`, `pvesm status`: text, because
 *   these tools print no JSON.
 */
import type { Executor, RunResult, StreamHandle } from '../exec/executor.ts'
import { BadRequestError } from '../errors/catalogue.ts'
import * as ct from './containers.ts'
import { assertPattern, assertSnapshotName, assertVmid } from './ids.ts'
import * as node from './node.ts'
import type { CreateOptions, SetConfigChanges } from './options.ts'
import { STORAGE_CONTENT_TYPES, TEMPLATE_SECTIONS } from './options.ts'
import type { PvePackageVersion } from './parse/pveversion.ts'
import { HostRunner, type CallOptions, type ExecOutput, type Host } from './run.ts'
import type {
  AvailableTemplate,
  ClusterResource,
  ContainerConfig,
  ContainerStatus,
  NodeStatus,
  PveVersion,
  Snapshot,
  Storage,
  Template,
  Volume,
} from './schemas.ts'
import * as snap from './snapshots.ts'
import * as storage from './storage.ts'
import { assertArgList, assertCommand, assertEnum, assertText } from './validate.ts'

export type { CallOptions, ExecOutput } from './run.ts'
export type { ContainerDescription, ContainerUsage } from './containers.ts'
export type { HostStatus } from './node.ts'
export type { TemplateListing } from './storage.ts'

export interface ProxmoxClientOptions {
  /** AZ label for errors and logs, e.g. `eu-south-1/az1`. */
  az: string
  /** PVE node name; discovered (and cached) when absent. */
  node?: string
}

type ExecOptions = CallOptions & { stdin?: string }

export class ProxmoxClient {
  readonly az: string
  private readonly cache: node.NodeCache
  private readonly h: Host

  constructor(executor: Executor, opts: ProxmoxClientOptions) {
    this.az = opts.az
    this.cache = {}
    if (opts.node !== undefined && opts.node !== '') this.cache.name = assertPattern('node', opts.node, 'node')
    this.h = hostOf(new HostRunner(executor, opts.az, {}, {}), this.cache)
  }

  /**
   * A view of this client whose calls default to `defaults` (e.g. a short
   * timeout for a status probe, or the request's abort signal, which only
   * reads take). Calls with their own timeout (long tasks) keep it. Shares
   * the node-name cache.
   */
  with(defaults: CallOptions): ProxmoxClient {
    const view: ProxmoxClient = Object.create(ProxmoxClient.prototype)
    return Object.assign(view, { az: this.az, cache: this.cache, h: hostOf(this.h.run.with(defaults), this.cache) })
  }

  // ---------------------------------------------------------------- node and host

  /** The PVE node name: configured, else discovered once per AZ (`/cluster/status` local entry, else `hostname`). */
  async node(): Promise<string> {
    return this.h.node()
  }

  /** `pveversion`. */
  async version(call?: CallOptions): Promise<PveVersion> {
    return node.version(this.h, call)
  }

  /** `pveversion --verbose`: package → version. */
  async packageVersions(call?: CallOptions): Promise<Record<string, PvePackageVersion>> {
    return node.packageVersions(this.h, call)
  }

  /** `pvesh get /nodes/<node>/status`. */
  async nodeStatus(call?: CallOptions): Promise<NodeStatus> {
    return node.nodeStatus(this.h, call)
  }

  /** `pvesh get /cluster/resources [--type vm|storage|node|sdn]`. `vm` includes qemu guests. */
  async clusterResources(type?: node.ResourceType, call?: CallOptions): Promise<ClusterResource[]> {
    const t = type === undefined ? undefined : assertEnum(type, 'type', node.RESOURCE_TYPES)
    return node.clusterResources(this.h, t, call)
  }

  /** Node status, storages, containers and the node's /cluster/resources entry, in one host round trip (GET /px/status). */
  async hostStatus(call?: CallOptions): Promise<node.HostStatus> {
    return node.hostStatus(this.h, call)
  }

  /**
   * Follows a detached task (jobs.ts) a previous LWS process started, by its
   * job name, to its end: its exit code and output, like the task run in the
   * foreground. A `timeoutMs` or `signal` stops it (SIGTERM).
   */
  async followJob(name: string, opts: { timeoutMs?: number; signal?: AbortSignal; onOutput?: (text: string, stream: 'stdout' | 'stderr') => void } = {}): Promise<RunResult> {
    const { onOutput, ...o } = opts
    return this.h.run.followJob({ name, ...(onOutput ? { onOutput } : {}) }, o)
  }

  /** `true` on the host (quick share, never shared with another caller): resolves with the round trip in ms. */
  async probe(call?: CallOptions): Promise<number> {
    return node.probe(this.h, call)
  }

  /** `reboot` on the host. `connectionLost`: the connection closed while it ran (the reboot taking effect). */
  async rebootHost(call?: CallOptions): Promise<{ connectionLost: boolean }> {
    return node.rebootHost(this.h, call)
  }

  // ---------------------------------------------------------------- containers: reads

  /** `pvesh get /nodes/<node>/lxc`, sorted by vmid. */
  async listContainers(call?: CallOptions): Promise<ContainerStatus[]> {
    return ct.listContainers(this.h, call)
  }

  /** `pvesh get /nodes/<node>/lxc/<vmid>/status/current`. Missing CT → 404. */
  async containerStatus(vmid: string | number, call?: CallOptions): Promise<ContainerStatus> {
    return ct.containerStatus(this.h, assertVmid(vmid), call)
  }

  /** `pct config <vmid> [--current | --snapshot <name>]`. */
  async containerConfig(vmid: string | number, opts: { current?: boolean; snapshot?: string } = {}, call?: CallOptions): Promise<ContainerConfig> {
    const id = assertVmid(vmid)
    if (opts.current && opts.snapshot !== undefined) throw new BadRequestError("cannot use 'snapshot' together with 'current'")
    const snapshot = opts.snapshot === undefined ? undefined : assertSnapshotName(opts.snapshot)
    return ct.containerConfig(this.h, id, { current: opts.current, ...(snapshot !== undefined ? { snapshot } : {}) }, call)
  }

  /** Status, config and snapshots of a container in one host round trip (GET /lxc/instances/{id}). Missing CT → 404. */
  async describeContainer(vmid: string | number, call?: CallOptions): Promise<ct.ContainerDescription> {
    return ct.describeContainer(this.h, assertVmid(vmid), call)
  }

  /** Status and /cluster/resources entry of a container in one host round trip (…/resources). Missing CT → 404. */
  async containerUsage(vmid: string | number, call?: CallOptions): Promise<ct.ContainerUsage> {
    return ct.containerUsage(this.h, assertVmid(vmid), call)
  }

  // ---------------------------------------------------------------- containers: lifecycle

  /** `pct create <vmid> <template> ...` (options checked by options.ts); the password is masked. Returns the task log. */
  async createContainer(vmid: string | number, template: string, options: CreateOptions = {}, call?: CallOptions): Promise<string> {
    return ct.createContainer(this.h, assertVmid(vmid), template, options, call)
  }

  /** `pct start <vmid>`. Already running → 409. */
  async start(vmid: string | number, call?: CallOptions): Promise<string> {
    return ct.start(this.h, assertVmid(vmid), call)
  }

  /** `pct stop <vmid> [--overrule-shutdown 1]`. Not running → 409, missing → 404. */
  async stop(vmid: string | number, opts: { overruleShutdown?: boolean } & CallOptions = {}): Promise<string> {
    const { overruleShutdown, ...call } = opts
    return ct.stop(this.h, assertVmid(vmid), { overruleShutdown }, call)
  }

  /** `pct shutdown <vmid> [--timeout s] [--forceStop 1]`. Not running → 409, missing → 404. */
  async shutdown(vmid: string | number, opts: { timeout?: number; forceStop?: boolean } & CallOptions = {}): Promise<string> {
    const { timeout, forceStop, ...call } = opts
    return ct.shutdown(this.h, assertVmid(vmid), { timeout, forceStop }, call)
  }

  /** `pct reboot <vmid> [--timeout s]`. Not running → 409, missing → 404. */
  async reboot(vmid: string | number, opts: { timeout?: number } & CallOptions = {}): Promise<string> {
    const { timeout, ...call } = opts
    return ct.reboot(this.h, assertVmid(vmid), { timeout }, call)
  }

  /** `pct unlock <vmid>`: removes any `lock:`; no lock present → false, not an error. */
  async unlock(vmid: string | number, call?: CallOptions): Promise<boolean> {
    return ct.unlock(this.h, assertVmid(vmid), call)
  }

  /** `pct destroy <vmid> [--purge 1] [--force 1] [--destroy-unreferenced-disks 1]`. Running without force → 409. */
  async destroy(vmid: string | number, opts: { purge?: boolean; force?: boolean; destroyUnreferencedDisks?: boolean } & CallOptions = {}): Promise<string> {
    const { purge, force, destroyUnreferencedDisks, ...call } = opts
    return ct.destroy(this.h, assertVmid(vmid), { purge, force, destroyUnreferencedDisks }, call)
  }

  /** `pct set <vmid> ...` (changes checked by options.ts). */
  async setConfig(vmid: string | number, changes: SetConfigChanges, call?: CallOptions): Promise<void> {
    return ct.setConfig(this.h, assertVmid(vmid), changes, call)
  }

  /**
   * `pct resize <vmid> <disk> <size>`, confirmed by reading the config back.
   * `size` is `64G` (absolute) or `+8G` (relative); a unit is required.
   */
  async resize(vmid: string | number, disk: string, size: string, call?: CallOptions): Promise<Volume> {
    const id = assertVmid(vmid)
    return ct.resize(this.h, id, assertPattern('diskName', disk, 'disk'), assertPattern('resizeSize', size, 'size'), call)
  }

  // ---------------------------------------------------------------- inside a container

  /**
   * The user's free-form command: `pct exec <vmid> -- sh -c <command>`, the
   * command as ONE argument. Its exit status is returned, not thrown; only
   * pct's refusals are errors (missing CT → 404, not running → 409).
   */
  async exec(vmid: string | number, command: string, opts: ExecOptions = {}): Promise<ExecOutput> {
    return ct.execIn(this.h, assertVmid(vmid), ['sh', '-c', assertCommand(command)], opts)
  }

  /** Like `exec`, streamed while it runs; `kill()` or `signal` stops it in the container. */
  async execStream(vmid: string | number, command: string, opts: { signal?: AbortSignal } = {}): Promise<StreamHandle> {
    return ct.execInStream(this.h, assertVmid(vmid), ['sh', '-c', assertCommand(command)], opts)
  }

  /** `pct exec <vmid> -- argv…`: an argument list, no shell. */
  async execArgv(vmid: string | number, argv: string[], opts: ExecOptions = {}): Promise<ExecOutput> {
    return ct.execIn(this.h, assertVmid(vmid), assertArgList(argv, 'argv', true), opts)
  }

  /** `pct exec <vmid> -- argv…`, streamed. */
  async execArgvStream(vmid: string | number, argv: string[], opts: { signal?: AbortSignal } = {}): Promise<StreamHandle> {
    return ct.execInStream(this.h, assertVmid(vmid), assertArgList(argv, 'argv', true), opts)
  }

  /**
   * `pct exec <vmid> -- sh -c <script> sh args…`: a fixed script whose
   * request values come only as `$1`, `$2`, … (never parsed as shell code).
   */
  async execScript(vmid: string | number, script: string, args: string[] = [], opts: ExecOptions = {}): Promise<ExecOutput> {
    return ct.execIn(this.h, assertVmid(vmid), ct.shArgv(assertCommand(script, 'script'), assertArgList(args, 'args', false)), opts)
  }

  /** `execScript`, streamed. */
  async execScriptStream(vmid: string | number, script: string, args: string[] = [], opts: { signal?: AbortSignal } = {}): Promise<StreamHandle> {
    return ct.execInStream(this.h, assertVmid(vmid), ct.shArgv(assertCommand(script, 'script'), assertArgList(args, 'args', false)), opts)
  }

  // ---------------------------------------------------------------- snapshots

  /** Real snapshots, oldest first; `current` marks the one the CT derives from. Missing CT → 404. */
  async snapshots(vmid: string | number, call?: CallOptions): Promise<Snapshot[]> {
    return snap.snapshots(this.h, assertVmid(vmid), call)
  }

  /** `pct snapshot <vmid> <name> [--description=...]`. Name used → 409, locked → 409. */
  async snapshot(vmid: string | number, name: string, opts: { description?: string } & CallOptions = {}): Promise<string> {
    const { description, ...call } = opts
    const id = assertVmid(vmid)
    const s = assertSnapshotName(name)
    return snap.snapshot(this.h, id, s, description === undefined ? undefined : assertText(description, 'description', 8192), call)
  }

  /** `pct delsnapshot <vmid> <name> [--force 1]`. Missing snapshot → 404. */
  async delsnapshot(vmid: string | number, name: string, opts: { force?: boolean } & CallOptions = {}): Promise<string> {
    const { force, ...call } = opts
    return snap.delsnapshot(this.h, assertVmid(vmid), assertSnapshotName(name), { force }, call)
  }

  /** `pct rollback <vmid> <name> [--start 1]`. A running CT is stopped by PVE first. */
  async rollback(vmid: string | number, name: string, opts: { start?: boolean } & CallOptions = {}): Promise<string> {
    const { start, ...call } = opts
    return snap.rollback(this.h, assertVmid(vmid), assertSnapshotName(name), { start }, call)
  }

  // ---------------------------------------------------------------- storage and templates

  /** `pvesh get /nodes/<node>/storage`: every storage with its state. */
  async storages(call?: CallOptions): Promise<Storage[]> {
    return storage.storages(this.h, call)
  }

  /** `pvesh get /nodes/<node>/storage/<sid>/content --content <type>`. */
  async storageContent(sid: string, content: storage.ContentType = 'vztmpl', call?: CallOptions): Promise<Template[]> {
    return storage.storageContent(this.h, assertPattern('storageId', sid, 'storage'), assertEnum(content, 'content', STORAGE_CONTENT_TYPES), call)
  }

  /** Every template on every active, enabled storage that holds `vztmpl`, in one host round trip. */
  async templates(call?: CallOptions): Promise<Template[]> {
    return (await storage.templateListing(this.h, {}, call)).templates
  }

  /** GET /px/templates in one host round trip: the templates (of every storage, or of `storage`), plus `pveam available` when asked. */
  async templateListing(opts: { storage?: string; available?: boolean; section?: string } = {}, call?: CallOptions): Promise<storage.TemplateListing> {
    const sid = opts.storage === undefined ? undefined : assertPattern('storageId', opts.storage, 'storage')
    const section = opts.section === undefined ? undefined : assertEnum(opts.section, 'section', TEMPLATE_SECTIONS)
    return storage.templateListing(this.h, { storage: sid, available: opts.available === true, section }, call)
  }

  /** `pveam available [--section system|mail|turnkeylinux]`. */
  async availableTemplates(section?: storage.TemplateSection, call?: CallOptions): Promise<AvailableTemplate[]> {
    return storage.availableTemplates(this.h, section === undefined ? undefined : assertEnum(section, 'section', TEMPLATE_SECTIONS), call)
  }

  /** `pveam download <storage> <template>`: stderr decides (it exits 0 on failure). */
  async downloadTemplate(sid: string, template: string, call?: CallOptions): Promise<{ volid: string; output: string; alreadyPresent: boolean }> {
    return storage.downloadTemplate(this.h, assertPattern('storageId', sid, 'storage'), assertPattern('templateName', template, 'template'), call)
  }
}

function hostOf(run: HostRunner, cache: node.NodeCache): Host {
  return { run, node: () => node.nodeName(run, cache) }
}
