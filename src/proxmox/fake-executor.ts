/**
 * Test double for Executor: records every argv and answers from a list of
 * routes (first whose prefix matches wins). For tests (this layer and plugins);
 * not used by production code.
 */
import type { Executor, RunOptions, RunResult, StreamHandle } from '../exec/executor.ts'

export interface Call {
  argv: string[]
  opts: RunOptions | undefined
}

type Reply = Partial<RunResult> | ((argv: readonly string[]) => Partial<RunResult>)

export class FakeExecutor implements Executor {
  readonly label = 'test/az1'
  readonly calls: Call[] = []
  private readonly routes: Array<{ prefix: string[]; reply: Reply; times?: number }> = []

  /** Answer commands starting with `prefix` (optionally only `times` times). */
  on(prefix: string[], reply: Reply, times?: number): this {
    this.routes.push({ prefix, reply, times })
    return this
  }

  async run(argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.calls.push({ argv: [...argv], opts })
    const route = this.routes.find((r) => (r.times ?? 1) > 0 && r.prefix.every((p, i) => argv[i] === p))
    if (!route) return { stdout: '', stderr: `fake: no route for ${argv.join(' ')}\n`, exitCode: 127, durationMs: 0 }
    if (route.times !== undefined) route.times--
    const r = typeof route.reply === 'function' ? route.reply(argv) : route.reply
    return { stdout: '', stderr: '', exitCode: 0, durationMs: 1, ...r }
  }

  /** Records argv like `run`; the streams are empty and the command "exits" 0 at once. */
  async stream(argv: readonly string[], opts?: Omit<RunOptions, 'timeoutMs'>): Promise<StreamHandle> {
    this.calls.push({ argv: [...argv], opts })
    const empty = () => new ReadableStream<Uint8Array>({ start: (c) => c.close() })
    return { stdout: empty(), stderr: empty(), exited: Promise.resolve(0), kill() {} }
  }

  async close(): Promise<void> {}

  argvs(): string[][] {
    return this.calls.map((c) => c.argv)
  }
}

export const CONFIG_MISSING = (vmid: string | number, node = 'pve1') => ({
  stderr: `Configuration file 'nodes/${node}/lxc/${vmid}.conf' does not exist\n`,
  exitCode: 255,
})
