/**
 * How an AZ holds up under many clients, against a real test host whose
 * tools take real time (TestHost.setDelay): identical reads share one host
 * command, a read whose client left is stopped on the host, and hung long
 * work or streams never take the channels quick commands need.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { bunServeOptions } from '../../src/serve-bun.ts'
import { KEY, startApp } from '../http/harness.ts'
import type { TestHost } from '../pvehost/host.ts'
import { sharedHosts } from '../support/hosts.ts'
import { regionsYaml } from '../support/plugin-env.ts'

type App = Awaited<ReturnType<typeof startApp>>
let app: App
let h1: TestHost
const AZ = 'eu-south-1/az1'
const LIST = '/api/v1/lxc/instances?region=eu-south-1&az=az1'

beforeAll(async () => {
  const hosts = await sharedHosts()
  h1 = hosts[0]!
  app = await startApp(`api_key: ${KEY}\n${regionsYaml(h1, hosts[1]!)}\n`)
  // Node name discovered once, so every later list is one host command.
  expect((await app.request(LIST)).status).toBe(200)
})
afterEach(async () => {
  h1.clearDelays()
})
afterAll(async () => {
  h1?.clearDelays()
  await app?.zones.closeAll()
})

const hostCommands = (from: number) => app.log.lines.slice(from).filter((l: any) => l.msg === 'host command' || l.msg === 'host command failed').filter((l: any) => l.az === AZ)

async function timedList(): Promise<{ status: number; ms: number; body: string }> {
  const t0 = performance.now()
  const res = await app.request(LIST)
  const body = await res.text()
  return { status: res.status, ms: performance.now() - t0, body }
}

/** Processes on the host whose command line is exactly `line`. */
async function onHost(line: string): Promise<number> {
  const r = await h1.exec(['pgrep', '-c', '-f', `^${line.replaceAll('.', '\\.')}$`])
  return Number(r.stdout.trim() || 0)
}

async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = performance.now() + ms
  while (performance.now() < end) {
    if (await cond()) return true
    await Bun.sleep(50)
  }
  return cond()
}

describe('identical reads share one host command', () => {
  test('200 concurrent lists of one AZ: 200 × 200, at most 3 host commands, p99 under 2× one list', async () => {
    h1.setDelay('pvesh', 1)
    const alone = await timedList()
    expect(alone.status).toBe(200)
    const from = app.log.lines.length
    const answers = await Promise.all(Array.from({ length: 200 }, () => timedList()))
    expect(answers.map((a) => a.status)).toEqual(Array(200).fill(200))
    expect(new Set(answers.map((a) => a.body)).size).toBe(1)
    const commands = hostCommands(from)
    expect(commands.length).toBeGreaterThanOrEqual(1)
    expect(commands.length).toBeLessThanOrEqual(3)
    const ms = answers.map((a) => a.ms).sort((a, b) => a - b)
    const p99 = ms[Math.floor(ms.length * 0.99) - 1]!
    console.log(`one list ${Math.round(alone.ms)} ms; 200 at once: p50 ${Math.round(ms[100]!)} ms, p99 ${Math.round(p99)} ms, ${commands.length} host command(s)`)
    expect(p99).toBeLessThan(2 * alone.ms)
  })
})

describe('a read whose client has gone is stopped on the host', () => {
  test('disconnect during a slow list: the host command is killed, the next list runs afresh', async () => {
    h1.setDelay('pvesh', 7.3)
    const server = Bun.serve(bunServeOptions(app, { hostname: '127.0.0.1', port: 0 }))
    try {
      const ctl = new AbortController()
      const pending = fetch(`http://127.0.0.1:${server.port}${LIST}`, { headers: { 'x-api-key': KEY }, signal: ctl.signal }).catch((e) => e)
      expect(await until(async () => (await onHost('sleep 7.3')) === 1, 5000)).toBe(true)
      const t0 = performance.now()
      ctl.abort()
      await pending
      expect(await until(async () => (await onHost('sleep 7.3')) === 0, 3000)).toBe(true)
      console.log(`host command gone ${Math.round(performance.now() - t0)} ms after the disconnect`)
      h1.clearDelays()
      // Not joined to the stopped read: a fresh one answers.
      expect((await timedList()).status).toBe(200)
    } finally {
      server.stop(true)
    }
  })
})

describe('fair shares', () => {
  test('with hung execs and open streams on an AZ, a list still answers in under 2× its usual time; the overflow is 503 HOST_BUSY at once', async () => {
    const usual = [(await timedList()).ms, (await timedList()).ms, (await timedList()).ms].sort((a, b) => a - b)[1]!
    h1.setDelay('pct', 30.1, 'exec')
    const zone = app.zones.resolve('eu-south-1', 'az1')
    // 3 long channels run, 16 wait, the 20th is refused. One container each: changes on one container
    // would wait their turn as operations, before any channel.
    const execs = Array.from({ length: 20 }, (_, i) =>
      app.json(`/api/v1/lxc/instances/${100 + i}/exec`, { command: 'true', region: 'eu-south-1', az: 'az1' }).then(async (r) => ({
        status: r.status,
        retryAfter: r.headers.get('retry-after'),
        body: (await r.json()) as { code: string },
        at: performance.now(),
      })),
    )
    const t0 = performance.now()
    const streams = await Promise.all(
      Array.from({ length: 8 }, () => zone.exec.stream(['sleep', '30.2']).then((h) => ({ h }), (e) => ({ e }))),
    )
    try {
      const opened = streams.filter((s) => 'h' in s)
      const refused = streams.filter((s) => 'e' in s) as Array<{ e: { code: string; status: number } }>
      expect(opened.length).toBe(3)
      expect(refused.map((r) => r.e.code)).toEqual(Array(5).fill('HOST_BUSY'))
      expect(await until(async () => (await onHost('sleep 30.1')) === 3, 5000)).toBe(true)
      expect(zone.channels.channels.stats().queued.long).toBe(16)
      const first = await Promise.race(execs)
      expect(first.status).toBe(503)
      expect(first.body.code).toBe('HOST_BUSY')
      expect(first.retryAfter).toBe('2')
      expect(first.at - t0).toBeLessThan(1000)
      const loaded = await timedList()
      console.log(`list alone ${Math.round(usual)} ms; with 3 hung execs, 16 queued and 3 streams: ${Math.round(loaded.ms)} ms`)
      expect(loaded.status).toBe(200)
      expect(loaded.ms).toBeLessThan(2 * usual + 100)
    } finally {
      h1.clearDelays()
      for (const s of streams) if ('h' in s) s.h.kill()
      await h1.exec(['pkill', '-f', '^sleep 30\\.[12]$'])
      const done = await Promise.all(execs)
      expect(done.filter((d) => d.status === 503).length).toBe(1)
    }
  }, 60_000)
})
