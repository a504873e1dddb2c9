/**
 * POST /lxc/instances/start | stop | reboot | terminate — one action on a list
 * of containers, each reported on its own. Like EC2, starting a running
 * container or stopping a stopped one succeeds and says so.
 */
import type { Static } from '@sinclair/typebox'
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import { bulk, uniqueIds, type ActionResult } from '../bulk.ts'
import type { LxcContext } from '../context.ts'

type Outcome = Omit<ActionResult, 'instance_id' | 'success'>

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
    response: { 200: c.s.BulkResponse, ...c.s.errors(400, 401, 404, 409, 500, 502, 504) },
    detail: { tags: ['lxc'], summary, description: `${description} ${BULK_NOTE}` },
  })
  return new c.Elysia({ name: 'lxc-power' })
    .post(
      '/lxc/instances/start',
      ({ body }) => run(c, body, (z, id) => startOne(c, z, id)),
      hook('Start containers', 'Containers that are already running are reported as such (success).'),
    )
    .post(
      '/lxc/instances/stop',
      ({ body }) => run(c, body, (z, id) => stopOne(c, z, id, body.graceful ? { timeout: body.timeout ?? 60 } : undefined)),
      {
        ...hook('Stop containers', 'Immediate stop, or a clean shutdown with `graceful: true`. Containers that are already stopped are reported as such (success).'),
        body: sch.stopBody,
      },
    )
    .post('/lxc/instances/reboot', ({ body }) => run(c, body, (z, id) => rebootOne(c, z, id)), hook('Reboot containers', 'A stopped container is a conflict (409).'))
    .post(
      '/lxc/instances/terminate',
      ({ body }) => run(c, body, (z, id) => terminateOne(c, z, id)),
      hook('Terminate (destroy) containers', 'Stops a running container, then destroys it with --purge (its disks, and its entries in backup jobs, replication and HA).'),
    )
}

const BULK_NOTE =
  'Each id is reported in `results`. When every id failed, the answer is the error itself (e.g. 404 unknown id, 409 locked with the lock name).'

function run(
  c: LxcContext,
  body: { instance_ids: Array<string | number>; region?: string; az?: string },
  act: (zone: ZoneHandle, id: string) => Promise<Outcome>,
): Promise<Static<LxcContext['s']['BulkResponse']>> {
  const zone = c.zones.resolve(body.region, body.az)
  const ids = uniqueIds(c, body.instance_ids)
  return bulk(c, ids, (id) => act(zone, id))
}

async function statusOf(zone: ZoneHandle, id: string): Promise<string> {
  return (await zone.pve.containerStatus(id)).status
}


async function startOne(c: LxcContext, zone: ZoneHandle, id: string): Promise<Outcome> {
  const before = await statusOf(zone, id)
  if (before === 'running') return { previous_status: before, current_status: before, message: 'already running' }
  try {
    await zone.pve.start(id)
  } catch (err) {
    // Started by someone else between our status read and the start.
    if (c.errors.codeOf(err) !== 'INSTANCE_RUNNING') throw err
  }
  return { previous_status: before, current_status: await statusOf(zone, id), message: 'started' }
}

async function stopOne(c: LxcContext, zone: ZoneHandle, id: string, graceful?: { timeout: number }): Promise<Outcome> {
  const before = await statusOf(zone, id)
  if (before === 'stopped') return { previous_status: before, current_status: before, message: 'already stopped' }
  try {
    if (graceful) await zone.pve.shutdown(id, { timeout: graceful.timeout, forceStop: true })
    else await zone.pve.stop(id)
  } catch (err) {
    // Stopped by someone else between our status read and the stop.
    if (c.errors.codeOf(err) !== 'INSTANCE_NOT_RUNNING') throw err
  }
  return { previous_status: before, current_status: await statusOf(zone, id), message: graceful ? 'shut down' : 'stopped' }
}

async function rebootOne(c: LxcContext, zone: ZoneHandle, id: string): Promise<Outcome> {
  const before = await statusOf(zone, id)
  if (before !== 'running') throw new c.errors.ConflictError(`container ${id} is not running (start it instead)`, 'INSTANCE_NOT_RUNNING')
  await zone.pve.reboot(id)
  return { previous_status: before, current_status: await statusOf(zone, id), message: 'rebooted' }
}

async function terminateOne(c: LxcContext, zone: ZoneHandle, id: string): Promise<Outcome> {
  const before = await statusOf(zone, id)
  if (before === 'running') {
    try {
      await zone.pve.stop(id)
    } catch (err) {
      if (c.errors.codeOf(err) !== 'INSTANCE_NOT_RUNNING') throw err
    }
  }
  await zone.pve.destroy(id, { purge: true })
  c.log.info('lxc: terminated container', { az: zone.label, vmid: id })
  return { previous_status: before, current_status: 'terminated', message: before === 'running' ? 'stopped and terminated' : 'terminated' }
}
