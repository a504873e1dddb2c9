/**
 * The Proxmox VE command-line tools LWS drives, and whether this machine has
 * them. A local AZ (`local: true`) only works on a Proxmox VE host; on any
 * other machine every Proxmox call answers 503 PROXMOX_TOOLS_MISSING, and the
 * server warns at start (`missingProxmoxTools`).
 */
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/**
 * Every PVE tool LWS runs. All ship with every PVE install: pct with
 * pve-container, pvesm with libpve-storage-perl, pvesh/pveam/pveversion with
 * pve-manager.
 */
export const PROXMOX_TOOLS = ['pct', 'pvesh', 'pveam', 'pvesm', 'pveversion'] as const

export function isProxmoxTool(program: string): boolean {
  return (PROXMOX_TOOLS as readonly string[]).includes(program)
}

function onPath(program: string, path: string): boolean {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue
    const file = join(dir, program)
    try {
      accessSync(file, constants.X_OK)
      if (statSync(file).isFile()) return true
    } catch {
      // not here
    }
  }
  return false
}

/**
 * The PVE tools not found on this machine's PATH, in PROXMOX_TOOLS order;
 * empty on a Proxmox VE host. Plain file checks (no Bun API), so it works
 * under Deno too.
 */
export function missingProxmoxTools(path: string = process.env.PATH ?? ''): string[] {
  return PROXMOX_TOOLS.filter((tool) => !onPath(tool, path))
}
