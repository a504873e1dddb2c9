/**
 * Long worker tasks run detached from the SSH session ("host jobs").
 *
 * A `pct create` tied to an SSH channel dies with it: when LWS is killed the
 * channel drops, pct's parent gets a broken pipe, writes `TASK ERROR: broken
 * pipe` and kills the worker, which may leave `lock: create` behind
 * (proxmox-facts §22.3, pve-common `src/PVE/RESTEnvironment.pm`
 * `tee_worker`). A job instead runs under `setsid -f` with its streams in
 * files, so it goes on whatever happens to LWS or the connection:
 *
 *   <dir>/<name>.out, .err   the command's stdout and stderr
 *   <dir>/<name>.pid         "<boot id> <wrapper pid> <command pid>", once it runs
 *   <dir>/<name>.rc          its exit code, once it has ended
 *
 * LWS follows a job with one short command per poll (state + the new bytes
 * of both streams, base64 so multi-byte text split between polls comes back
 * exact), and a restarted LWS follows it the same way by its name, which the
 * operation records before the job starts. Stopping a job sends SIGTERM to
 * the command, so pct's own clean-up runs (a `pct create` interrupted this
 * way removes what it made: facts §22.3, §22.9), then SIGKILL after a grace.
 *
 * The scripts are constants; the job's folder, name and argv reach them only
 * as positional arguments (the name is checked by pattern), like batch.ts.
 */
import type { RunResult } from '../exec/executor.ts'
import { formatDuration, HostTimeoutError, LwsError } from '../errors/catalogue.ts'

/** Where jobs keep their files: survives a restart of LWS (not a host reboot: /var/tmp is kept by Debian, but the pid file then names another boot). */
export const JOB_DIR = '/var/tmp/lws-jobs'
export const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** Starts `"$@"` detached; prints `started <host epoch>` or `exists` (a job of that name was started before: never twice). */
const START = [
  'd=$1; n=$2; shift 2',
  'mkdir -p "$d" || exit 1',
  'j=$d/$n',
  'if [ -e "$j.out" ]; then echo exists; exit 0; fi',
  ': >"$j.out" && : >"$j.err" || exit 1',
  // The wrapper records the boot and both pids, waits, then writes the exit code atomically.
  `setsid -f sh -c 'j=$1; shift; "$@" </dev/null >>"$j.out" 2>>"$j.err" & c=$!; read -r b </proc/sys/kernel/random/boot_id; echo "$b $$ $c" >"$j.pid.new" && mv "$j.pid.new" "$j.pid"; wait $c; echo $? >"$j.rc.new" && mv "$j.rc.new" "$j.rc"' lws-job "$j" "$@" </dev/null >/dev/null 2>&1`,
  'echo "started $(date +%s)"',
].join('\n')

/**
 * One poll: line 1 the state (`rc <n>`, `running`, `starting`, `lost`,
 * `gone`), line 2 the sizes of both files, lines 3–4 the bytes from the given
 * offsets (at most MAX_CHUNK each), base64.
 */
const POLL = [
  'j=$1; o=$2; e=$3; m=$4',
  'if [ -e "$j.rc" ]; then read -r rc <"$j.rc"; s="rc $rc"',
  'elif [ -e "$j.pid" ]; then read -r b w c <"$j.pid"; read -r now </proc/sys/kernel/random/boot_id',
  // The wrapper writes .rc before it exits, so a dead wrapper without .rc means it was killed (or the host rebooted).
  '  if [ "$b" = "$now" ] && kill -0 "$w" 2>/dev/null; then s=running; elif [ -e "$j.rc" ]; then read -r rc <"$j.rc"; s="rc $rc"; else s=lost; fi',
  'elif [ -e "$j.out" ]; then s=starting',
  'else s=gone; fi',
  'echo "$s"',
  'os=$(wc -c <"$j.out" 2>/dev/null || echo 0); es=$(wc -c <"$j.err" 2>/dev/null || echo 0)',
  'echo "$os $es"',
  'n=$((os - o)); [ "$n" -gt "$m" ] && n=$m; [ "$n" -gt 0 ] && tail -c +$((o + 1)) "$j.out" | head -c "$n" | base64 -w0; echo',
  'n=$((es - e)); [ "$n" -gt "$m" ] && n=$m; [ "$n" -gt 0 ] && tail -c +$((e + 1)) "$j.err" | head -c "$n" | base64 -w0; echo',
].join('\n')

