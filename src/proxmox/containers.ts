/**
 * Containers: reads (list, status, config, and the batched reads behind
 * GET /lxc/instances/{id} and …/resources), lifecycle (create, start, stop,
 * shutdown, reboot, unlock, destroy, set, resize) and commands inside a
 * container (`pct exec`). Every value here was checked by the caller
 * (client.ts), once.
 *
 * Sources: pve-container `src/PVE/CLI/pct.pm` (command table, `config`,
 * `exec`), `src/PVE/API2/LXC.pm` (`vmlist`, `create_vm`, `destroy_vm`,
 * `resize_vm`), `src/PVE/API2/LXC/Status.pm` (status, start/stop/shutdown/
 * reboot), `src/PVE/API2/LXC/Config.pm` (`vm_config`, `update_vm`),
 * `src/PVE/LXC.pm` (`vmstatus`); guest-common `src/PVE/AbstractConfig.pm`
 * (`remove_lock`).
 */
import type { StreamHandle } from '../exec/executor.ts'
import { CommandError, codeOf, NotFoundError } from '../errors/catalogue.ts'
import type { BatchSpec } from './batch.ts'
import { checkResult, execRefusal } from './errors.ts'
import type { Checked, SnapshotName, Vmid } from './ids.ts'
import { toContainers, toResources } from './node.ts'
import { createArgv, setArgv, type CreateOptions, type SetConfigChanges } from './options.ts'
import { toContainerConfig, toContainerStatus } from './parse/normalize.ts'
import { parsePctConfig } from './parse/pct-config.ts'
import { parseDiskSize } from './parse/property-string.ts'
import { snapshotsFromJson } from './parse/snapshots.ts'
import { partNamed, pveshGetArgv, type CallOptions, type ExecOutput, type Host, type How } from './run.ts'
import type { ClusterResource, ContainerConfig, ContainerStatus, Snapshot, Volume } from './schemas.ts'
import { runningTask, TASK_TIMEOUT, waitTimeout } from './tasks.ts'

// ---------------------------------------------------------------- reads

/** `pvesh get /nodes/<node>/lxc` (PVE prints it unsorted), sorted by vmid. */
export async function listContainers(h: Host, call?: CallOptions): Promise<ContainerStatus[]> {
  return h.run.pveshGet(`/nodes/${await h.node()}/lxc`, [], toContainers, call)
}

/** `pvesh get /nodes/<node>/lxc/<vmid>/status/current`. Missing CT → 404. */
export async function containerStatus(h: Host, id: Vmid, call?: CallOptions): Promise<ContainerStatus> {
  return h.run.pveshGet(`/nodes/${await h.node()}/lxc/${id}/status/current`, [], toContainerStatus, call, { vmid: id })
}

function configArgv(id: Vmid, opts: { current?: boolean; snapshot?: SnapshotName }): string[] {
  const argv = ['pct', 'config', id]
  if (opts.current) argv.push('--current')
  if (opts.snapshot !== undefined) argv.push('--snapshot', opts.snapshot)
  return argv
}

/**
 * `pct config <vmid> [--current | --snapshot <name>]`: `key: value` sorted,
 * the description percent-encoded, then the raw `lxc.*` lines. It needs no
 * node name and keeps repeated `lxc.*` lines in order, which pvesh's JSON
 * does not.
 */
export async function containerConfig(h: Host, id: Vmid, opts: { current?: boolean; snapshot?: SnapshotName } = {}, call?: CallOptions): Promise<ContainerConfig> {
  const argv = configArgv(id, opts)
  const r = await h.run.run(argv, { kind: 'read', call, ctx: { vmid: id } })
  return h.run.parse(argv, () => toContainerConfig(parsePctConfig(r.stdout)))
}

/** GET /lxc/instances/{id}: status, config and snapshots in one round trip. */
const DESCRIBE: BatchSpec = {
  name: 'ct-describe',
  steps: [
    { part: { name: 'status', argv: pveshGetArgv('/nodes/{1}/lxc/{2}/status/current') } },
    { part: { name: 'config', argv: ['pct', 'config', '{2}'] } },
    { part: { name: 'snapshots', argv: pveshGetArgv('/nodes/{1}/lxc/{2}/snapshot') } },
  ],
}

