/**
 * ProxmoxClient against a fake Executor: argv shapes, the RunOptions each
 * kind of call gets, validation before any command runs, error mapping
 * (404/409/400/500), exit-0 task failures, and the batched reads (one
 * executor call each).
 */
import { describe, expect, test } from 'bun:test'
import { BadRequestError, CommandError, ConflictError, LwsError, NotFoundError } from '../errors/catalogue.ts'
import { ProxmoxClient } from './client.ts'
import { CONFIG_MISSING, FakeExecutor } from './fake-executor.ts'

const client = (fake: FakeExecutor, node = 'pve1') => new ProxmoxClient(fake, { az: 'eu-south-1/az1', node })
const discovering = (fake: FakeExecutor) => new ProxmoxClient(fake, { az: 'eu-south-1/az1' })

async function rejects(p: Promise<unknown>): Promise<LwsError> {
  try {
    await p
  } catch (e) {
    if (e instanceof LwsError) return e
    throw e
  }
  throw new Error('expected a rejection')
}

const CONFIG_100 = `arch: amd64
cores: 2
hostname: web01
memory: 1024
net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:5E:7A:01,ip=dhcp,type=veth
ostype: debian
rootfs: local-lvm:vm-100-disk-0,size=8G
swap: 512
unprivileged: 1
`
const configWithSize = (size: string) => CONFIG_100.replace('size=8G', `size=${size}`)

describe('node()', () => {
  test('configured node: no discovery', async () => {
    const fake = new FakeExecutor()
    expect(await client(fake).node()).toBe('pve1')
    expect(fake.calls).toHaveLength(0)
  })

  test('discovered once from /cluster/status (type node, local 1), in one round trip, and cached', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/cluster/status'], {
        stdout:
          '[{"id":"cluster","name":"prod","nodes":2,"quorate":1,"type":"cluster","version":3},{"id":"node/pve1","ip":"10.0.0.1","level":"","local":0,"name":"pve1","nodeid":1,"online":1,"type":"node"},{"id":"node/pve2","ip":"10.0.0.2","level":"","local":"1","name":"pve2","nodeid":2,"online":1,"type":"node"}]\n',
      })
      .on(['hostname'], { stdout: 'other\n' })
    const c = discovering(fake)
    const [a, b] = await Promise.all([c.node(), c.node()])
    expect([a, b, await c.node()]).toEqual(['pve2', 'pve2', 'pve2'])
    expect(fake.calls).toHaveLength(1)
    expect(fake.calls[0]!.opts as object).toMatchObject({ read: true, share: 'short' })
    expect(fake.commands()).toEqual([['pvesh', 'get', '/cluster/status', '--output-format', 'json'], ['hostname']])
  })

  test('falls back to hostname (short name) when pvesh fails', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/cluster/status'], { exitCode: 255, stderr: 'ipcc_send_rec[1] failed: Connection refused\n' })
      .on(['hostname'], { stdout: 'pve-test1.example.org\n' })
    expect(await discovering(fake).node()).toBe('pve-test1')
    expect(fake.calls).toHaveLength(1)
  })

  test('no pvesh on the host → 503 PROXMOX_TOOLS_MISSING, not a node named after the hostname', async () => {
    const fake = new FakeExecutor().on(['hostname'], { stdout: 'box\n' })
    fake.missing.add('pvesh')
    const e = await rejects(discovering(fake).node())
    expect(e.toBody().code).toBe('PROXMOX_TOOLS_MISSING')
  })

  test('a hostile configured node name is refused', () => {
    expect(() => client(new FakeExecutor(), 'pve1;reboot')).toThrow(BadRequestError)
  })
})

