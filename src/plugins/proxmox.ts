/**
 * Proxmox value helpers plugins get as `ctx.proxmox`: the closed
 * sets the Proxmox layer accepts, its size notation, and checks it would
 * apply anyway, so a plugin can refuse a request before anything runs.
 */
import { buildFeatures, createArgv, type CreateOptions, type FeatureOptions } from '../proxmox/options.ts'

export { wasTruncated } from '../exec/executor.ts'
export { STORAGE_CONTENT_TYPES, TEMPLATE_SECTIONS } from '../proxmox/options.ts'
export { formatDiskSize, parseDiskSize } from '../proxmox/parse/property-string.ts'

/** Throws the 400 `createContainer` would throw for these options, before any id is allocated. */
export function checkCreateOptions(template: string, options: CreateOptions): void {
  createArgv('100', template, options)
}

/** The `features` property string `setConfig({ features })` writes, e.g. `keyctl=1,nesting=1` (for showing the plan). */
export function featuresText(f: FeatureOptions): string {
  return buildFeatures(f)
}