export interface ContainerDescription {
  status: ContainerStatus
  config: ContainerConfig
  snapshots: Snapshot[]
}

/**
 * Status, config and snapshots of one container. A part that fails maps to
 * the error of that command alone; the status part is checked first, so a
 * missing container is 404 INSTANCE_NOT_FOUND as with `containerStatus`.
 */
export async function describeContainer(h: Host, id: Vmid, call?: CallOptions): Promise<ContainerDescription> {
  const parts = await h.run.batch(DESCRIBE, [await h.node(), id], call)
  const ctx = { vmid: id }
  const status = await h.run.checkJson(partNamed(parts, 'status'), toContainerStatus, ctx, call)
  const config = await h.run.checkText(partNamed(parts, 'config'), (out) => toContainerConfig(parsePctConfig(out)), ctx, call)
  const snapshots = await h.run.checkJson(partNamed(parts, 'snapshots'), snapshotsFromJson, ctx, call)
  return { status, config, snapshots }
}

/** GET /lxc/instances/{id}/resources: the status and /cluster/resources (for `cpu`) in one round trip. */
const USAGE: BatchSpec = {
  name: 'ct-usage',
  steps: [
    { part: { name: 'status', argv: pveshGetArgv('/nodes/{1}/lxc/{2}/status/current') } },
    { part: { name: 'resources', argv: pveshGetArgv('/cluster/resources', ['--type', 'vm']) } },
  ],
}

export interface ContainerUsage {
  status: ContainerStatus
  /**
   * This container's /cluster/resources entry (pvestatd's sample, the only
   * real `cpu`: a fresh pvesh reports 0, pve-container `src/PVE/LXC.pm`
   * `vmstatus`), or why the list could not be read.
   */
  resource: { ok: true; entry?: ClusterResource } | { ok: false; error: unknown }
}

export async function containerUsage(h: Host, id: Vmid, call?: CallOptions): Promise<ContainerUsage> {
  const parts = await h.run.batch(USAGE, [await h.node(), id], call)
  const status = await h.run.checkJson(partNamed(parts, 'status'), toContainerStatus, { vmid: id }, call)
  let resource: ContainerUsage['resource']
  try {
    const list = await h.run.checkJson(partNamed(parts, 'resources'), toResources, {}, call)
    resource = { ok: true, entry: list.find((r) => r.type === 'lxc' && r.vmid === status.vmid) }
  } catch (error) {
    resource = { ok: false, error }
  }
  return { status, resource }
}

// ---------------------------------------------------------------- lifecycle

const task = (timeoutMs: number, call: CallOptions | undefined, id: Vmid, secretArgs?: number[]): How => ({
  kind: 'task',
  timeoutMs,
  call,
  ctx: { vmid: id },
  ...(secretArgs ? { secretArgs } : {}),
})

/**
 * `pct create <vmid> <template> ...`. The password goes in as one
 * `--password=...` element whose index is marked secret. Returns the task log.
 */
export async function createContainer(h: Host, id: Vmid, template: string, options: CreateOptions, call?: CallOptions): Promise<string> {
  const { argv, secretArgs } = createArgv(id, template, options)
  return (await h.run.run(argv, task(TASK_TIMEOUT.create, withUpidLookup(h, id, 'vzcreate', call), id, secretArgs))).stdout
}

/**
 * A detached task with `onTask`: once it has printed its first output (its
 * worker runs), its UPID is looked up once, in the background; a failed
 * lookup only means no UPID is shown.
 */
function withUpidLookup(h: Host, id: Vmid, type: string, call: CallOptions | undefined): CallOptions | undefined {
  const d = call?.detach
  if (!d?.onTask) return call
  const onTask = d.onTask
  let asked = false
  const onOutput = (text: string, stream: 'stdout' | 'stderr') => {
    d.onOutput?.(text, stream)
    if (asked) return
    asked = true
    runningTask(h, id, type).then((t) => t && onTask(t), () => undefined)
  }
  return { ...call, detach: { ...d, onOutput } }
}