describe('reads', () => {
  test('version() runs pveversion', async () => {
    const fake = new FakeExecutor().on(['pveversion'], { stdout: 'pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.8-2-pve)\n' })
    expect((await client(fake).version()).version).toBe('8.2.4')
    expect(fake.argvs()).toEqual([['pveversion']])
  })

  test('listContainers: pvesh JSON, string vmids accepted, sorted', async () => {
    const fake = new FakeExecutor().on(['pvesh', 'get', '/nodes/pve1/lxc'], {
      stdout: '[{"vmid":"101","name":"b","status":"stopped","type":"lxc","cpus":1},{"vmid":100,"name":"a","status":"running","type":"lxc","cpus":"2"}]\n',
    })
    const list = await client(fake).listContainers()
    expect(list.map((c) => [c.vmid, c.name, c.cpus])).toEqual([
      [100, 'a', 2],
      [101, 'b', 1],
    ])
    expect(fake.argvs()).toEqual([['pvesh', 'get', '/nodes/pve1/lxc', '--output-format', 'json']])
  })

  test('listContainers with no containers: []', async () => {
    const fake = new FakeExecutor().on(['pvesh', 'get', '/nodes/pve1/lxc'], { stdout: '[]\n' })
    expect(await client(fake).listContainers()).toEqual([])
  })

  test('containerStatus: missing CT → 404 naming the vmid', async () => {
    const fake = new FakeExecutor().on(['pvesh', 'get', '/nodes/pve1/lxc/999/status/current'], CONFIG_MISSING(999))
    const e = await rejects(client(fake).containerStatus(999))
    expect(e).toBeInstanceOf(NotFoundError)
    expect(e.details).toContain('999')
  })

  test('malformed output → 500 naming the command', async () => {
    const fake = new FakeExecutor().on(['pvesh', 'get', '/nodes/pve1/status'], { stdout: 'Use of something weird\n' })
    const e = await rejects(client(fake).nodeStatus())
    expect(e.status).toBe(500)
    expect(e.details).toContain('pvesh get /nodes/pve1/status')
  })

  test('containerConfig: pct config text, --current / --snapshot, snapshot missing → 404', async () => {
    const fake = new FakeExecutor()
      .on(['pct', 'config', '100', '--snapshot'], { exitCode: 255, stderr: "snapshot 'old' does not exist\n" })
      .on(['pct', 'config', '100'], { stdout: CONFIG_100 })
    const c = client(fake)
    const cfg = await c.containerConfig(100, { current: true })
    expect(cfg.rootfs?.bytes).toBe(8 * 1024 ** 3)
    expect(cfg.memory).toBe(1024)
    const e = await rejects(c.containerConfig('100', { snapshot: 'old' }))
    expect(e).toBeInstanceOf(NotFoundError)
    expect(await rejects(c.containerConfig(100, { current: true, snapshot: 'old' }))).toBeInstanceOf(BadRequestError)
    expect(fake.argvs()).toEqual([
      ['pct', 'config', '100', '--current'],
      ['pct', 'config', '100', '--snapshot', 'old'],
    ])
  })

  test('snapshots: pvesh JSON, current marks the parent of "You are here!"', async () => {
    const fake = new FakeExecutor().on(['pvesh', 'get', '/nodes/pve1/lxc/100/snapshot'], {
      stdout:
        '[{"description":"You are here!","digest":"d","name":"current","parent":"s1","running":1},{"description":"","name":"s1","snaptime":1717236000}]\n',
    })
    expect(await client(fake).snapshots(100)).toEqual([{ name: 's1', snaptime: 1717236000, description: '', current: true }])
  })

  test('templates(): content of every active storage holding vztmpl, in one round trip', async () => {
    const fake = new FakeExecutor()
      .on(['pvesm', 'status', '--content', 'vztmpl'], {
        // pvesm status --content lists only enabled storages holding the type; inactive ones are skipped.
        stdout:
          'Name         Type     Status     Total (KiB)      Used (KiB) Available (KiB)        %\nlocal         dir     active        98497780        12582912        80866024   12.77%\nnfs           nfs   inactive               0               0               0    0.00%\nshared        nfs     active        10000000         1000000         9000000   10.00%\n',
      })
      .on(['pvesh', 'get', '/nodes/pve1/storage/local/content'], {
        stdout: '[{"content":"vztmpl","ctime":1717236000,"format":"tgz","size":1024,"volid":"local:vztmpl/ubuntu-22.04.tar.gz"},{"content":"vztmpl","format":"tgz","size":"2048","volid":"local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz"}]\n',
      })
      .on(['pvesh', 'get', '/nodes/pve1/storage/shared/content'], { stdout: '[{"content":"vztmpl","format":"tzst","size":5,"volid":"shared:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz"}]\n' })
    const list = await client(fake).templates()
    expect(list.map((t) => t.volid)).toEqual([
      'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz',
      'local:vztmpl/ubuntu-22.04.tar.gz',
      'shared:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz',
    ])
    expect(fake.calls).toHaveLength(1)
    expect(fake.commands()).toEqual([
      ['pvesm', 'status', '--content', 'vztmpl'],
      ['pvesh', 'get', '/nodes/pve1/storage/local/content', '--content', 'vztmpl', '--output-format', 'json'],
      ['pvesh', 'get', '/nodes/pve1/storage/shared/content', '--content', 'vztmpl', '--output-format', 'json'],
    ])
  })

  test('availableTemplates: section validated and passed', async () => {
    const fake = new FakeExecutor().on(['pveam', 'available'], { stdout: 'system          debian-12-standard_12.7-1_amd64.tar.zst\n' })
    expect(await client(fake).availableTemplates('system')).toEqual([{ section: 'system', template: 'debian-12-standard_12.7-1_amd64.tar.zst' }])
    expect(fake.argvs()).toEqual([['pveam', 'available', '--section', 'system']])
    expect(await rejects(client(fake).availableTemplates('x;y' as 'system'))).toBeInstanceOf(BadRequestError)
  })
})

describe('exec', () => {
  test('the command is ONE argv element after --, exit status returned, not thrown', async () => {
    const fake = new FakeExecutor().on(['pct', 'exec', '100'], { stdout: 'hi\n', stderr: 'warn\n', exitCode: 3 })
    const r = await client(fake).exec(100, "echo hi; echo warn >&2; exit 3", { timeoutMs: 5000 })
    expect(r).toEqual({ stdout: 'hi\n', stderr: 'warn\n', exitCode: 3 })
    expect(fake.calls[0]!.argv).toEqual(['pct', 'exec', '100', '--', 'sh', '-c', 'echo hi; echo warn >&2; exit 3'])
    expect(fake.calls[0]!.opts?.timeoutMs).toBe(5000)
  })

  test('shell metacharacters and -flags stay inside the single element', async () => {
    const fake = new FakeExecutor().on(['pct', 'exec'], {})
    await client(fake).exec('100', "-la $(id) `x` 'q' \"d\" ; reboot\nsecond line")
    const argv = fake.calls[0]!.argv
    expect(argv).toHaveLength(7)
    expect(argv.slice(0, 6)).toEqual(['pct', 'exec', '100', '--', 'sh', '-c'])
    expect(argv[6]).toBe("-la $(id) `x` 'q' \"d\" ; reboot\nsecond line")
  })

  test('not running → 409, missing → 404', async () => {
    const stopped = new FakeExecutor().on(['pct', 'exec'], { exitCode: 255, stderr: "container '100' not running!\n" })
    expect(await rejects(client(stopped).exec(100, 'uptime'))).toBeInstanceOf(ConflictError)
    const missing = new FakeExecutor().on(['pct', 'exec'], CONFIG_MISSING(100))
    expect(await rejects(client(missing).exec(100, 'uptime'))).toBeInstanceOf(NotFoundError)
  })

  test('empty command → 400 without running anything', async () => {
    const fake = new FakeExecutor()
    expect(await rejects(client(fake).exec(100, '   '))).toBeInstanceOf(BadRequestError)
    expect(await rejects(client(fake).exec(100, 'a\0b'))).toBeInstanceOf(BadRequestError)
    expect(fake.calls).toHaveLength(0)
  })
})

