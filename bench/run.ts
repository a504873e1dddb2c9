/**
 * Benchmarks (numbers for the closing notes; not tests):
 *  1. requests/s on GET /api/v1/health (the compiled binary, real HTTP, N parallel clients)
 *  2. mean latency of `true` over the pooled SSH connection vs a new connection per command
 *  3. cold start of dist/lws to the first answer
 *  4. idle RSS of dist/lws
 * Run: bun run bench (builds dist/lws first if missing; starts a test host).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SshExecutor } from '../src/exec/ssh.ts'
import { startTestHost } from '../tests/pvehost/host.ts'
import { startServer } from '../tests/support/serve.ts'

const ROOT = join(import.meta.dir, '..')
const BIN = join(ROOT, 'dist/lws')

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b)
  const mean = s.reduce((a, b) => a + b, 0) / s.length
  return { mean: +mean.toFixed(2), p50: +s[Math.floor(s.length / 2)]!.toFixed(2), p95: +s[Math.floor(s.length * 0.95)]!.toFixed(2) }
}

async function health(url: string, seconds: number, concurrency: number) {
  let count = 0
  const end = performance.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const r = await fetch(url + '/api/v1/health')
        await r.arrayBuffer()
        count++
      }
    }),
  )
  return Math.round(count / seconds)
}

function rssKiB(pid: number): number {
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string
  return Number(status.match(/VmRSS:\s+(\d+)/)![1])
}

async function main() {
  if (!existsSync(BIN)) Bun.spawnSync([process.execPath, 'run', 'build'], { cwd: ROOT, stdout: 'inherit' })
  const work = mkdtempSync(join(tmpdir(), 'lws-bench-'))
  const cfg = join(work, 'lws.config.yaml')
  writeFileSync(cfg, 'api_key: bench-key-123\napi: { host: 127.0.0.1, port: 0 }\nregions:\n  l:\n    availability_zones:\n      a: { host: localhost, local: true }\n')

  // Cold start: spawn → first 200 from /health.
  const cold: number[] = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    const s = await startServer([BIN, 'serve', '--config', cfg], { cwd: work })
    while ((await fetch(s.url + '/api/v1/health').catch(() => null))?.status !== 200) await Bun.sleep(1)
    cold.push(performance.now() - t0)
    await s.stop()
  }

  const s = await startServer([BIN, 'serve', '--config', cfg], { cwd: work })
  await Bun.sleep(1000)
  const idleRss = rssKiB(s.proc.pid)
  await health(s.url, 1, 8) // warm-up
  const rps = await health(s.url, 5, 32)
  const loadedRss = rssKiB(s.proc.pid)
  await s.stop()

  const host = await startTestHost({ name: 'pve-bench', ip: '127.0.0.20', auth: 'key' })
  const target = { host: host.ip, port: host.port, user: 'root', keyFile: host.keyFile }
  const N = 200
  const pooled = new SshExecutor('bench', target)
  await pooled.run(['true'])
  const seq: number[] = []
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    await pooled.run(['true'])
    seq.push(performance.now() - t0)
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: N }, () => pooled.run(['true'])))
  const concurrentPer = (performance.now() - t0) / N
  await pooled.close()
  const fresh: number[] = []
  for (let i = 0; i < 50; i++) {
    const e = new SshExecutor('bench-fresh', target)
    const t1 = performance.now()
    await e.run(['true'])
    fresh.push(performance.now() - t1)
    await e.close()
  }
  await host.stop()

  const result = {
    health_requests_per_s: rps,
    cold_start_ms: stats(cold),
    idle_rss_mib: +(idleRss / 1024).toFixed(1),
    rss_after_load_mib: +(loadedRss / 1024).toFixed(1),
    ssh_pooled_sequential_ms: stats(seq),
    ssh_pooled_concurrent_ms_per_command: +concurrentPer.toFixed(2),
    ssh_new_connection_per_command_ms: stats(fresh),
  }
  console.log(JSON.stringify(result, null, 2))
}

await main()
