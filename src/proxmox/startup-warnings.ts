/**
 * What `lws serve` warns about at start when local AZs cannot work: the
 * Proxmox tools missing on this machine (every call on such an AZ answers
 * 503 PROXMOX_TOOLS_MISSING).
 */
import type { LwsConfig } from '../config/load.ts'
import { missingProxmoxTools } from './tools.ts'

export function proxmoxWarnings(config: Pick<LwsConfig, 'zones'>, path?: string): string[] {
  const local = config.zones.filter((z) => z.local).map((z) => `${z.region}/${z.az}`)
  if (!local.length) return []
  const missing = missingProxmoxTools(path)
  if (!missing.length) return []
  return [
    `local availability zone(s) ${local.join(', ')}: ${missing.join(', ')} not found on this machine's PATH; ` +
      'this machine is not a Proxmox VE host: configure remote availability zones',
  ]
}
