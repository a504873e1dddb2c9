/**
 * ProxmoxClient: typed operations on one Proxmox VE host (one AZ), each one an
 * argv run through the zone's Executor, checked by errors.ts and parsed by
 * parse/*. Every request-derived value is validated (ids.ts / validate.ts /
 * options.ts) before any command runs.
 *
 * Which interface per call:
 * - pvesh JSON for structured reads (container list/status, node status,
 *   cluster resources, nextid, storages, storage content, snapshots): exact
 *   byte counts and epochs, field names as Proxmox has them, no column parsing.
 * - `pct config` text for configs: its layout is fully specified (facts §5),
 *   it needs no node name, and it keeps repeated `lxc.*` lines in order.
 * - `pct <action>` for every change: the "upid_exit" handler makes the exit
 *   code reliable (resize is the exception; errors.ts handles it), pre-task
 *   errors are plain stderr lines, and the password can be masked by argv index.
 * - `pveversion`, `pveam available|list|download`, `pvesm status`: text,
 *   because these tools print no JSON.
 */
import type { Executor, RunOptions, RunResult, StreamHandle, StreamOptions, Truncation } from '../exec/executor.ts'
import { BadRequestError, CommandError, codeOf, InternalError, LwsError, NotFoundError } from '../errors/catalogue.ts'
import { checkResult, execRefusal, hostFault, type FailureContext } from './errors.ts'
import { assertPattern, assertSnapshotName, assertVmid, matches } from './ids.ts'
import {
  createArgv,
  RESOURCE_TYPES,
  setArgv,
  STORAGE_CONTENT_TYPES,
  TEMPLATE_SECTIONS,
  type CreateOptions,
  type SetConfigChanges,
} from './options.ts'
import { asArray, flag, num, OutputParseError, parsePveshJson, str } from './parse/json.ts'
import {
  toClusterResource,
  toContainerConfig,
  toContainerStatus,
  toNodeStatus,
  toStorage,
  toTemplate,
} from './parse/normalize.ts'
import { parsePctConfig } from './parse/pct-config.ts'
import { parsePctList, type PctListRow } from './parse/pct-list.ts'
import { parseDiskSize } from './parse/property-string.ts'
import { parsePveamAvailable, parsePveamList, type PveamListRow } from './parse/pveam.ts'
import { parsePvesmStatus } from './parse/pvesm.ts'
import { parsePveversion, parsePveversionVerbose, type PvePackageVersion } from './parse/pveversion.ts'
import { parseSnapshotTree, snapshotsFromJson, type SnapshotTreeRow } from './parse/snapshots.ts'
import type {
  AvailableTemplate,
  ClusterResource,
  ContainerConfig,
  ContainerStatus,
  ExecResult,
  NodeStatus,
  PveVersion,
  PvesmStatusRow,
  Snapshot,
  Storage,
  Template,
  Volume,
} from './schemas.ts'
import { assertDiskName, assertEnum, assertText } from './validate.ts'

export interface ProxmoxClientOptions {
  /** AZ label for errors and logs, e.g. `eu-south-1/az1`. */
  az: string
  /** PVE node name; discovered (and cached) when absent. */
  node?: string
}

/** Per-call options every action accepts. */
export interface CallOptions {
  /** Override the default timeout of this call. */
  timeoutMs?: number
  signal?: AbortSignal
  /** Override the executor's cap on output kept per stream (api.max_output_bytes). */
  maxOutputBytes?: number
}

/** What `exec` answers: the command's streams (each possibly cut at the cap), exit code, and which was cut. */
export interface ExecOutput extends ExecResult {
  truncated?: Truncation
}

/** Default timeouts for worker tasks (they run in the foreground on the CLI). */
const MIN = 60_000
const TIMEOUT = {
  create: 15 * MIN,
  destroy: 5 * MIN,
  start: 3 * MIN,
  stop: 3 * MIN,
  snapshot: 10 * MIN,
  rollback: 10 * MIN,
  resize: 10 * MIN,
  download: 30 * MIN,
}

