/**
 * Runs argv on a remote host over one pooled ssh2 connection per AZ.
 *
 * - Concurrent commands share the connection as separate channels, capped
 *   below sshd's MaxSessions; extra commands queue (Semaphore) and a
 *   "Channel open failure" (the server frees slots slightly after `close`) is
 *   retried with backoff, so callers never see it.
 * - A dropped connection is detected (keep-alive, `close`) and the next
 *   command reconnects transparently.
 * - Timeouts send KILL to the remote process group and close the channel.
 * - Output beyond maxOutputBytes per stream is read and dropped.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2'
import { HostTimeoutError, HostUnreachableError } from '../errors/catalogue.ts'
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  OutputCollector,
  type Executor,
  type RunOptions,
  type RunResult,
  type StreamHandle,
  type StreamOptions,
} from './executor.ts'
import { shellQuote } from './quote.ts'
import { Semaphore } from './semaphore.ts'

export interface SshTarget {
  host: string
  port: number
  user: string
  password?: string
  keyFile?: string
  /** `SHA256:<base64>`; when set, any other host key is refused. */
  fingerprint?: string
}

export interface SshOptions {
  /** Channels open at once on the connection; keep below sshd MaxSessions (10). */
  maxChannels?: number
  connectTimeoutMs?: number
  keepaliveIntervalMs?: number
  keepaliveCountMax?: number
  defaultTimeoutMs?: number
  /** Bytes kept per output stream when a run does not say (api.max_output_bytes). */
  defaultMaxOutputBytes?: number
  /** Called once per new connection with the key the server presented. */
  onHostKey?: (fingerprint: string) => void
}

const OPEN_RETRIES = 12

export function sshFingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '')
}

function describeConnectError(err: Error & { level?: string; code?: string }): string {
  if (err.level === 'client-authentication') return 'authentication failed'
  if (/verification failed/i.test(err.message)) return 'host key does not match ssh_host_fingerprint'
  if (err.code === 'ECONNREFUSED') return 'connection refused'
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return 'host name not found'
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') return 'no route to host'
  if (/handshake/i.test(err.message)) return 'connect timeout'
  return err.message
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * What the remote login shell runs. sshd starts every exec channel in a new
 * session whose leader is the login shell; `exec` keeps that pid, which we
 * learn from the first stderr line. To stop a command we kill its whole
 * session from a second channel: SSH "signal" requests would be simpler,
 * but OpenSSH refuses them for root logins ("session signalling requires
 * privilege separation"), and closing a channel without a pty kills nothing.
 */
const PID_MARKER = 'LWS_SESSION'
function remoteCommand(argv: readonly string[]): string {
  return `echo ${PID_MARKER} $$ >&2; exec ${shellQuote(argv)}`
}

/** Resolves like `p`, or rejects with `onTimeout()` after `ms`; a late result is handed to `cleanup`. */
function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error, cleanup: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false
    const timer = setTimeout(() => {
      expired = true
      reject(onTimeout())
    }, ms)
    p.then(
      (v) => {
        clearTimeout(timer)
        if (expired) cleanup(v)
        else resolve(v)
      },
      (e) => {
        clearTimeout(timer)
        if (!expired) reject(e)
      },
    )
  })
}

/** Exit codes seen per channel (set as soon as the channel exists; see open()). */
const exitCodes = new WeakMap<ClientChannel, number>()
const closedChannels = new WeakSet<ClientChannel>()

/** Runs `fn` once the channel has closed, even if it closed before this call. */
function onClosed(ch: ClientChannel, fn: () => void): void {
  if (closedChannels.has(ch)) queueMicrotask(fn)
  else ch.once('close', fn)
}

/** The marker line is short; a longer first line means it is missing, and must not be buffered without end. */
const MAX_MARKER_LINE = 256

/** Splits the session-pid line off the front of stderr; the rest goes to `sink`. */
class StderrDemux {
  pid: string | null = null
  private head: Buffer[] = []

  constructor(private readonly sink: (chunk: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.pid !== null) {
      this.sink(chunk)
      return
    }
    this.head.push(chunk)
    const buf = Buffer.concat(this.head)
    const nl = buf.indexOf(10)
    if (nl < 0 && buf.length <= MAX_MARKER_LINE) return
    const m = nl < 0 ? null : new RegExp(`^${PID_MARKER} (\\d+)$`).exec(buf.subarray(0, nl).toString('latin1'))
    this.pid = m ? m[1]! : ''
    const remainder = m ? buf.subarray(nl + 1) : buf
    this.head = []
    if (remainder.length) this.sink(remainder)
  }
}

