/**
 * The one checked run every Proxmox call goes through: the executor call,
 * with the RunOptions its kind implies (`read`, `share`, timeout, signal);
 * host faults mapped (errors.ts `hostFault`, so a host without the PVE tools
 * answers 503 PROXMOX_TOOLS_MISSING on every call); the result checked
 * (errors.ts `checkResult`); malformed output turned into a 500 naming the
 * command. Batched reads (batch.ts) go through here too.
 *
 * The timeout rule, the same for every call: the call's own `timeoutMs`, else
 * the default of its kind (worker tasks: tasks.ts), else the view's (`with`),
 * else the executor's (api.command_timeout). It covers queueing, connecting
 * and running. A read or probe with `reachMs` is held to at most that while
 * the AZ has not answered any command for a minute: an unreachable or
 * silent host fails fast, a host that answers gets the read's full time.
 * When a timeout is known, the answer also comes within it plus a second,
 * whatever the executor stack does (a read joining a longer one in flight,
 * say).
 *
 * Signals: reads take one (the call's, else the view's; the executor stack
 * also stops a read whose request has gone). Tasks and container commands
 * take only one their call passes explicitly — an operation's cancel — so a
 * client that leaves never stops a change half-way; quick changes (pct set,
 * unlock) take none.
 */
import type { Executor, RunOptions, RunResult, StreamHandle, StreamOptions, Truncation } from '../exec/executor.ts'
import { codeOf, formatDuration, HostTimeoutError, InternalError, LwsError } from '../errors/catalogue.ts'
import { batchArgv, parseBatch, partArgv, singlePart, type BatchSpec, type PartResult } from './batch.ts'
import { checkResult, hostFault, type FailureContext } from './errors.ts'
import type { NodeName } from './ids.ts'
import { OutputParseError, parsePveshJson } from './parse/json.ts'
import { withDeadline } from '../util/deadline.ts'
import { followJob, startArgv } from './jobs.ts'
import type { WorkerTask } from './tasks.ts'

/** Per-call options every action accepts. */
export interface CallOptions {
  /** Override the default timeout of this call. */
  timeoutMs?: number
  /** Stop the call early (reads and commands inside a container only; writes ignore it). */
  signal?: AbortSignal
  /** Override the executor's cap on output kept per stream (api.max_output_bytes). */
  maxOutputBytes?: number
  /**
   * Reads and probes: while the AZ has not answered a command within
   * REACHED_WINDOW_MS, their timeout is at most this (see the header).
   */
  reachMs?: number
  /**
   * Worker tasks: run detached from the SSH session and follow it by this
   * job (jobs.ts), so the task survives LWS and the connection. Its name is
   * recorded by the caller before the call, so a restarted LWS can follow it.
   */
  detach?: DetachOptions
}

/** How a detached task is run and followed (jobs.ts). */
export interface DetachOptions {
  /** The job's name (jobs.ts JOB_NAME), unique per task. */
  name: string
  /** Each piece of the task's output as it arrives (the operation log). */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void
  /** First poll interval (tests). */
  pollMs?: number
  /** Re-attach: follow the job of this name that an earlier process started, instead of starting one (after a restart). */
  resume?: boolean
  /** Called once with the PVE worker task (UPID) the job runs, when it can be found while it runs. */
  onTask?: (task: WorkerTask) => void
}

/** How long an answer from the AZ counts as "it is reachable" for `reachMs`. */
export const REACHED_WINDOW_MS = 60_000

/** State of one AZ shared by a runner and its `with()` views. */
export interface AzState {
  /** performance.now() of the last command that came back from the host (any exit code). */
  lastAnswerAt?: number
}

/**
 * What a call is, which decides its RunOptions:
 * - `read`: only reads (pvesh get, pct config, pveversion, pveam available,
 *   …): `read: true`, quick share, takes a signal.
 * - `probe`: the reachability no-op: quick share, takes a signal, never shared.
 * - `change`: a quick change (pct set, pct unlock, the host's reboot): quick share.
 * - `task`: a worker task (create, destroy, start, stop, shutdown, reboot,
 *   snapshot, delsnapshot, rollback, resize, template download): long share.
 * - `exec`: a command inside a container (`pct exec`): long share; never
 *   `read`, since the command may change anything.
 * - `poll`: starting, polling or stopping a detached job (jobs.ts): quick
 *   share, no signal (a job is stopped by its own command, never by dropping
 *   a poll), POLL_TIMEOUT_MS.
 */
export type Kind = 'read' | 'probe' | 'change' | 'task' | 'exec' | 'poll'

export interface How {
  kind: Kind
  /** This kind's default timeout when the caller gives none (worker tasks). */
  timeoutMs?: number
  call?: CallOptions
  /** Indices of argv entries shown as *** in logs and errors (passwords). */
  secretArgs?: number[]
  stdin?: string
  /** For error details (the container a command was about). */
  ctx?: FailureContext
}

/** What `exec` answers: the command's streams (each possibly cut at the cap), exit code, and which was cut. */
export interface ExecOutput {
  stdout: string
  stderr: string
  exitCode: number
  truncated?: Truncation
}

