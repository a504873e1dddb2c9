/**
 * Running scripts inside a container: ProxmoxClient.execScript (`pct exec
 * <vmid> -- sh -c <script> sh <args...>`: pct refusals become 404/409,
 * timeouts 504), streamed through execScriptStream. A script is constant
 * text; request values are its arguments (shell.ts). The VMID needs no check
 * here: the `instance` macro and the Proxmox layer check it.
 */
import type { StreamHandle } from '../../src/exec/executor.ts'
import type { ZoneHandle } from '../../src/hosts/registry.ts'
import type { ExecOutput } from '../../src/proxmox/client.ts'
import type { ExecResult } from '../../src/proxmox/schemas.ts'
import type { AppContext } from './context.ts'
import { MARK, type Script } from './shell.ts'

export interface RunInOptions {
  stdin?: string
  timeoutMs?: number
  signal?: AbortSignal
}

/** A script with arguments, or a constant one (a string) without. */
export type Runnable = Script | string

const parts = (r: Runnable): Script => (typeof r === 'string' ? { script: r, args: [] } : r)

export function runIn(_c: AppContext, zone: ZoneHandle, id: string, what: Runnable, opts: RunInOptions = {}): Promise<ExecOutput> {
  const { script, args } = parts(what)
  return zone.pve.execScript(id, script, args, opts)
}

/** The same with its output as streams (for `docker logs -f`, setup progress). */
export function streamIn(_c: AppContext, zone: ZoneHandle, id: string, what: Runnable, signal?: AbortSignal): Promise<StreamHandle> {
  const { script, args } = parts(what)
  return zone.pve.execScriptStream(id, script, args, signal ? { signal } : {})
}

const hasMarker = (stderr: string, marker: string) => stderr.split('\n').some((l) => l.trim() === marker)

/** Removes marker lines from stderr before it is shown to a client. */
export function withoutMarkers(stderr: string): string {
  const marks = new Set<string>(Object.values(MARK))
  return stderr
    .split('\n')
    .filter((l) => !marks.has(l.trim()) && !l.startsWith(`${MARK.cid} `))
    .join('\n')
}

/**
 * The refusal a script reported with a marker (docker or compose missing,
 * project missing or already there), as the error to answer with.
 */
export function refusalOf(c: AppContext, id: string, r: ExecResult, project?: string): Error | undefined {
  const E = c.errors
  if (r.exitCode === 0) return undefined
  if (r.exitCode === 127 && hasMarker(r.stderr, MARK.noDocker))
    return new E.ConflictError(`docker is not installed in container ${id}; run POST /lxc/instances/${id}/app/setup first`)
  if (r.exitCode === 127 && hasMarker(r.stderr, MARK.noCompose))
    return new E.ConflictError(`docker compose is not installed in container ${id}; run POST /lxc/instances/${id}/app/setup first`)
  if (r.exitCode === 4 && hasMarker(r.stderr, MARK.noProject))
    return new E.NotFoundError(`compose project '${project ?? '?'}' is not deployed in container ${id}`)
  if (r.exitCode === 3 && hasMarker(r.stderr, MARK.exists))
    return new E.ConflictError(`compose project '${project ?? '?'}' is already deployed in container ${id}; use action "update" to change it`)
  return undefined
}

/** A failed Docker/compose command: 500 with its output in `details` and its exit code. */
export function dockerFailure(c: AppContext, zone: ZoneHandle, id: string, what: string, r: ExecResult): Error {
  const stderr = withoutMarkers(r.stderr)
  return new c.errors.CommandError(zone.label, ['pct', 'exec', id, '--', 'sh', '-c', what], r.stdout, stderr, r.exitCode)
}

/** Throws the marker refusal, else a 500, when the script failed. */
export function check(c: AppContext, zone: ZoneHandle, id: string, what: string, r: ExecResult, project?: string): ExecResult {
  if (r.exitCode === 0) return r
  throw refusalOf(c, id, r, project) ?? dockerFailure(c, zone, id, what, r)
}
