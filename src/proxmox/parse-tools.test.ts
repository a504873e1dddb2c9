/**
 * Parsers for pveversion, pveam, pvesm, pvesh JSON, the 400 block and
 * stderr, fed with outputs as the PVE tools print them (pve-manager
 * `bin/pveversion`, `PVE/CLI/pveam.pm`, `PVE/CLI/pvesh.pm`; pve-storage
 * `src/PVE/CLI/pvesm.pm`; pve-common `src/PVE/RESTHandler.pm`).
 */
import { describe, expect, test } from 'bun:test'
import { flag, lastLine, num, parsePveshJson, parsePveshWorkerJson } from './parse/json.ts'
import { isParameterError, parseParameterErrors } from './parse/param-errors.ts'
import { parsePveamAvailable } from './parse/pveam.ts'
import { parsePvesmStatus } from './parse/pvesm.ts'
import { parsePveversion, parsePveversionVerbose } from './parse/pveversion.ts'
import { classifyStderr, errorLines, stripPerlLocation } from './parse/stderr.ts'

describe('pveversion', () => {
  test('PVE 8 form', () => {
    expect(parsePveversion('pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.8-2-pve)\n')).toEqual({
      version: '8.2.4',
      release: '8.2',
      major: 8,
      minor: 2,
      patch: 4,
      repoid: 'faa83925c9641325',
      kernel: '6.8.8-2-pve',
      pveversion: 'pve-manager/8.2.4/faa83925c9641325',
    })
  })

  test('PVE ≤ 7 form (Debian-style version, 8-char hash)', () => {
    expect(parsePveversion('pve-manager/7.4-16/0f39f621 (running kernel: 5.15.108-1-pve)\n')).toEqual({
      version: '7.4-16',
      release: '7.4',
      major: 7,
      minor: 4,
      patch: 16,
      repoid: '0f39f621',
      kernel: '5.15.108-1-pve',
      pveversion: 'pve-manager/7.4-16/0f39f621',
    })
  })

  test('unexpected text is refused', () => {
    expect(() => parsePveversion('USAGE: pveversion [--verbose]\n')).toThrow()
  })

  test('--verbose line forms', () => {
    const out = [
      'proxmox-ve: 9.0.0 (running kernel: 6.14.8-2-pve)',
      'pve-manager: 9.0.3 (running version: 9.0.3/025864202ebb6109)',
      'pve-container: 6.0.9',
      'lxc-pve: 6.0.4-2',
      'pve-kernel-6.2: not correctly installed',
      'old-thing: residual config',
      '',
    ].join('\n')
    expect(parsePveversionVerbose(out)).toEqual({
      'proxmox-ve': { version: '9.0.0', running: 'running kernel: 6.14.8-2-pve' },
      'pve-manager': { version: '9.0.3', running: 'running version: 9.0.3/025864202ebb6109' },
      'pve-container': { version: '6.0.9' },
      'lxc-pve': { version: '6.0.4-2' },
      'pve-kernel-6.2': { state: 'not correctly installed' },
      'old-thing': { state: 'residual config' },
    })
  })
})

describe('pveam available', () => {
  test('2-column form (PVE 8, 9.0–9.2.6)', () => {
    const out = `mail            proxmox-mail-gateway-8.1-standard_8.1-1_amd64.tar.zst
system          alpine-3.20-default_20240908_amd64.tar.xz
system          debian-12-standard_12.7-1_amd64.tar.zst
system          ubuntu-24.04-standard_24.04-2_amd64.tar.zst
turnkeylinux    debian-12-turnkey-wordpress_18.1-1_amd64.tar.gz
`
    const rows = parsePveamAvailable(out)
    expect(rows).toHaveLength(5)
    expect(rows[0]).toEqual({ section: 'mail', template: 'proxmox-mail-gateway-8.1-standard_8.1-1_amd64.tar.zst' })
    expect(rows[4]).toEqual({ section: 'turnkeylinux', template: 'debian-12-turnkey-wordpress_18.1-1_amd64.tar.gz' })
    expect(rows.every((r) => r.arch === undefined)).toBe(true)
  })

  test('3-column form (pve-manager ≥ 9.2.7) with arch / unknown', () => {
    const out = [
      'system          debian-12-standard_12.7-1_amd64.tar.zst                      amd64',
      `${'system'.padEnd(15)} ${'some-template_1.0_all.tar.gz'.padEnd(60)} unknown`,
      '',
    ].join('\n')
    expect(parsePveamAvailable(out)).toEqual([
      { section: 'system', template: 'debian-12-standard_12.7-1_amd64.tar.zst', arch: 'amd64' },
      { section: 'system', template: 'some-template_1.0_all.tar.gz', arch: 'unknown' },
    ])
  })

  test('index never downloaded: nothing listed', () => {
    expect(parsePveamAvailable('')).toEqual([])
  })
})

