/**
 * The sec plugin's pure parts, with recorded outputs: settings, subnet
 * parsing, the sweep's arguments and guard, the output parsers (including
 * lines a hostile container could print), and every finding rule. The two
 * scripts are also run on this machine, against loopback only.
 */
import { describe, expect, test } from 'bun:test'
import { LwsError } from '../../../src/errors/catalogue.ts'
import { parsePctConfig } from '../../../src/proxmox/parse/pct-config.ts'
import { toContainerConfig } from '../../../src/proxmox/parse/normalize.ts'
import { parsePveversionVerbose } from '../../../src/proxmox/parse/pveversion.ts'
import { accountFindings, parseAccountsSection } from '../../../plugins/sec/findings/accounts.ts'
import { configFindings } from '../../../plugins/sec/findings/config.ts'
import { parseSuidSection, parseWorldWritableSection, suidFindings, worldWritableFindings } from '../../../plugins/sec/findings/files.ts'
import { hostFindings } from '../../../plugins/sec/findings/host.ts'
import { evaluateScan } from '../../../plugins/sec/findings/index.ts'
import { listenerFindings, parseListenSection } from '../../../plugins/sec/findings/listeners.ts'
import { packageFindings, parsePackagesSection } from '../../../plugins/sec/findings/packages.ts'
import { parseSshSection, sshFindings, sshSettings } from '../../../plugins/sec/findings/ssh.ts'
import { parseScanOutput, SCAN_SCRIPT } from '../../../plugins/sec/scan-script.ts'
import { DEFAULT_SETTINGS, discoverySettings } from '../../../plugins/sec/settings.ts'
import { isHostOf, parseIpAddrShow, subnetOf } from '../../../plugins/sec/subnets.ts'
import { parseSweepOutput, sweepArgs, sweepArgv, SWEEP_SCRIPT, type SweepParams } from '../../../plugins/sec/sweep-script.ts'

const sev = (fs: { id: string; severity: string }[]) => Object.fromEntries(fs.map((f) => [f.id, f.severity]))

describe('settings', () => {
  test('defaults, values from the config, and errors naming the key', () => {
    expect(discoverySettings({})).toEqual(DEFAULT_SETTINGS)
    expect(DEFAULT_SETTINGS).toMatchObject({ methods: ['ping'], workers: 10, hostProbeTimeoutS: 2, lxcProbeTimeoutS: 2, maxPrefix: 24 })
    // The shipped lws.config.yaml block.
    const shipped = { security: { discovery: { proxmox_timeout: 2, lxc_timeout: 2, discovery_methods: ['ping'], max_parallel_workers: 10 } } }
    expect(discoverySettings(shipped)).toEqual(DEFAULT_SETTINGS)
    expect(
      discoverySettings({ security: { discovery: { discovery_methods: ['ping', 'tcp'], tcp_ports: [22], max_parallel_workers: 4, proxmox_timeout: 1.5, max_prefix: 28 } } }),
    ).toMatchObject({ methods: ['ping', 'tcp'], tcpPorts: [22], workers: 4, hostProbeTimeoutS: 2, maxPrefix: 28 })
    const bad: [unknown, string][] = [
      [{ discovery_methods: ['arp'] }, 'discovery_methods'],
      [{ discovery_methods: [] }, 'discovery_methods'],
      [{ max_parallel_workers: 0 }, 'max_parallel_workers'],
      [{ max_parallel_workers: 1000 }, 'max_parallel_workers'],
      [{ max_prefix: 8 }, 'max_prefix'],
      [{ tcp_ports: [70000] }, 'tcp_ports'],
      [{ proxmox_timeout: 0 }, 'proxmox_timeout'],
      [{ lxc_timeout: '2; reboot' }, 'lxc_timeout'],
    ]
    for (const [d, key] of bad) expect(() => discoverySettings({ security: { discovery: d } })).toThrow(`security.discovery.${key}`)
  })
})

