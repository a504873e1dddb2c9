/**
 * Everything `lws serve` needs, reusable by tests and the Deno entry:
 * load config, zones, plugins, and build the app.
 */
import type { AssetSource } from './assets/types.ts'
import { createApp, type BuiltApp } from './app.ts'
import { createEdge, type Peer } from './http/edge/edge.ts'
import { DOCS_PATH } from './http/docs.ts'
import type { LwsConfig } from './config/load.ts'
import { ZoneRegistry, type ExecutorFactory } from './hosts/registry.ts'
import { createLogger, type Logger } from './log.ts'
import { loadedConfigReport } from './config/checks.ts'
import { meterRequests } from './metrics/http.ts'
import { createMetrics, type LwsMetrics } from './metrics/metrics.ts'
import { recoverHalfMade } from './operations/half-made.ts'
import { Operations } from './operations/service.ts'
import { loadExternalPlugins } from './plugins/loader.ts'
import { proxmoxWarnings } from './proxmox/startup-warnings.ts'
import type { LoadedPlugin, LwsPlugin } from './plugins/types.ts'
import { openStore, type Store } from './store/index.ts'

export interface ServerParts extends BuiltApp {
  config: LwsConfig
  zones: ZoneRegistry
  log: Logger
  /** What every runtime serves: the app behind the HTTP edge. */
  fetch: (req: Request, peer?: Peer) => Promise<Response>
  /** Every plugin found, also those whose setup failed: their config sections are still checked. */
  plugins: LoadedPlugin[]
  /** The state database (state_dir; in memory for inline configs). Close it last: `await store.close()`. */
  store: Store
  /**
   * Every change as an operation (src/operations/). A serving entry calls
   * `operations.recover()` before it listens and `operations.drain(grace)`
   * on SIGTERM (see operations/shutdown.ts).
   */
  operations: Operations
}

/**
 * What an entry logs once it is up: the same config report as
 * `lws config validate` and POST /conf/validate (plugin sections refused by
 * their schema included), and missing Proxmox tools on local AZs.
 */
export function startupWarnings(parts: Pick<ServerParts, 'config' | 'plugins'>): string[] {
  const report = loadedConfigReport(parts.config, parts.plugins)
  return [...report.problems, ...report.warnings, ...proxmoxWarnings(parts.config)]
}

export async function buildServer(opts: {
  config: LwsConfig
  builtins: LwsPlugin[]
  assets: { swagger: AssetSource; ui: AssetSource }
  log?: Logger
  executorFactory?: ExecutorFactory
  /** One registry per server (GET /api/v1/metrics); a fresh one when absent. */
  metrics?: LwsMetrics
  /** The state store to use instead of opening config.stateDir (e.g. an in-memory one for `lws plugins list`). */
  store?: Store
}): Promise<ServerParts> {
  const log = opts.log ?? createLogger()
  const metrics = opts.metrics ?? createMetrics()
  const zones = new ZoneRegistry(opts.config, log, opts.executorFactory, metrics)
  const store = opts.store ?? (await openStore(opts.config.stateDir))
  const operations = new Operations(store, { log, retentionDays: opts.config.operationsRetentionDays })
  // Before any plugin registers its own recoveries; theirs win for their kinds.
  recoverHalfMade(operations, zones)
  const external = await loadExternalPlugins(opts.config.pluginsDir)
  const plugins: LoadedPlugin[] = [
    ...opts.builtins.map((plugin) => ({ plugin, source: 'builtin' })),
    ...external.loaded,
  ]
  const built = await createApp({ config: opts.config, zones, log, plugins, assets: opts.assets, metrics, operations })
  for (const f of external.failures) log.error('plugin skipped', { path: f.path, reason: f.reason })
  built.failures.unshift(...external.failures)
  // Outside the edge, so answers the edge gives itself (413, 429, ...) are counted too.
  const edge = createEdge((req) => built.app.fetch(req), {
    log,
    maxBodyBytes: opts.config.maxBodyBytes,
    bodyTimeoutMs: opts.config.bodyTimeoutMs,
    maxJsonDepth: opts.config.maxJsonDepth,
    authFailuresPerMinute: opts.config.authFailuresPerMinute,
    docsPrefix: DOCS_PATH,
  })
  const fetch = meterRequests(metrics, edge)
  return { ...built, config: opts.config, zones, log, fetch, plugins, store, operations }
}
