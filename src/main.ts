#!/usr/bin/env bun
/**
 * The `lws` command: serve, config validate, plugins list, keygen, --version.
 */
import './production.ts' // must stay the first import
import { parseArgs } from 'node:util'
import { builtinPlugins } from '../plugins/index.ts'
import { swaggerAssets, uiAssets } from './assets/bun-embedded.ts'
import { loadedConfigReport } from './config/checks.ts'
import { ConfigError, configPathFrom, generateApiKey, hostPort, loadConfigFile } from './config/load.ts'
import { gracefulStop, recoverOperations } from './operations/shutdown.ts'
import { loadExternalPlugins } from './plugins/loader.ts'
import { bunServeOptions } from './serve-bun.ts'
import { buildServer, startupWarnings } from './server.ts'
import { openStore } from './store/index.ts'
import { VERSION } from './version.ts'

const HELP = `lws ${VERSION} — AWS-style REST API for Proxmox VE

Usage:
  lws serve [--config FILE] [--host ADDR] [--port N]   run the API server (default command)
  lws config validate [--config FILE]                 check a config file; exit 1 on problems
  lws plugins list [--config FILE]                    list built-in and third-party plugins
  lws keygen                                          print a new random API key
  lws --version | --help

The config is taken from --config, else $LWS_CONFIG, else ./lws.config.yaml.
$LWS_API_KEY overrides api_key.`

function loadOrExit(path: string) {
  try {
    return loadConfigFile(path)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`config ${err.source} is invalid:`)
      for (const p of err.problems) console.error(`  ${p}`)
      process.exit(1)
    }
    throw err
  }
}

async function serve(flags: { config?: string; host?: string; port?: string }) {
  const config = loadOrExit(configPathFrom(flags.config))
  if (flags.host) config.host = flags.host
  if (flags.port) config.port = Number(flags.port)
  const parts = await buildServer({ config, builtins: builtinPlugins, assets: { swagger: swaggerAssets, ui: uiAssets } })
  // Before listening: what the previous process left unfinished ends in a known state.
  await recoverOperations(parts)
  const server = Bun.serve(bunServeOptions(parts, { hostname: config.host, port: config.port }))
  config.listen = hostPort(config.host, server.port ?? config.port)
  for (const warning of startupWarnings(parts)) parts.log.warn('config', { warning })

  // Before the 'listening' line, which tells waiting tools the server is up.
  if (config.apiKeyGenerated) {
    // Printed once, on stderr, and never logged: there is no other way to learn it.
    console.error(`No api_key configured: generated one for this run:\n\n  ${config.apiKey}\n\nSet api_key in ${config.source} (or LWS_API_KEY) to keep a stable key.`)
  }
  parts.log.info('listening', {
    url: `http://${config.host}:${server.port}`,
    config: config.source,
    zones: parts.zones.list().map((z) => z.label),
    plugins: parts.mounted.map((p) => `${p.plugin.name}@${p.plugin.version}`),
  })
  // Graceful: no new changes, running operations get api.shutdown_grace, then exit 0.
  const stop = gracefulStop(parts, { stopListening: () => server.stop(), exit: (code) => process.exit(code) })
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

async function pluginsList(flags: { config?: string }) {
  const config = loadOrExit(configPathFrom(flags.config))
  const parts = await buildServer({
    config,
    builtins: builtinPlugins,
    assets: { swagger: swaggerAssets, ui: uiAssets },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    // Nothing to keep: the service's state file is not touched.
    store: await openStore(null),
  })
  for (const lp of parts.mounted) console.log(`${lp.plugin.name}\t${lp.plugin.version}\t${lp.source}`)
  for (const f of parts.failures) console.log(`(skipped)\t-\t${f.path}: ${f.reason}`)
  await parts.zones.closeAll()
  await parts.store.close()
}

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.version) return console.log(VERSION)
  if (values.help) return console.log(HELP)
  const [cmd = 'serve', sub] = positionals
  switch (`${cmd}${sub ? ' ' + sub : ''}`) {
    case 'serve':
      return serve(values)
    case 'config validate': {
      const config = loadOrExit(configPathFrom(values.config))
      // Plugin sections are judged by their plugins' schemas, so load the plugins (nothing is connected).
      const external = await loadExternalPlugins(config.pluginsDir)
      const plugins = [...builtinPlugins.map((plugin) => ({ plugin, source: 'builtin' })), ...external.loaded]
      const { problems, warnings } = loadedConfigReport(config, plugins)
      for (const warning of warnings) console.error(`warning: ${warning}`)
      for (const f of external.failures) console.error(`warning: plugin ${f.path} not loaded: ${f.reason}`)
      if (problems.length) {
        console.error(`config ${config.source} is invalid:`)
        for (const p of problems) console.error(`  ${p}`)
        process.exit(1)
      }
      console.log(`config ${config.source} is valid (${config.zones.length} availability zone(s))`)
      return
    }
    case 'plugins list':
      return pluginsList(values)
    case 'keygen':
      return console.log(generateApiKey())
    case 'help':
      return console.log(HELP)
    default:
      console.error(`unknown command: ${positionals.join(' ')}\n\n${HELP}`)
      process.exit(2)
  }
}

main(Bun.argv.slice(2)).catch((err) => {
  console.error(`lws: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(2)
})