const MAX_EXEC_COMMAND = 100_000

/** State shared by a client and its `with()` views. */
interface NodeCache {
  name?: string
  discovery?: Promise<string>
}

export class ProxmoxClient {
  readonly az: string
  private readonly nodeCache: NodeCache = {}
  /** Options applied to calls that do not set their own (see `with`). */
  private defaults: CallOptions = {}

  constructor(
    private readonly executor: Executor,
    opts: ProxmoxClientOptions,
  ) {
    this.az = opts.az
    if (opts.node !== undefined && opts.node !== '') this.nodeCache.name = assertPattern('node', opts.node, 'node')
  }

  /**
   * A view of this client whose calls default to `defaults` (e.g. a short
   * timeout for a status probe, or the request's abort signal). Calls with
   * their own timeout (long tasks) keep it. Shares the node-name cache.
   */
  with(defaults: CallOptions): ProxmoxClient {
    const view = Object.create(this) as ProxmoxClient
    view.defaults = { ...this.defaults, ...defaults }
    return view
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Every command of this client goes through here (or `rawStream`), so a
   * host without the PVE tools answers 503 PROXMOX_TOOLS_MISSING on every
   * call, whichever call comes first.
   */
  private async raw(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
    try {
      return await this.executor.run(argv, opts)
    } catch (e) {
      throw hostFault(this.az, e)
    }
  }

  private async rawStream(argv: readonly string[], opts: StreamOptions): Promise<StreamHandle> {
    try {
      return await this.executor.stream(argv, opts)
    } catch (e) {
      throw hostFault(this.az, e)
    }
  }

  /** Run argv; throw the mapped LwsError if it failed (errors.ts rules). */
  private async run(argv: string[], opts: RunOptions = {}, ctx: FailureContext = {}): Promise<RunResult> {
    const result = await this.raw(argv, { ...this.defaults, ...opts })
    const shown = opts.secretArgs?.length ? argv.map((a, i) => (opts.secretArgs!.includes(i) ? '***' : a)) : argv
    checkResult(this.az, shown, result, ctx)
    return result
  }

  /** Apply a parser; malformed output becomes a 500 naming the command. */
  private parse<T>(argv: readonly string[], fn: () => T): T {
    try {
      return fn()
    } catch (e) {
      if (e instanceof LwsError) throw e
      const err = new InternalError(`unexpected output from '${argv.slice(0, 4).join(' ')}': ${(e as Error).message}`)
      err.cause = e
      throw err
    }
  }

  /** `pvesh get <path> [params] --output-format json` → JSON → `convert`. */
  private async pveshGet<T>(path: string, params: string[], convert: (json: unknown) => T, ctx: FailureContext = {}): Promise<T> {
    const argv = ['pvesh', 'get', path, ...params, '--output-format', 'json']
    const r = await this.run(argv, {}, ctx)
    return this.parse(argv, () => convert(parsePveshJson(r.stdout)))
  }

  private runOpts(o: CallOptions | undefined, defaultTimeout?: number): RunOptions {
    const r: RunOptions = {}
    const t = o?.timeoutMs ?? defaultTimeout
    if (t !== undefined) r.timeoutMs = t
    if (o?.signal) r.signal = o.signal
    if (o?.maxOutputBytes !== undefined) r.maxOutputBytes = o.maxOutputBytes
    return r
  }

  // ---------------------------------------------------------------- node

  /** The PVE node name: configured, else discovered once (`/cluster/status` local entry, then `hostname`). */
  async node(): Promise<string> {
    const cache = this.nodeCache
    if (cache.name !== undefined) return cache.name
    cache.discovery ??= this.discoverNode().then(
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

  private async discoverNode(): Promise<string> {
    const argv = ['pvesh', 'get', '/cluster/status', '--output-format', 'json']
    // A missing pvesh throws here: falling back to `hostname` would name a
    // node on a machine that is no Proxmox host at all.
    const r = await this.raw(argv, this.defaults)
    if (r.exitCode === 0) {
      try {
        const entries = asArray(parsePveshJson(r.stdout), 'cluster status')
        for (const e of entries) {
          if (!e || typeof e !== 'object') continue
          const o = e as Record<string, unknown>
          const name = str(o.name)
          if (o.type === 'node' && flag(o.local) && name && matches('node', name)) return name
        }
      } catch {
        // fall through to hostname
      }
    }
    const h = await this.run(['hostname'])
    const name = (h.stdout.trim().split('\n')[0] ?? '').trim().split('.')[0] ?? ''
    if (!matches('node', name)) {
      throw new InternalError(`${this.az}: cannot determine the Proxmox node name (hostname printed ${JSON.stringify(name.slice(0, 80))})`)
    }
    return name
  }

  // ---------------------------------------------------------------- host

  /** `pveversion` (facts §18). */
  async version(): Promise<PveVersion> {
    const argv = ['pveversion']
    const r = await this.run(argv)
    return this.parse(argv, () => parsePveversion(r.stdout))
  }

  /** `pveversion --verbose`: package → version. */
  async packageVersions(): Promise<Record<string, PvePackageVersion>> {
    const argv = ['pveversion', '--verbose']
    const r = await this.run(argv)
    return this.parse(argv, () => parsePveversionVerbose(r.stdout))
  }

  /** `pvesh get /nodes/<node>/status` (facts §16.3). */
  async nodeStatus(): Promise<NodeStatus> {
    const node = await this.node()
    return this.pveshGet(`/nodes/${node}/status`, [], toNodeStatus)
  }

  /** `pvesh get /cluster/resources [--type vm|storage|node|sdn]` (facts §16.6). `vm` includes qemu guests. */
  async clusterResources(type?: (typeof RESOURCE_TYPES)[number]): Promise<ClusterResource[]> {
    const params = type === undefined ? [] : ['--type', assertEnum(type, 'type', RESOURCE_TYPES)]
    return this.pveshGet('/cluster/resources', params, (j) => asArray(j, 'cluster resources').map(toClusterResource))
  }

  /** `pvesh get /cluster/nextid` (facts §16.7): number or numeric string. */
  async nextId(): Promise<number> {
    return this.pveshGet('/cluster/nextid', [], (j) => {
      const n = num(j)
      if (n === undefined || !Number.isInteger(n)) throw new OutputParseError(`not a VMID: ${JSON.stringify(j)}`)
      return n
    })
  }

  /** `pvesm status` (facts §15), sizes in KiB. */
  async pvesmStatus(): Promise<PvesmStatusRow[]> {
    const argv = ['pvesm', 'status']
    const r = await this.run(argv)
    return this.parse(argv, () => parsePvesmStatus(r.stdout))
  }

  // ---------------------------------------------------------------- containers: reads

  /** `pvesh get /nodes/<node>/lxc` (facts §16.4), sorted by vmid. */
  async listContainers(): Promise<ContainerStatus[]> {
    const node = await this.node()
    const list = await this.pveshGet(`/nodes/${node}/lxc`, [], (j) => asArray(j, 'container list').map(toContainerStatus))
    return list.sort((a, b) => a.vmid - b.vmid)
  }

  /** `pct list` (facts §3): vmid, status, lock, name of the local CTs. */
  async pctList(): Promise<PctListRow[]> {
    const argv = ['pct', 'list']
    const r = await this.run(argv)
    return this.parse(argv, () => parsePctList(r.stdout))
  }

  /** `pvesh get /nodes/<node>/lxc/<vmid>/status/current` (facts §16.5). Missing CT → 404. */
  async containerStatus(vmid: string | number): Promise<ContainerStatus> {
    const id = assertVmid(vmid)
    const node = await this.node()
    return this.pveshGet(`/nodes/${node}/lxc/${id}/status/current`, [], toContainerStatus, { vmid: id })
  }

  /** `pct config <vmid> [--current | --snapshot <name>]` (facts §5). */
  async containerConfig(vmid: string | number, opts: { current?: boolean; snapshot?: string } = {}): Promise<ContainerConfig> {
    const id = assertVmid(vmid)
    const argv = ['pct', 'config', id]
    if (opts.current && opts.snapshot !== undefined) throw new BadRequestError("cannot use 'snapshot' together with 'current'")
    if (opts.current) argv.push('--current')
    if (opts.snapshot !== undefined) argv.push('--snapshot', assertSnapshotName(opts.snapshot))
    const r = await this.run(argv, {}, { vmid: id })
    return this.parse(argv, () => toContainerConfig(parsePctConfig(r.stdout)))
  }

  // ---------------------------------------------------------------- containers: lifecycle

  /**
   * `pct create <vmid> <template> ...` (facts §6). The password goes in as one
   * `--password=...` element whose index is marked secret. Returns the task log.
   */
  async createContainer(vmid: string | number, template: string, options: CreateOptions = {}, call?: CallOptions): Promise<string> {
    const id = assertVmid(vmid)
    const { argv, secretArgs } = createArgv(id, template, options)
    const r = await this.run(argv, { ...this.runOpts(call, TIMEOUT.create), secretArgs }, { vmid: id })
    return r.stdout
  }

  /** `pct start <vmid>`. Already running → 409. */
  async start(vmid: string | number, call?: CallOptions): Promise<string> {
    const id = assertVmid(vmid)
    return (await this.run(['pct', 'start', id], this.runOpts(call, TIMEOUT.start), { vmid: id })).stdout
  }

  /** `pct stop <vmid> [--overrule-shutdown 1]`. Not running → 409, missing → 404. */
  async stop(vmid: string | number, opts: { overruleShutdown?: boolean } & CallOptions = {}): Promise<string> {
    const id = assertVmid(vmid)
    const argv = ['pct', 'stop', id]
    if (opts.overruleShutdown) argv.push('--overrule-shutdown', '1')
    return this.notRunningOr404(id, () => this.run(argv, this.runOpts(opts, TIMEOUT.stop), { vmid: id }))
  }

  /** `pct shutdown <vmid> [--timeout s] [--forceStop 1]`. Not running → 409, missing → 404. */
  async shutdown(vmid: string | number, opts: { timeout?: number; forceStop?: boolean } & CallOptions = {}): Promise<string> {
    const id = assertVmid(vmid)
    const argv = ['pct', 'shutdown', id]
    if (opts.timeout !== undefined) {
      if (!Number.isInteger(opts.timeout) || opts.timeout < 0 || opts.timeout > 86_400) throw new BadRequestError('timeout: expected 0–86400 seconds')
      argv.push('--timeout', String(opts.timeout))
    }
    if (opts.forceStop !== undefined) argv.push('--forceStop', opts.forceStop ? '1' : '0')
    const t = opts.timeoutMs ?? ((opts.timeout ?? 60) + 120) * 1000
    return this.notRunningOr404(id, () => this.run(argv, this.runOpts({ ...opts, timeoutMs: t }), { vmid: id }))
  }

  /** `pct reboot <vmid> [--timeout s]`. Not running → 409, missing → 404. */
  async reboot(vmid: string | number, opts: { timeout?: number } & CallOptions = {}): Promise<string> {
    const id = assertVmid(vmid)
    const argv = ['pct', 'reboot', id]
    if (opts.timeout !== undefined) {
      if (!Number.isInteger(opts.timeout) || opts.timeout < 0 || opts.timeout > 86_400) throw new BadRequestError('timeout: expected 0–86400 seconds')
      argv.push('--timeout', String(opts.timeout))
    }
    const t = opts.timeoutMs ?? ((opts.timeout ?? 60) + 180) * 1000
    return this.notRunningOr404(id, () => this.run(argv, this.runOpts({ ...opts, timeoutMs: t }), { vmid: id }))
  }

  /** stop/shutdown/reboot print "not running" for missing CTs too: tell them apart. */
  private async notRunningOr404(vmid: string, fn: () => Promise<RunResult>): Promise<string> {
    try {
      return (await fn()).stdout
    } catch (e) {
      if (codeOf(e) === 'INSTANCE_NOT_RUNNING') {
        try {
          await this.containerStatus(vmid)
        } catch (s) {
          if (s instanceof NotFoundError) throw s
        }
      }
      throw e
    }
  }

  /** `pct unlock <vmid>`: removes any `lock:` (facts §0.4); no lock present → false, not an error. */
  async unlock(vmid: string | number, call?: CallOptions): Promise<boolean> {
    const id = assertVmid(vmid)
    const argv = ['pct', 'unlock', id]
    const r = await this.raw(argv, { ...this.defaults, ...this.runOpts(call) })
    // guest-common `src/PVE/AbstractConfig.pm` (remove_lock): "no lock found trying to remove any lock".
    if (r.exitCode !== 0 && /no lock found/.test(r.stderr)) return false
    checkResult(this.az, argv, r, { vmid: id })
    return true
  }

  /** `pct destroy <vmid> [--purge 1] [--force 1] [--destroy-unreferenced-disks 1]`. Running without force → 409. */
  async destroy(
    vmid: string | number,
    opts: { purge?: boolean; force?: boolean; destroyUnreferencedDisks?: boolean } & CallOptions = {},
  ): Promise<string> {
    const id = assertVmid(vmid)
    const argv = ['pct', 'destroy', id]
    if (opts.purge) argv.push('--purge', '1')
    if (opts.force) argv.push('--force', '1')
    if (opts.destroyUnreferencedDisks) argv.push('--destroy-unreferenced-disks', '1')
    return (await this.run(argv, this.runOpts(opts, TIMEOUT.destroy), { vmid: id })).stdout
  }

  /** `pct set <vmid> ...` (facts §9); synchronous, prints nothing on success. */
  async setConfig(vmid: string | number, changes: SetConfigChanges, call?: CallOptions): Promise<void> {
    const id = assertVmid(vmid)
    await this.run(setArgv(id, changes), this.runOpts(call), { vmid: id })
  }

  /**
   * `pct resize <vmid> <disk> <size>` (facts §10), then the config is read back
   * to confirm, because resize exits 0 even when its task failed. `size` is
   * `64G` (absolute) or `+8G` (relative); a unit is required. "Already at that
   * size" counts as success. Returns the disk as now configured.
   */
  async resize(vmid: string | number, disk: string, size: string, call?: CallOptions): Promise<Volume> {
    const id = assertVmid(vmid)
    const d = assertDiskName(disk)
    const s = assertPattern('resizeSize', size, 'size')
    const relative = s.startsWith('+')
    const wanted = parseDiskSize(relative ? s.slice(1) : s)!
    let before: number | undefined
    if (relative) before = (await this.diskOf(id, d)).bytes
    const argv = ['pct', 'resize', id, d, s]
    const r = await this.raw(argv, { ...this.defaults, ...this.runOpts(call, TIMEOUT.resize) })
    try {
      checkResult(this.az, argv, r, { vmid: id })
    } catch (e) {
      if (!(codeOf(e) === 'DISK_SIZE_UNCHANGED' && r.exitCode !== 0)) throw e
    }
    const after = await this.diskOf(id, d)
    const target = relative ? (before ?? 0) + wanted : wanted
    if (after.bytes === undefined || after.bytes < target) {
      const why = `${d} of container ${id} is ${after.size ?? 'of unknown size'} after 'pct resize ${id} ${d} ${s}'`
      throw new CommandError(this.az, argv, r.stdout, [why, r.stderr.trim()].filter(Boolean).join('\n'), r.exitCode)
    }
    return after
  }

  private async diskOf(vmid: string, disk: string): Promise<Volume> {
    const cfg = await this.containerConfig(vmid, { current: true })
    const vol = disk === 'rootfs' ? cfg.rootfs : cfg.mp[disk]
    if (!vol) throw new NotFoundError(`container ${vmid} has no disk '${disk}'`, 'DISK_NOT_FOUND')
    return vol
  }

  /**
   * `pct exec <vmid> -- sh -c <command>` (facts §11.1): the command is ONE argv
   * element after `--`. The command's own exit status is returned, not thrown;
   * only pct's refusals are errors (missing CT → 404, not running → 409).
   * Output past the executor's cap is dropped and flagged in `truncated`.
   */
  async exec(vmid: string | number, command: string, opts: CallOptions & { stdin?: string } = {}): Promise<ExecOutput> {
    const { id, argv } = this.execArgv(vmid, command)
    const runOpts = this.runOpts(opts)
    if (opts.stdin !== undefined) runOpts.stdin = opts.stdin
    const r = await this.raw(argv, { ...this.defaults, ...runOpts })
    const refusal = execRefusal(this.az, argv, r, id)
    if (refusal) throw refusal
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, truncated: r.truncated }
  }

  /**
   * Like `exec`, but the output arrives as streams while the command runs
   * (`docker logs -f`, install progress). `kill()` or `signal` stops it in the
   * container and frees the SSH channel. pct's own refusals (missing or
   * stopped CT) show up on stderr with a non-zero exit, as with `exec`.
   */
  async execStream(vmid: string | number, command: string, opts: { signal?: AbortSignal } = {}): Promise<StreamHandle> {
    const { argv } = this.execArgv(vmid, command)
    const signal = opts.signal ?? this.defaults.signal
    return this.rawStream(argv, signal ? { signal } : {})
  }

  /** `pct exec <vmid> -- sh -c <command>`, the command as ONE argument, after checking both. */
  private execArgv(vmid: string | number, command: string): { id: string; argv: string[] } {
    const id = assertVmid(vmid)
    if (typeof command !== 'string' || command.trim() === '') throw new BadRequestError('command: must not be empty')
    if (command.includes('\0')) throw new BadRequestError('command: must not contain NUL bytes')
    if (command.length > MAX_EXEC_COMMAND) throw new BadRequestError(`command: longer than ${MAX_EXEC_COMMAND} characters`)
    return { id, argv: ['pct', 'exec', id, '--', 'sh', '-c', command] }
  }

  // ---------------------------------------------------------------- snapshots

  /** `pvesh get /nodes/<node>/lxc/<vmid>/snapshot` (facts §12.2): real snapshots, oldest first; `current` marks the one the CT derives from. */
  async snapshots(vmid: string | number): Promise<Snapshot[]> {
    const id = assertVmid(vmid)
    const node = await this.node()
    return this.pveshGet(`/nodes/${node}/lxc/${id}/snapshot`, [], snapshotsFromJson, { vmid: id })
  }

  /** `pct listsnapshot <vmid>`: the tree as printed (with the `current` row and depths). */
  async snapshotTree(vmid: string | number): Promise<SnapshotTreeRow[]> {
    const id = assertVmid(vmid)
    const argv = ['pct', 'listsnapshot', id]
    const r = await this.run(argv, {}, { vmid: id })
    return this.parse(argv, () => parseSnapshotTree(r.stdout))
  }

  /** `pct snapshot <vmid> <name> [--description=...]`. Name used → 409, locked → 409. */
  async snapshot(vmid: string | number, name: string, opts: { description?: string } & CallOptions = {}): Promise<string> {
    const id = assertVmid(vmid)
    const snap = assertSnapshotName(name)
    const argv = ['pct', 'snapshot', id, snap]
    if (opts.description !== undefined) {
      argv.push(`--description=${assertText(opts.description, 'description', 8192)}`)
    }
    return (await this.run(argv, this.runOpts(opts, TIMEOUT.snapshot), { vmid: id })).stdout
  }

  /** `pct delsnapshot <vmid> <name> [--force 1]`. Missing snapshot → 404. */
  async delsnapshot(vmid: string | number, name: string, opts: { force?: boolean } & CallOptions = {}): Promise<string> {
    const id = assertVmid(vmid)
    const argv = ['pct', 'delsnapshot', id, assertSnapshotName(name)]
    if (opts.force) argv.push('--force', '1')
    return (await this.run(argv, this.runOpts(opts, TIMEOUT.snapshot), { vmid: id })).stdout
  }

  /** `pct rollback <vmid> <name> [--start 1]`. A running CT is stopped by PVE first. */
  async rollback(vmid: string | number, name: string, opts: { start?: boolean } & CallOptions = {}): Promise<string> {
    const id = assertVmid(vmid)
    const argv = ['pct', 'rollback', id, assertSnapshotName(name)]
    if (opts.start) argv.push('--start', '1')
    return (await this.run(argv, this.runOpts(opts, TIMEOUT.rollback), { vmid: id })).stdout
  }

  // ---------------------------------------------------------------- storage & templates

  /** `pvesh get /nodes/<node>/storage` (facts §15), every storage with its state. */
  async storages(): Promise<Storage[]> {
    const node = await this.node()
    const list = await this.pveshGet(`/nodes/${node}/storage`, [], (j) => asArray(j, 'storage list').map(toStorage))
    return list.sort((a, b) => (a.storage < b.storage ? -1 : a.storage > b.storage ? 1 : 0))
  }

  /** `pvesh get /nodes/<node>/storage/<sid>/content --content <type>` → volumes (volid, size, format, ctime). */
  async storageContent(storage: string, content: (typeof STORAGE_CONTENT_TYPES)[number] = 'vztmpl'): Promise<Template[]> {
    const sid = assertPattern('storageId', storage, 'storage')
    const type = assertEnum(content, 'content', STORAGE_CONTENT_TYPES)
    const node = await this.node()
    const list = await this.pveshGet(`/nodes/${node}/storage/${sid}/content`, ['--content', type], (j) =>
      asArray(j, 'storage content').map(toTemplate),
    )
    return list.sort((a, b) => a.volid.localeCompare(b.volid))
  }

  /** Every template on every active, enabled storage that holds `vztmpl`. */
  async templates(): Promise<Template[]> {
    const stores = (await this.storages()).filter(
      (s) => s.active === 1 && s.enabled !== 0 && s.content.split(',').map((c) => c.trim()).includes('vztmpl'),
    )
    const lists = await Promise.all(stores.map((s) => this.storageContent(s.storage, 'vztmpl')))
    return lists.flat().sort((a, b) => a.volid.localeCompare(b.volid))
  }

  /** `pveam list <storage>` (facts §14.3). */
  async pveamList(storage: string): Promise<PveamListRow[]> {
    const argv = ['pveam', 'list', assertPattern('storageId', storage, 'storage')]
    const r = await this.run(argv)
    return this.parse(argv, () => parsePveamList(r.stdout))
  }

  /** `pveam available [--section system|mail|turnkeylinux]` (facts §14.2). */
  async availableTemplates(section?: (typeof TEMPLATE_SECTIONS)[number]): Promise<AvailableTemplate[]> {
    const argv = ['pveam', 'available']
    if (section !== undefined) argv.push('--section', assertEnum(section, 'section', TEMPLATE_SECTIONS))
    const r = await this.run(argv)
    return this.parse(argv, () => parsePveamAvailable(r.stdout))
  }

  /**
   * `pveam download <storage> <template>` (facts §14.4). Exits 0 even when the
   * download failed, so stderr decides (errors.ts). Returns the new volid, and
   * whether the file was already there: pve-manager `PVE/APLInfo.pm` then
   * prints "got correct file already, no need to download".
   */
  async downloadTemplate(
    storage: string,
    template: string,
    call?: CallOptions,
  ): Promise<{ volid: string; output: string; alreadyPresent: boolean }> {
    const sid = assertPattern('storageId', storage, 'storage')
    const name = assertPattern('templateName', template, 'template')
    const r = await this.run(['pveam', 'download', sid, name], this.runOpts(call, TIMEOUT.download))
    return { volid: `${sid}:vztmpl/${name}`, output: r.stdout, alreadyPresent: /no need to download/.test(r.stdout) }
  }
}
