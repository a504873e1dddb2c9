/**
 * Reachability with a deadline: the Proxmox layer's probe (`true` on the
 * host, its own timeout covering the wait for a channel, connecting and
 * running), bounded once more by the core's `withDeadline` (ctx.time) so one
 * slow host never holds an answer longer than asked.
 */
import type { ZoneHandle } from '../../src/hosts/registry.ts'
import type { PluginContext } from '../../src/plugins/types.ts'

/** The client-facing text of an error: an LwsError's details, else its message. */
export function reason(e: unknown): string {
  if (e && typeof e === 'object' && 'details' in e && typeof e.details === 'string') return e.details
  return e instanceof Error ? e.message : String(e)
}

/** The parts of the context a reachability check needs (a PluginContext has them). */
export type ReachContext = Pick<PluginContext, 'errors' | 'time'>

/**
 * Runs a no-op on the host within `ms` and returns its round-trip time, in
 * milliseconds. Its failure is the executor's own classification (502 for
 * refused, auth, host key; 504 for a silent host, saying at which step), so
 * a host answers the same here as on any other route.
 */
export async function assertReachable(c: ReachContext, h: ZoneHandle, ms: number): Promise<number> {
  const { errors } = c
  const started = performance.now()
  await c.time.withDeadline(h.pve.probe({ timeoutMs: ms }), ms + 100, {
    error: () => new errors.HostTimeoutError(h.label, ms, `no answer within ${errors.formatDuration(ms)}`, false),
  })
  return performance.now() - started
}
