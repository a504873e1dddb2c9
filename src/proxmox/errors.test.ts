/**
 * errors.ts: failure detection (incl. the commands that exit 0 although their
 * worker task failed, having no "upid_exit" handler: pve-container
 * `src/PVE/CLI/pct.pm`, pve-manager `PVE/CLI/pveam.pm`, `PVE/CLI/pvesh.pm`)
 * and the LwsError mapping.
 */
import { describe, expect, test } from 'bun:test'
import { BadRequestError, CommandError, ConflictError, HostUnreachableError, NotFoundError, ProgramMissingError, ProxmoxToolsMissingError } from '../errors/catalogue.ts'
import type { RunResult } from '../exec/executor.ts'
import { checkResult, commandFailed, execRefusal, exitsZeroOnTaskFailure, hostFault, toLwsError } from './errors.ts'

const res = (r: Partial<RunResult>): RunResult => ({ stdout: '', stderr: '', exitCode: 0, durationMs: 1, ...r })

describe('which commands exit 0 on task failure', () => {
  test.each([
    [['pct', 'resize', '100', 'rootfs', '+1G'], true],
    [['pct', 'push', '100', '/a', '/b'], true],
    [['pct', 'pull', '100', '/a', '/b'], true],
    [['pveam', 'download', 'local', 'x.tar.zst'], true],
    [['pvesh', 'create', '/nodes/pve1/lxc'], true],
    [['pvesh', 'set', '/nodes/pve1/lxc/100/config'], true],
    [['pvesh', 'delete', '/nodes/pve1/lxc/100'], true],
    [['pvesh', 'get', '/nodes'], false],
    [['pct', 'start', '100'], false],
    [['pct', 'create', '100', 'local:vztmpl/x.tar.gz'], false],
  ])('%p → %p', (argv, expected) => {
    expect(exitsZeroOnTaskFailure(argv as string[])).toBe(expected as boolean)
  })
})

describe('commandFailed', () => {
  test('non-zero exit is failure for every command', () => {
    expect(commandFailed(['pct', 'start', '100'], res({ exitCode: 255 }))).toBe(true)
    expect(commandFailed(['pct', 'start', '100'], res({ exitCode: 2 }))).toBe(true)
  })

  test('exit 0 with an error line: failure only for the exit-0 task commands', () => {
    const stderr = 'download failed: 404 Not Found\n'
    expect(commandFailed(['pveam', 'download', 'local', 'x.tar.zst'], res({ stderr }))).toBe(true)
    expect(commandFailed(['pct', 'start', '100'], res({ stderr: 'something odd\n' }))).toBe(false)
  })

  test('exit 0 with only noise is success', () => {
    const stderr = 'trying to acquire lock...\n OK\nTask finished with 2 warning(s)!\n'
    expect(commandFailed(['pct', 'resize', '100', 'rootfs', '+1G'], res({ stderr }))).toBe(false)
    expect(commandFailed(['pvesh', 'create', '/x'], res({ stderr: 'WARN: something\n' }))).toBe(false)
  })
})

describe('toLwsError mapping', () => {
  const argv = ['pct', 'start', '100']
  test('missing config → 404 naming the vmid', () => {
    const e = toLwsError('az', argv, res({ exitCode: 255, stderr: "Configuration file 'nodes/pve1/lxc/100.conf' does not exist\n" }))
    expect(e).toBeInstanceOf(NotFoundError)
    expect(e.status).toBe(404)
    expect(e.details).toContain('100')
    expect(e.cause).toBeInstanceOf(CommandError)
  })

  test('lock → 409 naming the lock', () => {
    const e = toLwsError('az', argv, res({ exitCode: 255, stderr: 'CT is locked (backup)\n' }))
    expect(e).toBeInstanceOf(ConflictError)
    expect(e.details).toBe('container 100 is locked (backup)')
  })

  test('already exists / snapshot used → 409, snapshot missing → 404', () => {
    expect(toLwsError('az', ['pct', 'create', '100', 'x'], res({ exitCode: 255, stderr: "CT 100 already exists on node 'pve1'\n" })).status).toBe(409)
    expect(toLwsError('az', ['pct', 'snapshot', '100', 'a1'], res({ exitCode: 255, stderr: "snapshot name 'a1' already used\n" })).status).toBe(409)
    const e = toLwsError('az', ['pct', 'delsnapshot', '100', 'a1'], res({ exitCode: 255, stderr: "snapshot 'a1' does not exist\n" }))
    expect(e.status).toBe(404)
    expect(e.details).toBe("snapshot 'a1' does not exist on container 100")
  })

  test('400 block → BadRequest carrying the field lines', () => {
    const e = toLwsError('az', ['pct', 'set', '100'], res({
      exitCode: 255,
      stderr: '400 Parameter verification failed.\nmemory: value must have a minimum value of 16\npct set <vmid> [OPTIONS]\n',
    }))
    expect(e).toBeInstanceOf(BadRequestError)
    expect(e.details).toBe('invalid parameters: memory: value must have a minimum value of 16')
  })

  test('container not running → 409', () => {
    const e = toLwsError('az', ['pct', 'exec', '101'], res({ exitCode: 255, stderr: "container '101' not running!\n" }))
    expect(e.status).toBe(409)
  })

  test('anything else → CommandError: 500, stderr in details, exit code in return_code', () => {
    const e = toLwsError('az', argv, res({ exitCode: 255, stderr: "startup for container '100' failed\n" }))
    expect(e).toBeInstanceOf(CommandError)
    expect(e.status).toBe(500)
    expect(e.toBody()).toEqual({ error: 'Command failed', details: "startup for container '100' failed", return_code: 255, code: 'HOST_COMMAND_FAILED' })
  })

  test('checkResult throws only on failure', () => {
    expect(() => checkResult('az', argv, res({}))).not.toThrow()
    expect(() => checkResult('az', argv, res({ exitCode: 1, stderr: 'x\n' }))).toThrow(CommandError)
  })
})

