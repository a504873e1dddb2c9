/**
 * Operations: every change LWS makes on a host runs as one, tracked in the
 * store from the moment it is accepted until it ends, whoever waits for it.
 *
 *   const { operation } = await ops.start(
 *     { kind: 'lxc.stop', region, az, resources: { instances: ['101'] }, requestId },
 *     async (op) => {
 *       op.progress({ step: 'pct shutdown 101' })
 *       await stop('101', { signal: op.signal })
 *       op.revert.add(() => start('101'), 'start 101 again')   // undone if a later step fails
 *       return { instance_id: '101', current_status: 'stopped' } // → `result`
 *     },
 *   )
 *
 * - Statuses: pending (accepted, queued) → running → succeeded | failed | cancelled.
 * - One change per container: an operation waits (`pending`, its place in
 *   `progress.step`) while another holds one of its `resources.instances`.
 * - Cancel aborts `op.signal`; once the work has stopped, its undo steps
 *   (`op.revert`) run newest first and the status is `cancelled`. A failure
 *   runs them too; success drops them.
 * - Work runs in a request scope of its own: the caller's request id for
 *   logs, but not its abort signal, so a caller that disconnects does not
 *   stop it.
 * - Events (`operation` type: created, progress, finished) go to the store
 *   and to live subscribers (GET /events).
 * - `recover()` at start ends what a previous process left unfinished
 *   (`failed`, `INTERRUPTED`), unless a recovery handler for its kind takes
 *   it over (re-attach to the host task in `host_task`, clean up `planned`).
 * - `drain()` before stopping: no new work (503 `SHUTTING_DOWN`), queued
 *   work ends at once, running work gets a grace period.
 */
import { inRequestScope, currentRequest } from '../context/request-scope.ts'
import { InternalError, LwsError } from '../errors/catalogue.ts'
import type { Logger } from '../log.ts'
import type {
  HostTask,
  LogLine,
  OperationFilter,
  OperationPage,
  OperationRecord,
  OperationStatus,
  PlannedResource,
  Progress,
  PruneResult,
  Resources,
  Store,
  StoredError,
} from '../store/types.ts'
import { isFinished } from '../store/types.ts'
import {
  IdempotencyKeyReusedError,
  InterruptedError,
  OperationCancelledError,
  OperationFinishedError,
  OperationNotCancellableError,
  OperationNotFoundError,
  ShuttingDownError,
  storedErrorOf,
} from './errors.ts'
import { EventBus } from './events.ts'
import { LockQueue } from './locks.ts'
import { Reverter } from './revert.ts'
import { unrefTimer } from './timers.ts'
import { operationBody } from './view.ts'

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000
/** Lines kept per operation log; later ones are counted, not stored. */
export const MAX_LOG_LINES = 10_000
/** Characters kept per log line. */
export const MAX_LOG_LINE = 8192
const PRUNE_EVERY_MS = 60 * 60 * 1000

export interface OperationSpec {
  /** `lxc.create`, `lxc.stop`, `app.setup`, ...: `<plugin>.<verb>`. */
  kind: string
  region?: string | null
  az?: string | null
  /** What it acts on: `{ instances: ['101'] }`. Instances are locked for the operation's run. */
  resources?: Resources
  /** Items or steps in all, when known (progress.percent). */
  total?: number | null
  /** Whether DELETE /operations/{id} may stop it while it runs (default true; queued ones can always be cancelled). */
  mayCancel?: boolean
  /** Request id of the call that started it (default: the current request's). */
  requestId?: string | null
  /** HTTP status the synchronous answer had (default 200). */
  resultStatus?: number
}