describe('pvesm status', () => {
  const rows = [
    'local              dir     active        98497780        12582912        80866024   12.77%',
    'local-lvm      lvmthin     active       365760512        23408892       342351620    6.40%',
    'nfs-backup         nfs   inactive               0               0               0    0.00%',
    'old                dir   disabled               0               0               0      N/A',
  ]
  const expected = [
    { name: 'local', type: 'dir', status: 'active', total: 98497780, used: 12582912, available: 80866024, percent: 12.77 },
    { name: 'local-lvm', type: 'lvmthin', status: 'active', total: 365760512, used: 23408892, available: 342351620, percent: 6.4 },
    { name: 'nfs-backup', type: 'nfs', status: 'inactive', total: 0, used: 0, available: 0, percent: 0 },
    { name: 'old', type: 'dir', status: 'disabled', total: 0, used: 0, available: 0, percent: null },
  ]

  test('new header (pve-storage ≥ 9.0.14), disabled row with N/A', () => {
    const out = ['Name              Type     Status     Total (KiB)      Used (KiB) Available (KiB)        %', ...rows, ''].join('\n')
    expect(parsePvesmStatus(out)).toEqual(expected)
  })

  test('old header', () => {
    const out = ['Name              Type     Status           Total            Used       Available        %', ...rows, ''].join('\n')
    expect(parsePvesmStatus(out)).toEqual(expected)
  })
})

describe('pvesh JSON and num()', () => {
  test('num accepts numbers and numeric strings, nothing else', () => {
    expect(num(102)).toBe(102)
    expect(num('102')).toBe(102)
    expect(num('0.12')).toBe(0.12)
    expect(num(' 3792.874 ')).toBe(3792.874)
    expect(num('0.00')).toBe(0)
    expect(num('')).toBeUndefined()
    expect(num('abc')).toBeUndefined()
    expect(num('12abc')).toBeUndefined()
    expect(num(null)).toBeUndefined()
    expect(num(undefined)).toBeUndefined()
    expect(num(Number.NaN)).toBeUndefined()
    expect(flag('1')).toBe(true)
    expect(flag('')).toBe(false)
    expect(flag(0)).toBe(false)
  })

  test('nextid as number or string', () => {
    expect(num(parsePveshJson('102\n'))).toBe(102)
    expect(num(parsePveshJson('"102"\n'))).toBe(102)
  })

  test('null-returning endpoints print nothing; empty array prints []', () => {
    expect(parsePveshJson('')).toBeNull()
    expect(parsePveshJson('[]\n')).toEqual([])
  })

  test('worker endpoints: task log first, the UPID (JSON string) on the LAST line', () => {
    const out = [
      '  Logical volume "vm-101-disk-0" created.',
      'Creating filesystem with 2097152 4k blocks and 524288 inodes',
      'Detected container architecture: amd64',
      '"UPID:pve1:0003A2F1:01B7C9D2:66A1F0C3:vzcreate:101:root@pam:"',
      '',
    ].join('\n')
    expect(lastLine(out)).toBe('"UPID:pve1:0003A2F1:01B7C9D2:66A1F0C3:vzcreate:101:root@pam:"')
    expect(parsePveshWorkerJson(out)).toBe('UPID:pve1:0003A2F1:01B7C9D2:66A1F0C3:vzcreate:101:root@pam:')
    expect(parsePveshJson(out)).toBe('UPID:pve1:0003A2F1:01B7C9D2:66A1F0C3:vzcreate:101:root@pam:')
    expect(() => parsePveshWorkerJson('not json\n')).toThrow()
  })
})

describe('400 Parameter verification failed', () => {
  test('one field, usage line ends the block', () => {
    const err = '400 Parameter verification failed.\nvmid: invalid format - value does not look like a valid VM ID\n\npct create <vmid> <ostemplate> [OPTIONS]\n'
    expect(isParameterError(err)).toBe(true)
    expect(parseParameterErrors(err)).toEqual({ vmid: 'invalid format - value does not look like a valid VM ID' })
  })

  test('several fields, blank lines after format errors, nested net0.ip line, pvesh usage', () => {
    const err = [
      '400 Parameter verification failed.',
      'memory: value must have a minimum value of 16',
      'net0: invalid format - format error',
      'net0.ip: invalid format - value does not look like a valid ipv4 network configuration',
      '',
      'hostname: invalid format - value does not look like a valid DNS name',
      '',
      'pvesh create /nodes/{node}/lxc [OPTIONS] [FORMAT_OPTIONS]',
      '',
    ].join('\n')
    expect(parseParameterErrors(err)).toEqual({
      memory: 'value must have a minimum value of 16',
      net0: 'invalid format - format error',
      'net0.ip': 'invalid format - value does not look like a valid ipv4 network configuration',
      hostname: 'invalid format - value does not look like a valid DNS name',
    })
  })

  test('pveam download unknown template; pvesm status with two-space usage', () => {
    expect(parseParameterErrors('400 Parameter verification failed.\ntemplate: no such template\npveam download <storage> <template>\n')).toEqual({
      template: 'no such template',
    })
    expect(parseParameterErrors('400 Parameter verification failed.\nstorage: No such storage.\npvesm status  [OPTIONS]\n')).toEqual({
      storage: 'No such storage.',
    })
  })

  test('absent block → empty', () => {
    expect(parseParameterErrors('CT is locked (backup)\n')).toEqual({})
    expect(isParameterError('400 not enough arguments\n')).toBe(false)
  })
})

