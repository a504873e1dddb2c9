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
 * - Every way of failing to reach the host is classified here, once, from
 *   ssh2's structured signals (error level, errno code, our own host-key
 *   check, how far the connection got), never from message text: refused /
 *   no route / DNS → HOST_UNREACHABLE, credentials → HOST_AUTH_FAILED, key
 *   → HOST_KEY_MISMATCH, silence at any step → HOST_TIMEOUT saying which step.
 *   Which timer fires first (ssh2's connect timeout or the command's own)
 *   changes only the duration in the message, never the status.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2'
import {
  formatDuration,
  HostAuthError,
  HostKeyMismatchError,
  HostTimeoutError,
  HostUnreachableError,
  ProgramMissingError,
  type LwsError,
} from '../errors/catalogue.ts'
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  OutputCollector,
  type Executor,
  type RunOptions,
  type RunResult,
  type StreamHandle,
  type StreamOptions,
} from './executor.ts'
import { withDeadline } from '../util/deadline.ts'
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

/** How far a connection attempt got: what the host has not done yet when it goes silent. */
type ConnectPhase = 'tcp' | 'greeting' | 'kex' | 'auth'

/** The 504 details for a host that went silent in `phase`, after waiting `ms`. */
function silentAt(phase: ConnectPhase, where: string, ms: number): string {
  const d = formatDuration(ms)
  switch (phase) {
    case 'tcp':
      return `no TCP connection to ${where} within ${d}; no command was sent`
    case 'greeting':
      return `connected to ${where}, but no SSH greeting within ${d}; no command was sent`
    case 'kex':
      return `the SSH key exchange with ${where} did not finish within ${d}; no command was sent`
    case 'auth':
      return `SSH authentication at ${where} did not finish within ${d}; no command was sent`
  }
}

