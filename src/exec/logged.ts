/**
 * Wraps an executor so every host command leaves one structured log line
 * (AZ, argv with secrets masked, exit code, duration, dropped output, the
 * request it ran for) and is counted in the metrics, whichever transport ran
 * it.
 */
import { MASK } from '../config/mask.ts'
import { currentRequest } from '../context/request-scope.ts'
import { LwsError } from '../errors/catalogue.ts'
import type { Logger } from '../log.ts'
import { observeHostCommand, type LwsMetrics } from '../metrics/metrics.ts'
import { wasTruncated, type Executor, type RunOptions, type RunResult, type StreamHandle, type StreamOptions } from './executor.ts'

export function maskArgv(argv: readonly string[], secretArgs: readonly number[] = []): string[] {
  return argv.map((a, i) => (secretArgs.includes(i) ? MASK : a))
}

/**
 * The argv as a log line shows it: secrets masked, and a fixed batch script
 * (`sh -c <script> lws-<name> args…`, src/proxmox/batch.ts) named instead of
 * printed — its text is constant, about 1 KiB, and only the arguments vary.
 */
function shownArgv(argv: readonly string[], secretArgs?: readonly number[]): string[] {
  const shown = maskArgv(argv, secretArgs)
  if (shown[0] === 'sh' && shown[1] === '-c' && shown[3]?.startsWith('lws-')) shown[2] = `<batch ${shown[3]}>`
  return shown
}

/**
 * A detached task's start (`sh -c <script> lws-job-start <dir> <name> argv…`,
 * src/proxmox/jobs.ts) is logged as the task it starts, with its job name;
 * the polls that follow it are debug lines (one a second per task).
 */
function jobOf(argv: readonly string[]): { verb: string; name?: string; inner?: number } | undefined {
  if (argv[0] !== 'sh' || argv[1] !== '-c' || !argv[3]?.startsWith('lws-job-')) return undefined
  const verb = argv[3].slice('lws-job-'.length)
  return verb === 'start' ? { verb, name: argv[5], inner: 6 } : { verb }
}

/**
 * `{ request_id }` of the request being served, `{}` outside one. Read when
 * the command starts, in the caller's async context: the log line is written
 * later, from wherever the transport resolved it.
 */
function requestFields(): { request_id?: string } {
  const id = currentRequest()?.id
  return id ? { request_id: id } : {}
}

export class LoggedExecutor implements Executor {
  constructor(
    readonly inner: Executor,
    private readonly log: Logger,
    private readonly metrics?: LwsMetrics,
  ) {}

  get label(): string {
    return this.inner.label
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const started = performance.now()
    const job = jobOf(argv)
    let shown = shownArgv(argv, opts.secretArgs)
    if (job?.inner !== undefined) shown = shown.slice(job.inner)
    const request = requestFields()
    try {
      const res = await this.inner.run(argv, opts)
      this.log[job && job.verb !== 'start' ? 'debug' : 'info']('host command', {
        az: this.label,
        argv: shown,
        ...(job?.name ? { detached: job.name } : {}),
        exit_code: res.exitCode,
        duration_ms: Math.round(res.durationMs * 10) / 10,
        ...(wasTruncated(res) ? { truncated: res.truncated } : {}),
        ...request,
      })
      observeHostCommand(this.metrics, { az: this.label, argv, exitCode: res.exitCode, seconds: res.durationMs / 1000 })
      return res
    } catch (err) {
      const ms = performance.now() - started
      this.log.warn('host command failed', {
        az: this.label,
        argv: shown,
        error: err instanceof LwsError ? err.details : String(err),
        duration_ms: Math.round(ms * 10) / 10,
        ...request,
      })
      observeHostCommand(this.metrics, { az: this.label, argv, exitCode: null, seconds: ms / 1000 })
      throw err
    }
  }

  async stream(argv: readonly string[], opts: StreamOptions = {}): Promise<StreamHandle> {
    const started = performance.now()
    const request = requestFields()
    const seconds = () => (performance.now() - started) / 1000
    let handle: StreamHandle
    try {
      handle = await this.inner.stream(argv, opts)
    } catch (err) {
      observeHostCommand(this.metrics, { az: this.label, argv, exitCode: null, seconds: seconds() })
      throw err
    }
    const shown = shownArgv(argv, opts.secretArgs)
    handle.exited.then(
      (code) => {
        this.log.info('host stream ended', {
          az: this.label,
          argv: shown,
          exit_code: code,
          duration_ms: Math.round(performance.now() - started),
          ...request,
        })
        observeHostCommand(this.metrics, { az: this.label, argv, exitCode: code, seconds: seconds() })
      },
      // The consumer sees the rejection through its own handle; here it is only counted.
      () => observeHostCommand(this.metrics, { az: this.label, argv, exitCode: null, seconds: seconds() }),
    )
    return handle
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
