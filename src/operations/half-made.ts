/**
 * After a restart (SIGKILL included), an operation the previous process left
 * running ends `failed` / `INTERRUPTED` — and what it was about to create is
 * not left behind: every container it planned (`op.plan` records it before
 * `pct create` starts) that is still locked or was never started is
 * destroyed. A container that is running was finished by the old process;
 * it is kept and named, so no container exists without an operation that
 * says what became of it.
 *
 * `pct create` holds the config lock `create` while it runs, and leaves it
 * when it dies half-way (pve-container `src/PVE/API2/LXC.pm`, `create_vm`;
 * lock names in `src/PVE/LXC/Config.pm`); `pct destroy` refuses a locked
 * container, hence the unlock first.
 */
import { codeOf } from '../errors/catalogue.ts'
import type { ZoneHandle, ZoneRegistry } from '../hosts/registry.ts'
import type { OperationRecord } from '../store/types.ts'
import { InterruptedError } from './errors.ts'
import type { OpContext, Operations } from './service.ts'

const TASK_MS = 5 * 60_000
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

async function cleanUp(zones: ZoneRegistry, rec: OperationRecord, op: OpContext): Promise<string[]> {
  const creates = rec.planned.filter((p) => p.type === 'instance' && p.action === 'create')
  if (!creates.length) return []
  const notes: string[] = []
  for (const p of creates) {
    const zone = zones.resolve(p.region ?? rec.region ?? undefined, p.az ?? rec.az ?? undefined)
    const pve = zone.pve.with({ timeoutMs: TASK_MS })
    if (!/^[1-9]\d{2,8}$/.test(p.id)) continue
    await createStillRunning(zone, p.id, performance.now() + TASK_MS).catch(() => {})
    let state
    try {
      state = await pve.containerStatus(p.id)
    } catch (e) {
      if (codeOf(e) === 'INSTANCE_NOT_FOUND') {
        notes.push(`CT ${p.id} was never created`)
        continue
      }
      notes.push(`CT ${p.id} could not be checked (${(e as Error).message})`)
      continue
    }
    if (state.status === 'running' && !state.lock) {
      notes.push(`CT ${p.id} was created and is running: kept`)
      continue
    }
    try {
      if (state.lock) await pve.unlock(p.id)
      await pve.destroy(p.id, { force: true, purge: true })
      op.log(`destroyed half-made CT ${p.id} on ${zone.label} (${state.lock ? `lock ${state.lock}` : state.status})`)
      notes.push(`half-made CT ${p.id} destroyed`)
    } catch (e) {
      notes.push(`half-made CT ${p.id} could not be destroyed (${(e as Error).message}): remove it by hand`)
    }
  }
  return notes
}

/** Kinds that create containers (and `op.plan` them first). */
export const CREATING_KINDS = ['lxc.create']

/** Registers the clean-up as the recovery of the kinds that create containers. */
export function recoverHalfMade(operations: Operations, zones: ZoneRegistry, kinds: readonly string[] = CREATING_KINDS): void {
  for (const kind of kinds) operations.onRecovery(kind, async (rec, op) => {
    const notes = await cleanUp(zones, rec, op)
    const base = 'LWS stopped while the operation was running; it did not finish'
    throw new InterruptedError(notes.length ? `${base}; ${notes.join('; ')}` : base)
  })
}
