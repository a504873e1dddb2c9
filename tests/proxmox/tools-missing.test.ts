/**
 * A local AZ on a machine without the Proxmox VE tools (this one): every
 * ProxmoxClient call answers 503 PROXMOX_TOOLS_MISSING, whichever comes
 * first, and `missingProxmoxTools` names what is missing.
 */
import { describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProxmoxToolsMissingError } from '../../src/errors/catalogue.ts'
import { LocalExecutor } from '../../src/exec/local.ts'
import { ProxmoxClient } from '../../src/proxmox/client.ts'
import { missingProxmoxTools, PROXMOX_TOOLS } from '../../src/proxmox/tools.ts'

describe('missingProxmoxTools', () => {
  test('names the tools not on PATH, in order; none on a PATH that has them all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lws-tools-'))
    try {
      for (const t of ['pct', 'pvesh']) {
        writeFileSync(join(dir, t), '#!/bin/sh\n')
        chmodSync(join(dir, t), 0o755)
      }
      writeFileSync(join(dir, 'pveam'), 'not executable') // present but not runnable: missing
      expect(missingProxmoxTools(dir)).toEqual(['pveam', 'pvesm', 'pveversion'])
      for (const t of ['pveam', 'pvesm', 'pveversion']) {
        writeFileSync(join(dir, t), '#!/bin/sh\n')
        chmodSync(join(dir, t), 0o755)
      }
      expect(missingProxmoxTools(`/nonexistent:${dir}`)).toEqual([])
      expect(missingProxmoxTools('')).toEqual([...PROXMOX_TOOLS])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('ProxmoxClient on a machine that is not a Proxmox VE host', () => {
  const pve = new ProxmoxClient(new LocalExecutor('here/az'), { az: 'here/az' })

  test.each([
    ['node', () => pve.node()],
    ['version', () => pve.version()],
    ['listContainers', () => pve.listContainers()],
    ['containerStatus', () => pve.containerStatus(100)],
    ['containerConfig', () => pve.containerConfig(100)],
    ['start', () => pve.start(100)],
    ['unlock', () => pve.unlock(100)],
    ['exec', () => pve.exec(100, 'true')],
    ['execStream', () => pve.execStream(100, 'true')],
    ['resize', () => pve.resize(100, 'rootfs', '8G')],
    ['templates', () => pve.templates()],
    ['hostStatus', () => pve.hostStatus()],
    ['describeContainer', () => pve.describeContainer(100)],
    ['availableTemplates', () => pve.availableTemplates()],
  ])('%s → 503 PROXMOX_TOOLS_MISSING with the hint', async (_name, fn) => {
    const err = (await (fn as () => Promise<unknown>)().catch((x: unknown) => x)) as ProxmoxToolsMissingError
    expect(err).toBeInstanceOf(ProxmoxToolsMissingError)
    expect(err.status).toBe(503)
    expect(err.toBody()).toMatchObject({ error: 'Proxmox VE tools missing', code: 'PROXMOX_TOOLS_MISSING', return_code: 127 })
    expect(err.details).toContain('this machine is not a Proxmox VE host: configure remote availability zones')
    for (const tool of missingProxmoxTools()) expect(err.details).toContain(tool)
  })
})