/** What a resource module needs: the runner and the node name. */
export interface Host {
  readonly run: HostRunner
  node(): Promise<NodeName>
}

/** Past a known timeout, how long the answer may still take before the call gives up itself. */
const DEADLINE_SLACK_MS = 1000
/** Each command of a detached job's start, poll or stop. */
const POLL_TIMEOUT_MS = 15_000


export class HostRunner {
  constructor(
    private readonly executor: Executor,
    readonly az: string,
    /** Options applied to calls that do not set their own (see `with`). */
    readonly defaults: CallOptions = {},
    private readonly state: AzState = {},
  ) {}

  /** The same runner whose calls default to `defaults` (merged over the current ones). */
  with(defaults: CallOptions): HostRunner {
    return new HostRunner(this.executor, this.az, { ...this.defaults, ...defaults }, this.state)
  }

  /** Whether the AZ answered a command within REACHED_WINDOW_MS. */
  recentlyReached(): boolean {
    const t = this.state.lastAnswerAt
    return t !== undefined && performance.now() - t < REACHED_WINDOW_MS
  }

  /** The RunOptions of a call: the rule in the header, in one place. */
  options(how: How): RunOptions {
    const call = how.call ?? {}
    const o: RunOptions = {}
    let timeoutMs = how.kind === 'poll' ? POLL_TIMEOUT_MS : (call.timeoutMs ?? how.timeoutMs ?? this.defaults.timeoutMs)
    const reachMs = call.reachMs ?? this.defaults.reachMs
    if (reachMs !== undefined && (how.kind === 'read' || how.kind === 'probe') && !this.recentlyReached()) {
      timeoutMs = Math.min(timeoutMs ?? reachMs, reachMs)
    }
    if (timeoutMs !== undefined) o.timeoutMs = timeoutMs
    const maxOutputBytes = call.maxOutputBytes ?? this.defaults.maxOutputBytes
    if (maxOutputBytes !== undefined) o.maxOutputBytes = maxOutputBytes
    if (how.kind === 'read') o.read = true
    o.share = how.kind === 'task' || how.kind === 'exec' ? 'long' : 'short'
    // Reads stop with their request; tasks and container commands only with a signal the call passes (an operation's cancel), never the request's.
    const signal = how.kind === 'read' || how.kind === 'probe' ? (call.signal ?? this.defaults.signal) : how.kind === 'exec' || how.kind === 'task' ? call.signal : undefined
    if (signal) o.signal = signal
    if (how.secretArgs?.length) o.secretArgs = how.secretArgs
    if (how.stdin !== undefined) o.stdin = how.stdin
    return o
  }

  /** argv as errors may show it: secret entries masked. */
  shown(argv: readonly string[], secretArgs?: readonly number[]): string[] {
    return secretArgs?.length ? argv.map((a, i) => (secretArgs.includes(i) ? '***' : a)) : [...argv]
  }

  /** Run argv; only host faults throw (a non-zero exit is returned). */
  async exec(argv: readonly string[], how: How): Promise<RunResult> {
    if (how.kind === 'task' && how.call?.detach) return this.execDetached(argv, how, how.call.detach)
    const opts = this.options(how)
    const t = opts.timeoutMs
    try {
      const run = this.executor.run(argv, opts)
      const r = await (t === undefined ? run : withDeadline(run, t + DEADLINE_SLACK_MS, { error: () => new HostTimeoutError(this.az, t, `no answer within ${formatDuration(t)}`, false) }))
      this.state.lastAnswerAt = performance.now()
      return r
    } catch (e) {
      throw hostFault(this.az, e)
    }
  }

  /** A worker task as a detached job: started by one short command, then followed to its end (jobs.ts). */
  private async execDetached(argv: readonly string[], how: How, d: DetachOptions): Promise<RunResult> {
    const { timeoutMs, signal } = this.options(how)
    const follow = { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(signal ? { signal } : {}) }
    if (d.resume) return this.followJob(d, follow)
    const start = startArgv(d.name, argv)
    const shift = start.length - argv.length
    const secretArgs = how.secretArgs?.map((i) => i + shift)
    let r: RunResult
    try {
      r = await this.exec(start, { kind: 'poll', ...(secretArgs ? { secretArgs } : {}) })
    } catch (e) {
      // Sent, but no answer: the task may be running on the host all the same. Follow it, so it is never left unaccounted for (a job that never started is `gone`: the original error).
      if (!(e instanceof HostTimeoutError && e.commandStarted)) throw e
      return this.followJob(d, follow).catch((f) => {
        throw codeOf(f) === 'HOST_TASK_LOST' ? e : f
      })
    }
    if (r.exitCode !== 0 || !/^started \d+$/.test(r.stdout.trim())) {
      if (r.stdout.trim() === 'exists') throw new InternalError(`${this.az}: a host job named ${d.name} was started before`)
      checkResult(this.az, this.shown(argv, how.secretArgs), { ...r, exitCode: r.exitCode || 1, stderr: r.stderr || `could not start the task detached: ${r.stdout.trim().slice(0, 200)}` })
    }
    return this.followJob(d, follow)
  }

