/**
 * The error vocabulary over HTTP: every failure answers with a stable `code`
 * from src/errors/catalogue.ts, the same code for the same fault on every
 * route. AZs: the two Proxmox test hosts, a wrong password, a wrong pinned
 * host key, a closed port, a TCP listener that never speaks SSH, and a local
 * AZ on this machine, which has no Proxmox VE tools.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { ERROR_CODES } from '../../src/errors/catalogue.ts'
import { missingProxmoxTools } from '../../src/proxmox/tools.ts'
import type { TestHost } from '../pvehost/host.ts'
import { sharedHosts } from '../support/hosts.ts'
import { apiCaller, containerTracker, regionsYaml } from '../support/plugin-env.ts'
import { KEY, startApp } from './harness.ts'

const ROOT = join(import.meta.dir, '../..')
const IMAGE = 'local:vztmpl/ubuntu-22.04.tar.gz'

// ------------------------------------------------------------------ the catalogue is complete

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p))
    else if (/\.ts$/.test(name) && !/\.test\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p)
  }
  return out
}

const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/

/** UPPER_SNAKE strings that are not LWS error codes: markers and env names, Elysia's own error codes, errno names. */
const NOT_CODES = [/^LWS_/, /^(INVALID_COOKIE_SIGNATURE|INVALID_FILE_TYPE|INTERNAL_SERVER_ERROR)$/, /^E[A-Z]+$|^EAI_[A-Z]+$/]

/**
 * The strings of a source file that are (or look like) error codes: every
 * quoted UPPER_SNAKE literal with an underscore (HOST_KEY_MISMATCH, wherever
 * it stands, also inside docs text between backticks), and one-word literals
 * where a code goes: `code: 'X'`, `code = 'X'`, `codeOf(e) === 'X'`, or the
 * last argument of `new …Error(…, 'X')`. One-word codes elsewhere are left
 * to the compiler: LwsError takes an `ErrorCode`, not a string.
 */
function codesUsedIn(file: string): Array<{ code: string; where: string }> {
  const found: Array<{ code: string; where: string }> = []
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const where = `${file.slice(ROOT.length + 1)}:${i + 1}`
      const add = (code: string) => {
        if (UPPER_SNAKE.test(code) && !NOT_CODES.some((re) => re.test(code))) found.push({ code, where })
      }
      for (const m of line.matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g)) add(m[1]!)
      for (const m of line.matchAll(/\bcode(?:Of\([^)]*\))?\??(?:\s*:\s*\w+)?\s*(?:===|!==|=|:|\?\?)\s*['"]([A-Z][A-Z0-9_]*)['"]/gi)) add(m[1]!)
      for (const m of line.matchAll(/Error\(.*,\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\)/g)) add(m[1]!)
    })
  return found
}

describe('the error catalogue', () => {
  test('every code used in src/ and plugins/ is listed in ERROR_CODES', () => {
    const used = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'plugins'))].flatMap(codesUsedIn)
    const distinct = new Set(used.map((u) => u.code))
    // The scan must see the codes the Proxmox, exec and zone layers use, or it proves nothing.
    for (const code of ['INSTANCE_LOCKED', 'HOST_KEY_MISMATCH', 'ZONE_NOT_FOUND', 'COMMAND_EXIT_NONZERO', 'VALIDATION_FAILED']) {
      expect(distinct.has(code), code).toBe(true)
    }
    for (const code of ['CONFLICT', 'BAD_REQUEST']) expect(distinct.has(code), code).toBe(true)
    expect(distinct.size).toBeGreaterThan(30)
    const unknown = used.filter((u) => !ERROR_CODES.includes(u.code))
    expect(unknown).toEqual([])
  })

  test('codes are unique UPPER_SNAKE names', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length)
    for (const c of ERROR_CODES) expect(c).toMatch(UPPER_SNAKE)
  })
})

// ------------------------------------------------------------------ over HTTP

type App = Awaited<ReturnType<typeof startApp>>

let app: App
let h1: TestHost
let h2: TestHost
let silent: { port: number; stop(): Promise<void> }
let call: ReturnType<typeof apiCaller>
const tracker = containerTracker()
let id: string