/** What the work of an operation gets. */
export interface OpContext {
  readonly id: string
  readonly kind: string
  /** Aborted when the operation is cancelled: pass it to host commands, check it between steps. */
  readonly signal: AbortSignal
  /** Undo steps: run newest first on failure or cancel, dropped on success. */
  readonly revert: Reverter
  /** Updates `progress` (merged): `{ done: 2, total: 3, step: 'pct start 102' }`. */
  progress(p: Partial<Progress>): void
  /** Appends text to the operation log (split into lines). */
  log(text: string): void
  /** A writer for output that arrives in chunks (lines may be split across them); flush() at the end. */
  logWriter(): { write(chunk: string | Uint8Array): void; flush(): void }
  /** Throws the cancel error when the operation has been cancelled. */
  throwIfCancelled(): void
  /** Records the host worker task it follows (before waiting on it), so a restarted LWS can re-attach. */
  setHostTask(task: HostTask | null): Promise<void>
  /** Records what it is about to make, before the host command starts, so a restarted LWS can clean up. */
  plan(...resources: PlannedResource[]): Promise<void>
  /** Replaces `resources` (a create learns its ids); locks stay those taken at start. */
  setResources(resources: Resources): Promise<void>
}

export type Work = (op: OpContext) => Promise<unknown> | unknown

/**
 * Takes over an operation a previous process left unfinished: re-attach to
 * its host task, or clean up what it planned. Returns the result
 * (succeeded) or throws (failed; anything but an LwsError becomes INTERRUPTED).
 */
export type RecoveryHandler = (record: OperationRecord, op: OpContext) => Promise<unknown>

export interface IdempotencyRequest {
  /** Namespace (the principal once access control exists; '' for the one API key). */
  scope?: string
  key: string
  /** Hash of method, path and body: the same key with another fingerprint is 422. */
  fingerprint: string
}

export interface OperationsOptions {
  log: Logger
  /** Finished operations are kept this long (operations.retention_days, default 7). */
  retentionDays?: number
  now?: () => Date
  /** Prune every hour (default true; tests turn it off). */
  pruneTimer?: boolean
}

interface LiveOp {
  record: OperationRecord
  ctl: AbortController
  reverter: Reverter
  /** Store writes of this operation, in order. */
  writes: Promise<void>
  started: boolean
  /** Set when a progress write is queued: later updates ride on it. */
  progressQueued: boolean
  pendingLines: string[]
  logQueued: boolean
  logCount: number
  dropped: number
  logListeners: Set<(line: LogLine | null) => void>
  done: Promise<OperationRecord>
  resolve: (r: OperationRecord) => void
  resultStatus: number
  scope: { id: string; address: string }
}

const clone = (r: OperationRecord): OperationRecord => structuredClone(r)
const message = (err: unknown) => (err instanceof Error ? err.message : String(err))
/** A work's return value as JSON would carry it (undefined → null); throws for what JSON cannot hold (BigInt, cycles). */
const asJson = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v) ?? 'null'))
const detailsOf = (err: unknown) => (err instanceof LwsError ? err.details : message(err))

export class Operations {
  readonly events: EventBus
  private live = new Map<string, LiveOp>()
  private locks = new LockQueue()
  private recovery = new Map<string, RecoveryHandler>()
  private log: Logger
  private now: () => Date
  private retentionMs: number
  private timer?: ReturnType<typeof setInterval>
  private drainingSince: number | null = null

  constructor(
    readonly store: Store,
    opts: OperationsOptions,
  ) {
    this.log = opts.log
    this.now = opts.now ?? (() => new Date())
    this.retentionMs = (opts.retentionDays ?? 7) * 24 * 60 * 60 * 1000
    this.events = new EventBus(store, opts.log, this.now)
    if (opts.pruneTimer !== false) {
      this.timer = setInterval(() => void this.prune().catch((err) => this.log.error('operations prune failed', { error: message(err) })), PRUNE_EVERY_MS)
      unrefTimer(this.timer)
    }
  }

  get draining(): boolean {
    return this.drainingSince !== null
  }

  /** Operations of this process that have not ended. */
  get active(): number {
    return this.live.size
  }

  // ------------------------------------------------------------------ start

