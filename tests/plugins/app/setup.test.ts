/**
 * POST .../app/setup: Docker already present (idempotent, nothing changed),
 * and Docker missing — the exact commands (dry run), the features + restart,
 * a package manager that fails (clean 500) and one that "installs" (streamed
 * progress, verified against the real engine).
 *
 * Containers share the machine's /usr, where docker.io is installed, so
 * "missing" is made per container with LXC mount entries in its PVE config:
 * /dev/null over /usr/bin/docker, and a recording fake over /usr/bin/apt-get
 * (they survive the restart that applies the features).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { appEnv, configOnHost, inCt, parseSse, type AppEnv } from './support.ts'

let env: AppEnv
let present: string
let stopped: string
let failing: string
let installing: string

const FAKE_OK = `#!/bin/sh
echo "apt-get $*" >> /root/apt-calls.log
case "$1" in
  update) echo "Hit:1 http://deb.invalid bookworm InRelease"; echo "Reading package lists... Done" ;;
  install) echo "Setting up docker.io (20.10.24+dfsg1) ..."; umount /usr/bin/docker ;;
esac
exit 0
`
const FAKE_FAIL = `#!/bin/sh
echo "apt-get $*" >> /root/apt-calls.log
if [ "$1" = update ]; then echo "Reading package lists... Done"; exit 0; fi
echo "Reading package lists..."
echo "E: Unable to locate package docker.io" >&2
exit 100
`
const HIDE_DOCKER = 'lxc.mount.entry: /dev/null usr/bin/docker none bind 0 0'
const fakeApt = (name: string) => `lxc.mount.entry: /var/lib/pve-fixture/${name} usr/bin/apt-get none bind,ro 0 0`

async function initPid(h: AppEnv['h1'], id: string): Promise<string> {
  return (await h.exec(['pct', 'status', id, '--verbose'])).stdout.match(/^pid: (\d+)$/m)?.[1] ?? ''
}

beforeAll(async () => {
  env = await appEnv()
  for (const [name, text] of [
    ['fake-apt-ok', FAKE_OK],
    ['fake-apt-fail', FAKE_FAIL],
  ]) {
    const p = join(env.h1.stateDir, 'fixture', name!)
    writeFileSync(p, text!)
    chmodSync(p, 0o755)
  }
  ;[present, stopped, failing, installing] = await Promise.all([
    env.createCt(17301, { az: 'az2' }),
    env.createCt(17302, { start: false }),
    env.createCt(17303, { features: 'nesting=1,keyctl=1', lxc: [HIDE_DOCKER, fakeApt('fake-apt-fail')] }),
    env.createCt(17304, { lxc: [HIDE_DOCKER, fakeApt('fake-apt-ok')] }),
  ])
})
afterAll(() => env.close())

const setup = (target: string, body: Record<string, unknown> = {}, az = 'az1', headers?: Record<string, string>) =>
  env.post(`/lxc/instances/${target}/app/setup`, { package_name: 'docker', region: az === 'az2' ? 'eu-central-1' : 'eu-south-1', az, ...body }, headers)

describe('app setup', () => {
  test('docker already present: its version, nothing changed (twice)', async () => {
    const cfgBefore = await configOnHost(env.h2, present)
    const pidBefore = await initPid(env.h2, present)
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now()
      const res = await setup(present, {}, 'az2')
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({
        instance_id: present,
        region: 'eu-central-1',
        az: 'az2',
        package_name: 'docker',
        status: 'already_installed',
        features_changed: false,
        restarted: false,
        steps: [],
        os: { id: 'debian', version: '12' },
      })
      expect(res.body.docker_version).toMatch(/^\d+\.\d+\.\d+/)
      expect(res.body.server_version).toMatch(/^\d+\.\d+\.\d+/)
      expect(res.body.compose_version).toMatch(/^\d+\.\d+\.\d+/)
      // The features are missing: reported, not changed.
      expect(res.body.warnings.join(' ')).toContain('nesting=1,keyctl=1')
      console.log(`setup (already installed): ${Math.round(performance.now() - t0)} ms`)
    }
    expect(await configOnHost(env.h2, present)).toEqual(cfgBefore)
    expect(await initPid(env.h2, present)).toBe(pidBefore)
  })

  test('package_name other than docker → 400 listing what is supported; stopped → 409; unknown → 404', async () => {
    const before = env.hostCommands()
    for (const name of ['podman', 'docker.io', '', 'docker; reboot', '$(reboot)']) {
      const r = await setup(present, { package_name: name }, 'az2')
      expect(r.status).toBe(400)
      expect(r.body.details).toContain('supported: docker')
    }
    expect(env.hostCommands()).toBe(before)
    const st = await setup(stopped)
    expect(st.status).toBe(409)
    expect(st.body.details).toContain('start it first')
    expect((await setup('17999')).status).toBe(404)
  })

  test('docker missing, dry run: the exact commands, nothing changed', async () => {
    const res = await setup(installing, { dry_run: true })
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('planned')
    expect(res.body.steps.map((s: any) => [s.where, s.command])).toEqual([
      ['host', `pct set ${installing} --features keyctl=1,nesting=1`],
      ['host', `pct reboot ${installing}`],
      ['container', 'DEBIAN_FRONTEND=noninteractive apt-get update'],
      [
        'container',
        'if apt-cache show docker-compose-v2 >/dev/null 2>&1; then compose=docker-compose-v2; else compose=docker-compose; fi\n' +
          'DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io "$compose"',
      ],
      ['container', expect.stringContaining('systemctl enable --now docker')],
      ['container', expect.stringContaining('docker version')],
    ])
    expect(res.body.steps.every((s: any) => s.exit_code === null)).toBe(true)
    expect((await configOnHost(env.h1, installing)).features).toBeUndefined()
    expect((await inCt(env.h1, installing, 'test -e /root/apt-calls.log')).exitCode).not.toBe(0)
  })

  test('docker missing, the package manager fails → a clean 500 with its message and exit code', async () => {
    const res = await setup(failing)
    expect(res.status).toBe(500)
    expect(res.body).toMatchObject({ error: 'Setup failed', return_code: 100, instance_id: failing, step: 'install docker and compose' })
    expect(res.body.details).toContain('E: Unable to locate package docker.io')
    expect(res.body.steps.map((s: any) => [s.name, s.exit_code])).toEqual([
      ['update the package index', 0],
      ['install docker and compose', 100],
    ])
    expect(res.body.output).toContain('$ DEBIAN_FRONTEND=noninteractive apt-get update')
    // What the package manager was asked, as it recorded it inside the container.
    expect((await inCt(env.h1, failing, 'cat /root/apt-calls.log')).stdout).toBe('apt-get update\napt-get install -y docker.io docker-compose\n')
  })

  test('docker missing: features set, container restarted, installed, verified — progress streamed as SSE', async () => {
    const pidBefore = await initPid(env.h1, installing)
    const t0 = performance.now()
    const res = await env.app.request(`/api/v1/lxc/instances/${installing}/app/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ package_name: 'docker', region: 'eu-south-1', az: 'az1' }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const events = parseSse(await res.text())
    console.log(`setup (install with features + restart, streamed): ${Math.round(performance.now() - t0)} ms, ${events.length} events`)
    const steps = events.filter((e) => e.event === 'step').map((e) => JSON.parse(e.data).name)
    expect(steps).toEqual([
      'set the container features Docker needs',
      'restart the container to apply them',
      'update the package index',
      'install docker and compose',
      'enable and start the docker service',
      'verify: docker version',
    ])
    const logText = events.filter((e) => e.event === 'log').map((e) => e.data).join('\n')
    expect(logText).toContain('Setting up docker.io')
    expect(logText).toContain('Server:')
    const last = events.at(-1)!
    expect(last.event).toBe('result')
    const result = JSON.parse(last.data)
    expect(result).toMatchObject({ status: 'installed', features_changed: true, restarted: true, features: { nesting: '1', keyctl: '1' } })
    expect(result.docker_version).toMatch(/^\d+\.\d+\.\d+/)
    expect(result.server_version).toMatch(/^\d+\.\d+\.\d+/)
    // No init system in the test container: reported, not fatal; `docker version` decided.
    expect(result.warnings.join(' ')).toContain('enable and start the docker service')
    expect(result.steps.map((s: any) => s.exit_code)).toEqual([0, 0, 0, 0, 1, 0])
    for (const s of result.steps) console.log(`  ${s.name}: ${s.duration_ms} ms`)
    // The features are in effect and the container really restarted.
    const cfg = await configOnHost(env.h1, installing, true)
    expect(cfg.features).toBe('keyctl=1,nesting=1')
    expect(await initPid(env.h1, installing)).not.toBe(pidBefore)
    expect((await inCt(env.h1, installing, 'cat /root/apt-calls.log')).stdout).toBe('apt-get update\napt-get install -y docker.io docker-compose\n')

    // Idempotent: a second call changes nothing.
    const again = await setup(installing)
    expect(again.body).toMatchObject({ status: 'already_installed', restarted: false, features_changed: false, warnings: [] })
  })
})
