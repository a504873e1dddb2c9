/**
 * Every host-command log line carries the id of the request it ran for
 * (src/exec/logged.ts reads src/context/request-scope.ts): through the edge,
 * Elysia's hooks and handler, a plugin, the Proxmox client, single-flight,
 * the channel shares and ssh2's callbacks, against the Proxmox test hosts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { currentRequest, inRequestScope } from '../../src/context/request-scope.ts'
import { LoggedExecutor } from '../../src/exec/logged.ts'
import { SshExecutor } from '../../src/exec/ssh.ts'
import { memoryLogger } from '../../src/log.ts'
import type { TestHost } from '../pvehost/host.ts'
import { sharedHosts } from '../support/hosts.ts'
import { KEY, startApp } from './harness.ts'

let h1: TestHost
let h2: TestHost
const executors: SshExecutor[] = []

const config = () => `
api_key: ${KEY}
regions:
  eu-south-1:
    availability_zones:
      az1: { host: ${h1.ip}, ssh_port: ${h1.port}, user: root, ssh_key_file: ${h1.keyFile}, ssh_host_fingerprint: "${h1.fingerprint}" }
      dead: { host: 127.0.0.9, ssh_port: 2299, user: root, ssh_password: nope }
  eu-central-1:
    availability_zones:
      az2: { host: ${h2.ip}, ssh_port: ${h2.port}, user: root, ssh_password: "${h2.password}" }
instance_sizes:
  small: { memory: 512, cpulimit: 1, storage: "local-lvm:4" }
`

beforeAll(async () => {
  ;[h1, h2] = await sharedHosts()
}, 60_000)
afterAll(async () => {
  await Promise.all(executors.map((e) => e.close()))
})

type App = Awaited<ReturnType<typeof startApp>>
const MSGS = new Set(['host command', 'host command failed', 'host stream ended'])
const hostLines = (s: App, from = 0) => s.log.lines.slice(from).filter((l) => MSGS.has(l.msg as string))
const probe = (s: App, argv: string[], az: string, id: string) =>
  s.json('/api/v1/probe/run', { argv, az }, { headers: { 'x-request-id': id } })

describe('request_id in host-command logs', () => {
  test('X-Request-Id: test-abc → the log lines of its host commands carry it (key and password hosts)', async () => {
    const s = await startApp(config())
    for (const az of ['az1', 'az2']) {
      const from = s.log.lines.length
      const res = await probe(s, ['hostname'], az, 'test-abc')
      expect(res.status).toBe(200)
      expect(res.headers.get('x-request-id')).toBe('test-abc')
      const lines = hostLines(s, from)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({ msg: 'host command', argv: ['hostname'], exit_code: 0, request_id: 'test-abc' })
    }
    await s.zones.closeAll()
  })

  test('a plugin route through the Proxmox client: every command it runs carries its id', async () => {
    const s = await startApp(config())
    const from = s.log.lines.length
    const res = await s.request('/api/v1/lxc/instances?az=az1', { headers: { 'x-request-id': 'test-list' } })
    expect(res.status).toBe(200)
    const lines = hostLines(s, from)
    expect(lines.length).toBeGreaterThan(0)
    for (const l of lines) expect(l.request_id).toBe('test-list')
    await s.zones.closeAll()
  })

  test('failed commands (non-zero exit, unreachable host) carry it too', async () => {
    const s = await startApp(config())
    const from = s.log.lines.length
    expect((await probe(s, ['sh', '-c', 'exit 5'], 'az2', 'test-exit')).status).toBe(500)
    expect((await probe(s, ['true'], 'dead', 'test-dead')).status).toBe(502)
    const lines = hostLines(s, from)
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({ msg: 'host command', exit_code: 5, request_id: 'test-exit' })
    expect(lines[1]).toMatchObject({ msg: 'host command failed', az: 'eu-south-1/dead', request_id: 'test-dead' })
    await s.zones.closeAll()
  })

  test('concurrent requests on one pooled connection (opened by another request) each log their own id', async () => {
    const s = await startApp(config())
    // This request opens the AZ's SSH connection: its socket and ssh2's callbacks are born in its scope.
    expect((await probe(s, ['hostname'], 'az1', 'conn-opener')).status).toBe(200)
    const from = s.log.lines.length
    const ids = Array.from({ length: 12 }, (_, i) => `par-${i}`)
    const answers = await Promise.all(ids.map((id) => probe(s, ['sh', '-c', 'sleep 0.05; echo "$1"', 'x', id], 'az1', id)))
    for (const [i, res] of answers.entries()) expect(await res.json()).toMatchObject({ output: `${ids[i]}\n` })
    const lines = hostLines(s, from)
    expect(lines).toHaveLength(ids.length)
    for (const l of lines) expect(l.request_id).toBe((l.argv as string[])[4]!)
    await s.zones.closeAll()
  })

  test('no request, no request_id: commands run outside a request (start-up, background)', async () => {
    const s = await startApp(config())
    const from = s.log.lines.length
    await s.zones.resolve(undefined, 'az1').exec.run(['true'])
    const lines = hostLines(s, from)
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toHaveProperty('request_id')
    await s.zones.closeAll()
  })
})

describe('the request scope across ssh2 (LoggedExecutor over SshExecutor, no HTTP)', () => {
  const make = () => {
    const ssh = new SshExecutor('test/scope', { host: h1.ip, port: h1.port, user: h1.user, keyFile: h1.keyFile, fingerprint: h1.fingerprint })
    executors.push(ssh)
    const log = memoryLogger()
    return { ssh, log, exec: new LoggedExecutor(ssh, log) }
  }

  test('after awaiting a command or a stream read, the code still sees its own request', async () => {
    const { exec } = make()
    await inRequestScope({ id: 'opener', address: 'a' }, () => exec.run(['true']))
    await Promise.all(
      ['s1', 's2', 's3'].map((id) =>
        inRequestScope({ id, address: 'a' }, async () => {
          await exec.run(['sh', '-c', 'sleep 0.05'])
          expect(currentRequest()?.id).toBe(id)
          const h = await exec.stream(['sh', '-c', 'echo one; sleep 0.05; echo two'])
          const reader = h.stdout.getReader()
          while (!(await reader.read()).done) expect(currentRequest()?.id).toBe(id)
          await h.exited
          expect(currentRequest()?.id).toBe(id)
        }),
      ),
    )
  })

  test("'host stream ended' carries the id of the request that started the stream", async () => {
    const { exec, log } = make()
    await inRequestScope({ id: 'stream-1', address: 'a' }, async () => {
      const h = await exec.stream(['sh', '-c', 'echo hi'])
      expect(await new Response(h.stdout).text()).toBe('hi\n')
      await new Response(h.stderr).text()
      await h.exited
    })
    // A stream started outside any request logs none.
    const h = await exec.stream(['true'])
    await Promise.all([new Response(h.stdout).text(), new Response(h.stderr).text()])
    await h.exited
    await Bun.sleep(10)
    const ended = log.lines.filter((l) => l.msg === 'host stream ended')
    expect(ended).toHaveLength(2)
    expect(ended[0]).toMatchObject({ argv: ['sh', '-c', 'echo hi'], exit_code: 0, request_id: 'stream-1' })
    expect(ended[1]).not.toHaveProperty('request_id')
  })
})
