/**
 * Worker tasks: the `pct`/`pveam` commands that fork a PVE worker. From the
 * CLI the worker runs in the foreground (pve-common
 * `src/PVE/RESTEnvironment.pm` `fork_worker`), so the command lasts as long as
 * the task: these are the `long` share's commands, with their own default
 * timeouts (a caller's `timeoutMs` wins, e.g. api.task_timeout for create).
 */
import type { Vmid } from './ids.ts'
import { parsePveshJson } from './parse/json.ts'
import { pveshGetArgv, type CallOptions, type Host } from './run.ts'
import { assertInt } from './validate.ts'

const MIN = 60_000

/** Default timeout of each worker task, in ms. */
export const TASK_TIMEOUT = {
  create: 15 * MIN,
  destroy: 5 * MIN,
  start: 3 * MIN,
  stop: 3 * MIN,
  snapshot: 10 * MIN,
  rollback: 10 * MIN,
  resize: 10 * MIN,
  download: 30 * MIN,
} as const

/**
 * `pct shutdown|reboot --timeout <s>`: the seconds PVE waits for the CT
 * (pve-container `src/PVE/API2/LXC/Status.pm`, default 60), checked; the
 * command's own timeout is that wait plus `graceMs` for the rest of the task.
 */
export function waitTimeout(seconds: number | undefined, graceMs: number): { arg?: string; timeoutMs: number } {
  if (seconds === undefined) return { timeoutMs: 60_000 + graceMs }
  const arg = assertInt(seconds, 'timeout', 0, 86_400)
  return { arg, timeoutMs: seconds * 1000 + graceMs }
}

/** A PVE worker task, as GET /operations/{id} shows the one it follows (`host_task`). */
export interface WorkerTask {
  upid: string
  node: string
}

/** UPID syntax (pve-common `src/PVE/UPID.pm`, facts §22.1). */
const UPID = /^UPID:[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:[^:\s/]+:[^:\s/]*:[^:\s/]+:$/

/**
 * The running worker task of `type` for container `vmid`, if there is one:
 * `pvesh get /nodes/<node>/tasks --source active --vmid <id> --typefilter
 * <type>` lists the active file's tasks first, live ones as `RUNNING` (facts
 * §22.5; pve-manager `PVE/API2/Tasks.pm`).
 */
export async function runningTask(h: Host, vmid: Vmid, type: string, call?: CallOptions): Promise<WorkerTask | undefined> {
  const node = await h.node()
  const argv = pveshGetArgv(`/nodes/${node}/tasks`, ['--source', 'active', '--vmid', vmid, '--typefilter', assertTaskType(type), '--limit', '5'])
  const r = await h.run.run(argv, { kind: 'read', ...(call ? { call } : {}) })
  const rows = h.run.parse(argv, () => parsePveshJson(r.stdout))
  if (!Array.isArray(rows)) return undefined
  const live = rows.find((t) => t && typeof t === 'object' && (t as { status?: unknown }).status === 'RUNNING' && UPID.test(String((t as { upid?: unknown }).upid)))
  return live ? { upid: String((live as { upid: string }).upid), node } : undefined
}

function assertTaskType(type: string): string {
  if (!/^[a-z][a-z0-9_]{0,31}$/.test(type)) throw new TypeError(`task type '${type}'`)
  return type
}