describe('subnets', () => {
  const IP_ADDR = [
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    '2: eth0@if12    inet 10.99.0.2/28 brd 10.99.0.15 scope global eth0\\       valid_lft forever preferred_lft forever',
    '3: vmbr0    inet 192.168.1.10/24 brd 192.168.1.255 scope global vmbr0\\       valid_lft forever preferred_lft forever',
    '4: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\\       valid_lft forever preferred_lft forever',
    '5: wg0    inet 10.8.0.1/32 scope global wg0\\       valid_lft forever preferred_lft forever',
    '6: eth1    inet 169.254.3.4/16 brd 169.254.255.255 scope link eth1\\       valid_lft forever preferred_lft forever',
    'garbage; reboot',
  ].join('\n')

  test('ip -o -4 addr show: loopback and link-local left out, @ifN stripped', () => {
    const list = parseIpAddrShow(IP_ADDR)
    expect(list.map((a) => `${a.iface} ${a.address} ${a.subnet.cidr} ${a.subnet.hosts}`)).toEqual([
      'eth0 10.99.0.2 10.99.0.0/28 14',
      'vmbr0 192.168.1.10 192.168.1.0/24 254',
      'docker0 172.17.0.1 172.17.0.0/16 65534',
      'wg0 10.8.0.1 10.8.0.1/32 0',
    ])
  })

  test('host addresses exclude network and broadcast', () => {
    const s = subnetOf('10.99.0.7', 28)
    expect(s).toMatchObject({ network: '10.99.0.0', broadcast: '10.99.0.15', first: '10.99.0.1', last: '10.99.0.14', hosts: 14 })
    expect(isHostOf(s, '10.99.0.0')).toBe(false)
    expect(isHostOf(s, '10.99.0.15')).toBe(false)
    expect(isHostOf(s, '10.99.0.16')).toBe(false)
    expect(isHostOf(s, '10.99.0.14')).toBe(true)
    expect(isHostOf(s, '10.99.0.1; reboot')).toBe(false)
    expect(subnetOf('1.2.3.4', 31).hosts).toBe(0)
  })
})

describe('sweep arguments and guard', () => {
  const base = (over: Partial<SweepParams> = {}): SweepParams => ({
    subnet: subnetOf('10.99.0.1', 28),
    methods: ['ping'],
    ports: [],
    probeTimeoutS: 2,
    workers: 10,
    budgetS: 30,
    exclude: '10.99.0.1',
    maxPrefix: 24,
    ...over,
  })
  const status = (fn: () => unknown) => {
    try {
      fn()
      return 200
    } catch (e) {
      return e instanceof LwsError ? e.status : 0
    }
  }

  test('validated positional arguments; the script text is always the same constant', () => {
    expect(sweepArgs(base())).toEqual(['10.99.0.0', '28', 'ping', '-', '2', '10', '30', '10.99.0.1'])
    expect(sweepArgs(base({ methods: ['ping', 'tcp'], ports: [22, 8006], workers: 64 }))).toEqual(['10.99.0.0', '28', 'ping,tcp', '22,8006', '2', '14', '30', '10.99.0.1'])
    const argv = sweepArgv(base())
    expect(argv.slice(0, 4)).toEqual(['sh', '-c', SWEEP_SCRIPT, 'sweep'])
    expect(SWEEP_SCRIPT).not.toContain('10.99')
  })

  test('hard guard: larger than max_prefix (or /16) → 400; bad values → 400', () => {
    expect(status(() => sweepArgs(base({ subnet: subnetOf('10.0.0.0', 23) })))).toBe(400)
    expect(status(() => sweepArgs(base({ subnet: subnetOf('10.0.0.0', 24) })))).toBe(200)
    expect(status(() => sweepArgs(base({ subnet: subnetOf('10.0.0.0', 16), maxPrefix: 16 })))).toBe(200)
    expect(status(() => sweepArgs(base({ subnet: subnetOf('10.0.0.0', 8), maxPrefix: 8 })))).toBe(400)
    expect(status(() => sweepArgs(base({ subnet: subnetOf('10.0.0.0', 31) })))).toBe(400)
    expect(status(() => sweepArgs(base({ subnet: { ...subnetOf('10.99.0.0', 28), network: '10.99.0.3' } })))).toBe(400)
    expect(status(() => sweepArgs(base({ subnet: { ...subnetOf('10.99.0.0', 28), network: '10.99.0.0;reboot' } })))).toBe(400)
    expect(status(() => sweepArgs(base({ methods: ['tcp'], ports: [] })))).toBe(400)
    expect(status(() => sweepArgs(base({ methods: ['arp' as 'ping'] })))).toBe(400)
    expect(status(() => sweepArgs(base({ methods: ['tcp'], ports: [0] })))).toBe(400)
    expect(status(() => sweepArgs(base({ probeTimeoutS: 0.5 })))).toBe(400)
    expect(status(() => sweepArgs(base({ exclude: '$(reboot)' })))).toBe(400)
  })

  test('output parser keeps only host addresses of the subnet and known methods', () => {
    const s = subnetOf('10.99.0.1', 28)
    const out = parseSweepOutput(
      [
        'tool ping yes',
        'tool tcp bash',
        'up 10.99.0.3 tcp:22 1.250',
        'up 10.99.0.2 ping 0.051',
        'up 10.99.0.2 tcp:80 9',
        'up 10.99.0.0 ping 0.1',
        'up 10.99.0.15 ping 0.1',
        'up 8.8.8.8 ping 0.1',
        'up 10.99.0.4 $(reboot) 1',
        'up 10.99.0.5 tcp-refused:4444 -',
        'skipped 3',
        'skipped 2',
        'warn ping not installed',
        'done',
      ].join('\n'),
      s,
    )
    expect(out.hosts).toEqual([
      { address: '10.99.0.2', method: 'ping', rtt_ms: 0.051 },
      { address: '10.99.0.3', method: 'tcp:22', rtt_ms: 1.25 },
      { address: '10.99.0.5', method: 'tcp-refused:4444', rtt_ms: null },
    ])
    expect(out).toMatchObject({ skipped: 5, completed: true, tools: { ping: true, tcp: 'bash' }, warnings: ['ping not installed'] })
    expect(parseSweepOutput('tool ping yes\nup 10.99.0.2 ping 1\n', s).completed).toBe(false)
  })
})

