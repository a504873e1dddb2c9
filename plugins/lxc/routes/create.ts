/**
 * POST /lxc/instances — create and start `count` containers of one size, as
 * one operation (`lxc.create`).
 *
 * Everything is validated before the operation starts (no host command), and
 * the image is looked up before the first `pct create`, so a bad request
 * creates nothing. Containers are created concurrently but bounded per AZ
 * (CREATES_PER_AZ, shared by all requests). A container that was created but
 * fails later is destroyed again, so a failure never leaves a half-made
 * instance behind.
 *
 * As an operation: `client_token` (AWS ClientToken) is its idempotency key;
 * progress counts the containers (count > 1); before each `pct create` the
 * id is recorded as planned and an undo step registered, so a cancel
 * (DELETE /operations/{id}) or a failure of the whole request removes every
 * container it made; the task log of each create goes to the operation log.
 */
import type { Static } from '@sinclair/typebox'
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import type { OpContext } from '../../../src/operations/service.ts'
import type { CreateOptions } from '../../../src/proxmox/options.ts'
import { failureError, instanceEvent, logOutput, toFailure, type Failure } from '../bulk.ts'
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
    client_token: t.Optional(
      t.String({
        pattern: '^[\\x21-\\x7e]{1,64}$',
        minLength: 1,
        maxLength: 64,
        description:
          'Idempotency token (AWS ClientToken; 1–64 visible ASCII characters): the same token with the same body within 24 h answers the first request’s result (or its operation while it runs) and creates nothing new; with another body → 422 IDEMPOTENCY_KEY_REUSED. An `Idempotency-Key` header takes precedence.',
        examples: ['web-rollout-2024-06-01'],
      }),
    ),
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

/** A create request, checked: nothing of it has touched a host yet. */
interface Prepared {
  zone: ZoneHandle
  size: ResolvedSize
  image: string
  plans: Plan[]
}

/** What may be on the host under one id this operation tried: the undo step removes it only while `ours`. */
interface Attempt {
  id: string
  ours: boolean
}

export function createRoute(c: LxcContext) {
  const sch = createSchemas(c)
  return new c.Elysia({ name: 'lxc-create' }).post(
    '/lxc/instances',
    (ctx) => {
      const prepared = prepareCreate(c, ctx.body)
      const count = prepared.plans.length
      return c.ops.run(
        ctx,
        {
          kind: 'lxc.create',
          ...c.placementOf(prepared.zone),
          resources: { instances: [] },
          total: count > 1 ? count : null,
          mayCancel: true,
          idempotencyKey: ctx.body.client_token,
        },
        (op) => createInstances(c, prepared, op),
      )
    },
    {
      body: sch.body,
      response: { 200: sch.response, ...c.ops.responses(), ...c.s.errors(400, 401, 404, 409, 422, 500, 502, 503, 504) },
      detail: {
        tags: ['lxc'],
        summary: 'Create and start containers',
        description:
          'Creates `count` unprivileged containers of the given size from `image_id` and starts them. ' +
          'VMIDs are the lowest free ids ≥ `start_vmid`. Returns 200 when at least one container was created ' +
          '(failures of the others are listed in `errors`); when none was, the failure itself is the answer. ' +
          'Runs as an operation (`lxc.create`, `LWS-Operation` header; `Prefer: respond-async` → 202 with its progress per container); ' +
          '`client_token` or `Idempotency-Key` make a retry safe; cancelling the operation removes the containers it made.',
      },
    },
  )
}

/** The checks that need no host: zone, size, image id, every container's options. */
function prepareCreate(c: LxcContext, body: Body): Prepared {
  const zone = c.zones.resolve(body.region, body.az)
  const size = resolveSize(c, body.size)
  const image = c.ids.assertPattern('templateVolid', body.image_id, 'image_id')
  return { zone, size, image, plans: planInstances(c, body, size, image) }
}

