/**
 * The one way anything reaches a Proxmox host: run an argument list on an
 * availability zone. Implementations: local (Bun.spawn, no shell) and SSH
 * (pooled ssh2 connection, argv quoted by `shellQuote`).
 */

export interface RunOptions {
  /** Kill the command after this many ms (default: executor's default, 60 s). */
  timeoutMs?: number
  /** Bytes or text written to the command's stdin, then stdin is closed. */
  stdin?: string | Uint8Array
  /** Abort the command early (e.g. the HTTP client went away). */
  signal?: AbortSignal
  /** Indices of argv entries to mask as *** in logs (passwords). */
  secretArgs?: number[]
}

export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
  durationMs: number
}

/** A running command whose output is consumed as it arrives (e.g. `docker logs -f`). */
export interface StreamHandle {
  stdout: ReadableStream<Uint8Array>
  stderr: ReadableStream<Uint8Array>
  /** Resolves with the exit code once the command ended (or was killed). */
  exited: Promise<number>
  /** Stop the command on the host and free the channel. Safe to call twice. */
  kill(): void
}

export interface Executor {
  /** Human label used in logs and errors, e.g. `eu-south-1/az1`. */
  readonly label: string
  /**
   * Run argv and resolve with its output. A non-zero exit is *not* an error
   * here (callers decide); unreachable host → HostUnreachableError, timeout →
   * HostTimeoutError.
   */
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>
  /** Start argv and stream its output. */
  stream(argv: readonly string[], opts?: Omit<RunOptions, 'timeoutMs'>): Promise<StreamHandle>
  /** Close pooled connections. */
  close(): Promise<void>
}
