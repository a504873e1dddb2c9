/** Every finding rule, on recorded evidence, and evaluateScan over partial evidence. */
import { describe, expect, test } from 'bun:test'
import { toContainerConfig } from '../../../src/proxmox/parse/normalize.ts'
import { parsePctConfig } from '../../../src/proxmox/parse/pct-config.ts'
import { parsePveversionVerbose } from '../../../src/proxmox/parse/pveversion.ts'
import { parseScanOutput } from '../scan-script.ts'
import { accountFindings, parseAccountsSection } from './accounts.ts'
import { configFindings } from './config.ts'
import { parseSuidSection, parseWorldWritableSection, suidFindings, worldWritableFindings } from './files.ts'
import { hostFindings } from './host.ts'
import { evaluateScan } from './index.ts'
import { listenerFindings, parseListenSection } from './listeners.ts'
import { packageFindings, parsePackagesSection } from './packages.ts'
import { parseSshSection, sshFindings, sshSettings } from './ssh.ts'

const sev = (fs: { id: string; severity: string }[]) => Object.fromEntries(fs.map((f) => [f.id, f.severity]))

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