async function createInstances(c: LxcContext, { zone, size, image, plans }: Prepared, op: OpContext) {
  // The image check and the id allocation are reads: both at once.
  const allocation = c.allocator.allocate(zone, plans.length)
  const [image_, allocated] = await Promise.allSettled([assertImageExists(c, zone, image), allocation])
  if (image_.status === 'rejected' || allocated.status === 'rejected') {
    if (allocated.status === 'fulfilled') for (const id of allocated.value) c.allocator.release(zone, id)
    const e = image_.status === 'rejected' ? image_.reason : (allocated as PromiseRejectedResult).reason
    if (e instanceof VmidExhaustedError) throw new c.errors.ConflictError(e.message, 'VMID_EXHAUSTED')
    throw e
  }
  const ids = allocated.value
  // Each plan's id as it stands (a retry moves a plan to another id): what GET /operations?instance_id= finds.
  const current = ids.map(String)
  await op.setResources({ instances: [...current] })
  const moved = async (i: number, id: number) => {
    current[i] = String(id)
    await op.setResources({ instances: [...current] })
  }

  const slots = c.createSlots(zone)
  const taken = new Set<number>()
  let done = 0
  let abortedBy: Failure | undefined
  const outcomes = await Promise.all(
    plans.map(async (plan, i): Promise<{ ok: Instance } | { failed: CreateFailure }> => {
      let id = ids[i]!
      const release = await slots.acquire()
      try {
        for (let attempt = 0; ; attempt++) {
          if (abortedBy || op.signal.aborted) {
            c.allocator.release(zone, id)
            return { failed: withHostname(op.signal.aborted ? toFailure(c, op.signal.reason) : skipped(abortedBy!), plan) }
          }
          try {
            const made = await launch(c, op, zone, id, image, plan, size)
            c.allocator.release(zone, id)
            return { ok: made }
          } catch (err) {
            c.allocator.release(zone, id)
            if (!op.signal.aborted && isIdTaken(c, err) && attempt < ID_RETRIES) {
              taken.add(id)
              id = (await c.allocator.allocate(zone, 1, taken))[0]!
              await moved(i, id)
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
        if (plans.length > 1) op.progress({ done: ++done })
      }
    }),
  )
  // Every container has settled (none is half-way): a cancel now undoes all of them.
  op.throwIfCancelled()

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

/**
 * pct create, then pct start; anything after a successful create that fails
 * removes the container again. Before the create starts, the id is recorded
 * as planned and an undo step is registered (it removes the container if the
 * whole operation fails or is cancelled); the step does nothing once the id
 * turned out to be someone else's or the container is gone already.
 */
async function launch(c: LxcContext, op: OpContext, zone: ZoneHandle, vmid: number, image: string, plan: Plan, size: ResolvedSize): Promise<Instance> {
  const id = String(vmid)
  const attempt: Attempt = { id, ours: true }
  const made: Instance = {
    instance_id: id,
    // What PVE names a container without a hostname, CT<vmid> (pve-container src/PVE/API2/LXC.pm, create_vm): no status read needed.
    hostname: plan.hostname ?? `CT${id}`,
    // Once pct start exited 0.
    status: 'running',
    ...c.placementOf(zone),
    size: size.name,
    image_id: image,
    ip: plan.ip,
  }
  // The create runs detached on the host under this job name, recorded first: a restarted LWS follows it and completes the container.
  const job = `${op.id}-${id}`
  await op.plan({ type: 'instance', id, action: 'create', ...c.placementOf(zone), job, report: made })
  op.revert.add(async () => {
    if (!attempt.ours) return
    const note = await destroy(c, zone, id, { missingIsGone: true, retryBusy: true })
    if (note) throw new Error(note)
    attempt.ours = false
    instanceEvent(c, op, zone, id, 'terminated', 'terminated')
  }, `destroy CT ${id}`)
  op.progress({ step: `pct create ${id}` })
  try {
    // The operation's signal: a cancel stops pct create on the host (the undo step then removes what it left).
    const out = op.logWriter()
    const err = op.logWriter()
    try {
      await zone.pve.createContainer(id, image, plan.options, {
        timeoutMs: c.config.taskTimeoutMs,
        signal: op.signal,
        // The task's own lines become the operation log as pct prints them.
        detach: {
          name: job,
          onOutput: (text, stream) => (stream === 'stdout' ? out : err).write(text),
          // The PVE task (UPID) shows in the operation, to look up in Proxmox itself.
          onTask: (task) => void op.setHostTask(task).catch(() => undefined),
        },
      })
    } finally {
      out.flush()
      err.flush()
    }
  } catch (err) {
    // Someone else's id, or refused before PVE looked at the id: nothing of it is ours.
    if (isIdTaken(c, err) || (err instanceof c.errors.LwsError && err.status < 500)) {
      attempt.ours = false
      // So a restarted LWS leaves that container alone.
      await op.plan({ type: 'instance', id, action: 'released', ...c.placementOf(zone) })
    }
    // Stopped by a cancel: the undo step removes what the create left (if anything).
    else if (op.signal.aborted) throw err
    else if (await removeLeftover(c, zone, id, err)) attempt.ours = false
    throw err
  }
  instanceEvent(c, op, zone, id, 'created', 'stopped')
  // Cancelled while pct create ran: do not start it; the undo step removes it.
  op.throwIfCancelled()
  op.progress({ step: `pct start ${id}` })
  try {
    logOutput(op, await zone.pve.start(id))
  } catch (err) {
    if (op.signal.aborted) throw err
    const cleanup = await destroy(c, zone, id)
    if (!cleanup) {
      attempt.ours = false
      instanceEvent(c, op, zone, id, 'terminated', 'terminated')
    }
    throw annotate(c, err, cleanup ? `container ${id} was created but did not start; ${cleanup}` : `container ${id} was created but did not start, and was removed again`)
  }
  instanceEvent(c, op, zone, id, 'started', 'running')
  op.log(`CT ${id} created and started`)
  return made
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
/** Returns true when nothing of ours is left under the id (never made, or removed now). */
async function removeLeftover(c: LxcContext, zone: ZoneHandle, id: string, cause: unknown): Promise<boolean> {
  if (!(cause instanceof c.errors.LwsError) || cause.status < 500) return true
  // The create never reached the host: nothing of it can be there.
  if (cause instanceof c.errors.HostUnreachableError || cause instanceof c.errors.ProxmoxToolsMissingError) return true
  if (cause instanceof c.errors.HostTimeoutError && !cause.commandStarted) return true
  const exists = await zone.pve.containerStatus(id).then(
    () => true,
    (e) => !(e instanceof c.errors.NotFoundError),
  )
  if (!exists) return true
  const note = await destroy(c, zone, id)
  if (note) c.log.error('lxc: leftover of a failed create could not be removed', { az: zone.label, vmid: id, error: note })
  return note === undefined
}

/** Tries of a destroy that meets the config lock of a create still ending (undo steps only). */
const BUSY_TRIES = 5

/**
 * `pct unlock` (a killed create leaves `lock: create`, which blocks destroy),
 * then destroy with purge. Returns undefined on success, else what went
 * wrong. Undo steps count a missing container as removed, and try again
 * while a create that was stopped still holds the container.
 */
async function destroy(c: LxcContext, zone: ZoneHandle, id: string, opts: { missingIsGone?: boolean; retryBusy?: boolean } = {}): Promise<string | undefined> {
  for (let tries = 1; ; tries++) {
    await zone.pve.unlock(id).catch(() => undefined)
    try {
      await zone.pve.destroy(id, { purge: true, force: true })
      return undefined
    } catch (e) {
      const code = c.errors.codeOf(e)
      if (opts.missingIsGone && code === 'INSTANCE_NOT_FOUND') return undefined
      if (opts.retryBusy && tries < BUSY_TRIES && (code === 'INSTANCE_LOCKED' || code === 'INSTANCE_BUSY')) {
        await new Promise((r) => setTimeout(r, 1000 * tries))
        continue
      }
      const why = e instanceof c.errors.LwsError ? e.details : String(e)
      c.log.error('lxc: could not remove a container after a failed create', { az: zone.label, vmid: id, error: why })
      return `removing container ${id} failed too: ${why}`
    }
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
