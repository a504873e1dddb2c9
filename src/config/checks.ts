/**
 * Checks that need more than the config file: the config sections plugins
 * own. `loadConfigFile` runs before any plugin is loaded, so these run
 * afterwards — in `lws config validate`, POST /conf/validate and at start,
 * all through `loadedConfigReport`, so the three never disagree.
 */
import { type TSchema, Type } from '@sinclair/typebox'
import type { LoadedPlugin, LwsPlugin } from '../plugins/types.ts'
import type { LwsConfig } from './load.ts'
import { errorLines, semanticWarnings } from './validate.ts'
import { configWarnings } from './warnings.ts'

export interface ConfigReport {
  /** `path: message` lines that make the config invalid. */
  problems: string[]
  /** `path: message` lines about requests that will fail, or a config file others can read. */
  warnings: string[]
}

/**
 * Every loaded plugin's section checked against its `configSchema`, as
 * `path: message (plugin NAME)`. Pass every plugin that was loaded, also
 * those whose setup failed: a bad section is a common reason for that.
 */
export function pluginConfigProblems(raw: unknown, plugins: ReadonlyArray<LwsPlugin | LoadedPlugin>): string[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return []
  const out: string[] = []
  for (const entry of plugins) {
    const plugin = 'plugin' in entry ? entry.plugin : entry
    const key = plugin.configKey
    if (key === undefined || plugin.configSchema === undefined) continue
    const section = (raw as Record<string, unknown>)[key]
    // `app:` with nothing under it is YAML null: the same as leaving the section out.
    if (section === undefined || section === null) continue
    try {
      const schema: TSchema = typeof plugin.configSchema === 'function' ? plugin.configSchema(Type) : plugin.configSchema
      out.push(...errorLines(schema, section, `/${key}`).map((line) => `${line} (plugin ${plugin.name})`))
    } catch (err) {
      out.push(`${key}: plugin ${plugin.name} could not check its section: ${(err as Error)?.message ?? String(err)}`)
    }
  }
  return out
}

/** Everything reported about a config that passed `loadConfigFile`/`resolveConfig`. */
export function loadedConfigReport(config: LwsConfig, plugins: ReadonlyArray<LwsPlugin | LoadedPlugin>): ConfigReport {
  return {
    problems: pluginConfigProblems(config.raw, plugins),
    warnings: [...semanticWarnings(config.raw), ...configWarnings(config)],
  }
}