  /**
   * Accepts an operation and returns it (`pending` or already `running`);
   * `work` goes on in the background. With an idempotency key that an
   * earlier identical request holds, that request's operation comes back
   * instead (`reused: true`) and nothing new starts.
   */
  async start(spec: OperationSpec, work: Work, opts: { idempotency?: IdempotencyRequest } = {}): Promise<{ operation: OperationRecord; reused: boolean }> {
    if (this.draining) throw new ShuttingDownError()
    const caller = currentRequest()
    const at = this.now().toISOString()
    const record: OperationRecord = {
      id: crypto.randomUUID(),
      kind: spec.kind,
      status: 'pending',
      created_at: at,
      started_at: null,
      finished_at: null,
      region: spec.region ?? null,
      az: spec.az ?? null,
      resources: structuredClone(spec.resources ?? {}),
      progress: { done: 0, total: spec.total ?? null, step: null },
      may_cancel: spec.mayCancel ?? true,
      result: null,
      result_status: null,
      error: null,
      request_id: spec.requestId === undefined ? (caller?.id ?? null) : spec.requestId,
      host_task: null,
      planned: [],
    }
    const live = this.newLive(record, spec.resultStatus ?? 200, { id: record.request_id ?? record.id, address: caller?.address ?? 'local' })
    // Visible before the key is claimed: a retry racing this call finds it.
    this.live.set(record.id, live)
    try {
      if (opts.idempotency) {
        const earlier = await this.claim(opts.idempotency, record.id, at)
        if (earlier) {
          this.live.delete(record.id)
          return { operation: earlier, reused: true }
        }
      }
      await this.store.insertOperation(record)
    } catch (err) {
      this.live.delete(record.id)
      if (opts.idempotency) await this.store.releaseIdempotencyKey(opts.idempotency.scope ?? '', opts.idempotency.key, record.id).catch(() => {})
      throw err
    }
    void this.publish(live, 'created')
    const keys = (record.resources.instances ?? []).map((i) => `${record.region ?? ''}/${record.az ?? ''}/${i}`)
    this.locks.acquire(
      record.id,
      keys,
      () => void this.run(live, work, () => new InternalError()),
      (ahead) => this.setProgress(live, { step: `queued: position ${ahead} (waiting for ${ahead === 1 ? 'one earlier operation' : `${ahead} earlier operations`} on instance ${record.resources.instances!.join(', ')})` }),
    )
    return { operation: clone(live.record), reused: false }
  }

