/**
 * After a restart (SIGKILL included), an operation the previous process left
 * running is taken over:
 *
 * - A container whose `pct create` runs as a detached host job (the plan
 *   names it: src/proxmox/jobs.ts) is followed to the job's end, its lines
 *   going on into the operation log. Created, it is started as the request
 *   asked, and counts as made.
 * - Otherwise every container it planned (`op.plan` records it before
 *   `pct create` starts) that is still locked or was never started is
 *   destroyed; one that is running was finished by the old process and is
 *   kept.
 *
 * When every planned container was made, the operation succeeds with the
 * result the request would have had (each plan's `report`); otherwise it ends
 * `failed` / `INTERRUPTED` naming what became of each container. So no
 * container exists without an operation that says what became of it.
 *
 * `pct create` holds the config lock `create` while it runs, and leaves it
 * when it dies half-way (pve-container `src/PVE/API2/LXC.pm`, `create_vm`;
 * lock names in `src/PVE/LXC/Config.pm`); `pct destroy` refuses a locked
 * container, hence the unlock first. A create that fails removes its own
 * config (facts §22.9), so a job that exited non-zero leaves nothing to clean.
 */
import { codeOf } from '../errors/catalogue.ts'
import type { ZoneHandle, ZoneRegistry } from '../hosts/registry.ts'
import type { OperationRecord, PlannedResource } from '../store/types.ts'
import { InterruptedError } from './errors.ts'
import type { OpContext, Operations } from './service.ts'

/** How long a recovery follows or checks one container (a create's own default: src/proxmox/tasks.ts). */
const TASK_MS = 15 * 60_000
const POLL_MS = 1000

/**
 * Waits while a `pct create <id>` the old process started still runs on the
 * host: killing LWS drops its SSH channel, but the task goes on (pve-common
 * `src/PVE/RESTEnvironment.pm` fork_worker: the worker has its own session)
 * and may still make the container. Cleaning up before it ends would leave
 * what it makes afterwards behind.
 */
async function createStillRunning(zone: ZoneHandle, id: string, untilMs: number): Promise<void> {
  while (performance.now() < untilMs) {
    // pgrep -f sees the CLI (`perl … pct create <id> …`) and its forked worker alike.
    const r = await zone.exec.run(['pgrep', '-f', `pct(\\.ts)? create ${id}( |$)`], { timeoutMs: 10_000 })
    if (r.exitCode !== 0) return
    await new Promise((res) => setTimeout(res, POLL_MS))
  }
}

interface Outcome {
  note: string
  /** The plan's report, when the container was made (and runs). */
  made?: Record<string, unknown>
}

async function settle(zones: ZoneRegistry, rec: OperationRecord, op: OpContext, p: PlannedResource): Promise<Outcome> {
  const zone = zones.resolve(p.region ?? rec.region ?? undefined, p.az ?? rec.az ?? undefined)
  const pve = zone.pve.with({ timeoutMs: TASK_MS })
  /** Why the create failed, when its job ended non-zero: PVE removed its own config then, unless the task was killed (facts §22.9). */
  let failed: string | undefined
  if (p.job) {
    const out = op.logWriter()
    let r
    try {
      r = await zone.pve.followJob(p.job, { timeoutMs: TASK_MS, signal: op.signal, onOutput: (text) => out.write(text) })
    } catch (e) {
      // Lost (host rebooted) or unreachable: what is on the host decides, below.
      if (op.signal.aborted) throw e
      op.log(`CT ${p.id}: could not follow its create (${(e as Error).message})`)
    } finally {
      out.flush()
    }
    if (r && r.exitCode !== 0) failed = (r.stderr.trim().split('\n').pop() ?? '') || `exit code ${r.exitCode}`
    else if (r) {
      op.log(`CT ${p.id}: pct create ended after the restart`)
      if (p.report) {
        try {
          await pve.start(p.id)
          op.log(`CT ${p.id} created and started`)
          return { note: `CT ${p.id} was created and started`, made: p.report }
        } catch (e) {
          op.log(`CT ${p.id} did not start (${(e as Error).message})`)
        }
      }
    }
  } else {
    // A record without a job (written before creates ran detached): wait for its foreground pct instead.
    await createStillRunning(zone, p.id, performance.now() + TASK_MS).catch(() => {})
  }
  let state
  try {
    state = await pve.containerStatus(p.id)
  } catch (e) {
    if (codeOf(e) === 'INSTANCE_NOT_FOUND') return { note: failed ? `CT ${p.id} was not created (${failed})` : `CT ${p.id} was never created` }
    return { note: `CT ${p.id} could not be checked (${(e as Error).message})` }
  }
  // A create that failed on its own leaves no config; one there without our lock is someone else's.
  if (failed && state.lock !== 'create') return { note: `CT ${p.id} exists, but this operation's create failed (${failed}): left alone` }
  if (state.status === 'running' && !state.lock) {
    return { note: `CT ${p.id} was created and is running: kept`, ...(p.report ? { made: p.report } : {}) }
  }
  try {
    if (state.lock) await pve.unlock(p.id)
    await pve.destroy(p.id, { force: true, purge: true })
    op.log(`destroyed half-made CT ${p.id} on ${zone.label} (${state.lock ? `lock ${state.lock}` : state.status})`)
    return { note: `half-made CT ${p.id} destroyed` }
  } catch (e) {
    return { note: `half-made CT ${p.id} could not be destroyed (${(e as Error).message}): remove it by hand` }
  }
}

/** The creates an operation planned and did not give up on (`released`: the id turned out to be someone else's). */
function plannedCreates(rec: OperationRecord): PlannedResource[] {
  const released = new Set(rec.planned.filter((p) => p.type === 'instance' && p.action === 'released').map((p) => p.id))
  return rec.planned.filter((p) => p.type === 'instance' && p.action === 'create' && !released.has(p.id) && /^[1-9]\d{2,8}$/.test(p.id))
}

/** Kinds that create containers (and `op.plan` them first). */
export const CREATING_KINDS = ['lxc.create']

/** Registers the clean-up as the recovery of the kinds that create containers. */
export function recoverHalfMade(operations: Operations, zones: ZoneRegistry, kinds: readonly string[] = CREATING_KINDS): void {
  for (const kind of kinds) operations.onRecovery(kind, async (rec, op) => {
    const creates = plannedCreates(rec)
    const outcomes = await Promise.all(creates.map((p) => settle(zones, rec, op, p)))
    const made = outcomes.flatMap((o) => (o.made ? [o.made] : []))
    if (creates.length && made.length === creates.length) {
      const ids = made.map((m) => String(m.instance_id)).join(', ')
      return { output: `created ${made.length} container(s) (completed after LWS restarted): ${ids}`, instances: made, errors: [] }
    }
    const notes = outcomes.map((o) => o.note)
    const base = 'LWS stopped while the operation was running; it did not finish'
    throw new InterruptedError(notes.length ? `${base}; ${notes.join('; ')}` : base)
  })
}