  /** Follows the detached job `d.name` to its end (also one a previous process started). */
  followJob(d: DetachOptions, o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<RunResult> {
    return followJob((a) => this.exec(a, { kind: 'poll' }), d.name, { az: this.az, ...o, ...(d.onOutput ? { onOutput: d.onOutput } : {}), ...(d.pollMs ? { pollMs: d.pollMs } : {}) })
  }

  /** Run argv; throw the mapped LwsError if it failed (errors.ts rules). */
  async run(argv: readonly string[], how: How): Promise<RunResult> {
    const result = await this.exec(argv, how)
    checkResult(this.az, this.shown(argv, how.secretArgs), result, how.ctx)
    return result
  }

  /** Start argv with its output streamed (no timeout, no cap; `signal` or `kill()` stops it). */
  async stream(argv: readonly string[], how: How): Promise<StreamHandle> {
    const { timeoutMs: _t, maxOutputBytes: _m, ...opts } = this.options(how)
    // A stream is stopped by its consumer: a request's signal is fine here, and is how logs -f ends.
    const signal = how.call?.signal ?? this.defaults.signal
    const so: StreamOptions = signal ? { ...opts, signal } : opts
    try {
      const handle = await this.executor.stream(argv, so)
      this.state.lastAnswerAt = performance.now()
      return handle
    } catch (e) {
      throw hostFault(this.az, e)
    }
  }

  /** Apply a parser; malformed output becomes a 500 naming the command. */
  parse<T>(argv: readonly string[], fn: () => T): T {
    try {
      return fn()
    } catch (e) {
      if (e instanceof LwsError) throw e
      const err = new InternalError(`unexpected output from '${argv.slice(0, 4).join(' ')}': ${(e as Error).message}`)
      err.cause = e
      throw err
    }
  }

  /** `pvesh get <path> [params] --output-format json` (a read) → JSON → `convert`. */
  async pveshGet<T>(path: string, params: readonly string[], convert: (json: unknown) => T, call?: CallOptions, ctx?: FailureContext): Promise<T> {
    const argv = pveshGetArgv(path, params)
    const r = await this.run(argv, { kind: 'read', call, ctx })
    return this.parse(argv, () => convert(parsePveshJson(r.stdout)))
  }

  /**
   * Run the read batch `spec` with `args` in one host command and return each
   * part unchecked (see `check`). A batch of one command runs it directly.
   */
  async batch(spec: BatchSpec, args: readonly string[], call?: CallOptions): Promise<PartResult[]> {
    const how: How = { kind: 'read', call }
    const only = singlePart(spec)
    if (only) {
      const argv = partArgv(only, args)
      const r = await this.exec(argv, how)
      return [{ name: only.name, argv, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, missing: false }]
    }
    const argv = batchArgv(spec, args)
    const r = await this.exec(argv, how)
    try {
      return parseBatch(spec, args, r.stdout, r.stderr)
    } catch (e) {
      if (!(e instanceof OutputParseError)) throw e
      // The script itself failed (no temporary folder, say): its own exit code and stderr, else a 500.
      const shown = ['sh', '-c', `lws-${spec.name}`]
      if (r.exitCode !== 0) checkResult(this.az, shown, r)
      return this.parse(shown, () => {
        throw e
      })
    }
  }

  /**
   * A part of a batch, checked as if it had run alone: a missing program is
   * run alone (so the executor names it, and a missing PVE tool is 503), a
   * failure is the error that command would give.
   */
  async check(part: PartResult, ctx?: FailureContext, call?: CallOptions): Promise<PartResult> {
    let p = part
    if (p.missing) {
      const r = await this.exec(p.argv, { kind: 'read', call })
      p = { ...p, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, missing: false }
    }
    checkResult(this.az, p.argv, { ...p, durationMs: 0 }, ctx)
    return p
  }

  /** `check`, then pvesh JSON → `convert`. */
  async checkJson<T>(part: PartResult, convert: (json: unknown) => T, ctx?: FailureContext, call?: CallOptions): Promise<T> {
    const p = await this.check(part, ctx, call)
    return this.parse(p.argv, () => convert(parsePveshJson(p.stdout)))
  }

  /** `check`, then a text parser. */
  async checkText<T>(part: PartResult, parse: (stdout: string) => T, ctx?: FailureContext, call?: CallOptions): Promise<T> {
    const p = await this.check(part, ctx, call)
    return this.parse(p.argv, () => parse(p.stdout))
  }
}

/** The argv of a pvesh read (pve-manager `PVE/CLI/pvesh.pm`: `--output-format json` prints one line of compact JSON). */
export function pveshGetArgv(path: string, params: readonly string[] = []): string[] {
  return ['pvesh', 'get', path, ...params, '--output-format', 'json']
}

/** The part of `parts` named `name` (a batch always reports every fixed part). */
export function partNamed(parts: readonly PartResult[], name: string): PartResult {
  const p = parts.find((x) => x.name === name)
  if (!p) throw new InternalError(`batch part ${name} missing`)
  return p
}
