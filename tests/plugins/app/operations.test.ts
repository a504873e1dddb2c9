/**
 * The app change routes as operations: setup (synchronous answer unchanged
 * plus LWS-Operation; Prefer: respond-async with its steps as progress and
 * its output as the operation log; an SSE client that disconnects while the
 * installation runs; cancel stopping the running step in the container, with
 * and without a stream), and run and deploy answering with their operation.
 *
 * Docker is "missing" per container as in setup.test.ts (/dev/null over
 * /usr/bin/docker), and apt-get is a recording fake that takes its time.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bunServeOptions } from '../../../src/serve-bun.ts'
import { appEnv, inCt, parseSse, processesOnHost, rand, type AppEnv } from './support.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const Q = { region: 'eu-south-1', az: 'az1' }

// `apt-get update` takes 2 s; `install` "installs" docker by uncovering the real client.
const FAKE_SLOW = `#!/bin/sh
echo "apt-get $*" >> /root/apt-calls.log
case "$1" in
  update) echo "Hit:1 http://deb.invalid bookworm InRelease"; sleep 2; echo "Reading package lists... Done" ;;
  install) echo "Setting up docker.io (20.10.24+dfsg1) ..."; umount /usr/bin/docker ;;
esac
exit 0
`
// `apt-get update` hangs (until it is stopped).
const FAKE_HANG = `#!/bin/sh
echo "apt-get $*" >> /root/apt-calls.log
case "$1" in
  update) echo "Hit:1 http://deb.invalid bookworm InRelease"; exec sleep 61 ;;
esac
exit 0
`
const HIDE_DOCKER = 'lxc.mount.entry: /dev/null usr/bin/docker none bind 0 0'
const fakeApt = (name: string) => `lxc.mount.entry: /var/lib/pve-fixture/${name} usr/bin/apt-get none bind,ro 0 0`
const INSTALL_STEPS = ['update the package index', 'install docker and compose', 'enable and start the docker service', 'verify: docker version']

let env: AppEnv
let syncCt: string
let asyncCt: string
let sseCt: string
let cancelCt: string
let sseCancelCt: string

beforeAll(async () => {
  env = await appEnv()
  for (const [name, text] of [
    ['fake-apt-op-slow', FAKE_SLOW],
    ['fake-apt-op-hang', FAKE_HANG],
  ]) {
    const p = join(env.h1.stateDir, 'fixture', name!)
    writeFileSync(p, text!)
    chmodSync(p, 0o755)
  }
  // The features Docker needs are set already: the plan is the four steps in the container.
  const features = 'nesting=1,keyctl=1'
  ;[syncCt, asyncCt, sseCt, cancelCt, sseCancelCt] = await Promise.all([
    env.createCt(17601, { features, lxc: [HIDE_DOCKER, fakeApt('fake-apt-op-slow')] }),
    env.createCt(17602, { features, lxc: [HIDE_DOCKER, fakeApt('fake-apt-op-slow')] }),
    env.createCt(17603, { features, lxc: [HIDE_DOCKER, fakeApt('fake-apt-op-slow')] }),
    env.createCt(17604, { features, lxc: [HIDE_DOCKER, fakeApt('fake-apt-op-hang')] }),
    env.createCt(17605, { features, lxc: [HIDE_DOCKER, fakeApt('fake-apt-op-hang')] }),
  ])
})
afterAll(() => env.close())

const setupPath = (id: string) => `/lxc/instances/${id}/app/setup`
const op = async (id: string) => (await env.get(`/operations/${id}`)).body
const logOf = async (id: string): Promise<string[]> => (await env.get(`/operations/${id}/log`)).body.lines.map((l: any) => l.text)

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(50)
  }
}

describe('app setup as an operation', () => {
  test('synchronous: the same JSON answer as before plus LWS-Operation; the operation has its steps, result and log', async () => {
    const res = await env.app.json(`/api/v1${setupPath(syncCt)}`, { package_name: 'docker', ...Q })
    expect(res.status).toBe(200)
    const body = (await res.json()) as any
    expect(body).toMatchObject({ instance_id: syncCt, ...Q, status: 'installed', features_changed: false, restarted: false })
    expect(body.steps.map((s: any) => s.name)).toEqual(INSTALL_STEPS)
    const id = res.headers.get('lws-operation')!
    expect(id).toMatch(UUID)

    const o = await op(id)
    expect(o).toMatchObject({
      kind: 'app.setup',
      status: 'succeeded',
      ...Q,
      resources: { instances: [syncCt] },
      progress: { done: 4, total: 4, percent: 100 },
      may_cancel: true,
      result: body,
      error: null,
    })
    const log = await logOf(id)
    expect(log).toContain('$ DEBIAN_FRONTEND=noninteractive apt-get update')
    expect(log).toContain('Hit:1 http://deb.invalid bookworm InRelease')
    expect(log).toContain('Setting up docker.io (20.10.24+dfsg1) ...')
    // Every line of the answer's `output` is in the log, in order.
    expect(log.filter((l) => body.output.includes(l)).length).toBeGreaterThanOrEqual(body.output.trim().split('\n').length - 2)

    // Listed by container.
    const listed = (await env.get(`/operations?instance_id=${syncCt}&kind=app.setup`)).body.operations
    expect(listed.map((x: any) => x.id)).toContain(id)

    // Idempotent as before: nothing to do, still an operation.
    const again = await env.app.json(`/api/v1${setupPath(syncCt)}`, { ...Q })
    expect(again.status).toBe(200)
    expect(((await again.json()) as any).status).toBe('already_installed')
    expect(again.headers.get('lws-operation')).toMatch(UUID)
    expect(again.headers.get('lws-operation')).not.toBe(id)
  })

  test('Prefer: respond-async → 202 (with Accept: text/event-stream too); the steps show as progress, the output as log lines', async () => {
    const t0 = performance.now()
    const res = await env.app.json(`/api/v1${setupPath(asyncCt)}`, { ...Q }, { headers: { prefer: 'respond-async', accept: 'text/event-stream' } })
    expect(res.status).toBe(202)
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(performance.now() - t0).toBeLessThan(1500)
    const accepted = (await res.json()) as any
    expect(accepted).toMatchObject({ kind: 'app.setup', resources: { instances: [asyncCt] }, result: null })
    expect(res.headers.get('location')).toBe(`/api/v1/operations/${accepted.id}`)
    expect(res.headers.get('lws-operation')).toBe(accepted.id)

    // While apt-get update runs (2 s): step 1 of 4, its first line already in the log.
    const mid = await until('the update step to run', 10_000, async () => {
      const o = await op(accepted.id)
      return o.progress.step === 'update the package index' ? o : undefined
    })
    expect(mid).toMatchObject({ status: 'running', progress: { done: 0, total: 4, percent: 0 } })
    // Its command is logged as it starts (its output when it ends: each step runs as one command on the long share).
    expect(await logOf(accepted.id)).toContain('$ DEBIAN_FRONTEND=noninteractive apt-get update')

    const final = (await env.get(`/operations/${accepted.id}/wait?timeout=30`)).body
    expect(final.status).toBe('succeeded')
    expect(final.result).toMatchObject({ instance_id: asyncCt, status: 'installed' })
    expect(final.progress).toMatchObject({ done: 4, total: 4, percent: 100 })
    // Each step was a progress event (GET /events keeps them).
    const events = (await env.get('/events?types=operation&after=0&limit=1000', { accept: 'application/json' })).body.events
    const progress = events
      .filter((e: any) => e.data.operation.id === accepted.id && e.data.action === 'progress')
      .map((e: any) => [e.data.operation.progress.done, e.data.operation.progress.step])
    for (const [i, step] of INSTALL_STEPS.entries()) expect(progress).toContainEqual([i, step])

    const log = await logOf(accepted.id)
    const commands = log.filter((l) => l.startsWith('$ '))
    expect(commands.length).toBe(4)
    expect(log.indexOf('Hit:1 http://deb.invalid bookworm InRelease')).toBeLessThan(log.indexOf('Setting up docker.io (20.10.24+dfsg1) ...'))
    expect(log).toContain('Reading package lists... Done')
  })

  test('an SSE client that disconnects mid-installation: its stream ends, the installation runs on and succeeds', async () => {
    const server = Bun.serve(bunServeOptions(env.app, { hostname: '127.0.0.1', port: 0 }))
    let opId = ''
    try {
      const ctl = new AbortController()
      const res = await fetch(`http://127.0.0.1:${server.port}/api/v1${setupPath(sseCt)}`, {
        method: 'POST',
        headers: { 'x-api-key': 'test-key-0123456789', 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ package_name: 'docker', ...Q }),
        signal: ctl.signal,
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      opId = res.headers.get('lws-operation')!
      expect(opId).toMatch(UUID)
      // Read until the update step has begun and printed its first line, then leave.
      const reader = res.body!.getReader()
      const decoder = new TextDecoder()
      let text = ''
      const events = () => parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2))
      while (!events().some((e) => e.event === 'log' && e.data.includes('Hit:1'))) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`stream ended early: ${text}`)
        text += decoder.decode(value, { stream: true })
      }
      const steps = events().filter((e) => e.event === 'step').map((e) => JSON.parse(e.data).name)
      expect(steps).toEqual(['update the package index'])
      expect((await op(opId)).status).toBe('running')
      ctl.abort()
    } finally {
      server.stop(true)
    }
    const t0 = performance.now()
    const done = (await env.get(`/operations/${opId}/wait?timeout=60`)).body
    console.log(`setup after the SSE client left: ended ${Math.round(performance.now() - t0)} ms later (${done.status})`)
    expect(done.status).toBe('succeeded')
    expect(done.result).toMatchObject({ instance_id: sseCt, status: 'installed' })
    expect(done.result.steps.map((s: any) => s.name)).toEqual(INSTALL_STEPS)
    // Every step ran in the container, after the client had gone.
    expect((await inCt(env.h1, sseCt, 'cat /root/apt-calls.log')).stdout).toBe('apt-get update\napt-get install -y docker.io docker-compose\n')
    expect((await inCt(env.h1, sseCt, 'docker version --format "{{.Client.Version}}"')).exitCode).toBe(0)
    expect(await logOf(opId)).toContain('Setting up docker.io (20.10.24+dfsg1) ...')
  })

  test('cancel while a step runs: the step is stopped in the container, no later step starts, cancelled', async () => {
    // A synchronous caller too: it gets 409 OPERATION_CANCELLED with the operation named.
    const sync = env.app.json(`/api/v1${setupPath(cancelCt)}`, { ...Q })
    const hanging = () => processesOnHost(env.h1, 'sleep 61')
    await until('apt-get update to hang in the container', 15_000, async () => (await hanging()).length > 0)
    const listed = (await env.get(`/operations?instance_id=${cancelCt}&status=running`)).body.operations
    expect(listed.length).toBe(1)
    const id = listed[0].id
    expect(listed[0].progress.step).toBe('update the package index')

    const t0 = performance.now()
    const del = await env.app.request(`/api/v1/operations/${id}`, { method: 'DELETE' })
    const took = performance.now() - t0
    expect(del.status).toBe(200)
    const cancelled = (await del.json()) as any
    expect(cancelled).toMatchObject({ status: 'cancelled', error: { code: 'OPERATION_CANCELLED', status_code: 409 } })
    expect(took).toBeLessThan(5000)
    console.log(`setup cancelled in ${Math.round(took)} ms`)

    const answer = await sync
    expect(answer.status).toBe(409)
    expect(answer.headers.get('lws-operation')).toBe(id)
    expect(((await answer.json()) as any).code).toBe('OPERATION_CANCELLED')

    await until('the hanging step to be gone from the host', 5000, async () => (await hanging()).length === 0)
    // Only the update ran; install never started.
    expect((await inCt(env.h1, cancelCt, 'cat /root/apt-calls.log')).stdout).toBe('apt-get update\n')
    expect(await logOf(id)).toContain('cancel requested')
    // The container is free again for the next change.
    const next = await env.post(setupPath(cancelCt), { ...Q, dry_run: true })
    expect(next.status).toBe(200)
    expect(next.body.status).toBe('planned')
  })
  test('cancel while the SSE stream follows a step: the streamed command is stopped, the stream ends with an error event', async () => {
    const res = await env.app.json(`/api/v1${setupPath(sseCancelCt)}`, { ...Q }, { headers: { accept: 'text/event-stream' } })
    expect(res.status).toBe(200)
    const id = res.headers.get('lws-operation')!
    const hanging = async () => (await processesOnHost(env.h1, 'sleep 61')).length
    await until('apt-get update to hang in the container', 15_000, async () => (await op(id)).progress.step === 'update the package index' && (await hanging()) > 0)
    const del = await env.app.request(`/api/v1/operations/${id}`, { method: 'DELETE' })
    expect(del.status).toBe(200)
    const events = parseSse(await res.text())
    expect(events.filter((e) => e.event === 'step').map((e) => JSON.parse(e.data).name)).toEqual(['update the package index'])
    expect(events.some((e) => e.event === 'log' && e.data.includes('Hit:1'))).toBe(true)
    const last = events.at(-1)!
    expect(last.event).toBe('error')
    expect(JSON.parse(last.data)).toMatchObject({ status_code: 409, code: 'OPERATION_CANCELLED' })
    await until('the streamed step to be gone from the host', 5000, async () => (await hanging()) === 0)
    expect((await inCt(env.h1, sseCancelCt, 'cat /root/apt-calls.log')).stdout).toBe('apt-get update\n')
  })
})

// On the container the first test installed Docker in.
describe('app run and deploy as operations', () => {
  test('run: the same answer plus LWS-Operation; app.run with docker’s output in its log', async () => {
    const res = await env.app.json(`/api/v1/lxc/instances/${syncCt}/app/run`, { docker_command: ['--rm', 'busybox', 'echo', 'hello-op'], ...Q })
    expect(res.status).toBe(200)
    const body = (await res.json()) as any
    expect(body).toMatchObject({ instance_id: syncCt, output: 'hello-op\n', exit_code: 0 })
    const o = await op(res.headers.get('lws-operation')!)
    expect(o).toMatchObject({ kind: 'app.run', status: 'succeeded', resources: { instances: [syncCt] }, result: body })
    const log = await logOf(o.id)
    expect(log).toContain('hello-op')
    // The arguments are not logged.
    expect(log.join('\n')).not.toContain('busybox')

    const failed = await env.app.json(`/api/v1/lxc/instances/${syncCt}/app/run`, { docker_command: ['--rm', 'busybox', 'sh', '-c', 'exit 3'], ...Q })
    expect(failed.status).toBe(500)
    expect(((await failed.json()) as any).code).toBe('COMMAND_EXIT_NONZERO')
    expect((await op(failed.headers.get('lws-operation')!)).error).toMatchObject({ code: 'COMMAND_EXIT_NONZERO', status_code: 500, exit_code: 3 })
  })

  test('deploy: Prefer: respond-async → 202; its steps as progress; wait → the synchronous body; remove synchronously', async () => {
    const project = `op-${rand()}`
    env.trackProject(project)
    const compose = `services:\n  idle:\n    image: busybox\n    init: true\n    command: ["sleep", "3600"]\n`
    const res = await env.app.json(`/api/v1/lxc/instances/${syncCt}/app/deploy`, { action: 'install', compose, project, ...Q }, { headers: { prefer: 'respond-async' } })
    expect(res.status).toBe(202)
    const accepted = (await res.json()) as any
    expect(accepted).toMatchObject({ kind: 'app.deploy', resources: { instances: [syncCt] } })
    const done = (await env.get(`/operations/${accepted.id}/wait?timeout=60`)).body
    expect(done.status).toBe('succeeded')
    expect(done.result).toMatchObject({ instance_id: syncCt, action: 'install', project, services: ['idle'] })
    expect(done.progress).toMatchObject({ done: 2, total: 2 })
    const log = await logOf(accepted.id)
    expect(log).toContain(`write /opt/lws/apps/${project}/compose.yaml`)
    expect(log).toContain(`compose install (project ${project})`)

    // A bad body is refused before any operation.
    const bad = await env.app.json(`/api/v1/lxc/instances/${syncCt}/app/deploy`, { action: 'install', ...Q })
    expect(bad.status).toBe(400)
    expect(bad.headers.get('lws-operation')).toBeNull()

    const removed = await env.app.json(`/api/v1/lxc/instances/${syncCt}/app/deploy`, { action: 'remove', project, ...Q })
    expect(removed.status).toBe(200)
    expect(((await removed.json()) as any).action).toBe('remove')
    expect((await op(removed.headers.get('lws-operation')!)).status).toBe('succeeded')
  })
})
