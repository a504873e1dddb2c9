/**
 * Runs argv on this machine with Bun.spawn: no shell is involved, so no
 * quoting is needed and none is done.
 */
import { CommandError, HostTimeoutError, ProgramMissingError } from '../errors/catalogue.ts'
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  OutputCollector,
  type Executor,
  type RunOptions,
  type RunResult,
  type StreamHandle,
  type StreamOptions,
} from './executor.ts'

function killGroup(proc: { pid: number; exitCode: number | null; kill(sig?: number | NodeJS.Signals): void }): void {
  if (proc.exitCode !== null) return
  try {
    process.kill(-proc.pid, 'SIGKILL')
  } catch {
    proc.kill('SIGKILL')
  }
}

/**
 * Reads the pipe to its end even past the cap: stopping would block the
 * command on a full pipe until the timeout killed it.
 */
async function drain(stream: ReadableStream<Uint8Array>, into: OutputCollector): Promise<void> {
  for await (const chunk of stream) into.push(chunk)
}

export class LocalExecutor implements Executor {
  constructor(
    readonly label: string,
    private readonly defaultTimeoutMs = 60_000,
    private readonly defaultMaxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES,
  ) {}

  private spawn(argv: readonly string[], stdin?: string | Uint8Array) {
    try {
      return Bun.spawn([...argv], {
        stdin: stdin === undefined ? 'ignore' : 'pipe',
        stdout: 'pipe',
        stderr: 'pipe',
        // Own process group, so a timeout kills the command's children too
        // (they would otherwise hold stdout open).
        detached: true,
      })
    } catch (err) {
      // Nothing ran. A missing program is its own error (the Proxmox layer
      // tells "not a Proxmox VE host" from it); the rest as a shell would say it.
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new ProgramMissingError(this.label, argv, true)
      const why = code === 'EACCES' ? 'permission denied' : code === 'ENOEXEC' ? 'not an executable program' : (err as Error).message
      throw new CommandError(this.label, argv, '', `cannot start ${argv[0]}: ${why}`, code === 'EACCES' || code === 'ENOEXEC' ? 126 : 1)
    }
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const started = performance.now()
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs
    const proc = this.spawn(argv, opts.stdin)
    if (opts.stdin !== undefined && proc.stdin) {
      proc.stdin.write(opts.stdin)
      await proc.stdin.end()
    }
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(proc)
    }, timeoutMs)
    const onAbort = () => killGroup(proc)
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    const limit = opts.maxOutputBytes ?? this.defaultMaxOutputBytes
    const out = new OutputCollector(limit)
    const err = new OutputCollector(limit)
    try {
      const [, , exitCode] = await Promise.all([drain(proc.stdout, out), drain(proc.stderr, err), proc.exited])
      if (timedOut) throw new HostTimeoutError(this.label, timeoutMs)
      return {
        stdout: out.text(),
        stderr: err.text(),
        exitCode,
        durationMs: performance.now() - started,
        truncated: { stdout: out.truncated, stderr: err.truncated },
      }
    } finally {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }

  async stream(argv: readonly string[], opts: StreamOptions = {}): Promise<StreamHandle> {
    const proc = this.spawn(argv, opts.stdin)
    if (opts.stdin !== undefined && proc.stdin) {
      proc.stdin.write(opts.stdin)
      await proc.stdin.end()
    }
    const kill = () => killGroup(proc)
    opts.signal?.addEventListener('abort', kill, { once: true })
    return { stdout: proc.stdout, stderr: proc.stderr, exited: proc.exited, kill }
  }

  async close(): Promise<void> {}
}