describe('createContainer', () => {
  test('argv from typed options; password as one --password= element marked secret', async () => {
    const fake = new FakeExecutor().on(['pct', 'create'], { stdout: 'extracting archive ...\n' })
    await client(fake).createContainer(101, 'local:vztmpl/ubuntu-22.04.tar.gz', {
      hostname: 'web-server',
      memory: 2048,
      swap: 512,
      cores: 2,
      cpulimit: 1.5,
      rootfs: 'local-lvm:8',
      net0: { bridge: 'vmbr0', ip: '192.168.1.50/24', gw: '192.168.1.1' },
      nameserver: ['1.1.1.1', '9.9.9.9'],
      password: '-s3cret pass',
      unprivileged: true,
      features: { nesting: true, keyctl: true },
      onboot: false,
      start: true,
    })
    const { argv, opts } = fake.calls[0]!
    expect(argv).toEqual([
      'pct', 'create', '101', 'local:vztmpl/ubuntu-22.04.tar.gz',
      '--hostname', 'web-server',
      '--memory', '2048',
      '--swap', '512',
      '--cores', '2',
      '--cpulimit', '1.5',
      '--net0', 'name=eth0,bridge=vmbr0,gw=192.168.1.1,ip=192.168.1.50/24,type=veth',
      '--nameserver', '1.1.1.1 9.9.9.9',
      '--features', 'keyctl=1,nesting=1',
      '--onboot', '0',
      '--rootfs', 'local-lvm:8',
      '--unprivileged', '1',
      '--start', '1',
      '--password=-s3cret pass',
    ])
    expect(opts?.secretArgs).toEqual([argv.length - 1])
    expect(argv[opts!.secretArgs![0]!]).toBe('--password=-s3cret pass')
    expect(opts?.timeoutMs).toBeGreaterThanOrEqual(5 * 60_000)
  })

  test('no password → no secret index; dhcp net; storage + bare size', async () => {
    const fake = new FakeExecutor().on(['pct', 'create'], {})
    await client(fake).createContainer('102', 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz', {
      storage: 'local-lvm',
      rootfs: 4,
      net0: { ip: 'dhcp' },
    })
    expect(fake.calls[0]!.argv).toEqual([
      'pct', 'create', '102', 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz',
      '--net0', 'name=eth0,bridge=vmbr0,ip=dhcp,type=veth',
      '--storage', 'local-lvm',
      '--rootfs', '4',
    ])
    expect(fake.calls[0]!.opts?.secretArgs ?? []).toEqual([])
  })

  test('vmid taken → 409; in-task template error → 404; the password never appears in the error', async () => {
    const taken = new FakeExecutor().on(['pct', 'create'], { exitCode: 255, stderr: "CT 101 already exists on node 'pve1'\n" })
    const e1 = await rejects(client(taken).createContainer(101, 'local:vztmpl/ubuntu-22.04.tar.gz', { password: 'hunter22' }))
    expect(e1).toBeInstanceOf(ConflictError)
    expect(e1.details).toBe('container 101 already exists on node pve1')
    expect((e1.cause as CommandError).argv.join(' ')).not.toContain('hunter22')
    const missing = new FakeExecutor().on(['pct', 'create'], {
      exitCode: 255,
      stderr: "unable to create CT 101 - can't find file 'local:vztmpl/nope.tar.gz'\n",
    })
    expect((await rejects(client(missing).createContainer(101, 'local:vztmpl/nope.tar.gz'))).status).toBe(404)
    const other = new FakeExecutor().on(['pct', 'create'], { exitCode: 255, stderr: 'unable to create CT 101 - disk full\n' })
    const e3 = await rejects(client(other).createContainer(101, 'local:vztmpl/ubuntu-22.04.tar.gz', { password: 'hunter22' }))
    expect(e3).toBeInstanceOf(CommandError)
    expect((e3 as CommandError).argv).toContain('***')
    expect((e3 as CommandError).argv.join(' ')).not.toContain('hunter22')
  })
})

