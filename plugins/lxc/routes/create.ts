/**
 * POST /lxc/instances — create and start `count` containers of one size.
 *
 * Everything is validated (and the image looked up) before the first id is
 * allocated, so a bad request creates nothing. Containers are created
 * concurrently but bounded per AZ (CREATES_PER_AZ, shared by all requests).
 * A container that was created but fails later is destroyed again, so a
 * failure never leaves a half-made instance behind.
 */
import type { Static } from '@sinclair/typebox'
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import type { CreateOptions } from '../../../src/proxmox/options.ts'
import { failureError, toFailure, type Failure } from '../bulk.ts'
import type { LxcContext } from '../context.ts'
import { buildNetworks } from '../network.ts'
import { resolveSize, type ResolvedSize } from '../sizes.ts'
import { VmidExhaustedError } from '../vmid-allocator.ts'

/** New ids tried for one container when its id turns out to be taken by someone else. */
const ID_RETRIES = 5
/** Failures that would repeat for every remaining container: stop starting new ones. */
const ABORT_STATUSES = new Set([400, 404, 502, 503])

export function createSchemas(c: LxcContext) {
  const { t, s, ids } = c
  const P = ids.PATTERNS
  const body = t.Object({
    image_id: t.String({
      pattern: P.templateVolid,
      maxLength: 255,
      description: 'Template volume id (`storage:vztmpl/name.tar[.gz|.xz|.zst|.bz2]`), see GET /px/templates',
      examples: ['local:vztmpl/ubuntu-22.04.tar.gz'],
    }),
    size: t.Optional(t.String({ pattern: P.zoneName, description: 'Name from `instance_sizes` (default: small)', examples: ['medium'] })),
    count: t.Optional(t.Integer({ minimum: 1, maximum: 50, description: 'How many containers (1–50, default 1)' })),
    hostname: t.Optional(
      t.String({
        pattern: P.hostname,
        maxLength: 250,
        description: 'DNS name; with count > 1 the containers are named `<hostname>-1`, `<hostname>-2`, ... (default: CT<id>)',
        examples: ['web-server'],
      }),
    ),
    password: t.Optional(t.String({ minLength: 5, maxLength: 4096, description: 'Root password (5+ characters). Never logged, never returned.' })),
    ip: t.Optional(t.String({ pattern: P.ipv4, description: 'Static IPv4 address; with count > 1, consecutive addresses from this one', examples: ['192.168.1.50'] })),
    netmask: t.Optional(
      t.Union([t.String({ pattern: '^(/?[0-9]{1,2}|([0-9]{1,3}\\.){3}[0-9]{1,3})$' }), t.Integer({ minimum: 8, maximum: 32 })], {
        description: 'Prefix length (8–32) or dotted mask, with ip (default: 24)',
        examples: ['24'],
      }),
    ),
    gateway: t.Optional(t.String({ pattern: P.ipv4, description: 'IPv4 gateway, with ip', examples: ['192.168.1.1'] })),
    dns: t.Optional(
      t.String({
        pattern: '^[0-9A-Fa-f:.]+([ ,;]+[0-9A-Fa-f:.]+){0,7}$',
        maxLength: 400,
        description: 'Nameserver IP(s), separated by space or comma (default: the host’s)',
        examples: ['1.1.1.1'],
      }),
    ),
    dhcp: t.Optional(t.Boolean({ description: 'Configure eth0 by DHCP (the default when no ip is given; false leaves it unconfigured)' })),
    ...s.zoneBody,
  })
  const Instance = t.Object(
    {
      instance_id: t.String(),
      hostname: t.String(),
      status: t.String({ description: 'running once created' }),
      ...s.placement,
      size: t.String(),
      image_id: t.String(),
      ip: t.String({ description: 'eth0 address as configured: a.b.c.d/nn, dhcp, or manual' }),
    },
    { title: 'LxcCreatedInstance' },
  )
  const CreateFailure = t.Object(
    {
      hostname: t.Optional(t.String()),
      instance_id: t.Optional(t.String()),
      status_code: t.Integer(),
      error: t.String(),
      details: t.String(),
      return_code: t.Integer(),
      code: t.String({ description: 'Machine code, as in the Error schema' }),
    },
    { title: 'LxcCreateFailure' },
  )
  const response = t.Object(
    {
      output: t.String({ description: 'Summary for humans' }),
      instances: t.Array(Instance, { description: 'Created and started containers' }),
      errors: t.Array(CreateFailure, { description: 'Containers that could not be created (nothing of them is left behind)' }),
    },
    { title: 'LxcCreateResponse' },
  )
  return { body, Instance, CreateFailure, response }
}

