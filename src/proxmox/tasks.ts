/**
 * Worker tasks: the `pct`/`pveam` commands that fork a PVE worker. From the
 * CLI the worker runs in the foreground (pve-common
 * `src/PVE/RESTEnvironment.pm` `fork_worker`), so the command lasts as long as
 * the task: these are the `long` share's commands, with their own default
 * timeouts (a caller's `timeoutMs` wins, e.g. api.task_timeout for create).
 */
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