describe('stderr: noise vs errors, classification', () => {
  test('noise lines are dropped', () => {
    const err = [
      'trying to acquire lock...',
      ' OK',
      'WARN: removing replication snapshot foo',
      'Task finished with 1 warning(s)!',
      'perl: warning: Setting locale failed.',
      'perl: warning: Please check that your locale settings:',
      '\tLANGUAGE = (unset),',
      '\tLC_ALL = (unset),',
      '\tLANG = "en_US.UTF-8"',
      '    are supported and installed on your system.',
      'perl: warning: Falling back to the standard locale ("C").',
      '',
    ].join('\n')
    expect(errorLines(err)).toEqual([])
    expect(errorLines('trying to acquire lock... OK\n')).toEqual([])
  })

  test('real errors survive, with the lock-wait prefix removed', () => {
    expect(errorLines("trying to acquire lock...can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout\n")).toEqual([
      "can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout",
    ])
    expect(errorLines('download failed: 404 Not Found\n')).toEqual(['download failed: 404 Not Found'])
  })

  test('Perl location suffix', () => {
    expect(stripPerlLocation('missing command at /usr/share/perl5/PVE/CLI/pct.pm line 210.')).toBe('missing command')
  })

  test.each([
    ["Configuration file 'nodes/pve1/lxc/100.conf' does not exist\n", { kind: 'config-missing', node: 'pve1', vmid: '100' }],
    ['CT is locked (snapshot-delete)\n', { kind: 'locked', lock: 'snapshot-delete' }],
    ["CT 100 already exists on node 'pve1'\n", { kind: 'exists', guest: 'CT', vmid: '100', node: 'pve1' }],
    ["VM 100 already exists on node 'pve2'\n", { kind: 'exists', guest: 'VM', vmid: '100', node: 'pve2' }],
    ["snapshot name 'before-update' already used\n", { kind: 'snapshot-exists', snapshot: 'before-update' }],
    ["snapshot 'nope' does not exist\n", { kind: 'snapshot-missing', snapshot: 'nope' }],
    ["container '101' not running!\n", { kind: 'not-running', vmid: '101' }],
    ['CT 101 not running\n', { kind: 'not-running', vmid: '101' }],
    ['VM 101 not running\n', { kind: 'not-running', vmid: '101' }],
    ['CT 101 already running\n', { kind: 'already-running', vmid: '101' }],
    ['unable to destroy CT 101 - container is running\n', { kind: 'running', vmid: '101' }],
    ["can't remove CT 101 - protection mode enabled\n", { kind: 'protected' }],
    ["storage 'foo' does not exist\n", { kind: 'storage-missing', storage: 'foo' }],
    ["unable to create CT 101 - can't find file 'local:vztmpl/nope.tar.zst'\n", { kind: 'file-missing', file: 'local:vztmpl/nope.tar.zst' }],
    ['unable to shrink disk size\n', { kind: 'shrink' }],
    ['disk is already at specified size\n', { kind: 'same-size' }],
    ['snapshot feature is not available\n', { kind: 'no-snapshot-feature' }],
    ['startup for container \'101\' failed\n', { kind: 'other', message: "startup for container '101' failed" }],
  ])('%p', (stderr, expected) => {
    expect(classifyStderr(stderr as string)).toMatchObject(expected as object)
  })

  test('the parameter block wins and carries the fields', () => {
    const c = classifyStderr('400 Parameter verification failed.\nsnapname: invalid format - invalid configuration ID \'1x\'\n\npct snapshot <vmid> <snapname> [OPTIONS]\n')
    expect(c.kind).toBe('parameter')
    if (c.kind === 'parameter') expect(c.fields).toEqual({ snapname: "invalid format - invalid configuration ID '1x'" })
  })
})
