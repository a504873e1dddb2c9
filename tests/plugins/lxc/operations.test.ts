/**
 * The lxc change routes as operations, against the Proxmox test hosts with
 * real time in them (TestHost.setDelay makes `pct create` or `pct stop`
 * slow): synchronous answers with LWS-Operation, Prefer: respond-async with
 * progress, cancel in the middle (the half-made container is removed),
 * idempotent retries during and after, a caller that disconnects, two
 * changes on one container, and the host commands each change costs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { bunServeOptions } from '../../../src/serve-bun.ts'
import { KEY } from '../../http/harness.ts'
import { IMAGE, lxcEnv, statusOnHost, type LxcEnv } from './support.ts'

let env: LxcEnv
const START = 16000
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const AZ = { region: 'eu-south-1', az: 'az1' }
/** Seconds a slow `pct create` / `pct stop` takes before it runs. */
const SLOW = 3

beforeAll(async () => {
  env = await lxcEnv({ startVmid: START })
})
afterEach(() => env.h1.clearDelays())
afterAll(async () => {
  env.h1.clearDelays()
  await env.close()
})

const ids = (body: any): string[] => (body.instances ?? []).map((x: { instance_id: string }) => x.instance_id)
const creates = () => env.app.log.lines.filter((l: any) => l.msg === 'host command' && l.argv?.[0] === 'pct' && l.argv?.[1] === 'create').length

