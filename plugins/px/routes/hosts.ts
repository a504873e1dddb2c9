/**
 * GET /px/hosts: every configured AZ, checked in parallel, each within its
 * own deadline, so a dead host shows up as unreachable instead of delaying
 * or failing the list.
 */
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import type { PluginContext } from '../../../src/plugins/types.ts'
import { parsePveversion } from '../../../src/proxmox/parse/pveversion.ts'
import { describeZone } from '../convert.ts'
import { assertReachable, deadline, reason } from '../reach.ts'
import { PROBE_TIMEOUT, type HostEntry, type PxSchemas } from '../schemas.ts'

// Past the per-command deadlines, a little for the last round trip to land.
const SLACK_MS = 250

/** The entry of a host that has not (or not yet) answered. */
function unanswered(h: ZoneHandle, error: string | null): HostEntry {
  return {
    ...describeZone(h.zone),
    reachable: false,
    node: h.zone.node ?? null,
    pve_version: null,
    pveversion: null,
    kernel: null,
    rtt_ms: null,
    error,
  }
}

async function probe(ctx: PluginContext, h: ZoneHandle, timeoutMs: number): Promise<HostEntry> {
  const started = performance.now()
  const left = () => Math.max(1, Math.round(timeoutMs - (performance.now() - started)))
  const entry = unanswered(h, null)
  try {
    entry.rtt_ms = Math.round((await assertReachable(ctx.errors, h, timeoutMs)) * 10) / 10
  } catch (e) {
    entry.error = reason(e)
    return entry
  }
  entry.reachable = true
  const [version, node] = await Promise.allSettled([
    deadline(h.exec.run(['pveversion'], { timeoutMs: left() }), left() + SLACK_MS),
    deadline(h.pve.node(), left() + SLACK_MS),
  ])
  const problems: string[] = []
  if (version.status === 'fulfilled') {
    const r = version.value
    if (r.exitCode !== 0) {
      problems.push(`pveversion: ${(r.stderr.trim() || r.stdout.trim() || `exit code ${r.exitCode}`).slice(0, 500)}`)
    } else {
      try {
        const v = parsePveversion(r.stdout)
        entry.pve_version = v.version
        entry.kernel = v.kernel
        entry.pveversion = `pve-manager/${v.version}/${v.repoid}`
      } catch (e) {
        problems.push(reason(e))
      }
    }
  } else problems.push(`pveversion: ${reason(version.reason)}`)
  if (node.status === 'fulfilled') entry.node = node.value
  else problems.push(`node name: ${reason(node.reason)}`)
  if (problems.length) entry.error = problems.join('; ')
  return entry
}

export function hostsRoutes(ctx: PluginContext, s: PxSchemas) {
  return new ctx.Elysia({ name: 'px-hosts' }).get(
    '/px/hosts',
    async ({ query }) => {
      const timeoutMs = query.timeout_ms ?? PROBE_TIMEOUT.default
      const handles = ctx.zones.list(query.region)
      // probe() catches its own failures; the outer deadline also covers a
      // command queued behind busy channels, which no executor timeout does.
      const settled = await Promise.allSettled(handles.map((h) => deadline(probe(ctx, h, timeoutMs), timeoutMs + 2 * SLACK_MS)))
      const hosts = settled.map((r, i) => (r.status === 'fulfilled' ? r.value : unanswered(handles[i]!, reason(r.reason))))
      return { hosts, total: hosts.length, reachable: hosts.filter((x) => x.reachable).length, timeout_ms: timeoutMs }
    },
    {
      query: s.HostsQuery,
      response: { 200: s.HostsResponse, ...ctx.schemas.errorResponses(400, 401, 404) },
      detail: {
        tags: ['px'],
        summary: 'List the Proxmox hosts with reachability and version',
        description:
          'Every configured availability zone (or those of `region`), checked in parallel: a no-op command for reachability and round-trip time, then `pveversion` and the node name. Each host gets `timeout_ms`; an unreachable one is listed with `reachable: false` and the reason.',
      },
    },
  )
}
