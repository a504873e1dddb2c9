import { describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { proxmoxWarnings } from './startup-warnings.ts'

const zone = (az: string, local: boolean) => ({ region: 'r', az, host: 'h', user: 'root', port: 22, local })

describe('proxmoxWarnings', () => {
  test('local AZ on a machine without the tools → one warning naming them and the hint', () => {
    const empty = mkdtempSync(join(tmpdir(), 'lws-path-'))
    const [w, ...rest] = proxmoxWarnings({ zones: [zone('a', true), zone('b', false)] }, empty)
    expect(rest).toEqual([])
    expect(w).toContain('r/a')
    expect(w).not.toContain('r/b')
    expect(w).toContain('pct, pvesh, pveam, pvesm, pveversion')
    expect(w).toContain('this machine is not a Proxmox VE host: configure remote availability zones')
  })
  test('no warning with the tools on PATH, or without local AZs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lws-path-'))
    for (const t of ['pct', 'pvesh', 'pveam', 'pvesm', 'pveversion']) {
      writeFileSync(join(dir, t), '#!/bin/sh\n')
      chmodSync(join(dir, t), 0o755)
    }
    expect(proxmoxWarnings({ zones: [zone('a', true)] }, dir)).toEqual([])
    expect(proxmoxWarnings({ zones: [zone('b', false)] }, '')).toEqual([])
  })
})