describe('create as an operation', () => {
  test('synchronous (slow pct create): today’s body plus LWS-Operation; the operation holds the same result and the task log', async () => {
    env.h1.setDelay('pct', SLOW, 'create')
    const t0 = performance.now()
    const res = await env.send('POST', '/lxc/instances', { image_id: IMAGE, hostname: 'op-sync', ...AZ })
    expect(performance.now() - t0).toBeGreaterThanOrEqual(SLOW * 1000)
    expect(res.status).toBe(200)
    expect(res.body.errors).toEqual([])
    expect(res.body.instances).toEqual([
      { instance_id: expect.any(String), hostname: 'op-sync', status: 'running', region: 'eu-south-1', az: 'az1', size: 'small', image_id: IMAGE, ip: 'dhcp' },
    ])
    const [id] = ids(res.body)
    env.track('az1', id!)
    expect(res.body.output).toContain(`created 1 of 1 container(s) in eu-south-1/az1: ${id} (op-sync)`)
    const opId = res.headers.get('lws-operation')!
    expect(opId).toMatch(UUID)

    const op = (await env.get(`/operations/${opId}`)).body
    expect(op).toMatchObject({
      id: opId,
      kind: 'lxc.create',
      status: 'succeeded',
      region: 'eu-south-1',
      az: 'az1',
      resources: { instances: [id] },
      may_cancel: true,
      result: res.body,
      error: null,
      request_id: res.headers.get('x-request-id'),
    })
    const log = (await env.get(`/operations/${opId}/log`)).body
    expect(JSON.stringify(log)).toContain(`CT ${id} created and started`)
    const cmds = env.commandsOf(res.headers.get('x-request-id')).map((a) => a.slice(0, 3).join(' '))
    console.log(`host commands of create: ${cmds.length}: ${cmds.join('; ')}`)
    expect(cmds.filter((x) => x.startsWith('pct '))).toEqual([`pct create ${id}`, `pct start ${id}`])
    expect(await statusOnHost(env.h1, id!)).toBe('running')

    // created, then started: the instance events of this operation.
    const events = (await env.send('GET', '/events?types=instance&limit=500', undefined, { accept: 'application/json' })).body.events
    const mine = events.filter((e: any) => e.data.operation_id === opId).map((e: any) => [e.data.instance_id, e.data.action, e.data.state])
    expect(mine).toEqual([
      [id, 'created', 'stopped'],
      [id, 'started', 'running'],
    ])
  })

  test('Prefer: respond-async (count 2): 202 + Location; progress while it runs; wait returns at the end', async () => {
    env.h1.setDelay('pct', SLOW, 'create')
    const res = await env.send('POST', '/lxc/instances', { image_id: IMAGE, count: 2, hostname: 'op-async', ...AZ }, { prefer: 'respond-async' })
    expect(res.status).toBe(202)
    const op = res.body
    expect(op.kind).toBe('lxc.create')
    expect(res.headers.get('location')).toBe(`/api/v1/operations/${op.id}`)
    expect(res.headers.get('lws-operation')).toBe(op.id)
    expect(res.headers.get('preference-applied')).toBe('respond-async')
    expect(['pending', 'running']).toContain(op.status)

    const mid = await env.untilOp(op.id, (o) => o.status === 'running' && o.resources.instances?.length === 2 && o.progress.step?.startsWith('pct create'))
    expect(mid.status).toBe('running')
    expect(mid.progress).toMatchObject({ done: 0, total: 2, percent: 0 })
    env.track('az1', ...mid.resources.instances)

    const end = (await env.get(`/operations/${op.id}/wait?timeout=60`)).body
    expect(end.status).toBe('succeeded')
    expect(end.progress).toMatchObject({ done: 2, total: 2, percent: 100 })
    expect(end.result.instances.map((x: any) => x.hostname)).toEqual(['op-async-1', 'op-async-2'])
    expect(ids(end.result).sort()).toEqual([...mid.resources.instances].sort())
    for (const id of ids(end.result)) expect(await statusOnHost(env.h1, id)).toBe('running')
  })

  test('cancel in the middle of pct create → pct is interrupted (its own clean-up runs), cancelled, and the half-made container is gone', async () => {
    // The worker itself is slow (it holds `lock: create` meanwhile), and its lines reach the operation log as it prints them.
    env.h1.setDelay('vzcreate', 30)
    const res = await env.send('POST', '/lxc/instances', { image_id: IMAGE, hostname: 'op-cancel', ...AZ }, { prefer: 'respond-async' })
    expect(res.status).toBe(202)
    const running = await env.untilOp(res.body.id, (o) => o.progress.step?.startsWith('pct create'))
    const [id] = running.resources.instances
    env.track('az1', id)
    let live = ''
    for (let i = 0; i < 200 && !live.includes('extracting archive'); i++, await Bun.sleep(50)) live = JSON.stringify((await env.get(`/operations/${res.body.id}/log`)).body)
    expect(live).toContain('extracting archive')
    expect((await env.h1.exec(['grep', '-q', 'lock: create', `/etc/pve/nodes/pve-test1/lxc/${id}.conf`])).exitCode).toBe(0)

    const cancel = await env.send('DELETE', `/operations/${res.body.id}?wait=60`)
    expect(cancel.status).toBe(200)
    expect(cancel.body.status).toBe('cancelled')
    expect(cancel.body.error).toMatchObject({ code: 'OPERATION_CANCELLED', status_code: 409 })
    expect(await statusOnHost(env.h1, id)).toBe('missing')
    const log = JSON.stringify((await env.get(`/operations/${res.body.id}/log`)).body)
    console.log(`cancelled create's log: ${log}`)
    expect(log).toContain('cancel requested')
    // SIGTERM to pct: the worker dies with PVE's own message and removes what it made (facts §22.3, §22.9).
    expect(log).toContain(`unable to create CT ${id} - received interrupt`)
    expect(log).toContain(`undone: destroy CT ${id}`)
    // Cancelling again: it has ended.
    expect((await env.send('DELETE', `/operations/${res.body.id}`)).status).toBe(409)
  })

  test('Idempotency-Key: a retry during and after the first call creates nothing new; another body with the key → 422', async () => {
    env.h1.setDelay('pct', SLOW, 'create')
    const key = `idem-${Date.now()}`
    const body = { image_id: IMAGE, hostname: 'op-idem', ...AZ }
    const before = creates()
    const first = await env.send('POST', '/lxc/instances', body, { 'idempotency-key': key, prefer: 'respond-async' })
    expect(first.status).toBe(202)
    // During: a synchronous retry waits for the first call and answers its result.
    const during = await env.send('POST', '/lxc/instances', body, { 'idempotency-key': key })
    expect(during.status).toBe(200)
    expect(during.headers.get('lws-operation')).toBe(first.body.id)
    expect(during.headers.get('idempotent-replayed')).toBe('true')
    const [id] = ids(during.body)
    env.track('az1', id!)
    // After: the same answer again.
    const after = await env.send('POST', '/lxc/instances', body, { 'idempotency-key': key })
    expect(after.status).toBe(200)
    expect(after.body).toEqual(during.body)
    expect(after.headers.get('idempotent-replayed')).toBe('true')
    expect(creates() - before).toBe(1)

    const other = await env.send('POST', '/lxc/instances', { ...body, hostname: 'op-other' }, { 'idempotency-key': key })
    expect(other.status).toBe(422)
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED')
    expect(creates() - before).toBe(1)
  })

  test('client_token: the same rules from the body', async () => {
    env.h1.setDelay('pct', SLOW, 'create')
    const token = `tok-${Date.now()}`
    const body = { image_id: IMAGE, hostname: 'op-token', client_token: token, ...AZ }
    const before = creates()
    const [a, b] = await Promise.all([env.send('POST', '/lxc/instances', body), Bun.sleep(300).then(() => env.send('POST', '/lxc/instances', body))])
    expect(a.status).toBe(200)
    expect(b.status).toBe(200)
    env.track('az1', ...ids(a.body))
    expect(b.body).toEqual(a.body)
    expect(b.headers.get('lws-operation')).toBe(a.headers.get('lws-operation'))
    expect(b.headers.get('idempotent-replayed')).toBe('true')
    expect(creates() - before).toBe(1)

    const other = await env.send('POST', '/lxc/instances', { ...body, count: 2 })
    expect(other.status).toBe(422)
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED')
    for (const bad of ['', 'a b', 'x'.repeat(65), 'é']) {
      const res = await env.send('POST', '/lxc/instances', { ...body, client_token: bad })
      expect(res.status).toBe(400)
    }
    expect(creates() - before).toBe(1)
  })

  test('a caller that disconnects during a slow create: the container is still created and started, and /operations finds it', async () => {
    env.h1.setDelay('pct', SLOW, 'create')
    const server = Bun.serve(bunServeOptions(env.app, { hostname: '127.0.0.1', port: 0 }))
    try {
      const base = `http://127.0.0.1:${server.port}/api/v1`
      const ctl = new AbortController()
      const call = fetch(`${base}/lxc/instances`, {
        method: 'POST',
        headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ image_id: IMAGE, hostname: 'op-gone', ...AZ }),
        signal: ctl.signal,
      }).catch((e) => e)
      // The caller leaves while pct create runs.
      let op: any
      for (let i = 0; i < 100 && !op; i++) {
        const list = (await env.get('/operations?kind=lxc.create&status=running')).body.operations
        op = list.find((o: any) => o.progress.step?.startsWith('pct create') && o.resources.instances?.length)
        if (!op) await Bun.sleep(50)
      }
      expect(op).toBeDefined()
      const [id] = op.resources.instances
      env.track('az1', id)
      ctl.abort()
      expect(await call).toBeInstanceOf(Error)

      const end = (await env.get(`/operations/${op.id}/wait?timeout=60`)).body
      expect(end.status).toBe('succeeded')
      expect(ids(end.result)).toEqual([id])
      expect(await statusOnHost(env.h1, id)).toBe('running')
      const found = (await env.get(`/operations?instance_id=${id}`)).body.operations
      expect(found.map((o: any) => o.id)).toContain(op.id)
    } finally {
      server.stop(true)
    }
  })
})

