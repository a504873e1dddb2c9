/**
 * Deno entry: the same app (config, plugins, executors) served with
 * Deno.serve. Run: `deno task serve` (see deno.json) or
 *   deno run -A src/deno.ts --config lws.config.yaml
 */
import './production.ts' // must stay the first import
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { builtinPlugins } from '../plugins/index.ts'
import { diskAssets } from './assets/disk.ts'
import { ConfigError, configPathFrom, hostPort, loadConfigFile } from './config/load.ts'
import { errorResponse } from './http/edge/edge.ts'
import { InternalError } from './errors/catalogue.ts'
import { gracefulStop, recoverOperations } from './operations/shutdown.ts'
import { buildServer, startupWarnings } from './server.ts'

declare const Deno: {
  serve(
    opts: { hostname: string; port: number; onListen?: (a: { hostname: string; port: number }) => void; onError?: (e: unknown) => Response },
    handler: (r: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> }
  args: string[]
  exit(code: number): never
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void
}

const { values } = parseArgs({ args: Deno.args, options: { config: { type: 'string', short: 'c' }, port: { type: 'string' } } })
let config
try {
  config = loadConfigFile(configPathFrom(values.config))
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  console.error(`config ${err.source} is invalid:\n  ${err.problems.join('\n  ')}`)
  Deno.exit(1)
}
if (values.port) config.port = Number(values.port)
const root = fileURLToPath(new URL('..', import.meta.url))
const parts = await buildServer({ config, builtins: builtinPlugins, assets: diskAssets(root) })
for (const warning of startupWarnings(parts)) parts.log.warn('config', { warning })
if (config.apiKeyGenerated) console.error(`No api_key configured: generated one for this run:\n\n  ${config.apiKey}\n`)
// Before listening: what the previous process left unfinished ends in a known state.
await recoverOperations(parts)
const server = Deno.serve(
  {
    hostname: config.host,
    port: config.port,
    onListen: ({ hostname, port }) => {
      config.listen = hostPort(hostname, port)
      parts.log.info('listening', { url: `http://${hostname}:${port}`, runtime: 'deno', config: config.source })
    },
    // Never Deno's default error page.
    onError: () => errorResponse(new InternalError()),
  },
  (req, info) => parts.fetch(req, { address: info.remoteAddr.hostname }),
)
// Graceful: no new changes, running operations get api.shutdown_grace, then exit 0.
const stop = gracefulStop(parts, { stopListening: () => server.shutdown(), exit: (code) => Deno.exit(code) })
Deno.addSignalListener('SIGTERM', () => void stop())
Deno.addSignalListener('SIGINT', () => void stop())