async function silentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((sock) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
    sock.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    async stop() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

beforeAll(async () => {
  ;[h1, h2] = (await sharedHosts()) as [TestHost, TestHost]
  silent = await silentServer()
  app = await startApp(`
api_key: ${KEY}
start_vmid: 19400
default_storage: local-lvm
${regionsYaml(h1, h2, {
  south: [
    '      here: { host: localhost, local: true }',
    '      dead: { host: 127.0.0.9, ssh_port: 2299, user: root, ssh_password: nope-secret }',
    `      silent: { host: 127.0.0.1, ssh_port: ${silent.port}, user: root, ssh_password: nope-secret }`,
  ].join('\n'),
  central: [
    `      wrong-pw: { host: ${h2.ip}, ssh_port: ${h2.port}, user: root, ssh_password: not-the-password }`,
    `      wrong-key: { host: ${h2.ip}, ssh_port: ${h2.port}, user: root, ssh_password: "${h2.password}", ssh_host_fingerprint: "SHA256:${'C'.repeat(43)}" }`,
  ].join('\n'),
})}
instance_sizes:
  small: { memory: 256, cpulimit: 1, storage: "local-lvm:1" }
`)
  call = apiCaller(app)
  const made = await call('POST', '/lxc/instances', { image_id: IMAGE, hostname: 'codes', az: 'az1' })
  if (made.status !== 200) throw new Error(`create failed: ${JSON.stringify(made.body)}`)
  id = made.body.instances[0].instance_id
  tracker.track(h1, id)
})

afterAll(async () => {
  await tracker.cleanup()
  await app?.zones.closeAll()
  await silent?.stop()
})

const expectCode = (r: { status: number; body: any }, status: number, code: string) => {
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code })
  expect(Object.keys(r.body)).toEqual(expect.arrayContaining(['error', 'details', 'return_code', 'code']))
}