export class SshExecutor implements Executor {
  private client: Client | null = null
  private connecting: Promise<Client> | null = null
  private readonly slots: Semaphore
  private readonly opts: Required<Omit<SshOptions, 'onHostKey'>> & Pick<SshOptions, 'onHostKey'>
  private closed = false

  constructor(
    readonly label: string,
    private readonly target: SshTarget,
    opts: SshOptions = {},
  ) {
    this.opts = {
      maxChannels: opts.maxChannels ?? 8,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
      keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 3,
      defaultTimeoutMs: opts.defaultTimeoutMs ?? 60_000,
      defaultMaxOutputBytes: opts.defaultMaxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      onHostKey: opts.onHostKey,
    }
    this.slots = new Semaphore(this.opts.maxChannels)
  }

  /** Connections made so far (tests and benchmarks read it). */
  connectCount = 0

  private connectConfig(): ConnectConfig {
    const t = this.target
    let privateKey: Buffer | undefined
    if (t.keyFile) {
      try {
        privateKey = readFileSync(t.keyFile)
      } catch (err) {
        throw new HostUnreachableError(this.label, `cannot read ssh_key_file: ${(err as NodeJS.ErrnoException).code ?? err}`)
      }
    }
    return {
      host: t.host,
      port: t.port,
      username: t.user,
      password: t.password,
      privateKey,
      readyTimeout: this.opts.connectTimeoutMs,
      keepaliveInterval: this.opts.keepaliveIntervalMs,
      keepaliveCountMax: this.opts.keepaliveCountMax,
      hostVerifier: (key: Buffer) => {
        const seen = sshFingerprint(key)
        this.opts.onHostKey?.(seen)
        return !t.fingerprint || t.fingerprint.replace(/=+$/, '') === seen
      },
    }
  }

  private connect(): Promise<Client> {
    if (this.closed) return Promise.reject(new HostUnreachableError(this.label, 'executor closed'))
    if (this.client) return Promise.resolve(this.client)
    if (this.connecting) return this.connecting
    const attempt = new Promise<Client>((resolve, reject) => {
      let config: ConnectConfig
      try {
        config = this.connectConfig()
      } catch (err) {
        reject(err)
        return
      }
      const c = new Client()
      let ready = false
      c.on('ready', () => {
        ready = true
        c.setNoDelay(true)
        this.connectCount++
        this.client = c
        resolve(c)
      })
      // Errors after `ready` (keep-alive timeout, reset) surface as `close`;
      // in-flight channels are closed by ssh2 and their commands reject.
      c.on('error', (err) => {
        if (!ready) reject(new HostUnreachableError(this.label, describeConnectError(err)))
      })
      c.on('close', () => {
        if (this.client === c) this.client = null
        if (!ready) reject(new HostUnreachableError(this.label, 'connection closed during handshake'))
      })
      c.connect(config)
    })
    this.connecting = attempt
    const clear = () => {
      if (this.connecting === attempt) this.connecting = null
    }
    attempt.then(clear, clear)
    return attempt
  }

