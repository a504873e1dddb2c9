/**
 * Container snapshots: list (as a tree: each snapshot names its parent),
 * create, delete, roll back. The changes run as operations on the container.
 * The snapshot name is checked by the path/body schema (pattern) and by the
 * Proxmox layer (pattern and reserved names) before its command.
 */
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import type { Snapshot } from '../../../src/proxmox/schemas.ts'
import { instanceEvent, logOutput } from '../bulk.ts'
import type { LxcContext } from '../context.ts'

export function snapshotSchemas(c: LxcContext) {
  const { t, s } = c
  const View = t.Object(
    {
      name: t.String(),
      description: t.String(),
      parent: t.Union([t.String(), t.Null()], { description: 'The snapshot this one was taken after, or null for a root' }),
      created_at: t.Union([t.String(), t.Null()], { description: 'ISO 8601 (UTC)' }),
      snaptime: t.Union([t.Number(), t.Null()], { description: 'Unix epoch seconds' }),
      current: t.Boolean({ description: 'The container’s current state derives from this snapshot' }),
    },
    { title: 'LxcSnapshot' },
  )
  const listResponse = t.Object(
    {
      instance_id: t.String(),
      ...s.placement,
      current_parent: t.Union([t.String(), t.Null()], { description: 'Snapshot the current state derives from' }),
      snapshots: t.Array(View, { description: 'Parents before their children, siblings oldest first' }),
    },
    { title: 'LxcSnapshotList' },
  )
  const createBody = t.Object({
    snapshot_name: s.SnapshotName,
    description: t.Optional(t.String({ maxLength: 8192, description: 'Free text (no control characters other than newline and tab)' })),
    ...s.zoneBody,
  })
  const actionResponse = t.Object(
    {
      output: t.String(),
      instance_id: t.String(),
      snapshot_name: t.String(),
      ...s.placement,
      status: t.Optional(t.String({ description: 'Container status afterwards (rollback)' })),
      snapshot: t.Optional(View),
    },
    { title: 'LxcSnapshotAction' },
  )
  const snapParams = t.Object({ instance_id: s.InstanceId, snapshot_name: s.SnapshotName })
  const rollbackBody = t.Optional(
    t.Object({
      start: t.Optional(t.Boolean({ description: 'Start the container after the rollback (Proxmox leaves it stopped; default false)' })),
      ...s.zoneBody,
    }),
  )
  return { View, listResponse, createBody, actionResponse, snapParams, rollbackBody }
}

/**
 * Parents before their children, siblings oldest first. snaptime has
 * one-second resolution, so time alone cannot order snapshots taken in the
 * same second.
 */
export function treeOrder(list: Snapshot[]): Snapshot[] {
  const names = new Set(list.map((x) => x.name))
  const byTime = (a: Snapshot, b: Snapshot) => (a.snaptime ?? 0) - (b.snaptime ?? 0) || a.name.localeCompare(b.name)
  const children = new Map<string | undefined, Snapshot[]>()
  for (const x of list) {
    const parent = x.parent !== undefined && names.has(x.parent) ? x.parent : undefined
    children.set(parent, [...(children.get(parent) ?? []), x])
  }
  const out: Snapshot[] = []
  const walk = (parent: string | undefined) => {
    for (const x of (children.get(parent) ?? []).sort(byTime)) {
      if (out.includes(x)) continue
      out.push(x)
      walk(x.name)
    }
  }
  walk(undefined)
  // Anything a broken parent chain (a cycle) kept out of the walk, at the end.
  return [...out, ...list.filter((x) => !out.includes(x)).sort(byTime)]
}

function view(x: Snapshot) {
  return {
    name: x.name,
    description: x.description.replace(/\n$/, ''),
    parent: x.parent ?? null,
    created_at: x.snaptime ? new Date(x.snaptime * 1000).toISOString() : null,
    snaptime: x.snaptime ?? null,
    current: x.current,
  }
}

