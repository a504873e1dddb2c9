/**
 * What the read endpoints cost (numbers for the closing notes; not a test).
 * Starts the two Proxmox test hosts and an LWS app in-process against them,
 * then, per read endpoint, sequentially: p50/p95 latency, host commands per
 * request (counted by a wrapping ExecutorFactory, below the shares and
 * single-flight, as the 'host command' log lines are), and the ratio to the
 * floor: `pct list` over an already open SSH connection to the same host,
 * measured in the same run.
 *
 * Run: bun run bench:reads (root; LWS_TEST_PORT picks the hosts' sshd port, default 2222).
 */
import { SshExecutor } from '../src/exec/ssh.ts'
import { KEY } from '../tests/http/harness.ts'
import { startTestHosts, TEST_PORT, type TestHost } from '../tests/pvehost/host.ts'
import { regionsYaml } from '../tests/support/plugin-env.ts'
import { countingApp } from '../tests/plugins/px/counting.ts'

const N = Number(process.env.BENCH_N || 30)
const CT = '9481'
const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz'

const pct = (s: number[], p: number) => +[...s].sort((a, b) => a - b)[Math.min(s.length - 1, Math.floor(s.length * p))]!.toFixed(1)

async function must(h: TestHost, argv: string[]): Promise<void> {
  const r = await h.exec(argv)
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`)
}

const [h1, h2] = await startTestHosts(TEST_PORT)
try {
  await h1.exec(['sh', '-c', 'pct destroy "$1" --force 1 --purge 1 >/dev/null 2>&1; true', 'sh', CT])
  await must(h1, ['pct', 'create', CT, TEMPLATE, '--hostname', 'bench-reads', '--rootfs', 'local-lvm:1'])
  await must(h1, ['pct', 'start', CT])
  await must(h1, ['pct', 'snapshot', CT, 'bench1'])

  // The floor: `pct list` over an open SSH connection to h1 (what one host command costs at least).
  const ssh = new SshExecutor('floor', { host: h1.ip, port: h1.port, user: 'root', keyFile: h1.keyFile, password: h1.password })
  await ssh.run(['true'])
  for (let i = 0; i < 3; i++) await ssh.run(['pct', 'list'])
  const floor: number[] = []
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    const r = await ssh.run(['pct', 'list'])
    floor.push(performance.now() - t0)
    if (r.exitCode !== 0) throw new Error(`pct list: ${r.stderr}`)
  }
  await ssh.close()
  const floorP50 = pct(floor, 0.5)

  const app = await countingApp(`
api_key: ${KEY}
${regionsYaml(h1, h2)}
`)
  const endpoints = [
    '/px/status?az=az1',
    '/px/storage?az=az1',
    '/px/templates?az=az1',
    '/px/templates?az=az1&available=true',
    '/lxc/instances?az=az1',
    '/lxc/instances',
    `/lxc/instances/${CT}?az=az1`,
    `/lxc/instances/${CT}/resources?az=az1`,
    `/lxc/instances/${CT}/snapshots?az=az1`,
  ]
  // Warm up: connections open, node names discovered (once per AZ).
  for (const path of endpoints) for (let i = 0; i < 2; i++) await app.get(path)

  const rows = []
  for (const path of endpoints) {
    const ms: number[] = []
    let commands = 0
    for (let i = 0; i < N; i++) {
      const t0 = performance.now()
      const r = await app.measure(path)
      ms.push(performance.now() - t0)
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
      commands += r.commands.length
    }
    const p50 = pct(ms, 0.5)
    const azs = path.includes('az=') ? 1 : 2
    rows.push({ endpoint: `GET ${path}`, p50_ms: p50, p95_ms: pct(ms, 0.95), host_commands_per_request: +(commands / N).toFixed(2), azs, ratio_p50_to_floor: +(p50 / floorP50).toFixed(2) })
  }
  await app.zones.closeAll()

  console.log(`floor: pct list over an open SSH connection to ${h1.name}: p50 ${floorP50} ms, p95 ${pct(floor, 0.95)} ms (${N} runs)`)
  console.table(rows)
  console.log(JSON.stringify({ n: N, floor_pct_list_ms: { p50: floorP50, p95: pct(floor, 0.95) }, endpoints: rows }))
} finally {
  await h1.exec(['sh', '-c', 'pct stop "$1" >/dev/null 2>&1; pct destroy "$1" --purge 1 >/dev/null 2>&1; true', 'sh', CT]).catch(() => {})
  await Promise.all([h1.stop(), h2.stop()])
}
