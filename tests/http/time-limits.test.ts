/**
 * The two time limits over HTTP: a quick command is stopped at
 * api.command_timeout, a long task (container create, Docker setup,
 * template download) at api.task_timeout and not sooner.
 *
 * The Proxmox stand-ins answer at once and have no "take N seconds" knob,
 * so the long tasks run against a FakeExecutor whose slow command is a real
 * `sleep` run by the LocalExecutor: the timeout, the kill and the 504 are
 * the real ones. The quick command runs on a local AZ through the probe
 * fixture plugin, with the registry's own executor.
 */
import { describe, expect, test } from 'bun:test'
import { builtinPlugins } from '../../plugins/index.ts'
import { swaggerAssets, uiAssets } from '../../src/assets/bun-embedded.ts'
import { parseConfigText, resolveConfig } from '../../src/config/load.ts'
import type { Executor, RunOptions, RunResult, StreamHandle, StreamOptions } from '../../src/exec/executor.ts'
import { LocalExecutor } from '../../src/exec/local.ts'
import { memoryLogger } from '../../src/log.ts'
import { FakeExecutor } from '../../src/proxmox/fake-executor.ts'
import { buildServer } from '../../src/server.ts'
import { errorBody, KEY, startApp } from './harness.ts'

const LIMITS = 'api:\n  command_timeout: 1\n  task_timeout: 2\n'
const YAML = `
api_key: ${KEY}
${LIMITS}
start_vmid: 17000
regions:
  r1:
    availability_zones:
      a1: { host: 127.0.0.1, local: true, node: pve1 }
instance_sizes:
  small: { memory: 256, storage: "local-lvm:1" }
`
const IMAGE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst'

/** A sleep nobody else runs, so the test can tell that exactly this one was killed. */
const uniqueSleep = () => `977.${process.pid}${Date.now() % 100000}`

async function stillRunning(secs: string): Promise<boolean> {
  const p = Bun.spawn(['pgrep', '-f', `^sleep ${secs}$`], { stdout: 'pipe' })
  return (await new Response(p.stdout).text()).trim() !== ''
}

/**
 * FakeExecutor answers, except that commands `isSlow` picks run a real
 * `sleep` with the options the route passed — so they end only by their
 * timeout. Records each slow call's timeout.
 */
class SlowCommands implements Executor {
  readonly label = 'r1/a1'
  readonly fake = new FakeExecutor()
  readonly slow: Array<{ argv: string[]; timeoutMs: number | undefined }> = []
  readonly sleepArg = uniqueSleep()
  private readonly real: LocalExecutor

  constructor(
    private readonly isSlow: (argv: readonly string[]) => boolean,
    commandTimeoutMs: number,
  ) {
    // The registry's local executor defaults to api.command_timeout too: a route that passes no limit gets exactly that.
    this.real = new LocalExecutor(this.label, commandTimeoutMs)
  }

  /** Detached tasks (src/proxmox/jobs.ts) that run for real: their polls and stops go to this machine too. */
  private readonly realJobs = new Set<string>()

  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    const job = argv[0] === 'sh' && argv[1] === '-c' ? argv[3] : undefined
    if (job === 'lws-job-start' && this.isSlow(argv.slice(6))) {
      // A worker task started detached: the real job scripts run, with the sleep as its command; its time limit is the follow's.
      this.slow.push({ argv: argv.slice(6), timeoutMs: undefined })
      this.realJobs.add(argv[5]!)
      return this.real.run([...argv.slice(0, 6), 'sleep', this.sleepArg], { ...opts, secretArgs: undefined })
    }
    if (job?.startsWith('lws-job-') && this.realJobs.has(argv[4]!.split('/').pop()!)) return this.real.run(argv, opts)
    if (!this.isSlow(argv)) return this.fake.run(argv, opts)
    this.slow.push({ argv: [...argv], timeoutMs: opts?.timeoutMs })
    return this.real.run(['sleep', this.sleepArg], { ...opts, secretArgs: undefined, stdin: undefined })
  }

  stream(argv: readonly string[], opts?: StreamOptions): Promise<StreamHandle> {
    return this.fake.stream(argv, opts)
  }

  async close(): Promise<void> {}
}

