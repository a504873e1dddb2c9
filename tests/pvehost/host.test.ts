import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { Client, type ConnectConfig } from 'ssh2'
import { loadConfigFile } from '../../src/config/load.ts'
import { cgroupPids } from './cgroup.ts'
import { TEST_PASSWORD } from './host-files.ts'
import { REPO_ROOT, startTestHosts, TEST_PORT, writeTestConfig, type TestHost } from './host.ts'

// Its own port: the rest of the suite shares hosts on TEST_PORT, which these tests stop.
const PORT = TEST_PORT + 1

let h1: TestHost // pve-test1, key auth
let h2: TestHost // pve-test2, password auth
let startMs = 0

beforeAll(async () => {
  const t0 = performance.now()
  ;[h1, h2] = await startTestHosts(PORT)
  startMs = performance.now() - t0
}, 30_000)

afterAll(async () => {
  await Promise.all([h1?.stop(), h2?.stop()])
}, 30_000)

// bun's default of 5 s is tight for SSH round trips on a loaded 2-core machine.
const SLOW = 30_000

/** Field 22 of /proc/<pid>/stat: changes if the process was replaced. */
const startTime = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]

async function run(argv: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const p = Bun.spawn(argv, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, exitCode] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { stdout, stderr, exitCode }
}

/** The OpenSSH client with the key host's key. */
function ssh(h: TestHost, command: string) {
  return run([
    'ssh', '-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=5',
    '-i', h.keyFile!, '-p', String(h.port), `${h.user}@${h.ip}`, command,
  ])
}

