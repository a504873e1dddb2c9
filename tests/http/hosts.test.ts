/**
 * The core's error mapping for SSH-backed requests, over HTTP, against the
 * two Proxmox test hosts plus one configured AZ where nothing listens.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import type { TestHost } from '../pvehost/host.ts'
import { sharedHosts } from '../support/hosts.ts'
import { errorBody, KEY, startApp } from './harness.ts'

let s: Awaited<ReturnType<typeof startApp>>
let h1: TestHost
let h2: TestHost

beforeAll(async () => {
  ;[h1, h2] = await sharedHosts()
  s = await startApp(`
api_key: ${KEY}
regions:
  eu-south-1:
    availability_zones:
      az1: { host: ${h1.ip}, ssh_port: ${h1.port}, user: root, ssh_key_file: ${h1.keyFile}, ssh_host_fingerprint: "${h1.fingerprint}" }
      dead: { host: 127.0.0.9, ssh_port: 2299, user: root, ssh_password: nope-secret }
  eu-central-1:
    availability_zones:
      az2: { host: ${h2.ip}, ssh_port: ${h2.port}, user: root, ssh_password: "${h2.password}" }
      pinned-wrong: { host: ${h2.ip}, ssh_port: ${h2.port}, user: root, ssh_password: "${h2.password}", ssh_host_fingerprint: "SHA256:${'B'.repeat(43)}" }
`)
})

describe('SSH-backed requests over HTTP', () => {
  test('each AZ reaches its own host (key and password auth)', async () => {
    const a = await s.json('/api/v1/probe/run', { argv: ['hostname'], region: 'eu-south-1', az: 'az1' })
    expect(await a.json()).toEqual({ output: `${h1.name}\n`, az: 'eu-south-1/az1' })
    const b = await s.json('/api/v1/probe/run', { argv: ['hostname'], az: 'az2' })
    expect(await b.json()).toEqual({ output: `${h2.name}\n`, az: 'eu-central-1/az2' })
    // No region/az: default_region/default_az fall back to the first configured.
    const c = await s.json('/api/v1/probe/run', { argv: ['hostname'] })
    expect(((await c.json()) as { az: string }).az).toBe('eu-south-1/az1')
  })

  test('a failed command → 500 with its stderr and exit code', async () => {
    const res = await s.json('/api/v1/probe/run', { argv: ['pct', 'status', '99999'], az: 'az1' })
    expect(res.status).toBe(500)
    const body = await errorBody(res)
    expect(body.details).toContain("Configuration file 'nodes/pve-test1/lxc/99999.conf' does not exist")
    expect(body.return_code).not.toBe(0)
    expect(body.code).toBe('HOST_COMMAND_FAILED')
  })

  test('unreachable host → 502 fast; wrong host key → 502; no secret in the answer', async () => {
    const t0 = performance.now()
    const dead = await s.json('/api/v1/probe/run', { argv: ['true'], az: 'dead' })
    expect(dead.status).toBe(502)
    expect(performance.now() - t0).toBeLessThan(2000)
    const deadBody = await errorBody(dead)
    expect(deadBody.code).toBe('HOST_UNREACHABLE')
    const wrong = await s.json('/api/v1/probe/run', { argv: ['true'], az: 'pinned-wrong' })
    expect(wrong.status).toBe(502)
    const body = await errorBody(wrong)
    expect(body.code).toBe('HOST_KEY_MISMATCH')
    expect(body.details).toContain('ssh_host_fingerprint')
    const all = JSON.stringify([deadBody, body, s.log.lines])
    expect(all).not.toContain('nope-secret')
    expect(all).not.toContain(h2.password!)
  })

  test('a command that outlives its timeout → 504 and is killed on the host', async () => {
    const secs = `988.${Date.now() % 100000}`
    const res = await s.json('/api/v1/probe/run', { argv: ['sleep', secs], timeout_ms: 300, az: 'az2' })
    expect(res.status).toBe(504)
    expect(await errorBody(res)).toMatchObject({ code: 'HOST_TIMEOUT', details: 'eu-central-1/az2: no answer within 300 ms; the command was stopped' })
    await Bun.sleep(300)
    expect((await h2.exec(['sh', '-c', `pgrep -f '^sleep ${secs}' || true`])).stdout.trim()).toBe('')
  })

  test('hostile argv is passed as data, never interpreted by the host shell', async () => {
    const before = await h1.recorded()
    const hostile = `$(touch /tmp/lws-http-pwned); \`reboot\` ' " | & ; \n`
    const res = await s.json('/api/v1/probe/run', { argv: ['printf', '%s', hostile], az: 'az1' })
    expect(((await res.json()) as { output: string }).output).toBe(hostile)
    expect((await h1.exec(['ls', '/tmp/lws-http-pwned'])).exitCode).not.toBe(0)
    expect(await h1.recorded()).toEqual(before)
  })
})
