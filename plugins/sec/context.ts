/**
 * What every sec route receives: the host's PluginContext, the checked
 * `security.discovery` settings and the plugin's schemas.
 */
import type { PluginContext } from '../../src/plugins/types.ts'
import { secSchemas, type SecSchemas } from './schemas.ts'
import { discoverySettings, type DiscoverySettings } from './settings.ts'

export interface SecContext extends PluginContext {
  s: SecSchemas
  discovery: DiscoverySettings
}

export function secContext(ctx: PluginContext): SecContext {
  return { ...ctx, s: secSchemas(ctx), discovery: discoverySettings(ctx.config.raw) }
}