export function snapshotRoutes(c: LxcContext) {
  const sch = snapshotSchemas(c)
  const errs = c.s.errors
  const change = (kind: string, zone: ZoneHandle, id: string) => ({ kind, ...c.placementOf(zone), resources: { instances: [id] }, mayCancel: false })
  return new c.Elysia({ name: 'lxc-snapshots' })
    .use(c.instance)
    .get(
      '/lxc/instances/:instance_id/snapshots',
      async ({ zone, vmid: id }) => {
        const list = await zone.pve.snapshots(id)
        return {
          instance_id: id,
          ...c.placementOf(zone),
          current_parent: list.find((x) => x.current)?.name ?? null,
          snapshots: treeOrder(list).map(view),
        }
      },
      {
        instance: 'query',
        params: c.s.InstanceIdParams,
        query: c.s.ZoneQuery,
        response: { 200: sch.listResponse, ...errs(400, 401, 404, 500, 502, 504) },
        detail: { tags: ['lxc'], summary: 'List snapshots of a container' },
      },
    )
    .post(
      '/lxc/instances/:instance_id/snapshots',
      (ctx) => {
        const { zone, vmid: id, body } = ctx
        const snap = body.snapshot_name
        return c.ops.run(ctx, change('lxc.snapshot.create', zone, id), async (op) => {
          logOutput(op, await zone.pve.snapshot(id, snap, body.description === undefined ? {} : { description: body.description }))
          const made = await find(zone, id, snap)
          return {
            output: `snapshot '${snap}' of container ${id} created`,
            instance_id: id,
            snapshot_name: snap,
            ...c.placementOf(zone),
            ...(made ? { snapshot: view(made) } : {}),
          }
        })
      },
      {
        instance: 'body',
        params: c.s.InstanceIdParams,
        body: sch.createBody,
        response: { 200: sch.actionResponse, ...c.ops.responses(), ...errs(400, 401, 404, 409, 422, 500, 502, 503, 504) },
        detail: {
          tags: ['lxc'],
          summary: 'Create a snapshot',
          description: 'A name already used → 409; a locked container → 409; a storage without snapshot support → 409.',
        },
      },
    )
    .delete(
      '/lxc/instances/:instance_id/snapshots/:snapshot_name',
      (ctx) => {
        const { zone, vmid: id, params } = ctx
        const snap = params.snapshot_name
        return c.ops.run(ctx, change('lxc.snapshot.delete', zone, id), async (op) => {
          logOutput(op, await zone.pve.delsnapshot(id, snap))
          return { output: `snapshot '${snap}' of container ${id} deleted`, instance_id: id, snapshot_name: snap, ...c.placementOf(zone) }
        })
      },
      {
        instance: 'query',
        params: sch.snapParams,
        query: c.s.ZoneQuery,
        response: { 200: sch.actionResponse, ...c.ops.responses(), ...errs(400, 401, 404, 409, 422, 500, 502, 503, 504) },
        detail: { tags: ['lxc'], summary: 'Delete a snapshot', description: 'Its children are re-attached to its parent. Unknown snapshot → 404.' },
      },
    )
    .post(
      '/lxc/instances/:instance_id/snapshots/:snapshot_name/rollback',
      (ctx) => {
        const { zone, vmid: id, params, body } = ctx
        const snap = params.snapshot_name
        const start = body?.start === true
        return c.ops.run(ctx, change('lxc.snapshot.rollback', zone, id), async (op) => {
          logOutput(op, await zone.pve.rollback(id, snap, { start }))
          // pct rollback stops a running container and starts it again only with --start; it exits 0 only when all of that worked.
          const status = start ? 'running' : 'stopped'
          instanceEvent(c, op, zone, id, 'rolled_back', status)
          return {
            output: `container ${id} rolled back to '${snap}' (${status})`,
            instance_id: id,
            snapshot_name: snap,
            ...c.placementOf(zone),
            status,
          }
        })
      },
      {
        instance: 'body',
        params: sch.snapParams,
        body: sch.rollbackBody,
        response: { 200: sch.actionResponse, ...c.ops.responses(), ...errs(400, 401, 404, 409, 422, 500, 502, 503, 504) },
        detail: {
          tags: ['lxc'],
          summary: 'Roll a container back to a snapshot',
          description: 'A running container is stopped first (by Proxmox) and stays stopped unless `start` is true.',
        },
      },
    )
}

async function find(zone: ZoneHandle, id: string, snap: string): Promise<Snapshot | undefined> {
  return (await zone.pve.snapshots(id).catch(() => [])).find((x) => x.name === snap)
}
