/**
 * What every px route receives: the host's PluginContext plus the plugin's
 * schemas.
 */
import type { PluginContext } from '../../src/plugins/types.ts'
import { pxSchemas, type PxSchemas } from './schemas.ts'

export interface PxContext extends PluginContext {
  s: PxSchemas
}

export function pxContext(ctx: PluginContext): PxContext {
  return { ...ctx, s: pxSchemas(ctx) }
}
