/**
 * Finds, checks and orders plugins. Built-in plugins come from a static
 * import list (so the compiled binary embeds them); third-party plugins are
 * imported at start from `plugins_dir`. A broken plugin is reported with its
 * path and skipped; it never stops the server.
 */
import { KindGuard } from '@sinclair/typebox'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigSchema } from '../config/schema.ts'
import { HOST_API_VERSION, hostApiProblem, isValidRange } from './host-api.ts'
import type { LoadedPlugin, LwsPlugin, PluginFailure } from './types.ts'

const NAME = /^[a-z][a-z0-9-]{0,39}$/
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/
const ENTRY_FILES = ['index.ts', 'index.js', 'index.mjs']
const CONFIG_KEY = /^[a-z][a-z0-9_]{0,39}$/

/**
 * Top-level keys the core types itself. `security`, `scaling` and
 * `minimum_resources` are open placeholders the core only carries along, so
 * a plugin may own them.
 */
const CORE_KEYS = new Set(
  Object.entries(ConfigSchema.properties)
    .filter(([, s]) => !(s.type === 'object' && Object.keys(s.properties ?? {}).length === 0 && s.additionalProperties === true))
    .map(([k]) => k),
)

function configShapeProblem(p: Partial<LwsPlugin>): string | null {
  if (p.configKey !== undefined) {
    if (typeof p.configKey !== 'string' || !CONFIG_KEY.test(p.configKey)) {
      return `invalid configKey ${JSON.stringify(p.configKey)} (lowercase letters, digits, _)`
    }
    if (CORE_KEYS.has(p.configKey)) return `configKey '${p.configKey}' belongs to the core config`
  }
  if (p.configSchema !== undefined) {
    if (p.configKey === undefined) return 'configSchema needs configKey (the config key it checks)'
    if (typeof p.configSchema !== 'function' && !KindGuard.IsSchema(p.configSchema)) {
      return 'configSchema must be a TypeBox schema or a function (Type) => schema'
    }
  }
  return null
}

export function checkPluginShape(value: unknown): string | null {
  if (!value || typeof value !== 'object') return 'default export is not a plugin object: expected `export default { name, version, hostApi, setup(ctx) }` (or the same object exported as `plugin`), as in examples/plugins/hello'
  const p = value as Partial<LwsPlugin>
  if (typeof p.name !== 'string' || !NAME.test(p.name)) return `invalid name ${JSON.stringify(p.name)} (lowercase letters, digits, -)`
  if (typeof p.version !== 'string' || !SEMVER.test(p.version)) return `invalid version ${JSON.stringify(p.version)} (semver)`
  if (typeof p.setup !== 'function') return 'missing setup(ctx) function'
  if (p.hostApi !== undefined && !isValidRange(p.hostApi)) return `invalid hostApi ${JSON.stringify(p.hostApi)} (a semver range, e.g. '^1.0')`
  if (p.dependencies !== undefined && !(Array.isArray(p.dependencies) && p.dependencies.every((d) => typeof d === 'string'))) {
    return 'dependencies must be a list of plugin names'
  }
  return configShapeProblem(p)
}

function entryOf(dir: string, name: string): string | null {
  const full = join(dir, name)
  const st = statSync(full)
  if (st.isDirectory()) {
    const file = ENTRY_FILES.find((f) => existsSync(join(full, f)))
    return file ? join(full, file) : null
  }
  return /\.(ts|js|mjs)$/.test(name) ? full : null
}

export async function loadExternalPlugins(dir: string): Promise<{ loaded: LoadedPlugin[]; failures: PluginFailure[] }> {
  const loaded: LoadedPlugin[] = []
  const failures: PluginFailure[] = []
  if (!existsSync(dir)) return { loaded, failures }
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue
    const path = entryOf(dir, name)
    if (!path) continue
    try {
      const mod = await import(path)
      const plugin = mod.default ?? mod.plugin
      const problem = checkPluginShape(plugin)
      if (problem) failures.push({ path, reason: problem })
      else loaded.push({ plugin, source: path })
    } catch (err) {
      failures.push({ path, reason: `import failed: ${(err as Error).message?.split('\n')[0] ?? String(err)}` })
    }
  }
  return { loaded, failures }
}

/**
 * Registration: drops plugins that need a host API this host does not
 * provide (host-api.ts), duplicates, and plugins with missing dependencies;
 * returns the rest in dependency order.
 */
export function orderPlugins(all: LoadedPlugin[], hostApi: string = HOST_API_VERSION): { ordered: LoadedPlugin[]; failures: PluginFailure[] } {
  const failures: PluginFailure[] = []
  const byName = new Map<string, LoadedPlugin>()
  for (const lp of all) {
    const apiProblem = hostApiProblem(lp.plugin.hostApi, hostApi)
    if (apiProblem) failures.push({ path: lp.source, reason: `plugin '${lp.plugin.name}' ${apiProblem}` })
    else if (byName.has(lp.plugin.name)) {
      failures.push({ path: lp.source, reason: `plugin name '${lp.plugin.name}' already used by ${byName.get(lp.plugin.name)!.source}` })
    } else byName.set(lp.plugin.name, lp)
  }
  // Drop plugins whose dependencies are missing, repeatedly (a drop can orphan others).
  let changed = true
  while (changed) {
    changed = false
    for (const [name, lp] of byName) {
      const missing = (lp.plugin.dependencies ?? []).filter((d) => !byName.has(d))
      if (missing.length) {
        failures.push({ path: lp.source, reason: `missing dependencies: ${missing.join(', ')}` })
        byName.delete(name)
        changed = true
      }
    }
  }
  const ordered: LoadedPlugin[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (lp: LoadedPlugin, trail: string[]): boolean => {
    const name = lp.plugin.name
    if (state.get(name) === 'done') return true
    if (state.get(name) === 'visiting') {
      failures.push({ path: lp.source, reason: `dependency cycle: ${[...trail, name].join(' -> ')}` })
      return false
    }
    state.set(name, 'visiting')
    const ok = (lp.plugin.dependencies ?? []).every((d) => visit(byName.get(d)!, [...trail, name]))
    state.set(name, 'done')
    if (ok) ordered.push(lp)
    return ok
  }
  for (const lp of byName.values()) visit(lp, [])
  return { ordered, failures }
}
