/**
 * The plugin's own config keys (`app:` in lws.config.yaml). The core schema
 * keeps unknown keys, so the plugin checks its section itself.
 *
 *   app:
 *     compose_dir: ./apps   # folder whose files `deploy` may read as compose_file
 *
 * Relative paths are resolved against the config file's folder; the default
 * is `<config dir>/apps`.
 */
import { Value } from '@sinclair/typebox/value'
import { dirname, resolve } from 'node:path'
import type { PluginContext } from '../../src/plugins/types.ts'

export interface AppConfig {
  /** Absolute path of the folder compose files are read from. */
  composeDir: string
}

export function appConfig(ctx: Pick<PluginContext, 't' | 'config' | 'errors'>): AppConfig {
  const { t } = ctx
  const Section = t.Object(
    { compose_dir: t.Optional(t.String({ minLength: 1, maxLength: 4096 })) },
    { additionalProperties: true },
  )
  const raw = (ctx.config.raw as Record<string, unknown>).app ?? {}
  if (!Value.Check(Section, raw)) {
    const first = [...Value.Errors(Section, raw)][0]
    throw new Error(`app${first?.path ? first.path.replaceAll('/', '.') : ''}: ${first?.message ?? 'invalid section'}`)
  }
  const source = ctx.config.source
  const base = source === '(inline)' ? process.cwd() : dirname(source)
  const dir = (raw as { compose_dir?: string }).compose_dir
  if (dir?.includes('\0')) throw new Error('app.compose_dir: contains a NUL byte')
  return { composeDir: resolve(base, dir ?? 'apps') }
}