type Schemas = ReturnType<typeof createSchemas>
type Body = Static<Schemas['body']>
type Instance = Static<Schemas['Instance']>
type CreateFailure = Static<Schemas['CreateFailure']>

interface Plan {
  hostname?: string
  options: CreateOptions
  ip: string
}

export function createRoute(c: LxcContext) {
  const sch = createSchemas(c)
  return new c.Elysia({ name: 'lxc-create' }).post('/lxc/instances', ({ body }) => createInstances(c, body), {
    body: sch.body,
    response: { 200: sch.response, ...c.s.errors(400, 401, 404, 409, 500, 502, 504) },
    detail: {
      tags: ['lxc'],
      summary: 'Create and start containers',
      description:
        'Creates `count` unprivileged containers of the given size from `image_id` and starts them. ' +
        'VMIDs are the lowest free ids ≥ `start_vmid`. Returns 200 when at least one container was created ' +
        '(failures of the others are listed in `errors`); when none was, the failure itself is the answer.',
    },
  })
}

export async function createInstances(c: LxcContext, body: Body) {
  const zone = c.zones.resolve(body.region, body.az)
  const size = resolveSize(c, body.size)
  const image = c.ids.assertPattern('templateVolid', body.image_id, 'image_id')
  const plans = planInstances(c, body, size, image)
  await assertImageExists(c, zone, image)

  let ids: number[]
  try {
    ids = await c.allocator.allocate(zone, plans.length)
  } catch (e) {
    if (e instanceof VmidExhaustedError) throw new c.errors.ConflictError(e.message, 'VMID_EXHAUSTED')
    throw e
  }

  const slots = c.createSlots(zone)
  const taken = new Set<number>()
  let abortedBy: Failure | undefined
  const outcomes = await Promise.all(
    plans.map(async (plan, i): Promise<{ ok: Instance } | { failed: CreateFailure }> => {
      let id = ids[i]!
      const release = await slots.acquire()
      try {
        for (let attempt = 0; ; attempt++) {
          if (abortedBy) {
            c.allocator.release(zone, id)
            return { failed: withHostname(skipped(abortedBy), plan) }
          }
          try {
            const made = await launch(c, zone, id, image, plan, size)
            c.allocator.release(zone, id)
            return { ok: made }
          } catch (err) {
            c.allocator.release(zone, id)
            if (isIdTaken(c, err) && attempt < ID_RETRIES) {
              taken.add(id)
              id = (await c.allocator.allocate(zone, 1, taken))[0]!
              continue
            }
            const f = toFailure(c, err, String(id))
            if (ABORT_STATUSES.has(f.status_code)) abortedBy ??= f
            return { failed: withHostname(f, plan) }
          }
        }
      } catch (err) {
        c.allocator.release(zone, id)
        return { failed: toFailure(c, err) }
      } finally {
        release()
      }
    }),
  )

  const instances = outcomes.flatMap((o) => ('ok' in o ? [o.ok] : []))
  const errors = outcomes.flatMap((o) => ('failed' in o ? [o.failed] : []))
  if (instances.length === 0) {
    const first = errors[0]!
    const details = errors.length === 1 ? first.details : `none of ${errors.length} containers was created: ${first.details}`
    throw failureError(c, first, details)
  }
  const lines = [
    `created ${instances.length} of ${plans.length} container(s) in ${zone.label}: ` +
      instances.map((x) => `${x.instance_id} (${x.hostname})`).join(', '),
    ...errors.map((e) => `failed${e.hostname ? ` ${e.hostname}` : ''}: ${e.details}`),
  ]
  c.log.info('lxc: created containers', { az: zone.label, ids: instances.map((x) => x.instance_id), failed: errors.length })
  return { output: lines.join('\n'), instances, errors }
}

/** Every container's options, fully validated up front (the same checks createContainer runs). */
function planInstances(c: LxcContext, body: Body, size: ResolvedSize, image: string): Plan[] {
  const count = body.count ?? 1
  const nets = buildNetworks(c, body, count)
  const base: CreateOptions = { memory: size.memory, rootfs: size.rootfs, unprivileged: true }
  if (size.swap !== undefined) base.swap = size.swap
  if (size.cores !== undefined) base.cores = size.cores
  if (size.cpulimit !== undefined) base.cpulimit = size.cpulimit
  if (body.dns !== undefined) base.nameserver = body.dns
  if (body.password !== undefined) base.password = body.password
  return nets.map((net0, i) => {
    const hostname = body.hostname === undefined ? undefined : count === 1 ? body.hostname : `${body.hostname}-${i + 1}`
    const options: CreateOptions = { ...base, net0 }
    if (hostname !== undefined) options.hostname = hostname
    c.proxmox.checkCreateOptions(image, options)
    return { hostname, options, ip: net0.ip ?? 'manual' }
  })
}