async function appWith(exec: SlowCommands) {
  const raw = parseConfigText(YAML, '(inline)') as Record<string, unknown>
  raw.plugins_dir = '/nonexistent'
  const config = resolveConfig(raw, '(inline)', { env: {} })
  const parts = await buildServer({
    config,
    builtins: builtinPlugins,
    assets: { swagger: swaggerAssets, ui: uiAssets },
    log: memoryLogger(),
    executorFactory: () => exec,
  })
  const post = async (path: string, body: unknown) => {
    const t0 = performance.now()
    const res = await parts.fetch(
      new Request(`http://localhost/api/v1${path}`, {
        method: 'POST',
        headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    )
    return { status: res.status, body: await errorBody(res), ms: performance.now() - t0 }
  }
  return { post, config }
}

const json = (v: unknown) => ({ stdout: JSON.stringify(v) })
const running = (vmid: number) => json({ vmid, name: `CT${vmid}`, status: 'running', type: 'lxc', cpus: 1, maxmem: 268435456, mem: 1 })
const isExecOf = (argv: readonly string[], text: string) => argv[0] === 'pct' && argv[1] === 'exec' && (argv.at(-1) ?? '').includes(text)

/** Stopped by the task limit (2 s), so neither by the command limit (1 s) nor by a built-in one (minutes). */
function expectTaskLimit(r: { status: number; ms: number }) {
  expect(r.status).toBe(504)
  expect(r.ms).toBeGreaterThanOrEqual(1900)
  expect(r.ms).toBeLessThan(4000)
}

describe('api.command_timeout: quick host commands', () => {
  test('a command on an AZ is stopped after api.command_timeout (1 s) → 504, and killed', async () => {
    const s = await startApp(`
api_key: ${KEY}
${LIMITS}
regions:
  r1:
    availability_zones:
      a1: { host: localhost, local: true }
`)
    const secs = uniqueSleep()
    const t0 = performance.now()
    const res = await s.json('/api/v1/probe/run', { argv: ['sleep', secs] })
    const ms = performance.now() - t0
    expect(res.status).toBe(504)
    const body = await errorBody(res)
    expect(body.code).toBe('HOST_TIMEOUT')
    expect(body.details).toMatch(/within (1 s|1000 ms)\b/)
    expect(ms).toBeGreaterThanOrEqual(950)
    expect(ms).toBeLessThan(1900)
    expect(await stillRunning(secs)).toBe(false)
  })

  test('exec without `timeout` gets api.command_timeout; its own `timeout` wins', async () => {
    const exec = new SlowCommands((argv) => isExecOf(argv, 'sleep'), 1000)
    const { post } = await appWith(exec)
    const quick = await post('/lxc/instances/17000/exec', { command: 'sleep 30' })
    expect(quick.status).toBe(504)
    expect(quick.ms).toBeGreaterThanOrEqual(950)
    expect(quick.ms).toBeLessThan(1900)
    const own = await post('/lxc/instances/17000/exec', { command: 'sleep 30', timeout: 2 })
    expectTaskLimit(own)
    expect(exec.slow.map((c) => c.timeoutMs)).toEqual([1000, 2000])
    expect(await stillRunning(exec.sleepArg)).toBe(false)
  })
})

describe('api.task_timeout: long tasks', () => {
  test('POST /lxc/instances: pct create is stopped at api.task_timeout (2 s), not at the command timeout', async () => {
    const exec = new SlowCommands((argv) => argv[0] === 'pct' && argv[1] === 'create', 1000)
    exec.fake
      .on(['pvesh', 'get', '/nodes/pve1/storage/local/content'], json([{ volid: IMAGE, size: 1, format: 'tzst', content: 'vztmpl' }]))
      .on(['pvesh', 'get', '/cluster/resources'], { stdout: '[]' })
      // What a killed create leaves behind, which the route then removes.
      .on(['pvesh', 'get', '/nodes/pve1/lxc/17000/status/current'], json({ vmid: 17000, status: 'stopped', lock: 'create' }))
      .on(['pct', 'unlock', '17000'], {})
      .on(['pct', 'destroy', '17000'], {})
    const { post } = await appWith(exec)
    const r = await post('/lxc/instances', { image_id: IMAGE })
    expectTaskLimit(r)
    expect(r.body.code).toBe('HOST_TIMEOUT')
    expect(r.body.details).toMatch(/within (2 s|2000 ms)\b/)
    // Detached (src/proxmox/jobs.ts): the limit is the follow's, and the stop a SIGTERM to the task.
    expect(exec.slow.map((c) => c.argv.slice(0, 3))).toEqual([['pct', 'create', '17000']])
    expect(await stillRunning(exec.sleepArg)).toBe(false)
  })

  test('POST /px/templates/download: pveam download is stopped at api.task_timeout', async () => {
    const exec = new SlowCommands((argv) => argv[0] === 'pveam' && argv[1] === 'download', 1000)
    exec.fake
      .on(['true'], {})
      .on(['pvesh', 'get', '/nodes/pve1/storage'], json([{ storage: 'local', type: 'dir', content: 'vztmpl,iso', enabled: 1, active: 1 }]))
    const { post } = await appWith(exec)
    const r = await post('/px/templates/download', { storage: 'local', template: 'debian-12-standard_12.7-1_amd64.tar.zst' })
    expectTaskLimit(r)
    expect(exec.slow.map((c) => c.argv.slice(0, 2))).toEqual([['pveam', 'download']])
    expect(await stillRunning(exec.sleepArg)).toBe(false)
  })

  test('POST .../app/setup: the whole installation shares api.task_timeout; the probe is a quick command', async () => {
    const exec = new SlowCommands((argv) => isExecOf(argv, 'apt-get update'), 1000)
    exec.fake
      .on(['pvesh', 'get', '/nodes/pve1/lxc/17000/status/current'], running(17000))
      .on(['pct', 'config', '17000', '--current'], { stdout: 'arch: amd64\nfeatures: keyctl=1,nesting=1\nhostname: ct\nmemory: 256\nostype: debian\n' })
      .on(['pct', 'exec', '17000'], { stdout: 'docker=0\nos_id=debian\nos_like=\nos_version=12\n' })
    const { post } = await appWith(exec)
    const r = await post('/lxc/instances/17000/app/setup', {})
    expectTaskLimit(r)
    expect(r.body.details).toBe("r1/a1: app setup did not finish within api.task_timeout (2 s); step 'update the package index' was stopped")
    // The budget counts from the start of the request, so the step gets what is left of the 2 s.
    expect(exec.slow[0]!.timeoutMs).toBeLessThanOrEqual(2000)
    expect(exec.slow[0]!.timeoutMs).toBeGreaterThan(1500)
    const probe = exec.fake.calls.find((c) => isExecOf(c.argv, 'command -v docker'))
    expect(probe?.opts?.timeoutMs).toBe(1000)
    expect(await stillRunning(exec.sleepArg)).toBe(false)
  })
})
