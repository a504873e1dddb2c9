/**
 * What a serving entry (src/main.ts, src/deno.ts) does around the
 * operations: recover before it listens, drain when told to stop.
 */
import type { ServerParts } from '../server.ts'

type Parts = Pick<ServerParts, 'operations' | 'store' | 'zones' | 'log' | 'config'>

/**
 * Before listening: ends (or takes over) what a previous process left
 * unfinished, and prunes past retention. Logs what it did.
 */
export async function recoverOperations(parts: Parts): Promise<void> {
  const { interrupted, resumed, pruned } = await parts.operations.recover()
  parts.log.info('state', { store: parts.store.location, interrupted: interrupted.length, resumed: resumed.length, pruned: pruned.operations })
}

/**
 * The SIGTERM/SIGINT handler: stop taking changes (503 SHUTTING_DOWN), wait
 * up to `api.shutdown_grace` for running operations (reads, waits and
 * streams are still served meanwhile), then stop listening, close the
 * hosts' connections and the store, and exit 0. A second signal exits at
 * once (1); the next start recovers whatever was still running.
 */
export function gracefulStop(parts: Parts, opts: { stopListening: () => unknown; exit: (code: number) => never }): () => Promise<void> {
  let stopping = false
  return async () => {
    if (stopping) {
      parts.log.warn('stopping now (second signal)', { running: parts.operations.active })
      opts.exit(1)
    }
    stopping = true
    parts.log.info('stopping', { running: parts.operations.active, grace_ms: parts.config.shutdownGraceMs })
    let code = 0
    try {
      const { remaining } = await parts.operations.drain(parts.config.shutdownGraceMs)
      if (remaining.length) parts.log.warn('operations still running at stop; the next start recovers them', { operations: remaining })
      await Promise.race([Promise.resolve(opts.stopListening()), new Promise((r) => setTimeout(r, 1000))])
      await parts.zones.closeAll()
      parts.operations.close()
      await parts.store.close()
    } catch (err) {
      parts.log.error('stop failed', { error: String((err as Error)?.message ?? err) })
      code = 1
    }
    opts.exit(code)
  }
}