/** SIGTERM (or $2) to the job's command; nothing when it has ended. */
const STOP = ['j=$1; sig=$2', '[ -e "$j.rc" ] && exit 0', '[ -e "$j.pid" ] || exit 0', 'read -r b w c <"$j.pid"', 'kill -s "$sig" "$c" 2>/dev/null', 'exit 0'].join('\n')

const REMOVE = 'j=$1; rm -f "$j.out" "$j.err" "$j.pid" "$j.rc"'

/** Bytes of each stream one poll brings back at most. */
export const MAX_CHUNK = 256 * 1024

export function jobPath(name: string): string {
  if (!JOB_NAME.test(name)) throw new TypeError(`job name '${name}' does not match ${JOB_NAME}`)
  return `${JOB_DIR}/${name}`
}

export function startArgv(name: string, argv: readonly string[]): string[] {
  jobPath(name)
  return ['sh', '-c', START, 'lws-job-start', JOB_DIR, name, ...argv]
}

export function pollArgv(name: string, outOffset: number, errOffset: number): string[] {
  return ['sh', '-c', POLL, 'lws-job-poll', jobPath(name), String(outOffset), String(errOffset), String(MAX_CHUNK)]
}

export function stopArgv(name: string, signal: 'TERM' | 'KILL'): string[] {
  return ['sh', '-c', STOP, 'lws-job-stop', jobPath(name), signal]
}

export function removeArgv(name: string): string[] {
  return ['sh', '-c', REMOVE, 'lws-job-remove', jobPath(name)]
}

export type JobState = { state: 'exited'; exitCode: number } | { state: 'running' | 'starting' | 'lost' | 'gone' }

export interface Poll {
  state: JobState
  outSize: number
  errSize: number
  out: Uint8Array
  err: Uint8Array
}

/** The output of one POLL run. */
export function parsePoll(stdout: string): Poll {
  const [state = '', sizes = '', out = '', err = ''] = stdout.split('\n')
  const rc = /^rc (\d{1,3})$/.exec(state)
  let s: JobState
  if (rc) s = { state: 'exited', exitCode: Number(rc[1]) }
  else if (state === 'running' || state === 'starting' || state === 'lost' || state === 'gone') s = { state }
  else throw new Error(`job poll: unexpected state line '${state.slice(0, 80)}'`)
  const m = /^(\d+) (\d+)$/.exec(sizes.trim())
  if (!m) throw new Error(`job poll: unexpected sizes line '${sizes.slice(0, 80)}'`)
  return { state: s, outSize: Number(m[1]), errSize: Number(m[2]), out: fromBase64(out), err: fromBase64(err) }
}

function fromBase64(text: string): Uint8Array {
  const t = text.trim()
  return t ? Uint8Array.from(atob(t), (ch) => ch.charCodeAt(0)) : new Uint8Array(0)
}

/** The job ended without an exit code: the host rebooted, or its files were removed. */
export class HostTaskLostError extends LwsError {
  constructor(az: string, name: string, state: string) {
    super(502, 'Host task lost', `${az}: the detached task ${name} ${state === 'gone' ? 'is not known on the host (its files are gone)' : 'ended without an exit code (killed, or the host rebooted)'}`, 1, 'HOST_TASK_LOST')
  }
}

/** What following a job needs from the runner: one short host command at a time. */
export type RunCommand = (argv: readonly string[]) => Promise<RunResult>

export interface FollowOptions {
  az: string
  /** Gives up (and stops the job) after this long; the answer is then a 504. */
  timeoutMs?: number
  /** Stops the job (SIGTERM, SIGKILL after STOP_GRACE_MS) and ends with its reason once it has ended. */
  signal?: AbortSignal
  /** Each new piece of output as it arrives. */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void
  /** Polls start at this interval and double up to POLL_MAX_MS (tests shorten it). */
  pollMs?: number
}

