/**
 * Test double for Executor: records every argv and answers from a list of
 * routes (first whose prefix matches wins). A batched read (batch.ts) is one
 * call, answered part by part from the same routes, as the script on a host
 * would: `commands()` lists what would have run on the host. A detached task
 * (jobs.ts) is recorded as its own argv and answered from the routes when it
 * starts; its polls, stops and removal are answered from that result and not
 * recorded. For tests (this layer and plugins); not used by production code.
 */
import { ProgramMissingError } from '../errors/catalogue.ts'
import type { Executor, RunOptions, RunResult, StreamHandle } from '../exec/executor.ts'
import { activeStorages, batchOf, envelope, partArgv } from './batch.ts'

export interface Call {
  argv: string[]
  opts: RunOptions | undefined
}

type Reply = Partial<RunResult> | ((argv: readonly string[]) => Partial<RunResult>)

export class FakeExecutor implements Executor {
  readonly label = 'test/az1'
  /** Every executor call: one per host round trip (a batch is one). */
  readonly calls: Call[] = []
  private readonly ran: string[][] = []
  private readonly routes: Array<{ prefix: string[]; reply: Reply; times?: number }> = []
  /** Programs the "host" does not have: a part running one reports `missing`, a direct call exits 127. */
  readonly missing = new Set<string>()

  /** Answer commands starting with `prefix` (optionally only `times` times). */
  on(prefix: string[], reply: Reply, times?: number): this {
    this.routes.push({ prefix, reply, times })
    return this
  }

  private answer(argv: readonly string[]): RunResult {
    this.ran.push([...argv])
    const route = this.routes.find((r) => (r.times ?? 1) > 0 && r.prefix.every((p, i) => argv[i] === p))
    if (!route) return { stdout: '', stderr: `fake: no route for ${argv.join(' ')}\n`, exitCode: 127, durationMs: 0 }
    if (route.times !== undefined) route.times--
    const r = typeof route.reply === 'function' ? route.reply(argv) : route.reply
    return { stdout: '', stderr: '', exitCode: 0, durationMs: 1, ...r }
  }

  private readonly jobs = new Map<string, RunResult>()

  /** The job scripts of jobs.ts: `sh -c <script> lws-job-<verb> …`. */
  private job(argv: readonly string[], opts: RunOptions | undefined): RunResult | undefined {
    if (argv[0] !== 'sh' || argv[1] !== '-c' || !argv[3]?.startsWith('lws-job-')) return undefined
    const verb = argv[3].slice('lws-job-'.length)
    const ok = (stdout: string): RunResult => ({ stdout, stderr: '', exitCode: 0, durationMs: 1 })
    if (verb === 'start') {
      const [dir, name, ...inner] = argv.slice(4)
      const path = `${dir}/${name}`
      if (this.jobs.has(path)) return ok('exists\n')
      this.calls.push({ argv: inner, opts })
      this.jobs.set(path, this.answer(inner))
      return ok(`started ${Math.floor(Date.now() / 1000)}\n`)
    }
    const path = argv[4]!
    const r = this.jobs.get(path)
    if (verb === 'remove') this.jobs.delete(path)
    if (verb !== 'poll') return ok('')
    if (!r) return ok('gone\n0 0\n\n\n')
    const [o, e] = [Number(argv[5]), Number(argv[6])]
    const out = new TextEncoder().encode(r.stdout)
    const err = new TextEncoder().encode(r.stderr)
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
    return ok(`rc ${r.exitCode}\n${out.length} ${err.length}\n${b64(out.subarray(o))}\n${b64(err.subarray(e))}\n`)
  }

  async run(argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    const job = this.job(argv, opts)
    if (job) return job
    this.calls.push({ argv: [...argv], opts })
    const batch = batchOf(argv)
    if (!batch) {
      if (this.missing.has(argv[0]!)) throw new ProgramMissingError(this.label, argv, false)
      return this.answer(argv)
    }
    const parts: Array<Parameters<typeof envelope>[0][number]> = []
    const part = (name: string, a: string[]) => {
      if (this.missing.has(a[0]!)) return parts.push({ name, stdout: '', stderr: '', rc: 'missing' })
      const r = this.answer(a)
      return parts.push({ name, stdout: r.stdout, stderr: r.stderr, rc: r.exitCode })
    }
    for (const step of batch.spec.steps) {
      if ('part' in step) part(step.part.name, partArgv(step.part, batch.args))
      else {
        const from = parts.find((p) => p.name === step.each.from)!
        for (const sid of activeStorages(from.stdout)) part(`${step.each.part.name}:${sid}`, partArgv(step.each.part, batch.args, sid))
      }
    }
    return { ...envelope(parts), exitCode: 0, durationMs: 1 }
  }

  /** Records argv like `run`; the streams are empty and the command "exits" 0 at once. */
  async stream(argv: readonly string[], opts?: Omit<RunOptions, 'timeoutMs'>): Promise<StreamHandle> {
    this.calls.push({ argv: [...argv], opts })
    this.ran.push([...argv])
    const empty = () => new ReadableStream<Uint8Array>({ start: (c) => c.close() })
    return { stdout: empty(), stderr: empty(), exited: Promise.resolve(0), kill() {} }
  }

  async close(): Promise<void> {}

  /** The argv of every executor call (a batch shows as its `sh -c` argv). */
  argvs(): string[][] {
    return this.calls.map((c) => c.argv)
  }

  /** Every command the host would have run, batches expanded into their parts. */
  commands(): string[][] {
    return this.ran.map((a) => [...a])
  }
}

export const CONFIG_MISSING = (vmid: string | number, node = 'pve1') => ({
  stderr: `Configuration file 'nodes/${node}/lxc/${vmid}.conf' does not exist\n`,
  exitCode: 255,
})
