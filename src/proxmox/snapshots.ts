/**
 * Container snapshots: list, take, delete, roll back. Taking, deleting and
 * rolling back are worker tasks with an "upid_exit" handler, so their exit
 * code is reliable (pve-container `src/PVE/CLI/pct.pm`,
 * `src/PVE/API2/LXC/Snapshot.pm`; the snapshot logic itself is guest-common
 * `src/PVE/AbstractConfig.pm`).
 */
import type { SnapshotName, Vmid } from './ids.ts'
import { snapshotsFromJson } from './parse/snapshots.ts'
import type { CallOptions, Host } from './run.ts'
import type { Snapshot } from './schemas.ts'
import { TASK_TIMEOUT } from './tasks.ts'

/**
 * `pvesh get /nodes/<node>/lxc/<vmid>/snapshot`: the real snapshots, oldest
 * first; `current` marks the one the CT derives from (the `current` entry's
 * `parent`). Missing CT → 404.
 */
export async function snapshots(h: Host, id: Vmid, call?: CallOptions): Promise<Snapshot[]> {
  return h.run.pveshGet(`/nodes/${await h.node()}/lxc/${id}/snapshot`, [], snapshotsFromJson, call, { vmid: id })
}

/** `pct snapshot <vmid> <name> [--description=...]`. Name used → 409, locked → 409. */
export async function snapshot(h: Host, id: Vmid, name: SnapshotName, description: string | undefined, call?: CallOptions): Promise<string> {
  const argv = ['pct', 'snapshot', id, name]
  // One `--opt=value` element: a description starting with `-` is never read as an option.
  if (description !== undefined) argv.push(`--description=${description}`)
  return (await h.run.run(argv, { kind: 'task', timeoutMs: TASK_TIMEOUT.snapshot, call, ctx: { vmid: id } })).stdout
}

/** `pct delsnapshot <vmid> <name> [--force 1]`. Missing snapshot → 404. */
export async function delsnapshot(h: Host, id: Vmid, name: SnapshotName, opts: { force?: boolean } = {}, call?: CallOptions): Promise<string> {
  const argv = ['pct', 'delsnapshot', id, name]
  if (opts.force) argv.push('--force', '1')
  return (await h.run.run(argv, { kind: 'task', timeoutMs: TASK_TIMEOUT.snapshot, call, ctx: { vmid: id } })).stdout
}

/** `pct rollback <vmid> <name> [--start 1]`. A running CT is stopped by PVE first and stays stopped without `start`. */
export async function rollback(h: Host, id: Vmid, name: SnapshotName, opts: { start?: boolean } = {}, call?: CallOptions): Promise<string> {
  const argv = ['pct', 'rollback', id, name]
  if (opts.start) argv.push('--start', '1')
  return (await h.run.run(argv, { kind: 'task', timeoutMs: TASK_TIMEOUT.rollback, call, ctx: { vmid: id } })).stdout
}
