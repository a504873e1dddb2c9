/**
 * The px change routes as operations: template download (slow `pveam
 * download` on the test host: progress while it runs, wait, cancel that
 * stops pveam on the host) and host reboot (recorded by the test host, not
 * cancellable).
 *
 * The cancel test needs the Proxmox layer to pass an explicit call signal to
 * worker tasks (src/proxmox/run.ts `options()`: `task` as well as `exec`).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { TestHost } from '../../pvehost/host.ts'
import { onHost, pxFixture, type PxFixture } from './setup.ts'

const CACHE = '/var/lib/vz/template/cache'
// In the fixture's `pveam available` index, not shipped as files (templates.test.ts downloads others).
const MAILGW = 'proxmox-mail-gateway-8.1-standard_8.1-1_amd64.tar.zst'
const WORDPRESS = 'debian-12-turnkey-wordpress_18.1-1_amd64.tar.gz'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

let f: PxFixture
let offered: string[] = []

beforeAll(async () => {
  f = await pxFixture()
  offered = (await onHost(f.h1, ['pveam', 'available']))
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[1]!)
})

afterAll(async () => {
  for (const h of [f.h1, f.h2]) {
    h.clearDelays()
    await h.exec(['rm', '-rf', `${CACHE}/${MAILGW}`, `${CACHE}/${WORDPRESS}`])
    await h.exec(['sh', '-c', ': > /var/lib/pve-fixture/recorded.log'])
  }
  await f.close()
})

const api = async (path: string, init: RequestInit = {}) => {
  const res = await f.s.request(`/api/v1${path}`, init)
  return { res, body: (await res.json()) as any }
}
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  f.s.json(`/api/v1${path}`, body, { headers }).then(async (res) => ({ res, body: (await res.json()) as any }))

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(50)
  }
}

/** `pveam download` processes in the host (the delay's sleep runs as the stand-in's shell). */
async function downloads(h: TestHost, template: string): Promise<string[]> {
  const r = await h.exec(['ps', '-eo', 'pid=,args='])
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes(`pveam download local ${template}`) && !l.includes('ps -eo'))
}

const fileOn = async (h: TestHost, name: string) => (await h.exec(['test', '-e', `${CACHE}/${name}`])).exitCode === 0

describe('POST /px/templates/download as an operation', () => {
  test('the fixture offers the templates these tests download', () => {
    expect(offered).toContain(MAILGW)
    expect(offered).toContain(WORDPRESS)
  })

  test('slow pveam download, Prefer: respond-async → 202; progress while it runs; wait → succeeded with the synchronous body', async () => {
    f.h2.setDelay('pveam', 3, 'download')
    try {
      const t0 = performance.now()
      const { res, body: op } = await post('/px/templates/download', { region: 'eu-central-1', az: 'az2', storage: 'local', template: MAILGW }, { prefer: 'respond-async' })
      expect(res.status).toBe(202)
      // Answered at once, not after the 3 s download.
      expect(performance.now() - t0).toBeLessThan(2500)
      expect(op.id).toMatch(UUID)
      expect(res.headers.get('location')).toBe(`/api/v1/operations/${op.id}`)
      expect(res.headers.get('lws-operation')).toBe(op.id)
      expect(op).toMatchObject({
        kind: 'px.template.download',
        region: 'eu-central-1',
        az: 'az2',
        resources: { storages: ['local'], templates: [MAILGW] },
        may_cancel: true,
        result: null,
      })
      expect(['pending', 'running']).toContain(op.status)

      const mid = await until('the download to show as running', 5000, async () => {
        const { body } = await api(`/operations/${op.id}`)
        return body.status === 'running' && body.progress.step?.startsWith('pveam download') ? body : undefined
      })
      expect(mid.progress).toMatchObject({ done: 0, total: 2, step: `pveam download local ${MAILGW}`, percent: 0 })
      expect(await downloads(f.h2, MAILGW)).not.toEqual([])

      const { body: done } = await api(`/operations/${op.id}/wait?timeout=30`)
      expect(done.status).toBe('succeeded')
      expect(done.progress).toMatchObject({ done: 2, total: 2, percent: 100 })
      const size = Number(await onHost(f.h2, ['stat', '-c', '%s', `${CACHE}/${MAILGW}`]))
      expect(done.result).toMatchObject({
        region: 'eu-central-1',
        az: 'az2',
        node: f.h2.name,
        storage: 'local',
        template: MAILGW,
        image_id: `local:vztmpl/${MAILGW}`,
        size_bytes: size,
        already_present: false,
      })
      expect(Date.parse(done.finished_at) - Date.parse(done.started_at)).toBeGreaterThanOrEqual(2900)
      // pveam's output is the operation's log.
      const { body: log } = await api(`/operations/${op.id}/log`)
      expect(log.lines.map((l: any) => l.text).join('\n')).toContain('finished')
    } finally {
      f.h2.clearDelays()
    }
  })

  test('synchronous by default: the same body as before plus LWS-Operation; the operation holds it', async () => {
    const { res, body } = await post('/px/templates/download', { region: 'eu-central-1', az: 'az2', storage: 'local', template: MAILGW })
    expect(res.status).toBe(200)
    expect(body).toMatchObject({ image_id: `local:vztmpl/${MAILGW}`, already_present: true })
    const id = res.headers.get('lws-operation')!
    expect(id).toMatch(UUID)
    const { body: op } = await api(`/operations/${id}`)
    expect(op).toMatchObject({ kind: 'px.template.download', status: 'succeeded', result: body })
  })

  test('refusals come before any operation: no LWS-Operation on a 404/400', async () => {
    const missing = await post('/px/templates/download', { az: 'az1', storage: 'nosuch', template: WORDPRESS })
    expect(missing.res.status).toBe(404)
    expect(missing.res.headers.get('lws-operation')).toBeNull()
    const wrong = await post('/px/templates/download', { az: 'az1', storage: 'local-lvm', template: WORDPRESS })
    expect(wrong.res.status).toBe(400)
    expect(wrong.res.headers.get('lws-operation')).toBeNull()
  })

  test('cancel during a slow download: pveam stopped on the host, nothing downloaded, status cancelled', async () => {
    f.h1.setDelay('pveam', 20, 'download')
    try {
      // A synchronous caller as well: it learns of the cancel as 409 OPERATION_CANCELLED.
      const sync = post('/px/templates/download', { region: 'eu-south-1', az: 'az1', storage: 'local', template: WORDPRESS })
      await until('pveam download to run on the host', 5000, async () => (await downloads(f.h1, WORDPRESS)).length > 0)
      const { body: list } = await api('/operations?kind=px.template.download&status=running')
      const op = list.operations.find((o: any) => o.resources.templates?.[0] === WORDPRESS)
      expect(op).toBeDefined()

      const t0 = performance.now()
      const { res, body: cancelled } = await api(`/operations/${op.id}`, { method: 'DELETE' })
      const took = performance.now() - t0
      expect(res.status).toBe(200)
      expect(cancelled.status).toBe('cancelled')
      expect(cancelled.error).toMatchObject({ code: 'OPERATION_CANCELLED', status_code: 409 })
      // Stopped, not waited out (the delay alone is 20 s).
      expect(took).toBeLessThan(5000)
      console.log(`template download cancelled in ${Math.round(took)} ms`)

      const answer = await sync
      expect(answer.res.status).toBe(409)
      expect(answer.body.code).toBe('OPERATION_CANCELLED')
      expect(answer.res.headers.get('lws-operation')).toBe(op.id)

      await until('pveam to be gone from the host', 5000, async () => (await downloads(f.h1, WORDPRESS)).length === 0)
      expect(await fileOn(f.h1, WORDPRESS)).toBe(false)
      const { body: log } = await api(`/operations/${op.id}/log`)
      expect(log.lines.map((l: any) => l.text)).toContain('cancel requested')
    } finally {
      f.h1.clearDelays()
    }
  })
})

