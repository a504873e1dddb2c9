/**
 * What every lxc route receives: the host's PluginContext plus the plugin's
 * own shared state (schemas, VMID allocator, per-AZ create slots).
 */
import type { Semaphore } from '../../src/exec/semaphore.ts'
import type { ZoneHandle } from '../../src/hosts/registry.ts'
import type { PluginContext } from '../../src/plugins/types.ts'
import { lxcSchemas, type LxcSchemas } from './schemas.ts'
import { VmidAllocator } from './vmid-allocator.ts'

/** Containers created at the same time on one AZ, across all requests: pct create is disk and CPU heavy. */
export const CREATES_PER_AZ = 4
/** Power/scale actions run at the same time within one bulk request. */
export const ACTIONS_PER_REQUEST = 4

export interface LxcContext extends PluginContext {
  s: LxcSchemas
  allocator: VmidAllocator
  /** The create slot of an AZ (one semaphore per AZ, shared by all requests). */
  createSlots(zone: ZoneHandle): Semaphore
}

export function lxcContext(ctx: PluginContext): LxcContext {
  const slots = new Map<string, Semaphore>()
  return {
    ...ctx,
    s: lxcSchemas(ctx),
    allocator: new VmidAllocator(ctx.config.startVmid),
    createSlots(zone) {
      let s = slots.get(zone.label)
      if (!s) slots.set(zone.label, (s = new ctx.Semaphore(CREATES_PER_AZ)))
      return s
    },
  }
}
