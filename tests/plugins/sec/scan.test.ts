/**
 * GET /lxc/instances/{id}/sec/scan against real containers on a test host:
 * a deliberately weak container reports each weakness with its severity, a
 * hardened one none of them; the scan changes nothing; a time limit gives a
 * partial answer naming what timed out; a stopped container gets the
 * configuration checks only.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { HARDENED_SETUP, SLOW_SETUP, WEAK_FULL_SETUP, WEAK_PORT, WEAK_SETUP } from './fixtures.ts'
import { createCt, ctSh, secEnv, type SecEnv } from './support.ts'

const WEAK = '18001'
const HARDENED = '18002'
const SLOW = '18003'
const Q = { region: 'eu-south-1', az: 'az1' }

let env: SecEnv

beforeAll(async () => {
  env = await secEnv()
  await Promise.all([
    createCt(env, 'az1', { vmid: WEAK, hostname: 'sec-weak', ip: 2, privileged: true, features: { nesting: true, keyctl: true }, onboot: true }),
    createCt(env, 'az1', { vmid: HARDENED, hostname: 'sec-hardened', ip: 3, firewall: true, memory: 256, onboot: false }),
    createCt(env, 'az1', { vmid: SLOW, hostname: 'sec-slow', ip: 4, firewall: true, memory: 256 }),
  ])
  await ctSh(env.h1, WEAK, WEAK_SETUP)
  await ctSh(env.h1, WEAK, WEAK_FULL_SETUP)
  await ctSh(env.h1, HARDENED, HARDENED_SETUP)
  await ctSh(env.h1, SLOW, SLOW_SETUP)
})
afterAll(() => env.close())

type Finding = { id: string; category: string; title: string; severity: string; evidence: string; remediation: string }
const scan = (id: string, params: Record<string, string> = {}) => env.get(`/lxc/instances/${id}/sec/scan`, { ...Q, ...params })
const byId = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [f.id, f]))

/** What the weak container must report in a quick scan, with the severity each must have. */
const WEAK_QUICK: Record<string, string> = {
  'ct-privileged': 'high',
  'ct-feature-nesting': 'high',
  'ct-feature-keyctl': 'medium',
  'ct-no-firewall': 'medium',
  'ct-onboot': 'info',
  'ssh-root-login': 'critical',
  'ssh-password-auth': 'medium',
  'account-empty-password:guest': 'high',
  'account-uid0:toor': 'high',
  [`listener:tcp/${WEAK_PORT}`]: 'low',
}
const WEAK_FULL: Record<string, string> = {
  ...WEAK_QUICK,
  'pkg-security-updates': 'high',
  'pkg-updates': 'low',
  'fs-world-writable': 'high',
  'suid-unusual:/opt/lws-suid': 'medium',
  'suid-unusual:/tmp/lws-suid': 'high',
  'host-pve-version': 'info',
}

