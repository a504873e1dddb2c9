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
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2'
import { HostTimeoutError, HostUnreachableError } from '../errors/catalogue.ts'
import type { Executor, RunOptions, RunResult, StreamHandle } from './executor.ts'
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
          client.exec(command, (err, ch) => (err ? reject(err) : resolve(ch)))
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

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const command = shellQuote(argv)
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs
    const started = performance.now()
    const release = await this.slots.acquire()
    let ch: ClientChannel
    try {
      ch = await this.open(command)
    } catch (err) {
      release()
      throw err
    }
    return new Promise<RunResult>((resolve, reject) => {
      const out: Buffer[] = []
      const err: Buffer[] = []
      let exitCode: number | null = null
      let timedOut = false
      let aborted = false
      const kill = () => {
        try {
          ch.signal('KILL')
        } catch {}
        ch.close()
      }
      const timer = setTimeout(() => {
        timedOut = true
        kill()
      }, timeoutMs)
      const onAbort = () => {
        aborted = true
        kill()
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      ch.on('data', (d: Buffer) => out.push(d))
      ch.stderr.on('data', (d: Buffer) => err.push(d))
      ch.on('exit', (code: number | null, signal?: string) => {
        exitCode = code ?? (signal ? 128 + (signal === 'KILL' ? 9 : 15) : 255)
      })
      ch.on('close', () => {
        clearTimeout(timer)
        opts.signal?.removeEventListener('abort', onAbort)
        release()
        if (timedOut) return reject(new HostTimeoutError(this.label, timeoutMs))
        if (aborted) return reject(new HostUnreachableError(this.label, 'command aborted'))
        if (exitCode === null) return reject(new HostUnreachableError(this.label, 'connection lost while the command ran'))
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          exitCode,
          durationMs: performance.now() - started,
        })
      })
      if (opts.stdin !== undefined) ch.end(opts.stdin)
      else ch.end()
    })
  }

  async stream(argv: readonly string[], opts: Omit<RunOptions, 'timeoutMs'> = {}): Promise<StreamHandle> {
    const release = await this.slots.acquire()
    let ch: ClientChannel
    try {
      ch = await this.open(shellQuote(argv))
    } catch (err) {
      release()
      throw err
    }
    let exitCode = 255
    let done = false
    const exited = new Promise<number>((resolve) => {
      ch.on('exit', (code: number | null) => {
        exitCode = code ?? 255
      })
      ch.on('close', () => {
        done = true
        release()
        resolve(exitCode)
      })
    })
    const kill = () => {
      if (done) return
      try {
        ch.signal('KILL')
      } catch {}
      ch.close()
      // `close` only fires once both streams are drained.
      ch.resume()
      ch.stderr.resume()
    }
    opts.signal?.addEventListener('abort', kill, { once: true })
    const toWeb = (src: NodeJS.ReadableStream) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          src.on('data', (d: Buffer) => controller.enqueue(new Uint8Array(d)))
          src.on('end', () => {
            try {
              controller.close()
            } catch {}
          })
        },
        cancel: kill,
      })
    const handle: StreamHandle = { stdout: toWeb(ch), stderr: toWeb(ch.stderr), exited, kill }
    if (opts.stdin !== undefined) ch.end(opts.stdin)
    else ch.end()
    return handle
  }

  async close(): Promise<void> {
    this.closed = true
    this.client?.end()
    this.client = null
  }
}