  /** Opens an exec channel, reconnecting or backing off as needed. */
  private async open(command: string): Promise<ClientChannel> {
    let reconnected = false
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect()
      try {
        return await new Promise<ClientChannel>((resolve, reject) => {
          client.exec(command, (err, ch) => {
            if (err) return reject(err)
            // ssh2 may parse exit-status in the same tick as the exec reply,
            // before a listener added after `await` exists: record it now.
            ch.on('exit', (code: number | null, signal?: string) => {
              exitCodes.set(ch, code ?? (signal === 'KILL' ? 137 : 255))
            })
            ch.once('close', () => closedChannels.add(ch))
            resolve(ch)
          })
        })
      } catch (err) {
        const msg = (err as Error).message ?? String(err)
        if (/channel open failure/i.test(msg) && attempt < OPEN_RETRIES) {
          await sleep(Math.min(5 * 2 ** attempt, 200))
          continue
        }
        if (/not connected|no response|unable to exec/i.test(msg) && !reconnected) {
          // The connection died between commands (sshd restart): the command
          // never started, so it is safe to reconnect and try once more.
          if (this.client === client) this.client = null
          client.end()
          reconnected = true
          continue
        }
        throw new HostUnreachableError(this.label, msg)
      }
    }
  }

  /** Kills the remote session `pid` (the command and all its children) from a new channel. */
  private killSession(pid: string | null): void {
    if (!pid || !/^[1-9]\d*$/.test(pid) || pid === '1') return
    this.run(['pkill', '-KILL', '-s', pid], { timeoutMs: 10_000 }).catch(() => {})
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs
    const started = performance.now()
    const left = () => Math.max(1, timeoutMs - (performance.now() - started))
    const expired = () => new HostTimeoutError(this.label, timeoutMs)
    // The timeout covers waiting for a channel slot and connecting too, so a
    // busy or black-holed host still answers in time.
    const release = await withDeadline(this.slots.acquire(), left(), expired, (lateRelease) => lateRelease())
    let ch: ClientChannel
    try {
      ch = await withDeadline(this.open(remoteCommand(argv)), left(), expired, (late) => late.close())
    } catch (err) {
      release()
      throw err
    }
    const remaining = left()
    const limit = opts.maxOutputBytes ?? this.opts.defaultMaxOutputBytes
    return new Promise<RunResult>((resolve, reject) => {
      const out = new OutputCollector(limit)
      const errOut = new OutputCollector(limit)
      const err = new StderrDemux((d) => errOut.push(d))
      let settled = false
      const finish = (fn: () => void) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        opts.signal?.removeEventListener('abort', onAbort)
        fn()
      }
      // Give up on the command: answer now, kill its session, and free the
      // slot once the channel closes (or after a grace period).
      const abandon = (error: Error) =>
        finish(() => {
          this.killSession(err.pid)
          ch.close()
          setTimeout(release, 5_000).unref?.()
          reject(error)
        })
      const timer = setTimeout(() => abandon(new HostTimeoutError(this.label, timeoutMs)), remaining)
      const onAbort = () => abandon(new HostUnreachableError(this.label, 'command aborted'))
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      // Keep consuming past the cap: an unread channel stops the command once the SSH window fills.
      ch.on('data', (d: Buffer) => out.push(d))
      ch.stderr.on('data', (d: Buffer) => err.push(d))
      onClosed(ch, () => {
        release()
        const exitCode = exitCodes.get(ch)
        finish(() => {
          if (exitCode === undefined) return reject(new HostUnreachableError(this.label, 'connection lost while the command ran'))
          resolve({
            stdout: out.text(),
            stderr: errOut.text(),
            exitCode,
            durationMs: performance.now() - started,
            truncated: { stdout: out.truncated, stderr: errOut.truncated },
          })
        })
      })
      if (opts.stdin !== undefined) ch.end(opts.stdin)
      else ch.end()
    })
  }

  async stream(argv: readonly string[], opts: StreamOptions = {}): Promise<StreamHandle> {
    const release = await this.slots.acquire()
    let ch: ClientChannel
    try {
      ch = await this.open(remoteCommand(argv))
    } catch (err) {
      release()
      throw err
    }
    let errCtl!: ReadableStreamDefaultController<Uint8Array>
    const err = new StderrDemux((chunk) => errCtl.enqueue(new Uint8Array(chunk)))
    let done = false
    const exited = new Promise<number>((resolve) => {
      onClosed(ch, () => {
        done = true
        release()
        resolve(exitCodes.get(ch) ?? 255)
      })
    })
    const kill = () => {
      if (done) return
      this.killSession(err.pid)
      ch.close()
    }
    opts.signal?.addEventListener('abort', kill, { once: true })
    let outCtl!: ReadableStreamDefaultController<Uint8Array>
    const stdout = new ReadableStream<Uint8Array>({ start: (c) => void (outCtl = c), cancel: kill })
    const stderr = new ReadableStream<Uint8Array>({ start: (c) => void (errCtl = c), cancel: kill })
    ch.on('data', (d: Buffer) => outCtl.enqueue(new Uint8Array(d)))
    ch.stderr.on('data', (d: Buffer) => err.push(d))
    onClosed(ch, () => {
      for (const c of [outCtl, errCtl]) {
        try {
          c.close()
        } catch {}
      }
    })
    if (opts.stdin !== undefined) ch.end(opts.stdin)
    else ch.end()
    return { stdout, stderr, exited, kill }
  }

  async close(): Promise<void> {
    this.closed = true
    this.client?.end()
    this.client = null
  }
}
