/**
 * The HTTP edge under hostile bodies (numbers for the closing note; not a test).
 * Against the compiled binary, on loopback:
 *  - floor: GET /api/v1/health latency with nothing else going on
 *  - the same while 50 hostile bodies (deep JSON, huge invalid arrays) arrive at once
 *  - how long a deep body takes to be refused (400)
 *  - RSS before and after the hostile rounds
 * Run: bun bench/edge.ts (builds dist/lws first).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, buildBinaryOnce } from '../tests/support/binary.ts'
import { rawRequest, requestHead } from '../tests/support/raw-http.ts'
import { startServer } from '../tests/support/serve.ts'

const KEY = 'bench-edge-key-1234'
const pct = (s: number[], p: number) => +[...s].sort((a, b) => a - b)[Math.min(s.length - 1, Math.floor(s.length * p))]!.toFixed(2)
const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024

await buildBinaryOnce()
const work = mkdtempSync(join(tmpdir(), 'lws-bench-edge-'))
writeFileSync(join(work, 'c.yaml'), `api_key: ${KEY}\napi: { host: 127.0.0.1, port: 0 }\nregions:\n  r:\n    availability_zones:\n      a: { host: localhost, local: true }\n`)
const server = await startServer([BIN, 'serve', '--config', join(work, 'c.yaml')], { cwd: work })
const port = Number(new URL(server.url).port)
const health = () => rawRequest(port, requestHead('GET', '/api/v1/health', { host: 'localhost' })).then((r) => r.ms)
const hostile = [
  '['.repeat(900_000),
  '{"a":'.repeat(150_000),
  JSON.stringify({ instance_ids: Array.from({ length: 100_000 }, () => ({})) }),
  JSON.stringify({ hostname: 'x'.repeat(900_000) }),
]
const attack = (i: number) => {
  const b = hostile[i % hostile.length]!
  return rawRequest(port, requestHead('POST', '/api/v1/lxc/instances/start', { host: 'localhost', 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': String(b.length) }), b, 60_000)
}

for (let i = 0; i < 50; i++) await health() // warm up
const floor: number[] = []
for (let i = 0; i < 300; i++) floor.push(await health())
const rssBefore = rss(server.proc.pid)

const underAttack: number[] = []
const refusedMs: number[] = []
for (let round = 0; round < 5; round++) {
  const attacks = Array.from({ length: 50 }, (_, i) => attack(i).then((r) => (r.status === 400 && refusedMs.push(r.ms), r.status)))
  let done = false
  const all = Promise.all(attacks).then((s) => ((done = true), s))
  while (!done) underAttack.push(await health())
  const statuses = await all
  if (statuses.some((s) => s !== 400)) console.error('unexpected statuses', statuses)
}
const rssAfter = rss(server.proc.pid)
await server.stop()

const f50 = pct(floor, 0.5), a50 = pct(underAttack, 0.5), a99 = pct(underAttack, 0.99)
console.log(JSON.stringify({
  health_floor_ms: { p50: f50, p99: pct(floor, 0.99) },
  health_under_50_hostile_bodies_ms: { p50: a50, p99: a99, max: pct(underAttack, 1), samples: underAttack.length },
  ratio_p50_vs_floor: +(a50 / f50).toFixed(2),
  hostile_body_refused_ms: { p50: pct(refusedMs, 0.5), p99: pct(refusedMs, 0.99), n: refusedMs.length },
  rss_mib: { before: +rssBefore.toFixed(1), after: +rssAfter.toFixed(1) },
}, null, 2))