/** Runs the sweep script on this machine. Only ever against 127.0.0.0/29 (loopback). */
function sweepLocal(args: string[]) {
  const p = Bun.spawnSync(['sh', '-c', SWEEP_SCRIPT, 'sweep', ...args])
  return { stdout: p.stdout.toString(), exitCode: p.exitCode }
}

describe('sweep script (loopback only)', () => {
  const lo = subnetOf('127.0.0.1', 29)

  test('probes every host address except its own, never network or broadcast', () => {
    // A reset counts: every loopback address answers the tcp probe.
    const r = sweepLocal(['127.0.0.0', '29', 'tcp', '9', '1', '8', '20', '127.0.0.1'])
    const out = parseSweepOutput(r.stdout, lo)
    expect(out.completed).toBe(true)
    expect(out.hosts.map((h) => h.address)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'])
    expect(r.stdout).not.toMatch(/127\.0\.0\.(0|7|1) /)
  })

  test('budget spent: nothing probed, every address reported as skipped', () => {
    const r = sweepLocal(['127.0.0.0', '29', 'tcp', '9', '1', '2', '0', '-'])
    const out = parseSweepOutput(r.stdout, lo)
    expect(out).toMatchObject({ completed: true, skipped: 6, hosts: [] })
  })

  test('the script rejects bad arguments itself', () => {
    const bad: string[][] = [
      ['127.0.0.0;touch /tmp/lws-sec-pwned', '29', 'tcp', '9', '1', '2', '5', '-'],
      ['127.0.0.1', '29', 'tcp', '9', '1', '2', '5', '-'],
      ['127.0.0.0', '8', 'tcp', '9', '1', '2', '5', '-'],
      ['127.0.0.0', '29', 'ping;reboot', '9', '1', '2', '5', '-'],
      ['127.0.0.0', '29', 'tcp', '9,$(touch /tmp/lws-sec-pwned)', '1', '2', '5', '-'],
      ['127.0.0.0', '29', 'tcp', '9', '1', '99', '5', '-'],
      ['127.0.0.0', '29', 'tcp', '9', '1', '2', '5', '127.0.0.01'],
      ['127.0.0.0', '29', 'tcp'],
    ]
    for (const args of bad) {
      const r = sweepLocal(args)
      expect(`${args.join(' ')} → ${r.exitCode}`).toBe(`${args.join(' ')} → 2`)
      expect(r.stdout).toStartWith('error ')
    }
    expect(Bun.spawnSync(['test', '-e', '/tmp/lws-sec-pwned']).exitCode).not.toBe(0)
  })
})

describe('scan output', () => {
  test('sections, statuses, and content that tries to fake markers', () => {
    const out = parseScanOutput(
      [
        '@@begin os',
        '|PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
        '|',
        '@@end os 0',
        '@@begin accounts',
        '|passwd:root:shadow:0:0:/bin/bash',
        '|@@end accounts 0',
        '|@@begin ssh',
        '|',
        '@@end accounts 0',
        '@@begin ssh',
        '|#binary /usr/sbin/sshd',
        '@@end ssh 137',
        '@@skipped listen',
        '@@done',
      ].join('\n'),
    )
    expect(out.completed).toBe(true)
    expect(out.sections.os).toEqual({ status: 'ok', lines: ['PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"'], exitCode: 0 })
    expect(out.sections.accounts!.lines).toEqual(['passwd:root:shadow:0:0:/bin/bash', '@@end accounts 0', '@@begin ssh'])
    expect(out.sections.ssh!.status).toBe('timed_out')
    expect(out.sections.listen!.status).toBe('skipped')
    // Cut off in the middle of a section (the command was killed).
    const cut = parseScanOutput('@@begin os\n|ID=debian\n@@begin accounts\n|passwd:root:shadow:0:0:/bin/bash\n')
    expect(cut.completed).toBe(false)
    expect(cut.sections.accounts!.status).toBe('timed_out')
    expect(cut.sections.os!.status).toBe('timed_out')
  })

  test('the scan script itself: bad arguments refused; on this machine every quick section runs', () => {
    const bad = Bun.spawnSync(['sh', '-c', SCAN_SCRIPT, 'scan', 'deep;reboot', '5'])
    expect(bad.stdout.toString()).toStartWith('@@error')
    const r = Bun.spawnSync(['sh', '-c', SCAN_SCRIPT, 'scan', 'quick', '20'])
    const out = parseScanOutput(r.stdout.toString())
    expect(out.completed).toBe(true)
    expect(Object.keys(out.sections).sort()).toEqual(['accounts', 'listen', 'os', 'ssh'])
    // No password hash leaves the scan, whatever /etc/shadow holds.
    expect(r.stdout.toString()).not.toMatch(/\$[0-9a-z]{1,2}\$/)
  })
})

describe('findings: configuration', () => {
  const cfg = (text: string) => toContainerConfig(parsePctConfig(text))

  test('a weak config', () => {
    const f = configFindings(
      '101',
      cfg(
        [
          'arch: amd64',
          'features: keyctl=1,nesting=1,mount=nfs',
          'hostname: weak',
          'net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=dhcp,type=veth',
          'net1: name=eth1,bridge=vmbr1,firewall=1,hwaddr=BC:24:11:00:00:02,ip=dhcp,type=veth',
          'onboot: 1',
          'rootfs: local-lvm:vm-101-disk-0,size=8G',
          'lxc.apparmor.profile: unconfined',
          'lxc.cgroup2.devices.allow: a',
          'lxc.cap.drop: ',
        ].join('\n'),
      ),
    )
    expect(sev(f)).toEqual({
      'ct-privileged': 'high',
      'ct-feature-nesting': 'high',
      'ct-feature-keyctl': 'medium',
      'ct-feature-mount': 'medium',
      'ct-apparmor-unconfined': 'high',
      'ct-all-devices': 'high',
      'ct-capabilities-kept': 'high',
      'ct-no-memory-limit': 'low',
      'ct-no-firewall': 'medium',
      'ct-onboot': 'info',
    })
    expect(f.find((x) => x.id === 'ct-no-firewall')!.evidence).toBe('net0: bridge=vmbr0 firewall=0')
  })

  test('a hardened config has no findings; nesting on an unprivileged CT is low; a raw unlimited memory is medium', () => {
    const hard = 'arch: amd64\nmemory: 512\nnet0: name=eth0,bridge=vmbr0,firewall=1,ip=dhcp,type=veth\nunprivileged: 1\n'
    expect(configFindings('102', cfg(hard))).toEqual([])
    expect(sev(configFindings('102', cfg(`${hard}features: nesting=1\n`)))).toEqual({ 'ct-feature-nesting': 'low' })
    expect(sev(configFindings('102', cfg(`${hard}lxc.cgroup2.memory.max: max\n`)))).toEqual({ 'ct-no-memory-limit': 'medium' })
  })
})

describe('findings: ssh', () => {
  const ssh = (lines: string[]) => parseSshSection(lines)

  test('first value wins, Include in place, Match blocks ignored', () => {
    const ev = ssh([
      '#binary /usr/sbin/sshd',
      '#file /etc/ssh/sshd_config',
      'Include /etc/ssh/sshd_config.d/*.conf',
      'PermitRootLogin yes',
      '#PasswordAuthentication yes',
      'Match User backup',
      '  PasswordAuthentication yes',
      '',
      '#file /etc/ssh/sshd_config.d/10-hardening.conf',
      'PasswordAuthentication no',
      'PermitRootLogin prohibit-password',
    ])
    const s = sshSettings(ev)
    expect(s).toMatchObject({ permitrootlogin: 'prohibit-password', passwordauthentication: 'no', source: 'sshd_config' })
    expect(sshFindings(ev, true)).toEqual([])
  })

  test('root login with passwords is critical; password auth by default is medium; sshd -T wins', () => {
    const weak = ssh(['#binary /usr/sbin/sshd', '#file /etc/ssh/sshd_config', 'PermitRootLogin yes', 'PasswordAuthentication yes', 'PermitEmptyPasswords yes'])
    expect(sev(sshFindings(weak, true))).toEqual({ 'ssh-root-login': 'critical', 'ssh-password-auth': 'medium', 'ssh-empty-passwords': 'high' })
    const keysOnly = ssh(['#binary /usr/sbin/sshd', '#file /etc/ssh/sshd_config', 'PermitRootLogin=yes', 'PasswordAuthentication no'])
    expect(sev(sshFindings(keysOnly, false))).toEqual({ 'ssh-root-login': 'high' })
    expect(sshFindings(keysOnly, false)[0]!.evidence).toContain('not listening')
    const defaults = ssh(['#binary /usr/sbin/sshd', '#file /etc/ssh/sshd_config', '# nothing set'])
    expect(sev(sshFindings(defaults, true))).toEqual({ 'ssh-password-auth': 'medium' })
    const effective = ssh(['#binary /usr/sbin/sshd', '#file /etc/ssh/sshd_config', 'PermitRootLogin no', '#effective', 'permitrootlogin yes', 'passwordauthentication no'])
    expect(sev(sshFindings(effective, true))).toEqual({ 'ssh-root-login': 'high' })
    // No sshd, or no config: nothing to say.
    expect(sshFindings(ssh(['#file /etc/ssh/sshd_config', 'PermitRootLogin yes']), true)).toEqual([])
    expect(sshFindings(ssh(['#binary /usr/sbin/sshd']), true)).toEqual([])
  })
})

describe('findings: accounts', () => {
  test('empty passwords by uid and shell, extra UID 0', () => {
    const accounts = parseAccountsSection([
      'passwd:root:shadow:0:0:/bin/bash',
      'passwd:guest:shadow:1001:1001:/bin/bash',
      'passwd:svc:shadow:998:998:/usr/sbin/nologin',
      'passwd:toor:shadow:0:0:/bin/sh',
      'passwd:old:empty:1002:1002:/bin/sh',
      'passwd:locked:shadow:1003:1003:/bin/bash',
      'shadow:root:empty',
      'shadow:guest:empty',
      'shadow:svc:empty',
      'shadow:toor:locked',
      'shadow:locked:locked',
    ])
    expect(sev(accountFindings(accounts))).toEqual({
      'account-empty-password:root': 'critical',
      'account-empty-password:guest': 'high',
      'account-empty-password:svc': 'medium',
      'account-uid0:toor': 'high',
      'account-empty-password:old': 'high',
    })
    expect(accountFindings(parseAccountsSection(['passwd:root:shadow:0:0:/bin/bash', 'shadow:root:locked', 'noshadow']))).toEqual([])
  })
})

describe('findings: listeners', () => {
  const SS = [
    '#ss',
    'udp   UNCONN 0      0         127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=120,fd=13))',
    'udp   UNCONN 0      0               0.0.0.0:68         0.0.0.0:*    users:(("dhclient",pid=90,fd=7))',
    'tcp   LISTEN 0      128             0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=200,fd=3))',
    'tcp   LISTEN 0      128                [::]:22            [::]:*    users:(("sshd",pid=200,fd=4))',
    'tcp   LISTEN 0      4096          127.0.0.1:6379       0.0.0.0:*    users:(("redis-server",pid=300,fd=6))',
    'tcp   LISTEN 0      511                   *:8080             *:*    users:(("node",pid=401,fd=6),("node",pid=400,fd=6))',
    'tcp   LISTEN 0      5               0.0.0.0:23         0.0.0.0:*    users:(("inetd",pid=500,fd=5))',
    'tcp   ESTAB  0      0             10.0.0.2:22       10.0.0.9:5123 users:(("sshd",pid=600,fd=4))',
    '#cmdlines',
    '500 /usr/sbin/inetd -d',
  ]

  test('ss: exposure, risky services, processes and command lines', () => {
    const ev = parseListenSection(SS)
    expect(ev.source).toBe('ss')
    const f = listenerFindings(ev)
    expect(sev(f)).toEqual({
      'listener:tcp/22': 'info',
      'listener:tcp/23': 'high',
      'listener:tcp/6379': 'info',
      'listener:tcp/8080': 'low',
      'listener:udp/53': 'info',
      'listener:udp/68': 'info',
    })
    expect(f.find((x) => x.id === 'listener:tcp/23')!.evidence).toBe('0.0.0.0:23 ← inetd (pid 500: /usr/sbin/inetd -d)')
    expect(f.find((x) => x.id === 'listener:tcp/22')!.evidence).toBe('0.0.0.0:22, [::]:22 ← sshd (pid 200)')
    expect(f.find((x) => x.id === 'listener:tcp/8080')!.evidence).toContain('node (pid 401), node (pid 400)')
  })

  test('netstat and /proc/net fallbacks', () => {
    const ns = parseListenSection([
      '#netstat',
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name',
      'tcp        0      0 0.0.0.0:4444            0.0.0.0:*               LISTEN      77/nc',
      'udp6       0      0 :::69                   :::*                                88/in.tftpd',
    ])
    expect(sev(listenerFindings(ns))).toEqual({ 'listener:tcp/4444': 'low', 'listener:udp/69': 'high' })
    const proc = parseListenSection([
      '#proc /proc/net/tcp',
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:115C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 640 1',
      '   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 641 1',
      '   2: 0100007F:C0EE 0300007F:08FC 01 00000000:00000000 03:00000352 00000000     0        0 0 3',
    ])
    expect(sev(listenerFindings(proc))).toEqual({ 'listener:tcp/4444': 'low', 'listener:tcp/8080': 'info' })
  })
})

describe('findings: packages', () => {
  test('apt: security and other updates counted apart', () => {
    const ev = parsePackagesSection([
      '#apt',
      '#rc 0',
      'Inst libssl3 [3.0.11-1~deb12u1] (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])',
      'Inst openssl [3.0.11-1~deb12u1] (3.0.13-1~deb12u1 Debian:12.5/stable, Debian-Security:12/stable-security [amd64])',
      'Inst tzdata [2024a-0+deb12u1] (2024b-0+deb12u1 Debian:12.7/stable [all])',
      'Inst linux-libc-dev (6.1.0-1 Ubuntu:22.04/jammy-security [amd64])',
    ])
    expect(ev.updates.filter((u) => u.security).map((u) => u.name)).toEqual(['libssl3', 'openssl', 'linux-libc-dev'])
    const f = packageFindings(ev)
    expect(sev(f)).toEqual({ 'pkg-security-updates': 'high', 'pkg-updates': 'low' })
    expect(f[0]!.evidence).toContain('libssl3 3.0.11-1~deb12u1 → 3.0.13-1~deb12u1')
    expect(f[0]!.evidence).toContain('linux-libc-dev (new) → 6.1.0-1')
  })

  test('apk and nothing pending', () => {
    const ev = parsePackagesSection(['#apk', '#rc 0', 'Installed:                                Available:', 'busybox-1.36.1-r28          < 1.36.1-r29'])
    expect(ev.updates).toEqual([{ name: 'busybox', installed: '1.36.1-r28', available: '1.36.1-r29', security: false }])
    expect(sev(packageFindings(ev))).toEqual({ 'pkg-updates': 'medium' })
    expect(packageFindings(parsePackagesSection(['#apt', '#rc 0']))).toEqual([])
  })
})

describe('findings: files', () => {
  test('world-writable paths and unusual SUID binaries', () => {
    const ww = parseWorldWritableSection(['f /etc/app.conf', 'd /usr/local/share/drop', 'junk'])
    expect(ww).toEqual([
      { kind: 'file', path: '/etc/app.conf' },
      { kind: 'dir', path: '/usr/local/share/drop' },
    ])
    expect(sev(worldWritableFindings(ww))).toEqual({ 'fs-world-writable': 'high' })
    expect(worldWritableFindings([])).toEqual([])
    const suid = parseSuidSection(['4755 0 /usr/bin/passwd', '4755 0 /bin/su', '4755 0 /usr/local/bin/helper', '4755 0 /tmp/x', '4755 1000 /home/u/tool', 'bad line'])
    expect(sev(suidFindings(suid))).toEqual({
      'suid-unusual:/usr/local/bin/helper': 'medium',
      'suid-unusual:/tmp/x': 'high',
      'suid-unusual:/home/u/tool': 'high',
    })
  })
})

describe('findings: host', () => {
  const V9 = 'proxmox-ve: 9.0.0 (running kernel: 6.14.8-2-pve)\npve-manager: 9.0.3 (running version: 9.0.3/025864202ebb6109)\nproxmox-kernel-6.14.8-2-pve-signed: 6.14.8-2\n'

  test('supported release: info; newer kernel installed: reboot pending', () => {
    expect(sev(hostFindings(parsePveversionVerbose(V9), new Date('2026-01-01')))).toEqual({ 'host-pve-version': 'info' })
    const pending = `${V9}proxmox-kernel-6.14.11-1-pve-signed: 6.14.11-1\n`
    expect(sev(hostFindings(parsePveversionVerbose(pending), new Date('2026-01-01')))).toEqual({
      'host-pve-version': 'info',
      'host-kernel-reboot-pending': 'medium',
    })
  })

  test('end of life, old kernel, services not restarted', () => {
    const v7 = 'proxmox-ve: 7.4-1 (running kernel: 5.13.19-6-pve)\npve-manager: 7.4-17 (running version: 7.4-16/0f39f621)\npve-kernel-5.15.131-2-pve: 5.15.131-2\n'
    expect(sev(hostFindings(parsePveversionVerbose(v7), new Date('2026-01-01')))).toEqual({
      'host-pve-eol': 'high',
      'host-pve-restart-pending': 'low',
      'host-kernel-outdated': 'medium',
      'host-kernel-reboot-pending': 'medium',
    })
    const v6 = 'proxmox-ve: 6.4-1 (running kernel: 5.4.203-1-pve)\npve-manager: 6.4-15 (running version: 6.4-15/af7986e6)\n'
    expect(sev(hostFindings(parsePveversionVerbose(v6), new Date('2026-01-01')))).toEqual({ 'host-pve-eol': 'critical' })
  })
})

describe('evaluateScan', () => {
  test('partial evidence: timed-out and skipped checks are named, the rest evaluated', () => {
    const inside = parseScanOutput(
      ['@@begin os', '|PRETTY_NAME="Alpine Linux v3.20"', '@@end os 0', '@@begin accounts', '|passwd:root:shadow:0:0:/bin/sh', '|shadow:root:empty', '@@end accounts 137', '@@skipped ssh', '@@skipped listen', '@@done'].join('\n'),
    )
    const r = evaluateScan({ vmid: '100', mode: 'quick', config: { status: 'timed_out', detail: 'no answer' }, inside: { value: inside, status: 'ok' } })
    expect(r.os).toBe('Alpine Linux v3.20')
    expect(r.checks.map((c) => `${c.check}:${c.status}`)).toEqual(['config:timed_out', 'accounts:timed_out', 'ssh:timed_out', 'listeners:timed_out'])
    expect(r.timed_out).toEqual(['config', 'accounts', 'ssh', 'listeners'])
    expect(r.partial).toBe(true)
    // What accounts printed before it was stopped still counts.
    expect(sev(r.findings)).toEqual({ 'account-empty-password:root': 'critical' })
    expect(r.summary).toEqual({ critical: 1, high: 0, medium: 0, low: 0, info: 0, total: 1 })
  })

  test('container not running: only the configuration', () => {
    const cfg = toContainerConfig(parsePctConfig('memory: 512\nunprivileged: 1\n'))
    const r = evaluateScan({
      vmid: '100',
      mode: 'full',
      config: { value: cfg, status: 'ok' },
      inside: { status: 'skipped', detail: 'container is not running' },
      host: { status: 'failed', detail: 'pveversion: command not found' },
    })
    expect(r.checks.map((c) => `${c.check}:${c.status}`)).toEqual([
      'config:ok',
      'accounts:skipped',
      'ssh:skipped',
      'listeners:skipped',
      'packages:skipped',
      'world_writable:skipped',
      'suid:skipped',
      'host:failed',
    ])
    expect(r.partial).toBe(true)
    expect(r.timed_out).toEqual([])
  })
})