const fingerprint = (key: Buffer) => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`

/** An ssh2 connection; `presented` is the fingerprint of the host key the server showed. */
function ssh2(h: TestHost, auth: Partial<ConnectConfig>): Promise<{ client: Client; presented: string }> {
  return new Promise((resolve, reject) => {
    const client = new Client()
    let presented = ''
    client
      .on('ready', () => resolve({ client, presented }))
      .on('error', reject)
      .connect({
        host: h.ip,
        port: h.port,
        username: h.user,
        readyTimeout: 5000,
        tryKeyboard: false,
        hostVerifier: (key: Buffer) => {
          presented = fingerprint(key)
          return true
        },
        ...auth,
      })
  })
}

function ssh2Exec(client: Client, command: string): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, ch) => {
      if (err) return reject(err)
      let stdout = ''
      ch.on('data', (d: Buffer) => (stdout += d))
      ch.stderr.resume()
      ch.on('close', (code: number) => resolve({ stdout, code }))
    })
  })
}

function refused(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port })
    s.once('connect', () => (s.destroy(), resolve(false)))
    s.once('error', () => resolve(true))
  })
}

describe('test hosts', () => {
  test('start fast, with their node names and state dirs', async () => {
    console.log(`startTestHosts: ${Math.round(startMs)} ms for both hosts (in parallel)`)
    expect(startMs).toBeLessThan(2000)
    expect([h1.name, h1.ip, h1.port, h1.user]).toEqual(['pve-test1', '127.0.0.2', PORT, 'root'])
    expect([h2.name, h2.ip, h2.port, h2.user]).toEqual(['pve-test2', '127.0.0.3', PORT, 'root'])
    expect(h1.stateDir).toBe(join(REPO_ROOT, `.tmp/pvehost/pve-test1-${PORT}`))
    expect(existsSync(join(h1.stateDir, 'ns.pid'))).toBe(true)
    expect(h1.privateKey).toStartWith('-----BEGIN OPENSSH PRIVATE KEY-----')
    expect(h1.password).toBeUndefined()
    expect(h2.keyFile).toBeUndefined()
  })

  test('key auth with the ssh client lands in the host', async () => {
    const r = await ssh(h1, `hostname; echo "$PATH"; ip -o link | awk -F': ' '{print $2}'; cat /etc/pve/storage.cfg`)
    expect(r.exitCode).toBe(0)
    const [name, path, ...rest] = r.stdout.split('\n')
    expect(name).toBe('pve-test1')
    expect(path!.split(':')[0]).toBe('/usr/local/sbin')
    // The session runs in the host's own network namespace: only lo and the bridge.
    expect(rest.slice(0, 2)).toEqual(['lo', 'lwsbr0'])
    expect(rest.slice(2).join('\n')).toContain('lvmthin: local-lvm\n\tthinpool data')
  }, SLOW)

  test('password auth with ssh2; the fingerprint is the one the server presents', async () => {
    const { client, presented } = await ssh2(h2, { password: h2.password })
    try {
      expect(await ssh2Exec(client, 'hostname')).toEqual({ stdout: 'pve-test2\n', code: 0 })
    } finally {
      client.end()
    }
    expect(presented).toBe(h2.fingerprint)
    const keygen = await run(['ssh-keygen', '-lf', join(h2.stateDir, 'ssh_host_ed25519_key.pub')])
    expect(keygen.stdout.split(' ')[1]).toBe(h2.fingerprint)
    await expect(ssh2(h2, { password: 'wrong-password' })).rejects.toThrow(/authentication methods failed/)
  })

  test('the key host refuses passwords and presents its own fingerprint', async () => {
    await expect(ssh2(h1, { password: TEST_PASSWORD })).rejects.toThrow(/authentication methods failed/)
    const { client, presented } = await ssh2(h1, { privateKey: h1.privateKey })
    client.end()
    expect(presented).toBe(h1.fingerprint)
    expect(h1.fingerprint).not.toBe(h2.fingerprint)
  })

  test('power commands over SSH are only recorded', async () => {
    const before = startTime(h1.pid)
    const commands = ['reboot', '/sbin/reboot', '/usr/sbin/reboot', 'shutdown -r now', 'poweroff', 'halt -f', 'systemctl reboot', 'systemctl poweroff']
    for (const c of commands) expect((await ssh(h1, c)).exitCode).toBe(0)
    const lines = await h1.recorded()
    expect(lines.map((l) => l.replace(/^\d+ /, ''))).toEqual([
      'reboot', 'reboot', 'reboot', 'shutdown -r now', 'poweroff', 'halt -f', 'systemctl reboot', 'systemctl poweroff',
    ])
    for (const l of lines) expect(Math.abs(Number(l.split(' ')[0]) - Date.now() / 1000)).toBeLessThan(60)
    // Still the same host, still serving; the other host recorded nothing.
    expect((await ssh(h1, 'hostname')).stdout).toBe('pve-test1\n')
    expect(startTime(h1.pid)).toBe(before)
    expect(await h2.recorded()).toEqual([])
  }, SLOW)

  test('restartSshd() replaces the listener; open sessions survive', async () => {
    const pidFile = join(h2.stateDir, 'sshd.pid')
    const oldPid = readFileSync(pidFile, 'utf8').trim()
    const { client } = await ssh2(h2, { password: h2.password })
    try {
      await h2.restartSshd()
      const newPid = readFileSync(pidFile, 'utf8').trim()
      expect(newPid).not.toBe(oldPid)
      expect((await h2.exec(['sh', '-c', `kill -0 ${oldPid} 2>/dev/null || echo gone`])).stdout).toBe('gone\n')
      expect(await ssh2Exec(client, 'hostname')).toEqual({ stdout: 'pve-test2\n', code: 0 })
    } finally {
      client.end()
    }
    const fresh = await ssh2(h2, { password: h2.password })
    expect(fresh.presented).toBe(h2.fingerprint)
    expect(await ssh2Exec(fresh.client, 'hostname')).toEqual({ stdout: 'pve-test2\n', code: 0 })
    fresh.client.end()
  }, SLOW)

  test('MaxSessions 10 per connection, as configured', async () => {
    const { client } = await ssh2(h1, { privateKey: h1.privateKey })
    try {
      const open = (i: number) =>
        new Promise<string>((resolve) =>
          client.exec(`sleep 1; echo ${i}`, (err, ch) => {
            if (err) return resolve(err.message)
            let out = ''
            ch.on('data', (d: Buffer) => (out += d)).on('close', () => resolve(out.trim()))
            ch.stderr.resume()
          }),
        )
      const results = await Promise.all(Array.from({ length: 11 }, (_, i) => open(i)))
      expect(results.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)))
      expect(results[10]).toMatch(/Channel open failure/)
    } finally {
      client.end()
    }
  }, SLOW)

  test('a real LXC container starts in each host, same vmid, isolated', async () => {
    const setup = [
      'set -e',
      'mkdir -p /var/lib/lxc/999/rootfs',
      'tar -xzf /var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.gz -C /var/lib/lxc/999/rootfs',
      `printf '%s\\n' 'lxc.uts.name = ct999' 'lxc.rootfs.path = dir:/var/lib/lxc/999/rootfs' \
        'lxc.mount.entry = /usr usr none bind,ro 0 0' 'lxc.init.cmd = /bin/sleep infinity' \
        'lxc.net.0.type = veth' 'lxc.net.0.link = lwsbr0' 'lxc.apparmor.profile = unconfined' \
        'lxc.mount.auto = proc:mixed sys:ro cgroup:mixed' 'lxc.cgroup.memory.limit_in_bytes = 256M' \
        >/var/lib/lxc/999/config`,
      'lxc-start -P /var/lib/lxc -n 999',
    ].join('\n')
    for (const h of [h1, h2]) {
      const r = await h.exec(['sh', '-c', setup])
      expect(r.stderr).toBe('')
      expect(r.exitCode).toBe(0)
    }
    for (const h of [h1, h2]) {
      const r = await h.exec(['lxc-attach', '-P', '/var/lib/lxc', '-n', '999', '--', 'sh', '-c', 'echo $((6*7)) $(hostname) $(. /etc/os-release; echo $ID)'])
      expect(r.stdout).toBe('42 ct999 debian\n')
    }
    // An SSH session sees the container exec() started (same namespaces), with its veth on lwsbr0.
    const info = await ssh(h1, 'lxc-info -P /var/lib/lxc -n 999 -s -p; ip -o link show master lwsbr0')
    expect(info.stdout).toMatch(/^State:\s+RUNNING\nPID:\s+\d+\n\d+: veth\w+@/)
    const veth = /\d+: (veth\w+)@/.exec(info.stdout)![1]!
    expect((await run(['ip', '-o', 'link'])).stdout).not.toContain(veth)
    for (const h of [h1, h2]) {
      const r = await h.exec(['lxc-info', '-P', '/var/lib/lxc', '-n', '999', '-s', '-H'])
      expect(r.stdout).toBe('RUNNING\n')
    }
    const limit = readList(h1).find((d) => d.includes('/memory/'))
    if (limit) expect(readFileSync(join(limit, 'lxc.payload.999/memory.limit_in_bytes'), 'utf8').trim()).toBe(String(256 * 1024 * 1024))
    // Two containers, not one seen twice: their processes sit in each host's own cgroups.
    const inside = (h: TestHost) => cgroupPids(readList(h).map((d) => join(d, 'lxc.payload.999')))
    const [c1, c2] = [inside(h1), inside(h2)]
    expect(c1.length).toBeGreaterThan(0)
    expect(c2.length).toBeGreaterThan(0)
    expect(c1.some((p) => c2.includes(p))).toBe(false)
  }, SLOW)

  test('writeTestConfig() writes a config LWS accepts', () => {
    const file = join(REPO_ROOT, '.tmp/pvehost/test-config.yaml')
    writeTestConfig([h1, h2], file, { api: { port: 18080 } })
    const cfg = loadConfigFile(file)
    expect(cfg.apiKey).toBe('test-key')
    expect(cfg.port).toBe(18080)
    expect(cfg.zones.map((z) => [z.region, z.az, z.host, z.port, z.user])).toEqual([
      ['eu-south-1', 'az1', '127.0.0.2', PORT, 'root'],
      ['eu-central-1', 'az2', '127.0.0.3', PORT, 'root'],
    ])
    expect(cfg.zones[0]!.keyFile).toBe(h1.keyFile)
    expect(cfg.zones[0]!.fingerprint).toBe(h1.fingerprint)
    expect(cfg.zones[1]!.password).toBe(TEST_PASSWORD)
    expect(cfg.instanceSizes.medium).toEqual({ memory: 1024, cpulimit: 2, storage: 'local-lvm:8' })
    expect([cfg.startVmid, cfg.defaultStorage, cfg.defaultNetwork]).toEqual([10000, 'local-lvm', 'vmbr0'])
  })

  test('stop() leaves no process, container, cgroup or listener behind', async () => {
    const pids = [h1, h2].flatMap((h) => cgroupPids(readList(h)))
    expect(pids).toContain(h1.pid)
    expect(pids.length).toBeGreaterThan(6) // inits, sshds, sleeps, LXC monitors, container inits
    const netns = await Promise.all([h1, h2].map(async (h) => (await h.exec(['readlink', '/proc/self/ns/net'])).stdout.replace(/\D/g, '')))
    expect(netns[0]).not.toBe(netns[1])
    const t0 = performance.now()
    await Promise.all([h1.stop(), h2.stop()])
    console.log(`stop: ${Math.round(performance.now() - t0)} ms for both hosts`)
    await h1.stop() // idempotent
    const left = pids.filter((p) => existsSync(`/proc/${p}`))
    expect(left).toEqual([])
    // Other hosts of the suite may be running: look only for these two (by state dir and pid).
    const ps = await run(['ps', '-eo', 'pid,stat,args'])
    for (const h of [h1, h2]) expect(ps.stdout).not.toContain(h.stateDir)
    const psPids = ps.stdout.split('\n').map((l) => Number(l.trim().split(/\s+/)[0]))
    expect(psPids.filter((p) => pids.includes(p))).toEqual([])
    for (const h of [h1, h2]) {
      for (const d of readList(h)) expect(existsSync(d)).toBe(false)
      expect(existsSync(join(h.stateDir, 'ns.pid'))).toBe(false)
      expect(await refused(h.ip, h.port)).toBe(true)
      await expect(h.exec(['true'])).rejects.toThrow(/not running/)
    }
    const lsns = await run(['lsns', '-n', '-t', 'net', '-o', 'NS'])
    for (const ns of netns) expect(lsns.stdout.split('\n')).not.toContain(ns)
  }, SLOW)
})

function readList(h: TestHost): string[] {
  return readFileSync(join(h.stateDir, 'cgroups'), 'utf8').split('\n').filter(Boolean)
}
