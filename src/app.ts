/**
 * Builds the LWS application: core middleware first (errors, CORS, the
 * API-key guard, docs), then the core routes and every plugin under /api/v1.
 * Knows no domain: plugins bring all Proxmox routes. What must happen before
 * any of this (Host, sizes, body deadline, request log) is the edge's job:
 * see http/edge/edge.ts.
 */
import { Elysia } from 'elysia'
import type { AssetSource } from './assets/types.ts'
import type { LwsConfig } from './config/load.ts'
import type { ZoneRegistry } from './hosts/registry.ts'
import { apiKeyGuard } from './http/auth.ts'
import { corsPolicy } from './http/cors.ts'
import { docs, DOCS_PUBLIC_ROUTES } from './http/docs.ts'
import { errorHandler } from './http/errors.ts'
import { staticAssets } from './http/static-assets.ts'
import type { Logger } from './log.ts'
import { routeNoter } from './metrics/http.ts'
import { createMetrics, type LwsMetrics } from './metrics/metrics.ts'
import { createPluginContext } from './plugins/context.ts'
import { orderPlugins } from './plugins/loader.ts'
import type { LoadedPlugin, PluginContext, PluginFailure } from './plugins/types.ts'
import type { Operations } from './operations/service.ts'
import { confRoutes } from './routes/conf.ts'
import { eventsRoutes } from './routes/events.ts'
import { health } from './routes/health.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { operationsRoutes } from './routes/operations.ts'
import { VERSION } from './version.ts'

export const API_PREFIX = '/api/v1'

/**
 * The only routes (as the router declares them) that answer without a key:
 * health, the docs page with its document and assets, the web UI's files.
 * Everything else — every plugin route included — needs the key.
 */
export const PUBLIC_ROUTES = [`${API_PREFIX}/health`, ...DOCS_PUBLIC_ROUTES, '/', '/ui/*']
/** @elysiajs/cors answers preflight requests on these. */
const PREFLIGHT_ROUTES = ['/', '/*']

export interface AppDeps {
  config: LwsConfig
  zones: ZoneRegistry
  log: Logger
  plugins: LoadedPlugin[]
  assets: { swagger: AssetSource; ui: AssetSource }
  /** Served at GET /api/v1/metrics; a fresh registry when absent. */
  metrics?: LwsMetrics
  /** Served at /api/v1/operations and /api/v1/events (src/operations/). */
  operations: Operations
}

export interface BuiltApp {
  app: Elysia<any, any, any, any, any, any, any>
  mounted: LoadedPlugin[]
  failures: PluginFailure[]
  metrics: LwsMetrics
}

export async function createApp(deps: AppDeps): Promise<BuiltApp> {
  const { config, zones, log } = deps
  const metrics = deps.metrics ?? createMetrics()
  // What plugins receive, and all of it (plugins/context.ts).
  const ctx: PluginContext = createPluginContext({ config, zones, log, operations: deps.operations })

  const { ordered, failures } = orderPlugins(deps.plugins)
  const api = new Elysia({ name: 'lws-api', prefix: API_PREFIX }).use(health).use(confRoutes(config, { plugins: deps.plugins })).use(metricsRoutes(metrics))
  api.use(operationsRoutes(deps.operations)).use(eventsRoutes(deps.operations))
  const mounted: LoadedPlugin[] = []
  for (const lp of ordered) {
    try {
      api.use(await lp.plugin.setup(ctx))
      mounted.push(lp)
    } catch (err) {
      failures.push({ path: lp.source, reason: `setup failed: ${(err as Error).message ?? String(err)}` })
    }
  }
  for (const f of failures) log.error('plugin skipped', { path: f.path, reason: f.reason })

  const tags = [
    { name: 'core', description: 'Health and configuration' },
    { name: 'operations', description: 'Changes in progress and done: status, log, wait, cancel; events' },
    ...mounted.map((lp) => ({ name: lp.plugin.name, description: lp.plugin.description })),
  ]
  const guard = apiKeyGuard({ apiKey: config.apiKey, publicRoutes: PUBLIC_ROUTES, preflightRoutes: PREFLIGHT_ROUTES })
  const documentation = docs({ version: VERSION, swagger: deps.assets.swagger, tags, log })
  const app = new Elysia({ name: 'lws' })
    // First: its error hook must see errors before the handler answers them (metrics/http.ts).
    .use(routeNoter)
    .use(errorHandler(log, guard.authorized))
    .use(corsPolicy(config.allowedOrigins))
    .use(guard.plugin)
    .use(documentation.plugin)
    .use(api)
    .use(staticAssets('lws-ui', '/ui', deps.assets.ui, '/'))
  documentation.publish(app)
  return { app, mounted, failures: [...failures], metrics }
}