/** `pct start <vmid>`. Already running → 409. */
export async function start(h: Host, id: Vmid, call?: CallOptions): Promise<string> {
  return (await h.run.run(['pct', 'start', id], task(TASK_TIMEOUT.start, call, id))).stdout
}

/**
 * stop/shutdown/reboot print "not running" for a missing CT too
 * (pve-container `src/PVE/API2/LXC/Status.pm` checks `check_running` before
 * loading the config): only then is the status read, to tell them apart.
 */
async function notRunningOr404(h: Host, id: Vmid, fn: () => Promise<{ stdout: string }>): Promise<string> {
  try {
    return (await fn()).stdout
  } catch (e) {
    if (codeOf(e) === 'INSTANCE_NOT_RUNNING') {
      try {
        await containerStatus(h, id)
      } catch (s) {
        if (s instanceof NotFoundError) throw s
      }
    }
    throw e
  }
}

/** `pct stop <vmid> [--overrule-shutdown 1]`. Not running → 409, missing → 404. */
export async function stop(h: Host, id: Vmid, opts: { overruleShutdown?: boolean } = {}, call?: CallOptions): Promise<string> {
  const argv = ['pct', 'stop', id]
  if (opts.overruleShutdown) argv.push('--overrule-shutdown', '1')
  return notRunningOr404(h, id, () => h.run.run(argv, task(TASK_TIMEOUT.stop, call, id)))
}

/** `pct shutdown <vmid> [--timeout s] [--forceStop 1]`. Not running → 409, missing → 404. */
export async function shutdown(h: Host, id: Vmid, opts: { timeout?: number; forceStop?: boolean } = {}, call?: CallOptions): Promise<string> {
  const argv = ['pct', 'shutdown', id]
  const wait = waitTimeout(opts.timeout, 120_000)
  if (wait.arg !== undefined) argv.push('--timeout', wait.arg)
  if (opts.forceStop !== undefined) argv.push('--forceStop', opts.forceStop ? '1' : '0')
  return notRunningOr404(h, id, () => h.run.run(argv, task(wait.timeoutMs, call, id)))
}

/** `pct reboot <vmid> [--timeout s]`. Not running → 409, missing → 404. */
export async function reboot(h: Host, id: Vmid, opts: { timeout?: number } = {}, call?: CallOptions): Promise<string> {
  const argv = ['pct', 'reboot', id]
  const wait = waitTimeout(opts.timeout, 180_000)
  if (wait.arg !== undefined) argv.push('--timeout', wait.arg)
  return notRunningOr404(h, id, () => h.run.run(argv, task(wait.timeoutMs, call, id)))
}

/** `pct unlock <vmid>`: removes any `lock:`; no lock present → false, not an error. */
export async function unlock(h: Host, id: Vmid, call?: CallOptions): Promise<boolean> {
  const argv = ['pct', 'unlock', id]
  const r = await h.run.exec(argv, { kind: 'change', call })
  // guest-common `src/PVE/AbstractConfig.pm` (remove_lock): "no lock found trying to remove any lock".
  if (r.exitCode !== 0 && /no lock found/.test(r.stderr)) return false
  checkResult(h.run.az, argv, r, { vmid: id })
  return true
}

/** `pct destroy <vmid> [--purge 1] [--force 1] [--destroy-unreferenced-disks 1]`. Running without force → 409. */
export async function destroy(
  h: Host,
  id: Vmid,
  opts: { purge?: boolean; force?: boolean; destroyUnreferencedDisks?: boolean } = {},
  call?: CallOptions,
): Promise<string> {
  const argv = ['pct', 'destroy', id]
  if (opts.purge) argv.push('--purge', '1')
  if (opts.force) argv.push('--force', '1')
  if (opts.destroyUnreferencedDisks) argv.push('--destroy-unreferenced-disks', '1')
  return (await h.run.run(argv, task(TASK_TIMEOUT.destroy, call, id))).stdout
}