describe('validation refuses hostile values before anything runs', () => {
  const hostileVmids = ['100; reboot', '$(id)', '100\n', '../100', '100 101', '99', '-1', '1e3', '0100', '', '100\0']
  const hostileNames = ['a; reboot', '$(id)', 'snap\n', '../x', 'a b', 'current', 'vzdump', '-rf', 'x'.repeat(41)]

  test.each(hostileVmids)('vmid %p', async (vmid) => {
    const fake = new FakeExecutor()
    const c = client(fake)
    const attempts: Array<() => Promise<unknown>> = [
      () => c.containerStatus(vmid),
      () => c.containerConfig(vmid),
      () => c.createContainer(vmid, 'local:vztmpl/ubuntu-22.04.tar.gz'),
      () => c.start(vmid),
      () => c.stop(vmid),
      () => c.shutdown(vmid),
      () => c.reboot(vmid),
      () => c.destroy(vmid),
      () => c.setConfig(vmid, { memory: 512 }),
      () => c.resize(vmid, 'rootfs', '+1G'),
      () => c.exec(vmid, 'uptime'),
      () => c.snapshots(vmid),
      () => c.describeContainer(vmid),
      () => c.containerUsage(vmid),
      () => c.execArgv(vmid, ['uptime']),
      () => c.execScript(vmid, 'uptime'),
      () => c.snapshot(vmid, 'snap1'),
      () => c.delsnapshot(vmid, 'snap1'),
      () => c.rollback(vmid, 'snap1'),
    ]
    for (const attempt of attempts) expect(await rejects(attempt())).toBeInstanceOf(BadRequestError)
    expect(fake.calls).toHaveLength(0)
  })

  test.each(hostileNames)('snapshot name %p', async (name) => {
    const fake = new FakeExecutor()
    const c = client(fake)
    for (const attempt of [() => c.snapshot(100, name), () => c.delsnapshot(100, name), () => c.rollback(100, name), () => c.containerConfig(100, { snapshot: name })]) {
      expect(await rejects(attempt())).toBeInstanceOf(BadRequestError)
    }
    expect(fake.calls).toHaveLength(0)
  })

  test('other fields: template, storage, hostname, net, nameserver, disk, size, features, tags, description, password', async () => {
    const fake = new FakeExecutor()
    const c = client(fake)
    const T = 'local:vztmpl/ubuntu-22.04.tar.gz'
    const attempts: Array<() => Promise<unknown>> = [
      () => c.createContainer(100, '$(id).tar.gz'),
      () => c.createContainer(100, 'local:vztmpl/../../etc/passwd'),
      () => c.createContainer(100, 'local:vztmpl/x.tar.gz; reboot'),
      () => c.createContainer(100, T, { hostname: 'a b' }),
      () => c.createContainer(100, T, { hostname: 'web_01' }),
      () => c.createContainer(100, T, { hostname: 'x\nreboot' }),
      () => c.createContainer(100, T, { storage: '../etc' }),
      () => c.createContainer(100, T, { rootfs: 'local-lvm:8,size=1T' }),
      () => c.createContainer(100, T, { rootfs: '/dev/sda' }),
      () => c.createContainer(100, T, { memory: 8 }),
      () => c.createContainer(100, T, { memory: 1.5 }),
      () => c.createContainer(100, T, { cores: 0 }),
      () => c.createContainer(100, T, { cpulimit: Number.NaN }),
      () => c.createContainer(100, T, { net0: { bridge: 'vmbr0,ip=1.2.3.4/24' } }),
      () => c.createContainer(100, T, { net0: { ip: '10.0.0.1' } }),
      () => c.createContainer(100, T, { net0: { ip: '10.0.0.1/33' } }),
      () => c.createContainer(100, T, { net0: { ip: 'dhcp', gw: '$(id)' } }),
      () => c.createContainer(100, T, { net0: { hwaddr: '01:00:5E:00:00:01' } }),
      () => c.createContainer(100, T, { net0: { name: 'eth0,firewall=0' } }),
      () => c.createContainer(100, T, { nameserver: '1.1.1.1;reboot' }),
      () => c.createContainer(100, T, { password: 'abc' }),
      () => c.createContainer(100, T, { password: 'abcdef\nx' }),
      () => c.createContainer(100, T, { features: { mount: ['nfs,keyctl=1'] } }),
      () => c.createContainer(100, T, { tags: ['a;b'] }),
      () => c.createContainer(100, T, { description: 'bad\0byte' }),
      () => c.setConfig(100, {}),
      () => c.setConfig(100, { delete: ['rootfs'] }),
      () => c.setConfig(100, { delete: ['memory,rootfs'] }),
      () => c.setConfig(100, { cores: 2, delete: ['cores'] }),
      () => c.resize(100, 'rootfs;reboot', '+1G'),
      () => c.resize(100, 'mp256', '+1G'),
      () => c.resize(100, 'rootfs', '10'),
      () => c.resize(100, 'rootfs', '10GB'),
      () => c.resize(100, 'rootfs', '-1G'),
      () => c.storageContent('../x', 'vztmpl'),
      () => c.storageContent('local', 'vztmpl;x' as 'vztmpl'),
      () => c.downloadTemplate('local', '../../x.tar.gz'),
      () => c.downloadTemplate('local', 'x.tar.gz\nreboot'),
      () => c.downloadTemplate('lo cal', 'x.tar.gz'),
      () => c.templateListing({ storage: '$(id)' }),
      () => c.templateListing({ available: true, section: 'x;y' }),
      () => c.execArgv(100, []),
      () => c.execArgv(100, ['']),
      () => c.execArgv(100, ['echo', 'a\0b']),
      () => c.execScript(100, 'echo "$1"', ['a\0b']),
      () => c.execScript(100, ' '),
      () => c.clusterResources('vm;x' as 'vm'),
      () => c.shutdown(100, { timeout: -1 }),
    ]
    for (const [i, attempt] of attempts.entries()) {
      const e = await rejects(attempt())
      expect([i, e]).toEqual([i, expect.any(BadRequestError)])
    }
    expect(fake.calls).toHaveLength(0)
  })
})

describe('lifecycle actions', () => {
  test('argv shapes', async () => {
    const fake = new FakeExecutor().on(['pct'], {})
    const c = client(fake)
    await c.start(100)
    await c.stop(100, { overruleShutdown: true })
    await c.shutdown(100, { timeout: 30, forceStop: true })
    await c.reboot(100)
    await c.destroy(100, { purge: true, force: true })
    await c.setConfig(100, { memory: 4096, cpulimit: 4, description: '--not an option\nsecond line', delete: ['nameserver'] })
    await c.snapshot(100, 'before-update', { description: 'pre' })
    await c.delsnapshot(100, 'before-update', { force: true })
    await c.rollback(100, 'before-update', { start: true })
    expect(fake.argvs()).toEqual([
      ['pct', 'start', '100'],
      ['pct', 'stop', '100', '--overrule-shutdown', '1'],
      ['pct', 'shutdown', '100', '--timeout', '30', '--forceStop', '1'],
      ['pct', 'reboot', '100'],
      ['pct', 'destroy', '100', '--purge', '1', '--force', '1'],
      ['pct', 'set', '100', '--memory', '4096', '--cpulimit', '4', '--description=--not an option\nsecond line', '--delete', 'nameserver'],
      ['pct', 'snapshot', '100', 'before-update', '--description=pre'],
      ['pct', 'delsnapshot', '100', 'before-update', '--force', '1'],
      ['pct', 'rollback', '100', 'before-update', '--start', '1'],
    ])
    // shutdown waits longer than its own --timeout
    expect(fake.calls[2]!.opts?.timeoutMs).toBeGreaterThan(30_000)
  })

  test('locked → 409 naming the lock; already running → 409', async () => {
    const locked = new FakeExecutor().on(['pct', 'set'], { exitCode: 255, stderr: 'CT is locked (snapshot)\n' })
    const e = await rejects(client(locked).setConfig(100, { memory: 1024 }))
    expect(e).toBeInstanceOf(ConflictError)
    expect(e.details).toContain('snapshot')
    const running = new FakeExecutor().on(['pct', 'start'], { exitCode: 255, stderr: 'CT 100 already running\n' })
    expect(await rejects(client(running).start(100))).toBeInstanceOf(ConflictError)
  })

  test('snapshot name used → 409, delsnapshot of a missing snapshot → 404', async () => {
    const used = new FakeExecutor().on(['pct', 'snapshot'], { exitCode: 255, stderr: "snapshot name 'before-update' already used\n" })
    expect(await rejects(client(used).snapshot(100, 'before-update'))).toBeInstanceOf(ConflictError)
    const missing = new FakeExecutor().on(['pct', 'delsnapshot'], { exitCode: 255, stderr: "snapshot 'before-update' does not exist\n" })
    expect(await rejects(client(missing).delsnapshot(100, 'before-update'))).toBeInstanceOf(NotFoundError)
  })

  test('hotplug failure in pct set → 400 with the field line', async () => {
    const fake = new FakeExecutor().on(['pct', 'set'], {
      exitCode: 255,
      stderr: '400 Parameter verification failed.\nmemory: unable to hotplug memory: out of range\npct set <vmid> [OPTIONS]\n',
    })
    const e = await rejects(client(fake).setConfig(100, { memory: 99999 }))
    expect(e).toBeInstanceOf(BadRequestError)
    expect(e.details).toContain('memory: unable to hotplug memory')
  })

  test('stop: "not running" for a missing CT becomes 404; for a stopped CT stays 409', async () => {
    const missing = new FakeExecutor()
      .on(['pct', 'stop'], { exitCode: 255, stderr: 'CT 999 not running\n' })
      .on(['pvesh', 'get', '/nodes/pve1/lxc/999/status/current'], CONFIG_MISSING(999))
    expect(await rejects(client(missing).stop(999))).toBeInstanceOf(NotFoundError)
    const stopped = new FakeExecutor()
      .on(['pct', 'stop'], { exitCode: 255, stderr: 'CT 100 not running\n' })
      .on(['pvesh', 'get', '/nodes/pve1/lxc/100/status/current'], { stdout: '{"vmid":100,"status":"stopped","name":"a","type":"lxc"}\n' })
    expect(await rejects(client(stopped).stop(100))).toBeInstanceOf(ConflictError)
  })

  test('destroy of a running CT → 409', async () => {
    const fake = new FakeExecutor().on(['pct', 'destroy'], { exitCode: 255, stderr: 'unable to destroy CT 100 - container is running\n' })
    expect(await rejects(client(fake).destroy(100))).toBeInstanceOf(ConflictError)
  })

  test('unknown failure → CommandError with stderr and exit code', async () => {
    const fake = new FakeExecutor().on(['pct', 'start'], { exitCode: 255, stderr: "startup for container '100' failed\n" })
    const e = await rejects(client(fake).start(100))
    expect(e).toBeInstanceOf(CommandError)
    expect(e.toBody()).toEqual({ error: 'Command failed', details: "startup for container '100' failed", return_code: 255, code: 'HOST_COMMAND_FAILED' })
  })
})

