/**
 * Collects a scan's evidence with as few commands as possible, all read-only
 * and in parallel: `pct config` on the host, the scan script inside the
 * container (one pct exec), and for a full scan `pveversion --verbose`.
 * Failures that only cost part of the evidence become check statuses; an
 * unknown container (404) or an unreachable host (502) fail the request.
 */
import type { ZoneHandle } from '../../src/hosts/registry.ts'
import type { PvePackageVersion } from '../../src/proxmox/parse/pveversion.ts'
import type { ContainerConfig } from '../../src/proxmox/schemas.ts'
import type { SecContext } from './context.ts'
import type { Outcome, ScanEvidence } from './findings/index.ts'
import { parseScanOutput, SCAN_SCRIPT, scanArgs, type ScanMode, type ScanOutput } from './scan-script.ts'

/** Of the time limit, what pct exec start-up and the last section's kill may take. */
const SLACK_S = 2

/** `signal`: the request's. The scan only reads, so it stops when its client has gone. */
export async function collectEvidence(c: SecContext, zone: ZoneHandle, vmid: string, mode: ScanMode, budgetS: number, signal?: AbortSignal): Promise<ScanEvidence> {
  const { errors } = c
  const pve = zone.pve.with({ timeoutMs: budgetS * 1000 })
  // The script stops starting (and kills) checks at its own budget, a little before the time limit.
  const args = scanArgs(mode, Math.max(1, budgetS - SLACK_S))

  const [cfg, inside, host] = await Promise.allSettled([
    pve.containerConfig(vmid),
    zone.pve.execScript(vmid, SCAN_SCRIPT, args, { timeoutMs: budgetS * 1000, signal }),
    mode === 'full' ? pve.packageVersions() : Promise.resolve(undefined),
  ])

  /** Errors that mean the request as a whole cannot be answered. */
  const fatal = (e: unknown) => e instanceof errors.NotFoundError || e instanceof errors.HostUnreachableError || !(e instanceof errors.LwsError)
  for (const r of [cfg, inside, host]) if (r.status === 'rejected' && fatal(r.reason)) throw r.reason

  const partial = <T>(e: unknown): Outcome<T> => {
    if (e instanceof errors.HostTimeoutError) return { status: 'timed_out', detail: 'no answer within the time limit' }
    if (e instanceof errors.ConflictError) return { status: 'skipped', detail: e.details.slice(0, 300) }
    return { status: 'failed', detail: (e as InstanceType<typeof errors.LwsError>).details.slice(0, 300) }
  }

  const config: Outcome<ContainerConfig> = cfg.status === 'fulfilled' ? { value: cfg.value, status: 'ok' } : partial(cfg.reason)

  let insideOutcome: Outcome<ScanOutput>
  if (inside.status === 'rejected') {
    insideOutcome = partial(inside.reason)
    if (inside.reason instanceof errors.ConflictError) insideOutcome.detail = 'container is not running: only its configuration was checked'
  } else {
    const out = parseScanOutput(inside.value.stdout)
    if (out.error || (!Object.keys(out.sections).length && inside.value.exitCode !== 0)) {
      const why = out.error ?? (inside.value.stderr.trim().split('\n')[0] || `exit code ${inside.value.exitCode}`)
      insideOutcome = { status: 'failed', detail: `scan command failed in the container: ${why.slice(0, 300)}` }
    } else insideOutcome = { value: out, status: 'ok' }
  }

  let hostOutcome: Outcome<Record<string, PvePackageVersion>> | undefined
  if (mode === 'full') hostOutcome = host.status === 'fulfilled' ? { value: host.value!, status: 'ok' } : partial(host.reason)

  const ev: ScanEvidence = { vmid, mode, config, inside: insideOutcome }
  if (hostOutcome) ev.host = hostOutcome
  return ev
}
