/**
 * POST /lxc/instances/start | stop | reboot | terminate — one action on a list
 * of containers, each reported on its own, as one operation on them. Like
 * EC2, starting a running container or stopping a stopped one succeeds and
 * says so.
 *
 * No status reads around the actions: pct's own answer says what the state
 * was. `pct start` exits 0 (it was stopped, now runs) or says "already
 * running"; `pct stop` exits 0 or says "not running" (the Proxmox layer then
 * tells a missing container, 404, from a stopped one); `pct destroy` without
 * force refuses a running container, and only then is it stopped (by
 * destroy --force). So stop and start cost one host command each.
 */
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import type { OpContext } from '../../../src/operations/service.ts'
import { bulkOperation, instanceEvent, logOutput, uniqueIds, type ActionResult, type RouteContext } from '../bulk.ts'
import type { LxcContext } from '../context.ts'

type Outcome = Omit<ActionResult, 'instance_id' | 'success'>
type Act = (op: OpContext, zone: ZoneHandle, id: string) => Promise<Outcome>

export function powerSchemas(c: LxcContext) {
  const { t, s } = c
  const body = t.Object({ instance_ids: s.InstanceIds, ...s.zoneBody })
  const stopBody = t.Object({
    instance_ids: s.InstanceIds,
    graceful: t.Optional(t.Boolean({ description: 'Shut down cleanly (pct shutdown) and force the stop after `timeout`; default: immediate stop' })),
    timeout: t.Optional(t.Integer({ minimum: 1, maximum: 3600, description: 'Seconds a graceful shutdown may take (default 60)' })),
    ...s.zoneBody,
  })
  return { body, stopBody }
}

export function powerRoutes(c: LxcContext) {
  const sch = powerSchemas(c)
  const hook = (summary: string, description: string) => ({
    body: sch.body,
    response: { 200: c.s.BulkResponse, ...c.ops.responses(), ...c.s.errors(400, 401, 404, 409, 422, 500, 502, 503, 504) },
    detail: { tags: ['lxc'], summary, description: `${description} ${BULK_NOTE}` },
  })
  return new c.Elysia({ name: 'lxc-power' })
    .post(
      '/lxc/instances/start',
      (ctx) => run(c, ctx, 'lxc.start', ctx.body, (op, z, id) => startOne(c, op, z, id)),
      hook('Start containers', 'Containers that are already running are reported as such (success).'),
    )
    .post(
      '/lxc/instances/stop',
      (ctx) => run(c, ctx, 'lxc.stop', ctx.body, (op, z, id) => stopOne(c, op, z, id, ctx.body.graceful ? { timeout: ctx.body.timeout ?? 60 } : undefined)),
      {
        ...hook('Stop containers', 'Immediate stop, or a clean shutdown with `graceful: true`. Containers that are already stopped are reported as such (success).'),
        body: sch.stopBody,
      },
    )
    .post(
      '/lxc/instances/reboot',
      (ctx) => run(c, ctx, 'lxc.reboot', ctx.body, (op, z, id) => rebootOne(c, op, z, id)),
      hook('Reboot containers', 'A stopped container is a conflict (409).'),
    )
    .post(
      '/lxc/instances/terminate',
      (ctx) => run(c, ctx, 'lxc.terminate', ctx.body, (op, z, id) => terminateOne(c, op, z, id)),
      hook('Terminate (destroy) containers', 'Stops a running container, then destroys it with --purge (its disks, and its entries in backup jobs, replication and HA).'),
    )
}

const BULK_NOTE =
  'Runs as an operation on the containers (`LWS-Operation` header; `Prefer: respond-async` → 202; `Idempotency-Key`). ' +
  'Each id is reported in `results`. When every id failed, the answer is the error itself (e.g. 404 unknown id, 409 locked with the lock name).'

function run(
  c: LxcContext,
  ctx: RouteContext,
  kind: string,
  body: { instance_ids: Array<string | number>; region?: string; az?: string },
  act: Act,
) {
  const zone = c.zones.resolve(body.region, body.az)
  return bulkOperation(c, ctx, kind, zone, uniqueIds(body.instance_ids), (op, id) => act(op, zone, id))
}

/** `pct start`: exit 0 → it was stopped and runs now; "already running" → nothing to do. */
async function startOne(c: LxcContext, op: OpContext, zone: ZoneHandle, id: string): Promise<Outcome> {
  try {
    logOutput(op, await zone.pve.start(id))
  } catch (err) {
    if (c.errors.codeOf(err) !== 'INSTANCE_RUNNING') throw err
    return { previous_status: 'running', current_status: 'running', message: 'already running' }
  }
  instanceEvent(c, op, zone, id, 'started', 'running')
  return { previous_status: 'stopped', current_status: 'running', message: 'started' }
}

/** `pct stop` (or `pct shutdown --forceStop 1`): exit 0 → it ran and is stopped now; "not running" (and not missing) → nothing to do. */
async function stopOne(c: LxcContext, op: OpContext, zone: ZoneHandle, id: string, graceful?: { timeout: number }): Promise<Outcome> {
  try {
    if (graceful) logOutput(op, await zone.pve.shutdown(id, { timeout: graceful.timeout, forceStop: true }))
    else logOutput(op, await zone.pve.stop(id))
  } catch (err) {
    if (c.errors.codeOf(err) !== 'INSTANCE_NOT_RUNNING') throw err
    return { previous_status: 'stopped', current_status: 'stopped', message: 'already stopped' }
  }
  instanceEvent(c, op, zone, id, 'stopped', 'stopped')
  return { previous_status: 'running', current_status: 'stopped', message: graceful ? 'shut down' : 'stopped' }
}

async function rebootOne(c: LxcContext, op: OpContext, zone: ZoneHandle, id: string): Promise<Outcome> {
  try {
    logOutput(op, await zone.pve.reboot(id))
  } catch (err) {
    if (c.errors.codeOf(err) !== 'INSTANCE_NOT_RUNNING') throw err
    throw new c.errors.ConflictError(`container ${id} is not running (start it instead)`, 'INSTANCE_NOT_RUNNING')
  }
  instanceEvent(c, op, zone, id, 'rebooted', 'running')
  return { previous_status: 'running', current_status: 'running', message: 'rebooted' }
}

/** `pct destroy --purge 1`; a running container is refused by it, and then destroyed with `--force 1` (an immediate stop first, as `pct stop`). */
async function terminateOne(c: LxcContext, op: OpContext, zone: ZoneHandle, id: string): Promise<Outcome> {
  let wasRunning = false
  try {
    logOutput(op, await zone.pve.destroy(id, { purge: true }))
  } catch (err) {
    if (c.errors.codeOf(err) !== 'INSTANCE_RUNNING') throw err
    wasRunning = true
    logOutput(op, await zone.pve.destroy(id, { purge: true, force: true }))
  }
  c.log.info('lxc: terminated container', { az: zone.label, vmid: id })
  instanceEvent(c, op, zone, id, 'terminated', 'terminated')
  const before = wasRunning ? 'running' : 'stopped'
  return { previous_status: before, current_status: 'terminated', message: wasRunning ? 'stopped and terminated' : 'terminated' }
}