describe('changes on existing containers', () => {
  let id: string

  beforeAll(async () => {
    const res = await env.post('/lxc/instances', { image_id: IMAGE, hostname: 'op-power', ...AZ })
    if (res.status !== 200) throw new Error(`create failed: ${JSON.stringify(res.body)}`)
    id = ids(res.body)[0]!
    env.track('az1', id)
  })

  test('stop and start: one host command each (was three: a status read before and after)', async () => {
    const stop = await env.send('POST', '/lxc/instances/stop', { instance_ids: [id], ...AZ })
    expect(stop.status).toBe(200)
    expect(stop.body.results[0]).toMatchObject({ instance_id: id, success: true, previous_status: 'running', current_status: 'stopped', message: 'stopped' })
    expect(stop.headers.get('lws-operation')).toMatch(UUID)
    const start = await env.send('POST', '/lxc/instances/start', { instance_ids: [id], ...AZ })
    expect(start.status).toBe(200)
    expect(start.body.results[0]).toMatchObject({ success: true, previous_status: 'stopped', current_status: 'running', message: 'started' })
    const stopCmds = env.commandsOf(stop.headers.get('x-request-id'))
    const startCmds = env.commandsOf(start.headers.get('x-request-id'))
    console.log(`host commands: stop ${stopCmds.length}, start ${startCmds.length}, stop+start ${stopCmds.length + startCmds.length}`)
    expect(stopCmds.map((a) => a.slice(0, 3))).toEqual([['pct', 'stop', id]])
    expect(startCmds.map((a) => a.slice(0, 3))).toEqual([['pct', 'start', id]])
    expect(await statusOnHost(env.h1, id)).toBe('running')

    // Nothing to do: answered from pct's own refusal (start: one command; stop: pct stop, then the status read that tells stopped from missing).
    const again = await env.send('POST', '/lxc/instances/start', { instance_ids: [id], ...AZ })
    expect(again.body.results[0]).toMatchObject({ success: true, previous_status: 'running', current_status: 'running', message: 'already running' })
    expect(env.commandsOf(again.headers.get('x-request-id'))).toHaveLength(1)

    const op = (await env.get(`/operations/${stop.headers.get('lws-operation')}`)).body
    expect(op).toMatchObject({ kind: 'lxc.stop', status: 'succeeded', resources: { instances: [id] }, result: stop.body })
  })

  test('two changes on one container at once (slow pct stop, then a start) run one after the other', async () => {
    env.h1.setDelay('pct', SLOW, 'stop')
    const stop = await env.send('POST', '/lxc/instances/stop', { instance_ids: [id], ...AZ }, { prefer: 'respond-async' })
    expect(stop.status).toBe(202)
    await env.untilOp(stop.body.id, (o) => o.status === 'running')
    const startP = env.send('POST', '/lxc/instances/start', { instance_ids: [id], ...AZ })
    // The start waits for the stop: pending, its place in the queue shown.
    let queued: any
    for (let i = 0; i < 100 && !queued; i++) {
      const list = (await env.get(`/operations?instance_id=${id}&kind=lxc.start&status=pending`)).body.operations
      queued = list[0]
      if (!queued) await Bun.sleep(25)
    }
    expect(queued?.progress.step).toContain('queued: position 1')
    const start = await startP
    expect(start.status).toBe(200)
    // It ran after the stop had ended: it found the container stopped.
    expect(start.body.results[0]).toMatchObject({ success: true, previous_status: 'stopped', current_status: 'running', message: 'started' })
    const stopped = (await env.get(`/operations/${stop.body.id}`)).body
    const started = (await env.get(`/operations/${start.headers.get('lws-operation')}`)).body
    expect(stopped.status).toBe('succeeded')
    expect(stopped.result.results[0]).toMatchObject({ previous_status: 'running', current_status: 'stopped' })
    expect(Date.parse(started.started_at)).toBeGreaterThanOrEqual(Date.parse(stopped.finished_at))
    expect(await statusOnHost(env.h1, id)).toBe('running')
  })

  test('exec, snapshots, scale, reboot and terminate answer as before and run as operations of their kind', async () => {
    const exec = await env.send('POST', `/lxc/instances/${id}/exec`, { command: 'echo hi', ...AZ })
    expect(exec.status).toBe(200)
    expect(exec.body).toMatchObject({ instance_id: id, output: 'hi\n', exit_code: 0 })
    const failed = await env.send('POST', `/lxc/instances/${id}/exec`, { command: 'exit 3', ...AZ })
    expect(failed.status).toBe(500)
    expect(failed.body).toMatchObject({ code: 'COMMAND_EXIT_NONZERO', return_code: 3, exit_code: 3 })
    expect(failed.headers.get('lws-operation')).toMatch(UUID)
    const snap = await env.send('POST', `/lxc/instances/${id}/snapshots`, { snapshot_name: 'op-snap', ...AZ })
    expect(snap.status).toBe(200)
    expect(snap.body.snapshot).toMatchObject({ name: 'op-snap' })
    const rollback = await env.send('POST', `/lxc/instances/${id}/snapshots/op-snap/rollback`, { start: true, ...AZ })
    expect(rollback.status).toBe(200)
    expect(rollback.body.status).toBe('running')
    expect(env.commandsOf(rollback.headers.get('x-request-id'))).toHaveLength(1)
    const del = await env.send('DELETE', `/lxc/instances/${id}/snapshots/op-snap?region=eu-south-1&az=az1`)
    expect(del.status).toBe(200)
    expect((await env.send('POST', `/lxc/instances/${id}/snapshots/current/rollback`, AZ)).status).toBe(400)
    const scale = await env.send('POST', '/lxc/instances/scale', { instance_ids: [id], memory: 300, ...AZ })
    expect(scale.status).toBe(200)
    expect(scale.body.results[0]).toMatchObject({ success: true, applied: { memory_mb: 300 } })
    // pct set, then the config and the status read back (no config read before: no resize to plan).
    expect(env.commandsOf(scale.headers.get('x-request-id')).map((a) => a.slice(0, 2).join(' ')).sort()).toEqual(['pct config', 'pct set', 'pvesh get'])
    const reboot = await env.send('POST', '/lxc/instances/reboot', { instance_ids: [id], ...AZ })
    expect(reboot.body.results[0]).toMatchObject({ success: true, previous_status: 'running', current_status: 'running', message: 'rebooted' })
    expect(env.commandsOf(reboot.headers.get('x-request-id')).map((a) => a.slice(0, 2))).toEqual([['pct', 'reboot']])
    const term = await env.send('POST', '/lxc/instances/terminate', { instance_ids: [id], ...AZ })
    expect(term.body.results[0]).toMatchObject({ success: true, previous_status: 'running', current_status: 'terminated', message: 'stopped and terminated' })
    // Refused while running, then destroyed with --force (no status read, no separate stop).
    expect(env.commandsOf(term.headers.get('x-request-id')).map((a) => a.slice(0, 3).join(' '))).toEqual([`pct destroy ${id}`, `pct destroy ${id}`])
    expect(await statusOnHost(env.h1, id)).toBe('missing')

    const kinds = (await env.get(`/operations?instance_id=${id}&limit=500`)).body.operations.map((o: any) => o.kind)
    for (const k of ['lxc.create', 'lxc.stop', 'lxc.start', 'lxc.exec', 'lxc.snapshot.create', 'lxc.snapshot.rollback', 'lxc.snapshot.delete', 'lxc.scale', 'lxc.reboot', 'lxc.terminate']) {
      expect(kinds).toContain(k)
    }
    const events = (await env.send('GET', '/events?types=instance&limit=500', undefined, { accept: 'application/json' })).body.events
    const states = events.filter((e: any) => e.data.instance_id === id).map((e: any) => e.data.action)
    expect(states).toEqual(['created', 'started', 'stopped', 'started', 'stopped', 'started', 'rolled_back', 'rebooted', 'terminated'])
  })

  test('exec: cancelling the operation kills the command', async () => {
    const made = await env.post('/lxc/instances', { image_id: IMAGE, hostname: 'op-exec', ...AZ })
    const [cid] = ids(made.body)
    env.track('az1', cid!)
    const res = await env.send('POST', `/lxc/instances/${cid}/exec`, { command: 'sleep 30', ...AZ }, { prefer: 'respond-async' })
    expect(res.status).toBe(202)
    expect(res.body.may_cancel).toBe(true)
    await env.untilOp(res.body.id, (o) => o.status === 'running')
    const sleeping = async () => (await env.h1.exec(['sh', '-c', 'ps -eo args | grep -c "^sleep 30$" || true'])).stdout.trim()
    for (let i = 0; i < 40 && (await sleeping()) !== '1'; i++) await Bun.sleep(50)
    expect(await sleeping()).toBe('1')
    const t0 = performance.now()
    const cancel = await env.send('DELETE', `/operations/${res.body.id}?wait=20`)
    expect(cancel.body.status).toBe('cancelled')
    expect(performance.now() - t0).toBeLessThan(10_000)
    for (let i = 0; i < 40 && (await sleeping()) !== '0'; i++) await Bun.sleep(50)
    expect(await sleeping()).toBe('0')
  })
})