/** Socket errno codes that mean "nobody there" (502), by what they tell the client. */
const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the host',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
  ENOTFOUND: 'host name not found',
  EAI_NONAME: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS not answering)',
  EADDRNOTAVAIL: 'address not available',
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * What the remote login shell runs. sshd starts every exec channel in a new
 * session whose leader is the login shell; `exec` keeps that pid, which we
 * learn from the first stderr line. To stop a command we kill its whole
 * session from a second channel: SSH "signal" requests would be simpler,
 * but OpenSSH refuses them for root logins ("session signalling requires
 * privilege separation"), and closing a channel without a pty kills nothing.
 *
 * A program missing on the host is reported by its own first line instead:
 * the shell's "not found" (exit 127) is indistinguishable from a command that
 * itself exits 127, e.g. `pct exec` passing on the container's status.
 */
const PID_MARKER = 'LWS_SESSION'
const NO_PROGRAM_MARKER = 'LWS_NO_PROGRAM'
function remoteCommand(argv: readonly string[]): string {
  const program = shellQuote(argv.slice(0, 1))
  return `command -v ${program} >/dev/null 2>&1 || { echo ${NO_PROGRAM_MARKER} >&2; exit 127; }; echo ${PID_MARKER} $$ >&2; exec ${shellQuote(argv)}`
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

/** Splits the first line (session pid, or "program missing") off the front of stderr; the rest goes to `sink`. */
class StderrDemux {
  pid: string | null = null
  /** The program was not found on the host: nothing ran. */
  missing = false
  private head: Buffer[] = []
  private settle!: () => void
  /** Resolves once the first line is known (or the channel ended without one: see `end`). */
  readonly decided = new Promise<void>((resolve) => (this.settle = resolve))

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
    const line = nl < 0 ? null : buf.subarray(0, nl).toString('latin1')
    const m = line === null ? null : new RegExp(`^${PID_MARKER} (\\d+)$`).exec(line)
    this.missing = line === NO_PROGRAM_MARKER
    this.pid = m ? m[1]! : ''
    const remainder = m || this.missing ? buf.subarray(nl + 1) : buf
    this.head = []
    this.settle()
    if (remainder.length && !this.missing) this.sink(remainder)
  }

  /** The channel closed: whatever is buffered is output, not a marker. */
  end(): void {
    if (this.pid === null) {
      this.pid = ''
      const rest = Buffer.concat(this.head)
      this.head = []
      if (rest.length) this.sink(rest)
    }
    this.settle()
  }
}

/** One connection attempt in flight, and how far it got. */
interface Attempt {
  promise: Promise<Client>
  client: Client | null
  phase: ConnectPhase
}

/** ssh2's error fields we classify by (never its message text). */
type Ssh2Error = Error & { level?: string; code?: string }

export class SshExecutor implements Executor {
  private client: Client | null = null
  private connecting: Attempt | null = null
  /** Connections lost after `ready` because the host went silent (keep-alive unanswered), not reset. */
  private readonly silentDrops = new WeakSet<Client>()
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

  /** `host:port`, as error details name the host. */
  private get where(): string {
    return `${this.target.host}:${this.target.port}`
  }

  private connectConfig(verify: (key: Buffer) => boolean): ConnectConfig {
    const t = this.target
    let privateKey: Buffer | undefined
    if (t.keyFile) {
      try {
        privateKey = readFileSync(t.keyFile)
      } catch (err) {
        throw new HostAuthError(this.label, `cannot read ssh_key_file: ${(err as NodeJS.ErrnoException).code ?? err}`)
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
      hostVerifier: verify,
    }
  }

  /** How far `a` got; ssh2 records the server's ident line before it tells us anything else. */
  private phaseOf(a: Attempt): ConnectPhase {
    if (a.phase === 'greeting' && (a.client as unknown as { _remoteVer?: string } | null)?._remoteVer !== undefined) return 'kex'
    return a.phase
  }

  /** The error for a connection attempt that failed before `ready`. */
  private connectError(err: Ssh2Error, a: Attempt, rejectedKey: string | null): LwsError {
    if (rejectedKey !== null) {
      return new HostKeyMismatchError(
        this.label,
        `${this.where} presented host key ${rejectedKey}, not the pinned ssh_host_fingerprint ${this.target.fingerprint}; nothing was sent`,
      )
    }
    if (err.level === 'client-authentication') {
      const tried = [this.target.keyFile ? 'key' : '', this.target.password !== undefined ? 'password' : ''].filter(Boolean).join(', ') || 'none'
      return new HostAuthError(this.label, `SSH authentication as ${this.target.user} at ${this.where} failed (tried: ${tried})`)
    }
    if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT') {
      return new HostTimeoutError(this.label, this.opts.connectTimeoutMs, silentAt(this.phaseOf(a), this.where, this.opts.connectTimeoutMs), false)
    }
    const known = err.code ? UNREACHABLE_CODES[err.code] : undefined
    if (known) return new HostUnreachableError(this.label, `${known} (${this.where})`)
    if (err.level === 'client-dns') return new HostUnreachableError(this.label, `host name not found (${this.where})`)
    // ssh2: the socket closed after connecting but before the server's ident line.
    if (err.level === 'protocol' && this.phaseOf(a) === 'greeting') {
      return new HostUnreachableError(this.label, `${this.where} closed the connection before the SSH greeting`)
    }
    if (err.level === 'handshake') return new HostUnreachableError(this.label, `SSH handshake with ${this.where} failed: ${err.message}`)
    return new HostUnreachableError(this.label, `${err.message} (${this.where})`)
  }

  private connect(): Promise<Client> {
    if (this.closed) return Promise.reject(new HostUnreachableError(this.label, 'executor closed'))
    if (this.client) return Promise.resolve(this.client)
    if (this.connecting) return this.connecting.promise
    const a: Attempt = { promise: undefined as unknown as Promise<Client>, client: null, phase: 'tcp' }
    a.promise = new Promise<Client>((resolve, reject) => {
      // The first classified failure wins: ssh2 follows most errors with `close`.
      let settled = false
      const fail = (e: LwsError) => {
        if (settled) return
        settled = true
        reject(e)
      }
      let rejectedKey: string | null = null
      let config: ConnectConfig
      try {
        config = this.connectConfig((key) => {
          a.phase = 'kex'
          const seen = sshFingerprint(key)
          this.opts.onHostKey?.(seen)
          const ok = !this.target.fingerprint || this.target.fingerprint.replace(/=+$/, '') === seen
          if (!ok) rejectedKey = seen
          return ok
        })
      } catch (err) {
        fail(err as LwsError)
        return
      }
      const c = new Client()
      a.client = c
      c.on('connect', () => {
        if (a.phase === 'tcp') a.phase = 'greeting'
      })
      c.on('handshake', () => {
        a.phase = 'auth'
      })
      c.on('ready', () => {
        if (settled) return c.end()
        settled = true
        c.setNoDelay(true)
        this.connectCount++
        this.client = c
        resolve(c)
      })
      // Errors after `ready` (keep-alive timeout, reset) surface as `close`;
      // in-flight channels are closed by ssh2 and their commands reject.
      c.on('error', (err: Ssh2Error) => {
        if (this.client === c) {
          if (err.level === 'client-timeout') this.silentDrops.add(c)
          return
        }
        fail(this.connectError(err, a, rejectedKey))
      })
      c.on('close', () => {
        if (this.client === c) this.client = null
        const phase = this.phaseOf(a)
        fail(
          new HostUnreachableError(
            this.label,
            phase === 'tcp' || phase === 'greeting'
              ? `${this.where} closed the connection before the SSH greeting`
              : `${this.where} closed the connection during the SSH handshake`,
          ),
        )
      })
      c.connect(config)
    })
    this.connecting = a
    const clear = () => {
      if (this.connecting === a) this.connecting = null
    }
    a.promise.then(clear, clear)
    return a.promise
  }

  /**
   * The 504 for a command whose deadline passed before it started: still
   * queued for a channel, or the connection or channel not there yet.
   */
  private notStarted(stage: 'queue' | 'open', timeoutMs: number): HostTimeoutError {
    const d = formatDuration(timeoutMs)
    if (stage === 'queue') {
      return new HostTimeoutError(this.label, timeoutMs, `all ${this.opts.maxChannels} SSH channels to ${this.where} stayed busy for ${d}; the command did not start`, false)
    }
    const a = this.connecting
    if (a && !this.client) return new HostTimeoutError(this.label, timeoutMs, silentAt(this.phaseOf(a), this.where, timeoutMs), false)
    return new HostTimeoutError(this.label, timeoutMs, `${this.where} did not open a session channel within ${d}; the command did not start`, false)
  }

  /** Opens an exec channel, reconnecting or backing off as needed. */
  private async open(command: string): Promise<{ ch: ClientChannel; client: Client }> {
    let reconnected = false
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect()
      try {
        const ch = await new Promise<ClientChannel>((resolve, reject) => {
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
        return { ch, client }
      } catch (err) {
        // ssh2 reports these conditions only as text.
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
        throw new HostUnreachableError(this.label, `${this.where}: ${msg}`)
      }
    }
  }

  /** Kills the remote session `pid` (the command and all its children) from a new channel. */
  private killSession(pid: string | null): void {
    if (!pid || !/^[1-9]\d*$/.test(pid) || pid === '1') return
    this.run(['pkill', '-KILL', '-s', pid], { timeoutMs: 10_000 }).catch(() => {})
  }

  /** Why a started command got no exit status: the host went silent (504) or the connection broke (502). */
  private lostError(client: Client): LwsError {
    if (this.silentDrops.has(client)) {
      const d = formatDuration(this.opts.keepaliveIntervalMs * this.opts.keepaliveCountMax)
      return new HostTimeoutError(this.label, 0, `${this.where} stopped answering (no keep-alive reply within ${d}) while the command ran; its outcome is unknown`, true)
    }
    return new HostUnreachableError(this.label, `connection to ${this.where} lost while the command ran; its outcome is unknown`)
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs
    const started = performance.now()
    const left = () => Math.max(1, timeoutMs - (performance.now() - started))
    let stage: 'queue' | 'open' = 'queue'
    const expired = () => this.notStarted(stage, timeoutMs)
    // The timeout covers waiting for a channel slot and connecting too, so a
    // busy or black-holed host still answers in time.
    const release = await withDeadline(this.slots.acquire(), left(), { error: expired, onLate: (lateRelease) => lateRelease() })
    stage = 'open'
    let ch: ClientChannel
    let client: Client
    try {
      ;({ ch, client } = await withDeadline(this.open(remoteCommand(argv)), left(), { error: expired, onLate: (late) => late.ch.close() }))
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
        err.end()
        const exitCode = exitCodes.get(ch)
        finish(() => {
          if (err.missing) return reject(new ProgramMissingError(this.label, argv, false))
          if (exitCode === undefined) return reject(this.lostError(client))
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
      ;({ ch } = await this.open(remoteCommand(argv)))
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
    let outCtl!: ReadableStreamDefaultController<Uint8Array>
    const stdout = new ReadableStream<Uint8Array>({ start: (c) => void (outCtl = c), cancel: kill })
    const stderr = new ReadableStream<Uint8Array>({ start: (c) => void (errCtl = c), cancel: kill })
    ch.on('data', (d: Buffer) => outCtl.enqueue(new Uint8Array(d)))
    ch.stderr.on('data', (d: Buffer) => err.push(d))
    onClosed(ch, () => {
      err.end()
      for (const c of [outCtl, errCtl]) {
        try {
          c.close()
        } catch {}
      }
    })
    if (opts.stdin !== undefined) ch.end(opts.stdin)
    else ch.end()
    // The first stderr line comes before the program starts: a missing one is an error, not a stream.
    await err.decided
    if (err.missing) throw new ProgramMissingError(this.label, argv, false)
    if (opts.signal?.aborted) kill()
    else opts.signal?.addEventListener('abort', kill, { once: true })
    return { stdout, stderr, exited, kill }
  }

  async close(): Promise<void> {
    this.closed = true
    this.client?.end()
    this.client = null
  }
}
