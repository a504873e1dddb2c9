/**
 * GET /lxc/instances/{instance_id}/sec/scan — security findings of a
 * container, with severities and remediation. Read-only.
 */
import type { SecContext } from '../context.ts'
import { evaluateScan } from '../findings/index.ts'
import { collectEvidence } from '../scan.ts'
import { SCAN_TIMEOUT } from '../schemas.ts'

export function scanRoute(c: SecContext) {
  return new c.Elysia({ name: 'sec-scan' }).use(c.instance).get(
    '/lxc/instances/:instance_id/sec/scan',
    async ({ zone, vmid: id, query, request }) => {
      const mode = query.scan_type ?? 'quick'
      const budgetS = query.timeout ?? SCAN_TIMEOUT[mode]
      const startedAt = new Date()
      const t0 = performance.now()
      const evidence = await collectEvidence(c, zone, id, mode, budgetS, request.signal)
      const result = evaluateScan(evidence)
      return {
        instance_id: id,
        ...c.placementOf(zone),
        scan_type: mode,
        os: result.os,
        started_at: startedAt.toISOString(),
        duration_ms: Math.round(performance.now() - t0),
        summary: result.summary,
        findings: result.findings,
        checks: result.checks,
        timed_out: result.timed_out,
        partial: result.partial,
      }
    },
    {
      instance: 'query',
      params: c.s.ScanParams,
      query: c.s.ScanQuery,
      response: { 200: c.s.ScanResponse, ...c.s.errors(400, 401, 404, 500, 502, 504) },
      detail: {
        tags: ['sec'],
        summary: 'Security scan of a container: findings with severity, evidence and remediation',
        description:
          '`quick`: the configuration on the host (privileged, nesting/keyctl, firewall, memory limit, onboot), listening ports and their ' +
          'processes, SSH server settings, accounts with empty passwords or UID 0. `full` adds pending (security) package updates, ' +
          'world-writable files under /etc and /usr, unusual SUID binaries and the host’s PVE release and kernel. The scan only reads. ' +
          'Checks the time limit cuts short are listed in `timed_out` and the rest is still answered; a stopped container gets the ' +
          'configuration checks only.',
      },
    },
  )
}