describe('resize (exit 0 even on task failure)', () => {
  test('absolute: resize, then read the config back', async () => {
    const fake = new FakeExecutor().on(['pct', 'resize'], { stdout: '  Logical volume pve/vm-100-disk-0 successfully resized.\n' }).on(['pct', 'config'], { stdout: configWithSize('64G') })
    const vol = await client(fake).resize(100, 'rootfs', '64G')
    expect(vol).toEqual({ volume: 'local-lvm:vm-100-disk-0', size: '64G', bytes: 64 * 1024 ** 3 })
    expect(fake.argvs()).toEqual([
      ['pct', 'resize', '100', 'rootfs', '64G'],
      ['pct', 'config', '100', '--current'],
    ])
  })

  test('relative: size before + delta is confirmed', async () => {
    const fake = new FakeExecutor()
      .on(['pct', 'config'], { stdout: configWithSize('8G') }, 1)
      .on(['pct', 'resize'], {})
      .on(['pct', 'config'], { stdout: configWithSize('12G') })
    expect((await client(fake).resize(100, 'rootfs', '+4G')).size).toBe('12G')
    expect(fake.argvs().map((a) => a[1])).toEqual(['config', 'resize', 'config'])
  })

  test('exit 0 with an error line on stderr → failure, no read-back needed', async () => {
    const fake = new FakeExecutor().on(['pct', 'resize'], { exitCode: 0, stderr: 'lvextend failed: Insufficient free space\n' })
    const e = await rejects(client(fake).resize(100, 'rootfs', '64G'))
    expect(e).toBeInstanceOf(CommandError)
    expect(e.details).toContain('Insufficient free space')
    expect(fake.calls).toHaveLength(1)
  })

  test('exit 0 with only noise, but the size did not change → failure', async () => {
    const fake = new FakeExecutor()
      .on(['pct', 'resize'], { exitCode: 0, stderr: 'trying to acquire lock...\n OK\n' })
      .on(['pct', 'config'], { stdout: configWithSize('8G') })
    const e = await rejects(client(fake).resize(100, 'rootfs', '64G'))
    expect(e).toBeInstanceOf(CommandError)
    expect(e.details).toContain('rootfs of container 100 is 8G')
  })

  test('already at that size → success; shrink → 400; locked → 409; missing mp → 404', async () => {
    const same = new FakeExecutor()
      .on(['pct', 'resize'], { exitCode: 255, stderr: 'disk is already at specified size\n' })
      .on(['pct', 'config'], { stdout: configWithSize('8G') })
    expect((await client(same).resize(100, 'rootfs', '8G')).size).toBe('8G')
    const shrink = new FakeExecutor().on(['pct', 'resize'], { exitCode: 255, stderr: 'unable to shrink disk size\n' })
    expect(await rejects(client(shrink).resize(100, 'rootfs', '4G'))).toBeInstanceOf(BadRequestError)
    const locked = new FakeExecutor().on(['pct', 'resize'], { exitCode: 255, stderr: 'CT is locked (backup)\n' })
    expect(await rejects(client(locked).resize(100, 'rootfs', '16G'))).toBeInstanceOf(ConflictError)
    const noMp = new FakeExecutor().on(['pct', 'resize'], {}).on(['pct', 'config'], { stdout: CONFIG_100 })
    expect(await rejects(client(noMp).resize(100, 'mp0', '10G'))).toBeInstanceOf(NotFoundError)
  })
})

