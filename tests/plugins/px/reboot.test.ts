/**
 * POST /px/reboot over HTTP: the test hosts record power commands instead of
 * running them, so a sent reboot shows up in their recorded.log.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { errorBody } from '../../http/harness.ts'
import type { TestHost } from '../../pvehost/host.ts'
import { DEAD_SECRET, pxFixture, type PxFixture } from './setup.ts'

let f: PxFixture

beforeAll(async () => {
  f = await pxFixture()
})

afterAll(async () => {
  // Later test files share these hosts and may expect no recorded power calls.
  for (const h of [f.h1, f.h2]) await h.exec(['sh', '-c', ': > /var/lib/pve-fixture/recorded.log'])
  await f.close()
})

const reboots = async (h: TestHost) => (await h.recorded()).filter((l) => /^\d+ reboot$/.test(l)).length
const audits = () => f.s.log.lines.filter((l) => String(l.msg).startsWith('audit: host reboot'))
const sentReboots = () => f.s.log.lines.filter((l) => l.msg === 'host command' && JSON.stringify(l.argv) === '["reboot"]')

describe('POST /px/reboot', () => {
  test('without "confirm": true → 400 and nothing is sent', async () => {
    const before = [await reboots(f.h1), await reboots(f.h2)]
    const bodies: unknown[] = [
      { region: 'eu-south-1', az: 'az1' },
      { region: 'eu-south-1', az: 'az1', confirm: false },
      { az: 'az2', confirm: 'true' },
      { az: 'az2', confirm: 1 },
      {},
    ]
    for (const b of bodies) {
      const res = await f.s.json('/api/v1/px/reboot', b)
      expect(res.status, JSON.stringify(b)).toBe(400)
      expect((await errorBody(res)).details, JSON.stringify(b)).toContain('confirm')
    }
    const bare = await f.s.request('/api/v1/px/reboot', { method: 'POST' })
    expect(bare.status).toBe(400)
    const named = await errorBody(await f.s.json('/api/v1/px/reboot', { region: 'eu-south-1', az: 'az1' }))
    expect(named.details).toContain('eu-south-1/az1')
    expect(named.details).toContain('nothing was sent')

    expect([await reboots(f.h1), await reboots(f.h2)]).toEqual(before)
    expect(sentReboots()).toEqual([])
    expect(audits()).toEqual([])
  })

  test('with confirm → that host reboots, the answer says which, an audit line is logged', async () => {
    const before = [await reboots(f.h1), await reboots(f.h2)]
    const res = await f.s.json('/api/v1/px/reboot', { region: 'eu-south-1', az: 'az1', confirm: true }, { headers: { 'user-agent': 'px-test' } })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({ region: 'eu-south-1', az: 'az1', host: f.h1.ip, node: f.h1.name, rebooting: true })
    expect(String(body.output)).toContain(f.h1.name)
    expect(Date.now() - Date.parse(String(body.requested_at))).toBeLessThan(60_000)

    expect([await reboots(f.h1), await reboots(f.h2)]).toEqual([before[0]! + 1, before[1]!])

    const audit = audits().find((l) => l.msg === 'audit: host reboot')
    expect(audit).toMatchObject({ level: 'warn', region: 'eu-south-1', az: 'az1', host: f.h1.ip, node: f.h1.name, user_agent: 'px-test' })
    const logText = JSON.stringify(f.s.log.lines)
    expect(logText).not.toContain(readFileSync(f.h1.keyFile!, 'utf8').split('\n')[1]!)
    expect(logText).not.toContain(f.h2.password!)
  })

  test('the password-auth host in the other region reboots alone', async () => {
    const before = [await reboots(f.h1), await reboots(f.h2)]
    const res = await f.s.json('/api/v1/px/reboot', { region: 'eu-central-1', az: 'az2', confirm: true })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { node: string }).node).toBe(f.h2.name)
    expect([await reboots(f.h1), await reboots(f.h2)]).toEqual([before[0]!, before[1]! + 1])
  })

  test('unreachable, unknown or badly named AZ → error, and nothing is recorded', async () => {
    const before = [await reboots(f.h1), await reboots(f.h2)]
    const cases: [unknown, number][] = [
      [{ region: 'eu-south-1', az: 'dead', confirm: true }, 502],
      [{ region: 'eu-south-1', az: 'az7', confirm: true }, 404],
      [{ region: 'mars-1', confirm: true }, 404],
      [{ az: 'az1;reboot', confirm: true }, 400],
      [{ region: 'eu-south-1', az: 'az1', confirm: true, extra: '$(reboot)' }, 400],
      [{ region: 'eu-south-1', az: 'az1', confirm: true }, 200],
    ]
    const auditsBefore = audits().filter((l) => l.msg === 'audit: host reboot').length
    for (const [b, code] of cases) {
      const res = await f.s.json('/api/v1/px/reboot', b)
      expect(res.status, JSON.stringify(b)).toBe(code)
      if (code !== 200) expect(JSON.stringify(await errorBody(res))).not.toContain(DEAD_SECRET)
    }
    // Only the last, valid request was sent (and audited): the dead host failed its reachability check first.
    expect([await reboots(f.h1), await reboots(f.h2)]).toEqual([before[0]! + 1, before[1]!])
    expect(audits().filter((l) => l.msg === 'audit: host reboot').length - auditsBefore).toBe(1)
  })
})
