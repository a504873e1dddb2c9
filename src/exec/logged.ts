/**
 * Wraps an executor so every host command leaves one structured log line
 * (AZ, argv with secrets masked, exit code, duration, dropped output), whichever
 * transport ran it.
 */
import { MASK } from '../config/mask.ts'
import { LwsError } from '../errors/catalogue.ts'
import type { Logger } from '../log.ts'
import { wasTruncated, type Executor, type RunOptions, type RunResult, type StreamHandle, type StreamOptions } from './executor.ts'

export function maskArgv(argv: readonly string[], secretArgs: readonly number[] = []): string[] {
  return argv.map((a, i) => (secretArgs.includes(i) ? MASK : a))
}

export class LoggedExecutor implements Executor {
  constructor(
    readonly inner: Executor,
    private readonly log: Logger,
  ) {}

  get label(): string {
    return this.inner.label
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const started = performance.now()
    const shown = maskArgv(argv, opts.secretArgs)
    try {
      const res = await this.inner.run(argv, opts)
      this.log.info('host command', {
        az: this.label,
        argv: shown,
        exit_code: res.exitCode,
        duration_ms: Math.round(res.durationMs * 10) / 10,
        ...(wasTruncated(res) ? { truncated: res.truncated } : {}),
      })
      return res
    } catch (err) {
      this.log.warn('host command failed', {
        az: this.label,
        argv: shown,
        error: err instanceof LwsError ? err.details : String(err),
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
      })
      throw err
    }
  }

  async stream(argv: readonly string[], opts: StreamOptions = {}): Promise<StreamHandle> {
    const started = performance.now()
    const handle = await this.inner.stream(argv, opts)
    const shown = maskArgv(argv, opts.secretArgs)
    handle.exited.then((code) =>
      this.log.info('host stream ended', {
        az: this.label,
        argv: shown,
        exit_code: code,
        duration_ms: Math.round(performance.now() - started),
      }),
    )
    return handle
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