describe('pveam download (exit 0 even on task failure)', () => {
  test('success → volid', async () => {
    const fake = new FakeExecutor().on(['pveam', 'download'], {
      stdout: "calculating checksum of existing file...OK, got correct file already, no need to download\n",
    })
    expect(await client(fake).downloadTemplate('local', 'debian-12-standard_12.7-1_amd64.tar.zst')).toMatchObject({
      volid: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
    })
    expect(fake.argvs()).toEqual([['pveam', 'download', 'local', 'debian-12-standard_12.7-1_amd64.tar.zst']])
    expect(fake.calls[0]!.opts?.timeoutMs).toBeGreaterThanOrEqual(10 * 60_000)
  })

  test('exit 0 + error line → failure (500 with the message)', async () => {
    const fake = new FakeExecutor().on(['pveam', 'download'], { exitCode: 0, stderr: 'download failed: 404 Not Found\n' })
    const e = await rejects(client(fake).downloadTemplate('local', 'debian-12-standard_12.7-1_amd64.tar.zst'))
    expect(e).toBeInstanceOf(CommandError)
    expect(e.details).toBe('download failed: 404 Not Found')
    const bad = new FakeExecutor().on(['pveam', 'download'], { exitCode: 0, stderr: "checksum mismatch: got 'a' != expect 'b'\n" })
    expect(await rejects(client(bad).downloadTemplate('local', 'debian-12-standard_12.7-1_amd64.tar.zst'))).toBeInstanceOf(CommandError)
  })

  test('exit 0 + only warnings → success', async () => {
    const fake = new FakeExecutor().on(['pveam', 'download'], { exitCode: 0, stderr: 'Task finished with 1 warning(s)!\n' })
    await client(fake).downloadTemplate('local', 'debian-12-standard_12.7-1_amd64.tar.zst')
  })

  test('unknown template → 400; unknown storage → 404', async () => {
    const fake = new FakeExecutor().on(['pveam', 'download'], {
      exitCode: 255,
      stderr: '400 Parameter verification failed.\ntemplate: no such template\npveam download <storage> <template>\n',
    })
    const e = await rejects(client(fake).downloadTemplate('local', 'nope.tar.zst'))
    expect(e).toBeInstanceOf(BadRequestError)
    expect(e.details).toContain('template: no such template')
    const nos = new FakeExecutor().on(['pveam', 'download'], { exitCode: 255, stderr: "storage 'nas' does not exist\n" })
    expect(await rejects(client(nos).downloadTemplate('nas', 'x.tar.zst'))).toBeInstanceOf(NotFoundError)
  })
})

describe('with(): per-view defaults', () => {
  test('a view applies its timeout to calls without one and shares the node cache', async () => {
    const fake = new FakeExecutor()
    fake.on(['pvesh', 'get', '/cluster/status'], { stdout: '[{"type":"node","name":"pve9","local":1}]\n' })
    fake.on(['pveversion'], { stdout: 'pve-manager/9.0.3/025864202ebb6109 (running kernel: 6.14.8-2-pve)\n' })
    const client = new ProxmoxClient(fake, { az: 'r/a' })
    const view = client.with({ timeoutMs: 1234 })
    expect(await view.node()).toBe('pve9')
    await view.version()
    expect(fake.calls.map((c) => c.opts?.timeoutMs)).toEqual([1234, 1234])
    expect(await client.node()).toBe('pve9')
    expect(fake.calls).toHaveLength(2) // cached: no second discovery
  })
})

describe('unlock', () => {
  test('removes a lock; no lock is not an error; a missing CT is 404', async () => {
    const fake = new FakeExecutor()
    fake.on(['pct', 'unlock', '101'], { stdout: '' }, 1)
    fake.on(['pct', 'unlock', '101'], { stderr: 'no lock found trying to remove any lock\n', exitCode: 255 }, 1)
    fake.on(['pct', 'unlock', '102'], CONFIG_MISSING('102'))
    const client = new ProxmoxClient(fake, { az: 'r/a', node: 'pve1' })
    expect(await client.unlock(101)).toBe(true)
    expect(await client.unlock('101')).toBe(false)
    await expect(client.unlock('102')).rejects.toBeInstanceOf(NotFoundError)
    await expect(client.unlock('1; reboot')).rejects.toBeInstanceOf(BadRequestError)
    expect(fake.calls).toHaveLength(3)
  })
})

describe('execStream', () => {
  test('streams `pct exec <id> -- sh -c <command>` with the command as one argument; validates first', async () => {
    const fake = new FakeExecutor()
    const client = new ProxmoxClient(fake, { az: 'r/a', node: 'pve1' })
    await client.execStream('101', 'docker logs -f web; echo "$HOME"')
    expect(fake.argvs()).toEqual([['pct', 'exec', '101', '--', 'sh', '-c', 'docker logs -f web; echo "$HOME"']])
    await expect(client.execStream('101; reboot', 'true')).rejects.toBeInstanceOf(BadRequestError)
    await expect(client.execStream('101', '')).rejects.toBeInstanceOf(BadRequestError)
    expect(fake.calls).toHaveLength(1)
  })
})