describe('sec scan', () => {
  test('quick scan of the weak container: each weakness with its severity, evidence and remediation', async () => {
    const t0 = performance.now()
    const res = await scan(WEAK)
    console.log(`quick scan: ${Math.round(performance.now() - t0)} ms`)
    expect(res.status).toBe(200)
    const b = res.body
    expect(b).toMatchObject({ instance_id: WEAK, region: 'eu-south-1', az: 'az1', scan_type: 'quick', partial: false, timed_out: [] })
    expect(b.os).toBe('Debian GNU/Linux 12 (bookworm)')
    const found = byId(b.findings)
    for (const [id, severity] of Object.entries(WEAK_QUICK)) {
      expect(found[id], id).toBeDefined()
      expect(`${id}: ${found[id]!.severity}`).toBe(`${id}: ${severity}`)
      expect(found[id]!.evidence.length, id).toBeGreaterThan(3)
      expect(found[id]!.remediation.length, id).toBeGreaterThan(10)
    }
    // The evidence names what was seen; no password hash ever leaves the container.
    expect(found['ssh-root-login']!.evidence).toContain('PermitRootLogin yes')
    expect(found[`listener:tcp/${WEAK_PORT}`]!.evidence).toContain('perl')
    expect(found[`listener:tcp/${WEAK_PORT}`]!.evidence).toContain(`0.0.0.0:${WEAK_PORT}`)
    expect(JSON.stringify(b)).not.toContain('$6$')
    // Full-scan checks are not part of a quick scan.
    expect(b.findings.some((f: Finding) => ['packages', 'files', 'host'].includes(f.category))).toBe(false)
    expect(b.checks.map((c: { check: string }) => c.check)).toEqual(['config', 'accounts', 'ssh', 'listeners'])
    // Summary counts by severity, most severe first.
    const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 } as Record<string, number>
    for (const f of b.findings) counts[f.severity]!++
    expect(b.summary).toEqual({ ...counts, total: b.findings.length })
    const order = ['critical', 'high', 'medium', 'low', 'info']
    const ranks = b.findings.map((f: Finding) => order.indexOf(f.severity))
    expect(ranks).toEqual([...ranks].sort((x: number, y: number) => x - y))
  })

  test('hardened container: none of the weaknesses', async () => {
    const res = await scan(HARDENED)
    expect(res.status).toBe(200)
    const ids = res.body.findings.map((f: Finding) => f.id)
    for (const id of Object.keys(WEAK_QUICK)) expect(ids).not.toContain(id)
    expect(res.body.findings.filter((f: Finding) => f.severity !== 'info')).toEqual([])
    expect(res.body.partial).toBe(false)
    expect(res.body.checks.every((c: { status: string }) => c.status === 'ok')).toBe(true)
  })

  test('full scan adds packages, file permissions, SUID binaries and the host', async () => {
    const t0 = performance.now()
    const res = await scan(WEAK, { scan_type: 'full' })
    console.log(`full scan: ${Math.round(performance.now() - t0)} ms`)
    expect(res.status).toBe(200)
    expect(res.body.scan_type).toBe('full')
    const found = byId(res.body.findings)
    for (const [id, severity] of Object.entries(WEAK_FULL)) {
      expect(found[id], id).toBeDefined()
      expect(`${id}: ${found[id]!.severity}`).toBe(`${id}: ${severity}`)
    }
    expect(found['pkg-security-updates']!.evidence).toContain('lws-demo-sec 1.0-1 → 1.0-2')
    expect(found['pkg-updates']!.evidence).toContain('lws-demo-plain')
    expect(found['fs-world-writable']!.evidence).toContain('/etc/lws-weak.conf')
    // The usual SUID binaries (su, passwd, mount, ...) are not findings.
    expect(Object.keys(found).filter((id) => id.startsWith('suid-unusual:/usr/bin/'))).toEqual([])
    expect(res.body.checks.map((c: { check: string }) => c.check)).toEqual([
      'config', 'accounts', 'ssh', 'listeners', 'packages', 'world_writable', 'suid', 'host',
    ])
    expect(res.body.partial).toBe(false)

    const hardened = await scan(HARDENED, { scan_type: 'full' })
    expect(hardened.status).toBe(200)
    const ids = hardened.body.findings.map((f: Finding) => f.id)
    for (const id of Object.keys(WEAK_FULL)) if (id !== 'host-pve-version') expect(ids).not.toContain(id)
    expect(hardened.body.checks.find((c: { check: string }) => c.check === 'packages')).toMatchObject({ status: 'unavailable' })
  })

  test('the scan only reads: nothing in the container or its config changes', async () => {
    const cfgBefore = await env.h1.exec(['pct', 'config', WEAK])
    const since = (await ctSh(env.h1, WEAK, 'sleep 1.1; date +%s.%N')).trim()
    await Bun.sleep(100)
    expect((await scan(WEAK, { scan_type: 'full' })).status).toBe(200)
    const changed = await ctSh(env.h1, WEAK, `find / -xdev -newermt "@${since}" -print 2>/dev/null | head -n 20`)
    expect(changed).toBe('')
    expect((await env.h1.exec(['pct', 'config', WEAK])).stdout).toBe(cfgBefore.stdout)
    expect(await ctSh(env.h1, WEAK, 'ls /var/cache/apt 2>&1 || true')).toContain('No such file')
  })

  test('time limit: a hanging check is stopped, the rest is answered and what timed out is named', async () => {
    const t0 = performance.now()
    const res = await scan(SLOW, { timeout: '5' })
    const ms = performance.now() - t0
    expect(res.status).toBe(200)
    expect(ms).toBeLessThan(7000)
    expect(res.body.partial).toBe(true)
    // accounts hangs until the script's budget kills it; ssh and listeners never start.
    expect(res.body.timed_out).toEqual(['accounts', 'ssh', 'listeners'])
    const checks = Object.fromEntries(res.body.checks.map((c: { check: string; status: string; detail: string }) => [c.check, c]))
    expect(checks.config).toMatchObject({ status: 'ok' })
    expect(checks.accounts).toMatchObject({ status: 'timed_out', detail: 'stopped at the time limit' })
    expect(checks.ssh).toMatchObject({ status: 'timed_out', detail: 'not started: time limit reached' })
    // What did complete is still evaluated: the host-side config check ran (a clean config: no findings).
    expect(res.body.findings).toEqual([])
    expect(res.body.summary.total).toBe(0)
  })

  test('a stopped container: configuration checks only, the rest reported as skipped', async () => {
    expect((await env.h1.exec(['pct', 'stop', SLOW])).exitCode).toBe(0)
    const res = await scan(SLOW)
    expect(res.status).toBe(200)
    expect(res.body.partial).toBe(true)
    const checks = Object.fromEntries(res.body.checks.map((c: { check: string; status: string; detail: string }) => [c.check, c]))
    expect(checks.config.status).toBe('ok')
    expect(checks.accounts).toMatchObject({ status: 'skipped' })
    expect(checks.accounts.detail).toContain('not running')
  })

  test('unknown container → 404; bad scan_type or timeout → 400', async () => {
    const missing = await scan('18999')
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ error: 'Not Found' })
    for (const bad of ['deep', 'QUICK', 'quick;reboot', '']) {
      const r = await scan(WEAK, { scan_type: bad })
      expect(`${bad} → ${r.status}`).toBe(`${bad} → 400`)
      expect(r.body).toHaveProperty('details')
    }
    for (const bad of ['0', '4', '601', 'abc', '1e9']) {
      const r = await scan(WEAK, { timeout: bad })
      expect(`${bad} → ${r.status}`).toBe(`${bad} → 400`)
    }
    expect((await scan('99')).status).toBe(400)
  })
})