  /** The earlier operation holding the key, or undefined once the key is ours. */
  private async claim(idem: IdempotencyRequest, id: string, at: string): Promise<OperationRecord | undefined> {
    const scope = idem.scope ?? ''
    const expires = new Date(Date.parse(at) + IDEMPOTENCY_TTL_MS).toISOString()
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await this.store.claimIdempotencyKey({ scope, key: idem.key, fingerprint: idem.fingerprint, operation_id: id, now: at, expires_at: expires })
      if (r.claimed) return undefined
      if (r.fingerprint !== idem.fingerprint) throw new IdempotencyKeyReusedError(idem.key)
      const earlier = await this.get(r.operation_id)
      if (earlier) return earlier
      // Its operation is gone (pruned, or the process died between claim and insert): the key is free again.
      await this.store.releaseIdempotencyKey(scope, idem.key, r.operation_id)
    }
    throw new IdempotencyKeyReusedError(idem.key)
  }

  private newLive(record: OperationRecord, resultStatus: number, scope: LiveOp['scope']): LiveOp {
    let resolve!: (r: OperationRecord) => void
    const done = new Promise<OperationRecord>((r) => (resolve = r))
    return {
      record,
      ctl: new AbortController(),
      reverter: new Reverter(),
      writes: Promise.resolve(),
      started: false,
      progressQueued: false,
      pendingLines: [],
      logQueued: false,
      logCount: 0,
      dropped: 0,
      logListeners: new Set(),
      done,
      resolve,
      resultStatus,
      scope,
    }
  }

  // ------------------------------------------------------------------ running

  private context(live: LiveOp): OpContext {
    const r = live.record
    return {
      id: r.id,
      kind: r.kind,
      signal: live.ctl.signal,
      revert: live.reverter,
      progress: (p) => this.setProgress(live, p),
      log: (text) => this.appendLog(live, text),
      logWriter: () => {
        const decoder = new TextDecoder()
        let rest = ''
        return {
          write: (chunk) => {
            rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
            const cut = rest.lastIndexOf('\n')
            if (cut < 0) return
            this.appendLog(live, rest.slice(0, cut))
            rest = rest.slice(cut + 1)
          },
          flush: () => {
            rest += decoder.decode()
            if (rest) this.appendLog(live, rest)
            rest = ''
          },
        }
      },
      throwIfCancelled: () => {
        if (live.ctl.signal.aborted) throw live.ctl.signal.reason
      },
      setHostTask: (task) => this.persist(live, { host_task: task }),
      plan: (...items) => this.persist(live, { planned: [...live.record.planned, ...items] }),
      setResources: (resources) => this.persist(live, { resources }),
    }
  }

  private async run(live: LiveOp, work: Work, fallback: () => LwsError, resumed = false): Promise<void> {
    live.started = true
    const r = live.record
    if (this.draining && !resumed) return this.finish(live, 'failed', { error: storedErrorOf(new ShuttingDownError(), fallback) })
    if (!resumed) {
      r.status = 'running'
      r.started_at = this.now().toISOString()
      r.progress = { ...r.progress, step: null }
      this.enqueue(live, () => this.store.updateOperation(r.id, { status: 'running', started_at: r.started_at, progress: r.progress }))
      void this.publish(live, 'progress')
    }
    const ctx = this.context(live)
    let result: unknown
    try {
      // As the synchronous answer will be sent (and as the store keeps it): JSON.
      result = asJson(await inRequestScope(live.scope, async () => work(ctx)))
    } catch (err) {
      const cancelled = live.ctl.signal.aborted
      const error = cancelled
        ? storedErrorOf(new OperationCancelledError(r.id), fallback)
        : storedErrorOf(err, () => {
            this.log.error('operation failed unexpectedly', { operation_id: r.id, kind: r.kind, error: message(err), stack: (err as Error)?.stack })
            return fallback()
          })
      this.appendLog(live, cancelled ? (err === live.ctl.signal.reason ? 'cancelled' : `cancelled: ${detailsOf(err)}`) : `failed: ${error.body.details}`)
      if (live.reverter.size) {
        const outcome = await live.reverter.fail((label, e) => this.appendLog(live, e ? `undo ${label} failed: ${message(e)}` : `undone: ${label}`))
        if (outcome.failures.length) this.log.warn('operation undo steps failed', { operation_id: r.id, kind: r.kind, failures: outcome.failures })
      }
      return this.finish(live, cancelled ? 'cancelled' : 'failed', { error })
    }
    live.reverter.success()
    if (r.progress.total !== null && r.progress.done < r.progress.total) r.progress = { ...r.progress, done: r.progress.total }
    await this.finish(live, 'succeeded', { result })
  }

  private async finish(live: LiveOp, status: OperationStatus, out: { result?: unknown; error?: StoredError }): Promise<void> {
    const r = live.record
    if (isFinished(r.status)) return
    r.status = status
    r.finished_at = this.now().toISOString()
    if (status === 'succeeded') {
      r.result = out.result ?? null
      r.result_status = live.resultStatus
    } else r.error = out.error ?? null
    this.flushLog(live)
    const patch = { status, finished_at: r.finished_at, progress: r.progress, result: r.result, result_status: r.result_status, error: r.error }
    this.enqueue(live, () => this.store.updateOperation(r.id, patch))
    try {
      await live.writes
      await this.publish(live, 'finished')
    } finally {
      // Whatever happened to the writes: the queue moves on and every waiter hears of the end.
      this.live.delete(r.id)
      this.locks.release(r.id)
      for (const l of live.logListeners) {
        try {
          l(null)
        } catch {}
      }
      live.logListeners.clear()
      live.resolve(clone(r))
    }
  }

  /** Queues a store write behind the operation's earlier ones; a failed write is logged, never thrown. */
  private enqueue(live: LiveOp, write: () => Promise<unknown>): Promise<void> {
    const next = live.writes.then(write).then(
      () => {},
      (err) => this.log.error('operation state not stored', { operation_id: live.record.id, error: message(err) }),
    )
    live.writes = next
    return next
  }

  private persist(live: LiveOp, patch: Partial<Pick<OperationRecord, 'host_task' | 'planned' | 'resources'>>): Promise<void> {
    Object.assign(live.record, structuredClone(patch))
    return this.enqueue(live, () => this.store.updateOperation(live.record.id, patch))
  }

  private setProgress(live: LiveOp, p: Partial<Progress>): void {
    const r = live.record
    if (isFinished(r.status)) return
    r.progress = {
      done: p.done ?? r.progress.done,
      total: p.total === undefined ? r.progress.total : p.total,
      step: p.step === undefined ? r.progress.step : p.step,
    }
    if (live.progressQueued) return
    live.progressQueued = true
    // Coalesced: a burst of updates costs one write and one event.
    this.enqueue(live, async () => {
      live.progressQueued = false
      if (isFinished(r.status)) return
      await this.store.updateOperation(r.id, { progress: r.progress })
      void this.publish(live, 'progress')
    })
  }

  private appendLog(live: LiveOp, text: string): void {
    if (isFinished(live.record.status)) return
    for (const line of text.replace(/\r?\n$/, '').split(/\r?\n/)) {
      if (live.logCount + live.pendingLines.length >= MAX_LOG_LINES) {
        live.dropped++
        continue
      }
      live.pendingLines.push(line.length > MAX_LOG_LINE ? `${line.slice(0, MAX_LOG_LINE)}…` : line)
    }
    if (live.logQueued) return
    live.logQueued = true
    this.enqueue(live, () => this.writeLog(live))
  }

  private flushLog(live: LiveOp): void {
    if (live.dropped) {
      live.pendingLines.push(`[log truncated: ${live.dropped} more line(s) not kept]`)
      live.dropped = 0
    }
    if (live.pendingLines.length && !live.logQueued) {
      live.logQueued = true
      this.enqueue(live, () => this.writeLog(live))
    }
  }

  private async writeLog(live: LiveOp): Promise<void> {
    live.logQueued = false
    const lines = live.pendingLines.splice(0)
    if (!lines.length) return
    const at = this.now().toISOString()
    const total = await this.store.appendLog(live.record.id, lines, at)
    live.logCount = total
    const first = total - lines.length + 1
    lines.forEach((text, i) => {
      const line = { n: first + i, at, text }
      for (const l of live.logListeners) l(line)
    })
  }

  private publish(live: LiveOp, action: 'created' | 'progress' | 'finished') {
    return this.events.publish('operation', { action, operation: operationBody(live.record) }, live.record.id)
  }

  // ------------------------------------------------------------------ reading

  async get(id: string): Promise<OperationRecord | undefined> {
    const live = this.live.get(id)
    if (live) return clone(live.record)
    return this.store.getOperation(id)
  }

  async require(id: string): Promise<OperationRecord> {
    const r = await this.get(id)
    if (!r) throw new OperationNotFoundError(id)
    return r
  }

  /** A page of operations, newest first; running ones as they stand in memory. */
  async list(filter: OperationFilter = {}): Promise<OperationPage> {
    const page = await this.store.listOperations(filter)
    return { ...page, items: page.items.map((r) => (this.live.has(r.id) ? clone(this.live.get(r.id)!.record) : r)) }
  }

  /** The operation once it has ended, or as it stands after `timeoutMs` (or when `signal` aborts). */
  async wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<OperationRecord> {
    const live = this.live.get(id)
    if (!live || timeoutMs <= 0) return this.require(id)
    let timer: ReturnType<typeof setTimeout> | undefined
    let onAbort: (() => void) | undefined
    await Promise.race([
      live.done,
      new Promise<void>((resolve) => {
        // No timer for "for ever" (setTimeout would fire at once for Infinity or anything ≥ 2^31 ms).
        if (timeoutMs < 2 ** 31 - 1) timer = setTimeout(resolve, timeoutMs)
        if (signal) {
          onAbort = resolve
          if (signal.aborted) resolve()
          else signal.addEventListener('abort', onAbort, { once: true })
        }
      }),
    ])
    clearTimeout(timer)
    if (signal && onAbort) signal.removeEventListener('abort', onAbort)
    return this.require(id)
  }

  /** Log lines after `offset` (0-based), at most `limit`. */
  async readLog(id: string, offset: number, limit: number): Promise<LogLine[]> {
    const live = this.live.get(id)
    if (live) await live.writes
    else await this.require(id)
    return this.store.readLog(id, offset, limit)
  }

  /**
   * Lines as they are stored, live: `listener(line)` for each, then
   * `listener(null)` when the operation ends. Undefined when it is not
   * running in this process (it has ended: read the stored log).
   */
  followLog(id: string, listener: (line: LogLine | null) => void): (() => void) | undefined {
    const live = this.live.get(id)
    if (!live) return undefined
    live.logListeners.add(listener)
    return () => live.logListeners.delete(listener)
  }

  /** Publishes an event of another type (`instance`: state changes LWS made or saw). */
  publishEvent(type: string, data: unknown): Promise<unknown> {
    return this.events.publish(type, data)
  }

  // ------------------------------------------------------------------ cancel

  /**
   * Cancels: a queued operation ends at once; a running one has its signal
   * aborted, and this waits up to `waitMs` for it to stop and undo its steps.
   * Returns the operation as it then stands. 409 OPERATION_FINISHED once it
   * has ended, OPERATION_NOT_CANCELLABLE when it runs and may not be stopped.
   */
  async cancel(id: string, waitMs = 10_000): Promise<OperationRecord> {
    const live = this.live.get(id)
    if (!live) {
      const r = await this.require(id)
      if (isFinished(r.status)) throw new OperationFinishedError(id, r.status)
      // Left unfinished by a process that is gone and not yet recovered: nothing runs it.
      const error = storedErrorOf(new OperationCancelledError(id), () => new InternalError())
      return (await this.store.updateOperation(id, { status: 'cancelled', finished_at: this.now().toISOString(), error })) ?? r
    }
    if (!live.started) {
      this.locks.remove(id)
      this.appendLog(live, 'cancelled before it started')
      await this.finish(live, 'cancelled', { error: storedErrorOf(new OperationCancelledError(id), () => new InternalError()) })
      return clone(live.record)
    }
    if (!live.record.may_cancel) throw new OperationNotCancellableError(id, live.record.kind)
    if (!live.ctl.signal.aborted) {
      this.appendLog(live, 'cancel requested')
      live.ctl.abort(new OperationCancelledError(id))
    }
    await this.wait(id, waitMs)
    return this.require(id)
  }

  // ------------------------------------------------------------------ start-up and stop

  /** Registers how operations of `kind` (or '*') left unfinished by a previous process are taken over at start. */
  onRecovery(kind: string, handler: RecoveryHandler): void {
    this.recovery.set(kind, handler)
  }

  /**
   * At start, before serving: every operation the store holds as pending or
   * running that this process does not run was left by a previous one. With
   * a recovery handler for its kind it runs again as that handler (holding
   * its instances); otherwise it ends `failed` with `INTERRUPTED`. Then
   * prunes what is past retention.
   */
  async recover(): Promise<{ interrupted: string[]; resumed: string[]; pruned: PruneResult }> {
    const interrupted: string[] = []
    const resumed: string[] = []
    for (const rec of await this.store.unfinishedOperations()) {
      if (this.live.has(rec.id)) continue
      const handler = rec.status === 'running' ? (this.recovery.get(rec.kind) ?? this.recovery.get('*')) : undefined
      if (handler) {
        resumed.push(rec.id)
        this.resume(rec, handler)
        continue
      }
      interrupted.push(rec.id)
      const error = storedErrorOf(new InterruptedError(interruptedDetails(rec)), () => new InternalError())
      const after = await this.store.updateOperation(rec.id, { status: 'failed', finished_at: this.now().toISOString(), error })
      await this.store.appendLog(rec.id, [`interrupted: ${error.body.details}`], this.now().toISOString())
      if (after) await this.events.publish('operation', { action: 'finished', operation: operationBody(after) }, rec.id)
    }
    if (interrupted.length || resumed.length) this.log.warn('operations left by the previous process', { interrupted, resumed })
    return { interrupted, resumed, pruned: await this.prune() }
  }

  private resume(rec: OperationRecord, handler: RecoveryHandler): void {
    const live = this.newLive(rec, rec.result_status ?? 200, { id: rec.request_id ?? rec.id, address: 'local' })
    this.live.set(rec.id, live)
    const keys = (rec.resources.instances ?? []).map((i) => `${rec.region ?? ''}/${rec.az ?? ''}/${i}`)
    this.appendLog(live, 'LWS restarted: taking the operation over')
    this.locks.acquire(
      rec.id,
      keys,
      () => void this.run(live, (op) => handler(clone(rec), op), () => new InterruptedError(interruptedDetails(rec)), true),
      () => {},
    )
  }

  /** Deletes finished operations older than the retention (with logs and events) and expired idempotency keys. */
  async prune(): Promise<PruneResult> {
    const now = this.now()
    const result = await this.store.prune(new Date(now.getTime() - this.retentionMs).toISOString(), now.toISOString())
    if (result.operations || result.events) this.log.info('operations pruned', { ...result })
    return result
  }

  /**
   * Before stopping: refuses new operations (503 SHUTTING_DOWN), ends the
   * queued ones (failed, SHUTTING_DOWN: nothing of them ran), and waits up to
   * `graceMs` for the running ones. Those still running afterwards are
   * returned; the next start recovers them.
   */
  async drain(graceMs: number): Promise<{ remaining: string[] }> {
    this.drainingSince ??= Date.now()
    for (const live of [...this.live.values()]) {
      if (live.started) continue
      this.locks.remove(live.record.id)
      this.appendLog(live, 'LWS is stopping: not started')
      await this.finish(live, 'failed', { error: storedErrorOf(new ShuttingDownError(), () => new InternalError()) })
    }
    const running = [...this.live.values()].map((l) => l.done)
    if (running.length) {
      this.log.info('waiting for running operations', { count: running.length, grace_ms: graceMs })
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([Promise.all(running), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))])
      clearTimeout(timer)
    }
    await this.events.settled()
    return { remaining: [...this.live.keys()] }
  }

  /** Stops the prune timer. The store is closed by whoever opened it. */
  close(): void {
    clearInterval(this.timer)
  }
}

function interruptedDetails(rec: OperationRecord): string {
  const parts = [rec.status === 'pending' ? 'LWS stopped before the operation started' : 'LWS stopped while the operation was running; it did not finish']
  if (rec.host_task) parts.push(`host task ${rec.host_task.upid} on ${rec.host_task.node}`)
  if (rec.planned.length) parts.push(`it may have left: ${rec.planned.map((p) => `${p.type} ${p.id}${p.action ? ` (${p.action})` : ''}`).join(', ')}`)
  return parts.join('; ')
}