describe('RunOptions per kind of call', () => {
  const STATUS = '{"vmid":100,"status":"running","name":"a","type":"lxc"}\n'

  test('reads are marked read on the quick share; tasks and exec take the long share and are never read', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/nodes/pve1/lxc/100/status/current'], { stdout: STATUS })
      .on(['pvesh', 'get', '/nodes/pve1/lxc'], { stdout: '[]\n' })
      .on(['pct', 'config'], { stdout: CONFIG_100 })
      .on(['pveversion'], { stdout: 'pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.8-2-pve)\n' })
      .on(['pveam', 'available'], { stdout: '' })
      .on(['pct'], {})
    const c = client(fake)
    await c.containerStatus(100)
    await c.listContainers()
    await c.containerConfig(100)
    await c.version()
    await c.availableTemplates()
    for (const call of fake.calls) expect([call.argv.slice(0, 2), call.opts]).toEqual([call.argv.slice(0, 2), expect.objectContaining({ read: true, share: 'short' })])
    const reads = fake.calls.length

    await c.start(100)
    await c.snapshot(100, 'snap1')
    await c.destroy(100)
    await c.exec(100, 'uptime')
    await c.execArgv(100, ['uptime'])
    for (const call of fake.calls.slice(reads)) {
      expect(call.opts?.share).toBe('long')
      expect(call.opts?.read).toBeUndefined()
    }
    await c.setConfig(100, { memory: 512 })
    await c.unlock(100)
    for (const call of fake.calls.slice(-2)) expect(call.opts).toMatchObject({ share: 'short' })
    for (const call of fake.calls.slice(-2)) expect(call.opts?.read).toBeUndefined()
  })

  test("a view's signal reaches reads only: writes run to their end", async () => {
    const fake = new FakeExecutor().on(['pvesh', 'get', '/nodes/pve1/lxc/100/status/current'], { stdout: STATUS }).on(['pct'], {})
    const signal = new AbortController().signal
    const c = client(fake).with({ signal })
    await c.containerStatus(100)
    await c.stop(100)
    await c.setConfig(100, { memory: 512 })
    await c.exec(100, 'true')
    expect(fake.calls.map((x) => x.opts?.signal === signal)).toEqual([true, false, false, false])
  })

  test('reachMs bounds reads only while the AZ has not answered lately', async () => {
    const fake = new FakeExecutor().on(['pvesh', 'get', '/nodes/pve1/lxc'], { stdout: '[]\n' }).on(['pct', 'start'], {})
    const c = client(fake).with({ reachMs: 3000 })
    await c.listContainers()
    await c.listContainers()
    expect(fake.calls.map((x) => x.opts?.timeoutMs)).toEqual([3000, undefined])
    const fresh = client(new FakeExecutor().on(['pct', 'start'], {}))
    await fresh.with({ reachMs: 3000 }).start(100)
  })

  test('a deadline past the timeout answers 504 even when the executor does not', async () => {
    const hung: import('../exec/executor.ts').Executor = {
      label: 'hung',
      run: () => new Promise(() => {}),
      stream: () => new Promise(() => {}),
      close: async () => {},
    }
    const c = new ProxmoxClient(hung, { az: 'r/a', node: 'pve1' })
    const t0 = performance.now()
    const e = await rejects(c.listContainers({ timeoutMs: 50 }))
    expect(e.status).toBe(504)
    expect(performance.now() - t0).toBeLessThan(2000)
  })
})

describe('batched reads: one host round trip each', () => {
  const NODE_STATUS =
    '{"cpu":0,"cpuinfo":{"cores":4,"cpus":8,"model":"X","sockets":1},"current-kernel":{"release":"6.8.8-2-pve"},"kversion":"Linux 6.8.8-2-pve #1","loadavg":["0.12","0.20","0.18"],"memory":{"free":5,"total":10,"used":5},"pveversion":"pve-manager/8.2.4/faa83925c9641325","rootfs":{"avail":1,"free":1,"total":2,"used":1},"swap":{"free":0,"total":0,"used":0},"uptime":100}\n'
  const STORAGE = '[{"active":1,"content":"vztmpl","enabled":1,"shared":0,"storage":"local","type":"dir","total":1,"used":0,"avail":1}]\n'
  const STATUS = (id: number) => `{"vmid":${id},"status":"running","name":"a","type":"lxc","cpus":2}\n`

  test('hostStatus: node status, storages, containers, /cluster/resources; its failure is reported, not thrown', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/nodes/pve1/status'], { stdout: NODE_STATUS })
      .on(['pvesh', 'get', '/nodes/pve1/storage'], { stdout: STORAGE })
      .on(['pvesh', 'get', '/nodes/pve1/lxc'], { stdout: `[${STATUS(101).trim()},${STATUS(100).trim()}]\n` })
      .on(['pvesh', 'get', '/cluster/resources'], { exitCode: 255, stderr: 'ipcc_send_rec[3] failed: Connection refused\n' })
    const st = await client(fake).hostStatus()
    expect(fake.calls).toHaveLength(1)
    expect(fake.calls[0]!.argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(fake.calls[0]!.opts as object).toMatchObject({ read: true, share: 'short' })
    expect(st.node).toBe('pve1')
    expect(st.status.cpuinfo.cpus).toBe(8)
    expect(st.storages.map((s) => s.storage)).toEqual(['local'])
    expect(st.containers.map((x) => x.vmid)).toEqual([100, 101])
    expect(st.resources.ok).toBe(false)
    expect(fake.commands().map((a) => a[2])).toEqual(['/nodes/pve1/status', '/nodes/pve1/storage', '/nodes/pve1/lxc', '/cluster/resources'])
  })

  test('describeContainer: status, config, snapshots; a missing CT is 404 INSTANCE_NOT_FOUND as alone', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/nodes/pve1/lxc/100/status/current'], { stdout: STATUS(100) })
      .on(['pct', 'config', '100'], { stdout: CONFIG_100 })
      .on(['pvesh', 'get', '/nodes/pve1/lxc/100/snapshot'], { stdout: '[{"name":"current","parent":"s1"},{"name":"s1","snaptime":5,"description":""}]\n' })
      .on(['pvesh', 'get', '/nodes/pve1/lxc/999/status/current'], CONFIG_MISSING(999))
      .on(['pct', 'config', '999'], CONFIG_MISSING(999))
      .on(['pvesh', 'get', '/nodes/pve1/lxc/999/snapshot'], CONFIG_MISSING(999))
    const c = client(fake)
    const d = await c.describeContainer(100)
    expect(d.status.vmid).toBe(100)
    expect(d.config.memory).toBe(1024)
    expect(d.snapshots.map((x) => [x.name, x.current])).toEqual([['s1', true]])
    expect(fake.calls).toHaveLength(1)
    expect(fake.commands()).toEqual([
      ['pvesh', 'get', '/nodes/pve1/lxc/100/status/current', '--output-format', 'json'],
      ['pct', 'config', '100'],
      ['pvesh', 'get', '/nodes/pve1/lxc/100/snapshot', '--output-format', 'json'],
    ])
    const alone = await rejects(c.containerStatus(999))
    const batched = await rejects(c.describeContainer(999))
    expect(batched).toBeInstanceOf(NotFoundError)
    expect(batched.toBody()).toEqual(alone.toBody())
    expect(batched.toBody().code).toBe('INSTANCE_NOT_FOUND')
  })

  test('describeContainer: a failing config part is the error pct config alone gives', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/nodes/pve1/lxc/100/status/current'], { stdout: STATUS(100) })
      .on(['pct', 'config', '100'], { exitCode: 255, stderr: "can't lock file '/run/lock/lxc/pve-config-100.lock' - got timeout\n" })
      .on(['pvesh', 'get', '/nodes/pve1/lxc/100/snapshot'], { stdout: '[]\n' })
    const e = await rejects(client(fake).describeContainer(100))
    expect(e.toBody().code).toBe('INSTANCE_BUSY')
  })

  test('containerUsage: status plus its /cluster/resources entry', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/nodes/pve1/lxc/100/status/current'], { stdout: STATUS(100) })
      .on(['pvesh', 'get', '/cluster/resources', '--type', 'vm'], {
        stdout: '[{"id":"qemu/100","type":"qemu","vmid":100,"cpu":0.9},{"id":"lxc/100","type":"lxc","vmid":100,"cpu":0.25,"node":"pve1"}]\n',
      })
    const u = await client(fake).containerUsage(100)
    expect(u.status.vmid).toBe(100)
    expect(u.resource).toMatchObject({ ok: true, entry: { type: 'lxc', cpu: 0.25 } })
    expect(fake.calls).toHaveLength(1)
  })

  test('templateListing: one storage plus pveam available --section', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/nodes/pve1/storage/local/content'], { stdout: '[{"content":"vztmpl","size":1,"volid":"local:vztmpl/ubuntu-22.04.tar.gz"}]\n' })
      .on(['pveam', 'available', '--section', 'system'], { stdout: 'system          debian-12-standard_12.7-1_amd64.tar.zst\n' })
    const l = await client(fake).templateListing({ storage: 'local', available: true, section: 'system' })
    expect(l.templates.map((t) => t.volid)).toEqual(['local:vztmpl/ubuntu-22.04.tar.gz'])
    expect(l.available).toEqual([{ section: 'system', template: 'debian-12-standard_12.7-1_amd64.tar.zst' }])
    expect(fake.calls).toHaveLength(1)
    const one = new FakeExecutor().on(['pvesh', 'get', '/nodes/pve1/storage/nosuch/content'], { exitCode: 255, stderr: "storage 'nosuch' does not exist\n" })
    const e = await rejects(client(one).templateListing({ storage: 'nosuch' }))
    expect(e.toBody().code).toBe('STORAGE_NOT_FOUND')
    // A batch of one command runs it directly.
    expect(one.argvs()).toEqual([['pvesh', 'get', '/nodes/pve1/storage/nosuch/content', '--content', 'vztmpl', '--output-format', 'json']])
  })

  test('a part whose tool is missing is run alone: 503 PROXMOX_TOOLS_MISSING', async () => {
    const fake = new FakeExecutor().on(['pveam'], { stdout: '' })
    fake.missing.add('pvesm')
    const e = await rejects(client(fake).templateListing({ available: true }))
    expect(e.toBody().code).toBe('PROXMOX_TOOLS_MISSING')
    expect(fake.argvs().at(-1)).toEqual(['pvesm', 'status', '--content', 'vztmpl'])
  })
})

