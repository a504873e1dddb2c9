/**
 * The one way anything reaches a Proxmox host: run an argument list on an
 * availability zone. Implementations: local (Bun.spawn, no shell) and SSH
 * (pooled ssh2 connection, argv quoted by `shellQuote`).
 */

/**
 * Which part of an AZ's channels a command may use (exec/shares.ts): quick
 * commands (reads, pct set, status probes) or long ones (worker tasks, exec
 * inside a container). Streams have their own part. Long work can never
 * take the channels kept for quick commands.
 */
export type Share = 'short' | 'long'

export interface RunOptions {
  /** Part of the AZ's channels to use (default 'short'). */
  share?: Share
  /**
   * The command only reads: identical concurrent reads on one AZ share one
   * run (exec/single-flight.ts), and it is stopped on the host once every
   * caller has gone (their signals, or the request's, aborted).
   */
  read?: boolean
  /**
   * Limit of the whole run in ms (default: the executor's, api.command_timeout).
   * Waiting for a channel (the share's queue, then the SSH connection's) and
   * connecting count against it, so a busy or silent host still answers in
   * time: a command that has not started by then is refused (503 HOST_BUSY
   * from its share's queue, else 504), one still running is killed (504).
   */
  timeoutMs?: number
  /** Bytes or text written to the command's stdin, then stdin is closed. */
  stdin?: string | Uint8Array
  /** Abort the command early (e.g. the HTTP client went away). */
  signal?: AbortSignal
  /** Indices of argv entries to mask as *** in logs (passwords). */
  secretArgs?: number[]
  /**
   * Bytes of stdout, and separately of stderr, kept in memory (default: the
   * executor's, from api.max_output_bytes). Later output is read and dropped,
   * so the command still runs to its end and reports its real exit code.
   */
  maxOutputBytes?: number
}

/** A stream ends when its consumer stops it, and its output is never held: no timeout, no cap. */
export type StreamOptions = Omit<RunOptions, 'timeoutMs' | 'maxOutputBytes'>

/** Which stream produced more than maxOutputBytes (its kept part is the beginning). */
export interface Truncation {
  stdout: boolean
  stderr: boolean
}

export interface RunResult {
  stdout: string
  stderr: string
  exitCode: number
  durationMs: number
  /** Set by the real executors; absent (test doubles) means nothing was dropped. */
  truncated?: Truncation
}

export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024

/** True when any stream of the result was cut at maxOutputBytes. */
export function wasTruncated(r: { truncated?: Truncation }): boolean {
  return !!(r.truncated?.stdout || r.truncated?.stderr)
}

/**
 * Keeps the first `limit` bytes of a stream and drops the rest as it arrives.
 * One growable buffer rather than a list of chunks: a command that prints a
 * byte at a time must not cost an object per byte.
 */
export class OutputCollector {
  private buf = new Uint8Array(0)
  private length = 0
  truncated = false

  constructor(private readonly limit: number) {}

  push(chunk: Uint8Array): void {
    if (this.truncated) return
    const take = Math.min(chunk.length, this.limit - this.length)
    if (take < chunk.length) this.truncated = true
    if (take <= 0) return
    if (this.length + take > this.buf.length) {
      const grown = new Uint8Array(Math.min(this.limit, Math.max(this.length + take, this.buf.length * 2, 64 * 1024)))
      grown.set(this.buf.subarray(0, this.length))
      this.buf = grown
    }
    this.buf.set(take === chunk.length ? chunk : chunk.subarray(0, take), this.length)
    this.length += take
  }

  text(): string {
    // Our cut may split a multibyte character; the command's own output is left as it was.
    const end = this.truncated ? completeUtf8Length(this.buf, this.length) : this.length
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, end).toString('utf8')
  }
}

/** `n` minus an incomplete UTF-8 sequence at the end of `b[0..n)`. */
export function completeUtf8Length(b: Uint8Array, n: number): number {
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const x = b[i]!
    if ((x & 0xc0) === 0x80) continue
    const size = x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : x >= 0xc0 ? 2 : 1
    return i + size > n ? i : n
  }
  return n
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
   * here (callers decide). Rejects only when the command did not run to its
   * end: host not reachable → HostUnreachableError (or HostAuthError,
   * HostKeyMismatchError), silent host or too slow → HostTimeoutError,
   * argv[0] not installed on the host → ProgramMissingError.
   */
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>
  /** Start argv and stream its output (not capped: the consumer reads it as it comes). */
  stream(argv: readonly string[], opts?: StreamOptions): Promise<StreamHandle>
  /** Close pooled connections. */
  close(): Promise<void>
}