describe('request errors', () => {
  test('no key → 401 UNAUTHORIZED; bad field → 400 VALIDATION_FAILED; body too large → 413 PAYLOAD_TOO_LARGE', async () => {
    const anon = await app.request('/api/v1/lxc/instances?az=az1', { key: 'wrong-key-0123', address: '10.9.8.1' })
    expectCode({ status: anon.status, body: await anon.json() }, 401, 'UNAUTHORIZED')
    expectCode(await call('POST', '/lxc/instances/start', { instance_ids: ['12'] }), 400, 'VALIDATION_FAILED')
    expectCode(await call('POST', `/lxc/instances/${id}/exec`, { command: 'true', az: 'az1', timeout: 0 }), 400, 'VALIDATION_FAILED')
    expectCode(await call('POST', '/lxc/instances/start', { instance_ids: [id], az: 'az1', instanceids: [id] }), 400, 'UNKNOWN_FIELD')
    const big = await app.json('/api/v1/lxc/instances/start', { instance_ids: ['100'], pad: 'x'.repeat(1024 * 1024 + 10) })
    expect(big.status).toBe(413)
    expect(((await big.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE')
  })

  test('unknown region or AZ → 404 ZONE_NOT_FOUND on every route', async () => {
    expectCode(await call('GET', '/lxc/instances?region=mars-1'), 404, 'ZONE_NOT_FOUND')
    expectCode(await call('GET', '/px/status?az=az9'), 404, 'ZONE_NOT_FOUND')
    expectCode(await call('POST', '/lxc/instances/start', { instance_ids: [id], region: 'eu-central-1', az: 'az1' }), 404, 'ZONE_NOT_FOUND')
  })

  test('too many wrong keys from one address → 429 with Retry-After', async () => {
    let last: Response | undefined
    for (let i = 0; i < 25; i++) last = await app.request('/api/v1/lxc/instances?az=az1', { key: 'wrong-key-0123', address: '10.9.8.7' })
    expect(last!.status).toBe(429)
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(((await last!.json()) as { code: string }).code).toMatch(/^(AUTH_)?RATE_LIMITED$/)
  })
})

describe('what Proxmox said, as codes', () => {
  test('unknown container → 404 INSTANCE_NOT_FOUND (describe, exec, power, snapshots)', async () => {
    expectCode(await call('GET', '/lxc/instances/19999?az=az1'), 404, 'INSTANCE_NOT_FOUND')
    expectCode(await call('POST', '/lxc/instances/19999/exec', { command: 'true', az: 'az1' }), 404, 'INSTANCE_NOT_FOUND')
    expectCode(await call('POST', '/lxc/instances/stop', { instance_ids: ['19999'], az: 'az1' }), 404, 'INSTANCE_NOT_FOUND')
    expectCode(await call('GET', '/lxc/instances/19999/snapshots?az=az1'), 404, 'INSTANCE_NOT_FOUND')
  })

  test('snapshot taken twice → 409 SNAPSHOT_EXISTS; unknown snapshot → 404 SNAPSHOT_NOT_FOUND', async () => {
    expect((await call('POST', `/lxc/instances/${id}/snapshots`, { snapshot_name: 'codes1', az: 'az1' })).status).toBe(200)
    expectCode(await call('POST', `/lxc/instances/${id}/snapshots`, { snapshot_name: 'codes1', az: 'az1' }), 409, 'SNAPSHOT_EXISTS')
    expectCode(await call('DELETE', `/lxc/instances/${id}/snapshots/nope-snap?az=az1`), 404, 'SNAPSHOT_NOT_FOUND')
    expectCode(await call('POST', `/lxc/instances/${id}/snapshots/nope-snap/rollback`, { az: 'az1' }), 404, 'SNAPSHOT_NOT_FOUND')
  })

  test('a non-zero exit → 500 COMMAND_EXIT_NONZERO with the streams; a command that outlives its timeout → 504 HOST_TIMEOUT', async () => {
    const r = await call('POST', `/lxc/instances/${id}/exec`, { command: 'echo out; echo err >&2; exit 3', az: 'az1' })
    expect(r.status).toBe(500)
    expect(r.body).toMatchObject({
      error: 'Command exited with status 3',
      code: 'COMMAND_EXIT_NONZERO',
      return_code: 3,
      exit_code: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      truncated: false,
      instance_id: id,
    })
    const slow = await call('POST', `/lxc/instances/${id}/exec`, { command: 'sleep 20', timeout: 1, az: 'az1' })
    expectCode(slow, 504, 'HOST_TIMEOUT')
    expect(slow.body.details).toContain('the command was stopped')
  })

  test('a locked container → 409 INSTANCE_LOCKED, alone and inside a bulk answer', async () => {
    const conf = `/etc/pve/nodes/${h1.name}/lxc/${id}.conf`
    expect((await h1.exec(['sed', '-i', '1i lock: backup', conf])).exitCode).toBe(0)
    try {
      const alone = await call('POST', `/lxc/instances/${id}/snapshots`, { snapshot_name: 'codes2', az: 'az1' })
      expectCode(alone, 409, 'INSTANCE_LOCKED')
      expect(alone.body.details).toContain('locked (backup)')
      expectCode(await call('POST', '/lxc/instances/stop', { instance_ids: [id], az: 'az1' }), 409, 'INSTANCE_LOCKED')
      const mixed = await call('POST', '/lxc/instances/stop', { instance_ids: [id, '19999'], az: 'az1' })
      expect(mixed.status).toBe(500) // 409 and 404: no common status
      expect(mixed.body.code).toBe('HOST_COMMAND_FAILED')
    } finally {
      await h1.exec(['sed', '-i', '/^lock:/d', conf])
    }
  })

  test('a stopped container → 409 INSTANCE_NOT_RUNNING (exec, reboot), not HOST_COMMAND_FAILED', async () => {
    expect((await call('POST', '/lxc/instances/stop', { instance_ids: [id], az: 'az1' })).status).toBe(200)
    const exec = await call('POST', `/lxc/instances/${id}/exec`, { command: 'true', az: 'az1' })
    expectCode(exec, 409, 'INSTANCE_NOT_RUNNING')
    expectCode(await call('POST', '/lxc/instances/reboot', { instance_ids: [id], az: 'az1' }), 409, 'INSTANCE_NOT_RUNNING')
    // Already stopped is success (EC2-like), not a conflict.
    expect((await call('POST', '/lxc/instances/stop', { instance_ids: [id], az: 'az1' })).body.results[0].message).toBe('already stopped')
  })

  test('an image that is not there → 404 IMAGE_NOT_FOUND, nothing created', async () => {
    expectCode(await call('POST', '/lxc/instances', { image_id: 'local:vztmpl/nope-1.0.tar.gz', az: 'az1' }), 404, 'IMAGE_NOT_FOUND')
  })
})

describe('host faults, classified once, the same on every route', () => {
  const routes = (az: string, region: string) => [
    () => call('GET', `/px/status?region=${region}&az=${az}`),
    () => call('GET', `/lxc/instances?region=${region}&az=${az}`),
    () => call('POST', '/lxc/instances/start', { instance_ids: ['100'], region, az }),
    () => call('POST', '/lxc/instances/100/exec', { command: 'true', region, az }),
  ]

  test.each([
    ['dead', 'eu-south-1', 502, 'HOST_UNREACHABLE', 'connection refused'],
    ['wrong-pw', 'eu-central-1', 502, 'HOST_AUTH_FAILED', 'SSH authentication as root'],
    ['wrong-key', 'eu-central-1', 502, 'HOST_KEY_MISMATCH', 'ssh_host_fingerprint'],
  ])('%s → %p %s', async (az, region, status, code, text) => {
    for (const r of await Promise.all(routes(az, region).map((f) => f()))) {
      expectCode(r, status, code)
      expect(r.body.details).toContain(text)
      expect(JSON.stringify(r.body)).not.toContain('nope-secret')
      expect(JSON.stringify(r.body)).not.toContain('not-the-password')
    }
  })

  test('a host that accepts TCP and never speaks → 504 HOST_TIMEOUT "no SSH greeting", on every route, every time', async () => {
    for (const r of await Promise.all(routes('silent', 'eu-south-1').map((f) => f()))) {
      expectCode(r, 504, 'HOST_TIMEOUT')
      expect(r.body.details).toContain(`connected to 127.0.0.1:${silent.port}, but no SSH greeting within`)
      expect(r.body.details).not.toContain('the command was stopped')
    }
  })
})

describe('a local AZ on a machine that is not a Proxmox VE host', () => {
  test('this machine has no PVE tools (the premise of this block)', () => {
    expect(missingProxmoxTools()).toEqual(expect.arrayContaining(['pct', 'pvesh']))
  })

  test('every Proxmox call answers 503 PROXMOX_TOOLS_MISSING with the hint', async () => {
    const q = 'region=eu-south-1&az=here'
    const body = { region: 'eu-south-1', az: 'here' }
    const answers = await Promise.all([
      call('GET', `/px/status?${q}`),
      call('GET', `/px/storage?${q}`),
      call('GET', `/px/templates?${q}`),
      call('GET', `/lxc/instances?${q}`),
      call('GET', `/lxc/instances/100?${q}`),
      call('POST', '/lxc/instances', { image_id: IMAGE, ...body }),
      call('POST', '/lxc/instances/start', { instance_ids: ['100'], ...body }),
      call('POST', '/lxc/instances/100/exec', { command: 'true', ...body }),
      call('GET', `/lxc/instances/100/snapshots?${q}`),
      call('POST', '/px/reboot', { confirm: true, ...body }),
    ])
    for (const r of answers) {
      expectCode(r, 503, 'PROXMOX_TOOLS_MISSING')
      expect(r.body.details).toContain('this machine is not a Proxmox VE host: configure remote availability zones')
      expect(r.body.details).toContain('pct')
    }
    // The reboot was refused before anything ran on this machine.
    expect(app.log.lines.filter((l) => JSON.stringify(l).includes('audit: host reboot'))).toEqual([])
  })

  test('/px/hosts: reachable, but proxmox: false, with the code', async () => {
    const r = await call('GET', '/px/hosts?region=eu-south-1&timeout_ms=1000')
    expect(r.status).toBe(200)
    const byAz = Object.fromEntries(r.body.hosts.map((x: any) => [x.az, x]))
    expect(byAz.here).toMatchObject({ reachable: true, proxmox: false, error_code: 'PROXMOX_TOOLS_MISSING', pve_version: null })
    expect(byAz.here.error).toContain('this machine is not a Proxmox VE host')
    expect(byAz.az1).toMatchObject({ reachable: true, proxmox: true, error: null, error_code: null })
    expect(byAz.dead).toMatchObject({ reachable: false, proxmox: null, error_code: 'HOST_UNREACHABLE' })
    expect(byAz.silent).toMatchObject({ reachable: false, proxmox: null, error_code: 'HOST_TIMEOUT' })
  })
})