describe('POST /px/reboot as an operation', () => {
  const reboots = async (h: TestHost) => (await h.recorded()).filter((l) => /^\d+ reboot$/.test(l)).length

  test('synchronous: the same answer plus LWS-Operation; the operation is px.reboot, not cancellable', async () => {
    const before = await reboots(f.h1)
    const { res, body } = await post('/px/reboot', { region: 'eu-south-1', az: 'az1', confirm: true })
    expect(res.status).toBe(200)
    expect(body).toMatchObject({ region: 'eu-south-1', az: 'az1', node: f.h1.name, rebooting: true })
    const id = res.headers.get('lws-operation')!
    expect(id).toMatch(UUID)
    expect(await reboots(f.h1)).toBe(before + 1)

    const { body: op } = await api(`/operations/${id}`)
    expect(op).toMatchObject({ kind: 'px.reboot', status: 'succeeded', may_cancel: false, region: 'eu-south-1', az: 'az1', resources: { nodes: [f.h1.name] }, result: body })
    // The audit line names the operation.
    expect(f.s.log.lines.find((l) => l.msg === 'audit: host reboot' && l.operation_id === id)).toBeDefined()
    // Ended: nothing to cancel.
    const del = await api(`/operations/${id}`, { method: 'DELETE' })
    expect(del.res.status).toBe(409)
    expect(del.body.code).toBe('OPERATION_FINISHED')
  })

  test('Prefer: respond-async → 202 with the operation; wait → succeeded; the host recorded one reboot', async () => {
    const before = await reboots(f.h2)
    const { res, body: op } = await post('/px/reboot', { region: 'eu-central-1', az: 'az2', confirm: true }, { prefer: 'respond-async' })
    expect(res.status).toBe(202)
    expect(op).toMatchObject({ kind: 'px.reboot', may_cancel: false })
    const { body: done } = await api(`/operations/${op.id}/wait?timeout=30`)
    expect(done).toMatchObject({ status: 'succeeded', result: { node: f.h2.name, rebooting: true } })
    expect(await reboots(f.h2)).toBe(before + 1)
    const { body: log } = await api(`/operations/${op.id}/log`)
    expect(log.lines.map((l: any) => l.text).join('\n')).toContain(`reboot of ${f.h2.name}`)
  })

  test('without confirm: 400, no operation', async () => {
    const { res } = await post('/px/reboot', { region: 'eu-south-1', az: 'az1' })
    expect(res.status).toBe(400)
    expect(res.headers.get('lws-operation')).toBeNull()
  })
})
