/**
 * Turning a finished PVE command into success or the right LwsError.
 *
 * - Non-zero exit → failure, classified from stderr. PVE CLI errors are
 *   uncaught `die`s (pve-common `src/PVE/CLIHandler.pm`, `run_cli_handler`),
 *   so the exit code says only "failed"; the message says what.
 * - Exit 0 → success, except for the commands without an "upid_exit" handler
 *   (`pct resize|push|pull`, `pveam download`, `pvesh create|set|delete`):
 *   they exit 0 even when their task failed (pve-container
 *   `src/PVE/CLI/pct.pm`, pve-common `src/PVE/RESTEnvironment.pm`
 *   `fork_worker`), so an error line on stderr (anything that is not
 *   lock-wait/warning noise) means failure.
 *
 * This is the one place where Proxmox's English is read: everything above
 * this layer branches on the resulting `code`.
 */
import type { RunResult } from '../exec/executor.ts'
import {
  BadRequestError,
  CommandError,
  ConflictError,
  LwsError,
  NotFoundError,
  ProgramMissingError,
  ProxmoxToolsMissingError,
} from '../errors/catalogue.ts'
import { matches } from './ids.ts'
import { classifyStderr, errorLines } from './parse/stderr.ts'
import { isProxmoxTool, missingProxmoxTools } from './tools.ts'

export interface FailureContext {
  /** The container the command was about (used in error details). */
  vmid?: string
}

/** Commands that exit 0 even when their worker task failed (no "upid_exit" handler in pve-container `src/PVE/CLI/pct.pm`, pve-manager `PVE/CLI/pveam.pm`, `PVE/CLI/pvesh.pm`). */
export function exitsZeroOnTaskFailure(argv: readonly string[]): boolean {
  const [tool, cmd] = argv
  if (tool === 'pct') return cmd === 'resize' || cmd === 'push' || cmd === 'pull'
  if (tool === 'pveam') return cmd === 'download'
  if (tool === 'pvesh') return cmd === 'create' || cmd === 'set' || cmd === 'delete'
  return false
}

/** Whether `result` of `argv` is a failure under the rules above. */
export function commandFailed(argv: readonly string[], result: RunResult): boolean {
  if (result.exitCode !== 0) return true
  return exitsZeroOnTaskFailure(argv) && errorLines(result.stderr).length > 0
}

function guessVmid(argv: readonly string[]): string | undefined {
  if (argv[0] === 'pct' && argv[2] !== undefined && matches('vmid', argv[2])) return argv[2]
  const m = argv[0] === 'pvesh' ? /\/lxc\/([^/]+)(\/|$)/.exec(argv[2] ?? '') : null
  return m && matches('vmid', m[1]!) ? m[1] : undefined
}

/** The LwsError for a failed command; unknown failures become CommandError (500, stderr in details). */
export function toLwsError(az: string, argv: readonly string[], result: RunResult, ctx: FailureContext = {}): LwsError {
  const raw = new CommandError(az, argv, result.stdout, result.stderr, result.exitCode)
  const c = classifyStderr(result.stderr)
  const ct = (v?: string) => `container ${ctx.vmid ?? v ?? guessVmid(argv) ?? '?'}`
  let err: LwsError
  switch (c.kind) {
    case 'parameter':
      err = new BadRequestError(`invalid parameters: ${c.message}`, 'VALIDATION_FAILED')
      break
    case 'config-missing':
      err = new NotFoundError(`container ${c.vmid} does not exist on node ${c.node}`, 'INSTANCE_NOT_FOUND')
      break
    case 'locked':
      err = new ConflictError(`${ct()} is locked (${c.lock})`, 'INSTANCE_LOCKED')
      break
    case 'exists':
      err = new ConflictError(`${c.guest === 'VM' ? 'VM' : 'container'} ${c.vmid} already exists on node ${c.node}`, 'INSTANCE_EXISTS')
      break
    case 'snapshot-exists':
      err = new ConflictError(`snapshot '${c.snapshot}' already exists on ${ct()}`, 'SNAPSHOT_EXISTS')
      break
    case 'snapshot-missing':
      err = new NotFoundError(`snapshot '${c.snapshot}' does not exist on ${ct()}`, 'SNAPSHOT_NOT_FOUND')
      break
    case 'not-running':
      err = new ConflictError(`container ${c.vmid} is not running`, 'INSTANCE_NOT_RUNNING')
      break
    case 'already-running':
      err = new ConflictError(`container ${c.vmid} is already running`, 'INSTANCE_RUNNING')
      break
    case 'running':
      err = new ConflictError(`container ${c.vmid} is running (stop it first, or force)`, 'INSTANCE_RUNNING')
      break
    case 'protected':
      err = new ConflictError(`${ct()}: ${c.message}`, 'INSTANCE_PROTECTED')
      break
    case 'lock-timeout':
      err = new ConflictError(`${ct()} is busy: ${c.message}`, 'INSTANCE_BUSY')
      break
    case 'storage-missing':
      err = new NotFoundError(`storage '${c.storage}' does not exist`, 'STORAGE_NOT_FOUND')
      break
    case 'file-missing':
      err = new NotFoundError(`file '${c.file}' does not exist`, 'FILE_NOT_FOUND')
      break
    case 'shrink':
      err = new BadRequestError(`${ct()}: disks cannot be shrunk`, 'DISK_SHRINK_UNSUPPORTED')
      break
    case 'same-size':
      err = new ConflictError(`${ct()}: disk is already at the specified size`, 'DISK_SIZE_UNCHANGED')
      break
    case 'no-snapshot-feature':
      err = new ConflictError(`${ct()}: its storage does not support snapshots`, 'SNAPSHOTS_UNSUPPORTED')
      break
    default:
      return raw
  }
  err.cause = raw
  return err
}

/** Throws the mapped LwsError when the command failed (see `commandFailed`). */
export function checkResult(az: string, argv: readonly string[], result: RunResult, ctx: FailureContext = {}): void {
  if (commandFailed(argv, result)) throw toLwsError(az, argv, result, ctx)
}

/**
 * A host fault as the Proxmox layer reports it: a PVE tool missing on the
 * host (the executor found no such program, so nothing ran) means the host
 * is not a Proxmox VE host → 503 PROXMOX_TOOLS_MISSING. Everything else is
 * returned unchanged.
 */
export function hostFault(az: string, err: unknown): unknown {
  if (!(err instanceof ProgramMissingError) || !isProxmoxTool(err.program)) return err
  // On this machine we can name every missing tool, not just the first one tried.
  const local = err.local ? missingProxmoxTools() : []
  const e = new ProxmoxToolsMissingError(az, local.length ? local : [err.program], err.local)
  e.cause = err
  return e
}

/**
 * `pct exec`: only pct's own refusals are errors (the command's non-zero exit
 * is a normal result). pct prints exactly one line then: the missing config or
 * `container '<vmid>' not running!`.
 */
export function execRefusal(az: string, argv: readonly string[], result: RunResult, vmid: string): LwsError | undefined {
  if (result.exitCode === 0 || result.stdout !== '') return undefined
  const lines = errorLines(result.stderr)
  if (lines.length !== 1) return undefined
  const line = lines[0]!
  const c = classifyStderr(line)
  if (c.kind === 'config-missing' && c.vmid === vmid && /^Configuration file '[^']*' does not exist$/.test(line)) {
    return toLwsError(az, argv, result, { vmid })
  }
  if (c.kind === 'not-running' && c.vmid === vmid && line === `container '${vmid}' not running!`) {
    return toLwsError(az, argv, result, { vmid })
  }
  return undefined
}