export const POLL_MAX_MS = 1000
/** After SIGTERM, how long pct gets for its clean-up before SIGKILL (pct itself gives its worker 5 s: facts §22.3). */
export const STOP_GRACE_MS = 10_000
/** Output kept per stream for the result; the log got all of it. */
const KEEP_BYTES = 4 * 1024 * 1024
/** A job that stays `starting` (wrapper gone before writing its pid) this long is lost. */
const STARTING_MS = 30_000
/** Polls that fail in a row (host unreachable) before the follow gives up, when no timeout ends it sooner. */
const POLL_FAILURES = 120

/**
 * Follows job `name` to its end and answers like the command run in the
 * foreground (stdout, stderr, exit code); removes its files afterwards.
 */
export async function followJob(run: RunCommand, name: string, o: FollowOptions): Promise<RunResult> {
  const t0 = performance.now()
  const dec = { stdout: new TextDecoder(), stderr: new TextDecoder() }
  const kept = { stdout: '', stderr: '' }
  let outOff = 0
  let errOff = 0
  let wait = o.pollMs ?? 100
  let stopAt: number | undefined
  let killed = false
  let timedOut = false
  let failures = 0
  let startingSince: number | undefined
  const take = (bytes: Uint8Array, stream: 'stdout' | 'stderr', last = false) => {
    const text = dec[stream].decode(bytes, { stream: !last })
    if (!text) return
    if (kept[stream].length < KEEP_BYTES) kept[stream] += text
    o.onOutput?.(text, stream)
  }
  const stop = async (signal: 'TERM' | 'KILL') => {
    await run(stopArgv(name, signal)).catch(() => undefined)
  }
  for (;;) {
    const now = performance.now()
    if (stopAt === undefined && (o.signal?.aborted || (o.timeoutMs !== undefined && now - t0 > o.timeoutMs))) {
      timedOut = !o.signal?.aborted
      stopAt = now
      await stop('TERM')
      // Its end comes soon: look again quickly.
      wait = o.pollMs ?? 100
    } else if (stopAt !== undefined && !killed && now - stopAt > STOP_GRACE_MS) {
      killed = true
      await stop('KILL')
    }
    let poll: Poll | undefined
    try {
      const r = await run(pollArgv(name, outOff, errOff))
      if (r.exitCode !== 0) throw new Error(r.stderr.trim() || `job poll exited ${r.exitCode}`)
      poll = parsePoll(r.stdout)
      failures = 0
    } catch (e) {
      if (++failures >= POLL_FAILURES && o.timeoutMs === undefined) throw e
      if (stopAt !== undefined && performance.now() - stopAt > 2 * STOP_GRACE_MS) throw e
    }
    if (poll) {
      outOff += poll.out.length
      errOff += poll.err.length
      const more = outOff < poll.outSize || errOff < poll.errSize
      take(poll.out, 'stdout')
      take(poll.err, 'stderr')
      const s = poll.state
      if (s.state === 'exited' && !more) {
        take(new Uint8Array(0), 'stdout', true)
        take(new Uint8Array(0), 'stderr', true)
        await run(removeArgv(name)).catch(() => undefined)
        if (o.signal?.aborted) throw o.signal.reason ?? new Error('cancelled')
        if (timedOut) throw new HostTimeoutError(o.az, o.timeoutMs!, `the task did not end within ${formatDuration(o.timeoutMs!)}; it was stopped`, true)
        return { stdout: kept.stdout, stderr: kept.stderr, exitCode: s.exitCode, durationMs: performance.now() - t0 }
      }
      if (s.state === 'lost' || s.state === 'gone') throw new HostTaskLostError(o.az, name, s.state)
      if (s.state === 'starting') {
        startingSince ??= performance.now()
        if (performance.now() - startingSince > STARTING_MS) throw new HostTaskLostError(o.az, name, 'lost')
      }
      if (more) continue
    }
    // Never past the deadline, so a timeout is acted on when it falls.
    const left = o.timeoutMs !== undefined && stopAt === undefined ? Math.max(1, o.timeoutMs - (performance.now() - t0) + 1) : Infinity
    await sleep(Math.min(wait, left), o.signal, stopAt === undefined)
    wait = Math.min(wait * 2, POLL_MAX_MS)
  }
}

/** Sleeps `ms`, or until `signal` aborts when `wake` (so a cancel is acted on at once). */
function sleep(ms: number, signal: AbortSignal | undefined, wake: boolean): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    if (wake && signal) {
      if (signal.aborted) done()
      else signal.addEventListener('abort', done, { once: true })
    }
  })
}