describe('every classified stderr has its own code', () => {
  const ct = (stderr: string, argv = ['pct', 'start', '100']) => toLwsError('az', argv, res({ exitCode: 255, stderr: stderr + '\n' }))
  test.each([
    ['400 Parameter verification failed.\nmemory: value must have a minimum value of 16\npct set <vmid> [OPTIONS]', 400, 'VALIDATION_FAILED'],
    ["Configuration file 'nodes/pve1/lxc/100.conf' does not exist", 404, 'INSTANCE_NOT_FOUND'],
    ['CT is locked (backup)', 409, 'INSTANCE_LOCKED'],
    ["CT 100 already exists on node 'pve1'", 409, 'INSTANCE_EXISTS'],
    ["can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout", 409, 'INSTANCE_BUSY'],
    ["snapshot name 'a1' already used", 409, 'SNAPSHOT_EXISTS'],
    ["snapshot 'a1' does not exist", 404, 'SNAPSHOT_NOT_FOUND'],
    ['snapshot feature is not available', 409, 'SNAPSHOTS_UNSUPPORTED'],
    ['CT 100 not running', 409, 'INSTANCE_NOT_RUNNING'],
    ['VM 100 not running', 409, 'INSTANCE_NOT_RUNNING'],
    ["container '100' not running!", 409, 'INSTANCE_NOT_RUNNING'],
    ['CT 100 already running', 409, 'INSTANCE_RUNNING'],
    ['unable to destroy CT 100 - container is running', 409, 'INSTANCE_RUNNING'],
    ["can't remove CT 100 - protection mode enabled", 409, 'INSTANCE_PROTECTED'],
    ["storage 'nope' does not exist", 404, 'STORAGE_NOT_FOUND'],
    ["can't find file 'local:vztmpl/x.tar.gz'", 404, 'FILE_NOT_FOUND'],
    ['unable to shrink disk size', 400, 'DISK_SHRINK_UNSUPPORTED'],
    ['disk is already at specified size', 409, 'DISK_SIZE_UNCHANGED'],
    ["startup for container '100' failed", 500, 'HOST_COMMAND_FAILED'],
  ])('%p → %p %p', (stderr, status, code) => {
    const e = ct(stderr as string)
    expect(e.status).toBe(status as number)
    expect(e.code).toBe(code as never)
    expect(e.toBody().code).toBe(code as string)
  })
})

describe('hostFault: a missing PVE tool means "not a Proxmox VE host"', () => {
  test('remote host without pct → 503 PROXMOX_TOOLS_MISSING naming the tool', () => {
    const e = hostFault('r/a', new ProgramMissingError('r/a', ['pct', 'list'], false)) as ProxmoxToolsMissingError
    expect(e).toBeInstanceOf(ProxmoxToolsMissingError)
    expect(e.toBody()).toMatchObject({ error: 'Proxmox VE tools missing', code: 'PROXMOX_TOOLS_MISSING', return_code: 127 })
    expect(e.status).toBe(503)
    expect(e.details).toBe("r/a: pct not found on the host; it is not a Proxmox VE host, or the tools are not on the SSH user's PATH")
  })

  test('local AZ: the hint says to configure remote AZs and lists every missing tool', () => {
    const e = hostFault('r/a', new ProgramMissingError('r/a', ['pvesh', 'get', '/nodes'], true)) as ProxmoxToolsMissingError
    expect(e.code).toBe('PROXMOX_TOOLS_MISSING')
    expect(e.details).toContain('this machine is not a Proxmox VE host: configure remote availability zones')
    expect(e.details).toContain('pvesh')
  })

  test('other programs and other errors are passed through', () => {
    const other = new ProgramMissingError('r/a', ['hostname'], true)
    expect(hostFault('r/a', other)).toBe(other)
    const down = new HostUnreachableError('r/a', 'connection refused')
    expect(hostFault('r/a', down)).toBe(down)
  })
})

describe('execRefusal: only pct refusals, never the command', () => {
  const argv = ['pct', 'exec', '101', '--', 'sh', '-c', 'x']
  test('pct refusals', () => {
    expect(execRefusal('az', argv, res({ exitCode: 255, stderr: "container '101' not running!\n" }), '101')?.status).toBe(409)
    expect(execRefusal('az', argv, res({ exitCode: 255, stderr: "Configuration file 'nodes/pve1/lxc/101.conf' does not exist\n" }), '101')?.status).toBe(404)
  })
  test("the command's own failures are results", () => {
    expect(execRefusal('az', argv, res({ exitCode: 1, stderr: 'ls: cannot access x\n' }), '101')).toBeUndefined()
    expect(execRefusal('az', argv, res({ exitCode: 127, stderr: 'sh: 1: foo: not found\n' }), '101')).toBeUndefined()
    // mentions another CT, or has output: not pct's refusal
    expect(execRefusal('az', argv, res({ exitCode: 1, stderr: "container '102' not running!\n" }), '101')).toBeUndefined()
    expect(execRefusal('az', argv, res({ exitCode: 1, stdout: 'x', stderr: "container '101' not running!\n" }), '101')).toBeUndefined()
  })
})
