/**
 * What LWS keeps between requests and across restarts: operations, their
 * logs, idempotency keys and the event journal. Nothing outside src/store
 * knows how it is stored: every method is async and takes and returns plain
 * JSON-able values, so a shared server database (PostgreSQL, issue 15) can
 * implement the same interface. Times are ISO 8601 UTC strings
 * (`Date#toISOString`), which sort as text in every database.
 */

export const OPERATION_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type OperationStatus = (typeof OPERATION_STATUSES)[number]
export const FINISHED_STATUSES: readonly OperationStatus[] = ['succeeded', 'failed', 'cancelled']
export const isFinished = (s: OperationStatus): boolean => FINISHED_STATUSES.includes(s)

/** `{"instances": ["101", "102"]}`: what an operation acts on, by kind of resource. */
export type Resources = Record<string, string[]>

export interface Progress {
  done: number
  total: number | null
  step: string | null
}

/** The error answer of a failed (or cancelled, or interrupted) operation, as the synchronous call gave it. */
export interface StoredError {
  /** HTTP status the synchronous call answered with. */
  status: number
  /** `{error, details, return_code, code}` and whatever else the error's body carried (stdout, exit_code, ...). */
  body: { error: string; details: string; return_code: number; code: string } & Record<string, unknown>
  /** Extra answer headers (Retry-After, ...). */
  headers?: Record<string, string>
}

/**
 * A worker task on a Proxmox host the operation follows: its UPID (format of
 * pve-common `src/PVE/UPID.pm`) and node, recorded before waiting on it, so
 * after a crash the task can still be looked up on the host.
 */
export interface HostTask {
  upid: string
  node: string
}

/**
 * Something the operation is about to make on a host, recorded before the
 * host command starts, so recovery after a crash knows what may be half-made.
 */
export interface PlannedResource {
  /** `instance`, `snapshot`, `volume`, ... */
  type: string
  id: string
  /** `create`, `destroy`, ...: what was about to happen to it. */
  action?: string
  region?: string | null
  az?: string | null
  /** The detached host job (src/proxmox/jobs.ts) that makes it: a restarted LWS follows it by this name. */
  job?: string
  /** What the operation's result says of it once made (a create's instance entry), for a restarted LWS that completes it. */
  report?: Record<string, unknown>
}

export interface OperationRecord {
  id: string
  kind: string
  status: OperationStatus
  created_at: string
  started_at: string | null
  finished_at: string | null
  region: string | null
  az: string | null
  resources: Resources
  progress: Progress
  may_cancel: boolean
  /** The body the synchronous call returned (succeeded), else null. */
  result: unknown
  /** The HTTP status of that body (200 unless the route answers otherwise). */
  result_status: number | null
  error: StoredError | null
  request_id: string | null
  host_task: HostTask | null
  planned: PlannedResource[]
}

/** Fields an update may change; `id`, `kind`, `created_at` and the placement never change. */
export type OperationPatch = Partial<
  Pick<OperationRecord, 'status' | 'started_at' | 'finished_at' | 'progress' | 'may_cancel' | 'result' | 'result_status' | 'error' | 'host_task' | 'planned' | 'resources'>
>

export interface OperationFilter {
  status?: OperationStatus | OperationStatus[]
  kind?: string
  /** Operations whose `resources.instances` holds this id. */
  instance_id?: string
  /** `created_at >= created_after`, `created_at < created_before`. */
  created_after?: string
  created_before?: string
  /** 1–500 (default 100). */
  limit?: number
  /** The `next` of the previous page. */
  next?: string
}

export interface OperationPage {
  /** Newest first. */
  items: OperationRecord[]
  /** Opaque cursor of the next page, null on the last one. */
  next: string | null
}

export interface LogLine {
  /** 1-based line number within the operation. */
  n: number
  at: string
  text: string
}

export interface IdempotencyClaim {
  /** Namespace of the key: the principal the access-control issue adds ('' for the one API key). */
  scope: string
  key: string
  /** Hash of what the request asked for (method, path, body). */
  fingerprint: string
  /** The operation this request would start. */
  operation_id: string
  now: string
  expires_at: string
}

export type IdempotencyResult =
  | { claimed: true }
  /** The key is taken and not expired: by the same request (same fingerprint) or another one. */
  | { claimed: false; operation_id: string; fingerprint: string }

export interface EventInput {
  /** `operation`, `instance`, ... */
  type: string
  at: string
  /** The operation the event belongs to (pruned with it), if any. */
  operation_id?: string | null
  data: unknown
}

export interface EventRecord extends Required<EventInput> {
  /** Strictly increasing, never reused (also after prune): the SSE `id`, resumed with `Last-Event-ID`. */
  id: number
}

export interface PruneResult {
  operations: number
  log_lines: number
  events: number
  idempotency_keys: number
}

export interface Store {
  /** `sqlite` today; `postgres` later. */
  readonly kind: string
  /** Where it lives (a file path, `:memory:`), for logs. */
  readonly location: string

  insertOperation(op: OperationRecord): Promise<void>
  /** Applies the patch; the record after it, or undefined when there is no such operation. */
  updateOperation(id: string, patch: OperationPatch): Promise<OperationRecord | undefined>
  getOperation(id: string): Promise<OperationRecord | undefined>
  listOperations(filter?: OperationFilter): Promise<OperationPage>
  /** Every `pending` or `running` operation, oldest first (recovery at start). */
  unfinishedOperations(): Promise<OperationRecord[]>

  /** Appends lines; returns how many lines the operation's log has now. */
  appendLog(operationId: string, lines: string[], at: string): Promise<number>
  /** Lines after `offset` (0 = from the first), at most `limit`. */
  readLog(operationId: string, offset: number, limit: number): Promise<LogLine[]>
  /** How many lines the operation's log has. */
  logLength(operationId: string): Promise<number>

  /**
   * Takes `key` for `operation_id`, atomically: free or expired → taken;
   * else the holder's operation and fingerprint.
   */
  claimIdempotencyKey(claim: IdempotencyClaim): Promise<IdempotencyResult>
  /** Lets a key go again (the operation it was taken for never started). */
  releaseIdempotencyKey(scope: string, key: string, operationId: string): Promise<void>

  appendEvent(event: EventInput): Promise<EventRecord>
  /** Events with `id > afterId`, oldest first; only these types when given. */
  readEvents(afterId: number, opts?: { types?: string[]; limit?: number }): Promise<EventRecord[]>
  /** The id of the newest event (0 when none yet). */
  lastEventId(): Promise<number>

  /**
   * Deletes operations that finished before `finishedBefore` with their
   * logs and events, events older than it that belong to no operation, and
   * idempotency keys expired at `now`.
   */
  prune(finishedBefore: string, now: string): Promise<PruneResult>

  close(): Promise<void>
}