describe('commands inside a container as argument lists', () => {
  test('execArgv: pct exec <id> -- argv…, no shell; execScript: sh -c <script> sh args…', async () => {
    const fake = new FakeExecutor().on(['pct', 'exec'], { stdout: 'ok\n' })
    const c = client(fake)
    expect(await c.execArgv(100, ['ls', '-la', '$(id); reboot'])).toMatchObject({ stdout: 'ok\n', exitCode: 0 })
    await c.execScript('100', 'echo "$1" "$2"', ['a b', '; reboot'], { timeoutMs: 5000 })
    expect(fake.argvs()).toEqual([
      ['pct', 'exec', '100', '--', 'ls', '-la', '$(id); reboot'],
      ['pct', 'exec', '100', '--', 'sh', '-c', 'echo "$1" "$2"', 'sh', 'a b', '; reboot'],
    ])
    expect(fake.calls[1]!.opts as object).toMatchObject({ share: 'long', timeoutMs: 5000 })
    const missing = new FakeExecutor().on(['pct', 'exec'], CONFIG_MISSING(100))
    expect(await rejects(client(missing).execArgv(100, ['true']))).toBeInstanceOf(NotFoundError)
  })

  test('streaming equivalents', async () => {
    const fake = new FakeExecutor()
    const c = client(fake)
    await c.execArgvStream(101, ['docker', 'logs', '-f', 'web'])
    await c.execScriptStream(101, 'docker logs -f "$1"', ['web'])
    expect(fake.argvs()).toEqual([
      ['pct', 'exec', '101', '--', 'docker', 'logs', '-f', 'web'],
      ['pct', 'exec', '101', '--', 'sh', '-c', 'docker logs -f "$1"', 'sh', 'web'],
    ])
  })
})

describe('host-level commands', () => {
  test('probe: `true` on the quick share, not shared as a read; a non-zero exit is an error', async () => {
    const fake = new FakeExecutor().on(['true'], {})
    expect(await client(fake).probe({ timeoutMs: 3000 })).toBeGreaterThanOrEqual(0)
    expect(fake.calls[0]).toEqual({ argv: ['true'], opts: { share: 'short', timeoutMs: 3000 } })
  })

  test('rebootHost: reboot; a connection lost while it runs is the reboot taking effect', async () => {
    const fake = new FakeExecutor().on(['reboot'], {})
    expect(await client(fake).rebootHost()).toEqual({ connectionLost: false })
    expect(fake.calls[0]!.opts as object).toMatchObject({ share: 'short', timeoutMs: 30_000 })
    const { HostUnreachableError } = await import('../errors/catalogue.ts')
    const lost: import('../exec/executor.ts').Executor = {
      label: 'x',
      run: async () => {
        throw new HostUnreachableError('x', 'connection lost')
      },
      stream: async () => {
        throw new Error('no')
      },
      close: async () => {},
    }
    expect(await new ProxmoxClient(lost, { az: 'x', node: 'pve1' }).rebootHost()).toEqual({ connectionLost: true })
    const failing = new FakeExecutor().on(['reboot'], { exitCode: 1, stderr: 'Failed to talk to init daemon.\n' })
    expect(await rejects(client(failing).rebootHost())).toBeInstanceOf(CommandError)
  })
})
