/**
 * What every app route receives: the host's PluginContext plus the plugin's
 * schemas and config.
 */
import type { PluginContext } from '../../src/plugins/types.ts'
import { appConfig, type AppConfig } from './config.ts'
import { appSchemas, type AppSchemas } from './schemas.ts'

export interface AppContext extends PluginContext {
  s: AppSchemas
  cfg: AppConfig
}

export function appContext(ctx: PluginContext): AppContext {
  return { ...ctx, s: appSchemas(ctx), cfg: appConfig(ctx) }
}
