/**
 * GET /px/hosts: every configured AZ, checked in parallel, each within its
 * own deadline, so a dead host shows up as unreachable instead of delaying
 * or failing the list.
 */
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import type { PxContext } from '../context.ts'
import { describeZone } from '../convert.ts'
import { assertReachable, reason } from '../reach.ts'
import { PROBE_TIMEOUT, type HostEntry } from '../schemas.ts'

// Past the per-command deadlines, a little for the last round trip to land.
const SLACK_MS = 250

/** The entry of a host that has not (or not yet) answered. */
function unanswered(ctx: PxContext, h: ZoneHandle, error: unknown): HostEntry {
  return {
    ...describeZone(h.zone),
    reachable: false,
    proxmox: null,
    node: h.zone.node ?? null,
    pve_version: null,
    pveversion: null,
    kernel: null,
    rtt_ms: null,
    error: error === undefined ? null : reason(error),
    error_code: ctx.errors.codeOf(error) ?? (error instanceof ctx.time.DeadlineError ? 'HOST_TIMEOUT' : null),
  }
}

async function probe(ctx: PxContext, h: ZoneHandle, timeoutMs: number): Promise<HostEntry> {
  const { withDeadline } = ctx.time
  const started = performance.now()
  const left = () => Math.max(1, Math.round(timeoutMs - (performance.now() - started)))
  const entry = unanswered(ctx, h, undefined)
  try {
    entry.rtt_ms = Math.round((await assertReachable(ctx, h, timeoutMs)) * 10) / 10
  } catch (e) {
    return unanswered(ctx, h, e)
  }
  entry.reachable = true
  // Through the Proxmox layer, so a host without the PVE tools is told apart from one whose check failed.
  const pve = h.pve.with({ timeoutMs: left() })
  const [version, node] = await Promise.allSettled([withDeadline(pve.version(), left() + SLACK_MS), withDeadline(pve.node(), left() + SLACK_MS)])
  const problems: { text: string; code?: string }[] = []
  const problem = (what: string, e: unknown) => problems.push({ text: `${what}: ${reason(e)}`, code: ctx.errors.codeOf(e) })
  if (version.status === 'fulfilled') {
    const v = version.value
    entry.proxmox = true
    entry.pve_version = v.version
    entry.kernel = v.kernel
    entry.pveversion = v.pveversion
  } else {
    if (ctx.errors.codeOf(version.reason) === 'PROXMOX_TOOLS_MISSING') entry.proxmox = false
    problem('pveversion', version.reason)
  }
  if (node.status === 'fulfilled') entry.node = node.value
  // The same missing tools need saying only once.
  else if (!(entry.proxmox === false && ctx.errors.codeOf(node.reason) === 'PROXMOX_TOOLS_MISSING')) problem('node name', node.reason)
  if (problems.length) {
    entry.error = problems.map((p) => p.text).join('; ')
    entry.error_code = problems[0]!.code ?? null
  }
  return entry
}

export function hostsRoutes(ctx: PxContext) {
  const { s } = ctx
  return new ctx.Elysia({ name: 'px-hosts' }).get(
    '/px/hosts',
    async ({ query }) => {
      const timeoutMs = query.timeout_ms ?? PROBE_TIMEOUT.default
      const handles = ctx.zones.list(query.region)
      // probe() catches its own failures, and every command's timeout already
      // covers queueing for a channel and connecting (src/exec/ssh.ts `run`,
      // src/exec/shares.ts); the outer deadline only bounds the whole probe,
      // so one host never holds the list past timeout_ms plus slack.
      const settled = await Promise.allSettled(handles.map((h) => ctx.time.withDeadline(probe(ctx, h, timeoutMs), timeoutMs + 2 * SLACK_MS)))
      const hosts = settled.map((r, i) => (r.status === 'fulfilled' ? r.value : unanswered(ctx, handles[i]!, r.reason)))
      return { hosts, total: hosts.length, reachable: hosts.filter((x) => x.reachable).length, timeout_ms: timeoutMs }
    },
    {
      query: s.HostsQuery,
      response: { 200: s.HostsResponse, ...ctx.schemas.errorResponses(400, 401, 404) },
      detail: {
        tags: ['px'],
        summary: 'List the Proxmox hosts with reachability and version',
        description:
          'Every configured availability zone (or those of `region`), checked in parallel: a no-op command for reachability and round-trip time, then `pveversion` and the node name. Each host gets `timeout_ms`; an unreachable one is listed with `reachable: false`, the reason and its code; one without the Proxmox VE tools with `proxmox: false`.',
      },
    },
  )
}