async function assertImageExists(c: LxcContext, zone: ZoneHandle, image: string): Promise<void> {
  const storage = image.slice(0, image.indexOf(':'))
  const templates = await zone.pve.storageContent(storage, 'vztmpl')
  if (templates.some((x) => x.volid === image)) return
  const known = templates.map((x) => x.volid)
  const list = known.length ? `${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''}` : 'none'
  throw new c.errors.NotFoundError(`image_id: '${image}' not found on ${zone.label} (available: ${list})`, 'IMAGE_NOT_FOUND')
}

/** pct create, then pct start; anything after a successful create that fails removes the container again. */
async function launch(c: LxcContext, zone: ZoneHandle, vmid: number, image: string, plan: Plan, size: ResolvedSize): Promise<Instance> {
  const id = String(vmid)
  try {
    await zone.pve.createContainer(id, image, plan.options, { timeoutMs: c.config.taskTimeoutMs })
  } catch (err) {
    if (!isIdTaken(c, err)) await removeLeftover(c, zone, id, err)
    throw err
  }
  try {
    await zone.pve.start(id)
  } catch (err) {
    const cleanup = await destroy(c, zone, id)
    throw annotate(c, err, cleanup ? `container ${id} was created but did not start; ${cleanup}` : `container ${id} was created but did not start, and was removed again`)
  }
  const status = await zone.pve.containerStatus(id).then(
    (st) => st,
    () => undefined,
  )
  return {
    instance_id: id,
    hostname: status?.name ?? plan.hostname ?? `CT${id}`,
    // start exited 0; a status read that failed right after does not undo that.
    status: status?.status ?? 'running',
    ...c.placementOf(zone),
    size: size.name,
    image_id: image,
    ip: plan.ip,
  }
}

/** Someone else holds the id (created meanwhile, or is creating it right now): try another one. */
function isIdTaken(c: LxcContext, err: unknown): boolean {
  const code = c.errors.codeOf(err)
  return code === 'INSTANCE_EXISTS' || code === 'INSTANCE_BUSY'
}

/**
 * After a failed create the config is normally gone (PVE removes it in the
 * task). It stays when the task was killed (timeout) — then with
 * `lock: create`. Only a 5xx failure can mean our create wrote it: a 4xx was
 * refused before PVE checked that the id is free, so the config could be
 * someone else's.
 */
async function removeLeftover(c: LxcContext, zone: ZoneHandle, id: string, cause: unknown): Promise<void> {
  if (!(cause instanceof c.errors.LwsError) || cause.status < 500) return
  // The create never reached the host: nothing of it can be there.
  if (cause instanceof c.errors.HostUnreachableError || cause instanceof c.errors.ProxmoxToolsMissingError) return
  if (cause instanceof c.errors.HostTimeoutError && !cause.commandStarted) return
  const exists = await zone.pve.containerStatus(id).then(
    () => true,
    (e) => !(e instanceof c.errors.NotFoundError),
  )
  if (!exists) return
  const note = await destroy(c, zone, id)
  if (note) c.log.error('lxc: leftover of a failed create could not be removed', { az: zone.label, vmid: id, error: note })
}

/**
 * `pct unlock` (a killed create leaves `lock: create`, which blocks destroy),
 * then destroy with purge. Returns undefined on success, else what went wrong.
 */
async function destroy(c: LxcContext, zone: ZoneHandle, id: string): Promise<string | undefined> {
  await zone.pve.unlock(id).catch(() => undefined)
  try {
    await zone.pve.destroy(id, { purge: true, force: true })
    return undefined
  } catch (e) {
    const why = e instanceof c.errors.LwsError ? e.details : String(e)
    c.log.error('lxc: could not remove a container after a failed create', { az: zone.label, vmid: id, error: why })
    return `removing container ${id} failed too: ${why}`
  }
}

function annotate(c: LxcContext, err: unknown, note: string) {
  if (!(err instanceof c.errors.LwsError)) return err
  return err.withDetails(`${note}: ${err.details}`)
}

function skipped(cause: Failure): Failure {
  const { instance_id: _, ...rest } = cause
  return { ...rest, details: `not attempted after an earlier failure: ${cause.details}` }
}

function withHostname(f: Failure, plan: Plan): CreateFailure {
  return plan.hostname === undefined ? f : { hostname: plan.hostname, ...f }
}