/** `pct set <vmid> ...`: synchronous (no worker), prints nothing on success. */
export async function setConfig(h: Host, id: Vmid, changes: SetConfigChanges, call?: CallOptions): Promise<void> {
  await h.run.run(setArgv(id, changes), { kind: 'change', call, ctx: { vmid: id } })
}

async function diskOf(h: Host, id: Vmid, disk: Checked<'diskName'>): Promise<Volume> {
  const cfg = await containerConfig(h, id, { current: true })
  const vol = disk === 'rootfs' ? cfg.rootfs : cfg.mp[disk]
  if (!vol) throw new NotFoundError(`container ${id} has no disk '${disk}'`, 'DISK_NOT_FOUND')
  return vol
}

/**
 * `pct resize <vmid> <disk> <size>`, then the config is read back to
 * confirm, because resize has no "upid_exit" handler and exits 0 even when
 * its task failed (pve-container `src/PVE/CLI/pct.pm`). `size` is `64G`
 * (absolute) or `+8G` (relative). "Already at that size" counts as success.
 * Returns the disk as now configured.
 */
export async function resize(h: Host, id: Vmid, disk: Checked<'diskName'>, size: Checked<'resizeSize'>, call?: CallOptions): Promise<Volume> {
  const relative = size.startsWith('+')
  const wanted = parseDiskSize(relative ? size.slice(1) : size)!
  const before = relative ? (await diskOf(h, id, disk)).bytes : undefined
  const argv = ['pct', 'resize', id, disk, size]
  const r = await h.run.exec(argv, task(TASK_TIMEOUT.resize, call, id))
  try {
    checkResult(h.run.az, argv, r, { vmid: id })
  } catch (e) {
    if (!(codeOf(e) === 'DISK_SIZE_UNCHANGED' && r.exitCode !== 0)) throw e
  }
  const after = await diskOf(h, id, disk)
  const target = relative ? (before ?? 0) + wanted : wanted
  if (after.bytes === undefined || after.bytes < target) {
    const why = `${disk} of container ${id} is ${after.size ?? 'of unknown size'} after 'pct resize ${id} ${disk} ${size}'`
    throw new CommandError(h.run.az, argv, r.stdout, [why, r.stderr.trim()].filter(Boolean).join('\n'), r.exitCode)
  }
  return after
}

// ---------------------------------------------------------------- inside the container

/** `pct exec <vmid> -- <argv…>`: after `--` everything is the command (pve-container `src/PVE/CLI/pct.pm` `exec`). */
export function pctExecArgv(id: Vmid, argv: readonly string[]): string[] {
  return ['pct', 'exec', id, '--', ...argv]
}

/**
 * `sh -c <script> sh <args…>`: the script is ONE argument, its arguments are
 * `$1`…, never parsed as code. Without arguments it is `sh -c <script>`, the
 * same argv as `exec` of that command.
 */
export function shArgv(script: string, args: readonly string[]): string[] {
  return args.length === 0 ? ['sh', '-c', script] : ['sh', '-c', script, 'sh', ...args]
}

/**
 * Run `pct exec <vmid> -- argv…`. The command's own exit status is returned,
 * not thrown; only pct's refusals are errors (missing CT → 404, not running
 * → 409). Output past the executor's cap is dropped and flagged in `truncated`.
 */
export async function execIn(h: Host, id: Vmid, argv: readonly string[], opts: CallOptions & { stdin?: string } = {}): Promise<ExecOutput> {
  const full = pctExecArgv(id, argv)
  const { stdin, ...call } = opts
  const r = await h.run.exec(full, { kind: 'exec', call, ...(stdin !== undefined ? { stdin } : {}) })
  const refusal = execRefusal(h.run.az, full, r, id)
  if (refusal) throw refusal
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, truncated: r.truncated }
}

/**
 * Like `execIn`, but the output arrives as streams while the command runs
 * (`docker logs -f`, install progress). `kill()` or `signal` stops it in the
 * container and frees the channel. pct's own refusals (missing or stopped
 * CT) show up on stderr with a non-zero exit, as with `execIn`.
 */
export async function execInStream(h: Host, id: Vmid, argv: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<StreamHandle> {
  return h.run.stream(pctExecArgv(id, argv), { kind: 'exec', call: opts })
}
