/**
 * Fills a test host's state directory (LAYOUT.md): SSH keys and sshd_config, the private
 * passwd/shadow, /etc/pve, the template archives and the fixture files. Keys survive
 * restarts (stable fingerprints); everything a test can change is reset on each start.
 */
import { createHash } from 'node:crypto'
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** root's password on every test host (the machine's own /etc/shadow is never touched). */
export const TEST_PASSWORD = 'pve-test-password'

/** What ns-init.sh bind-mounts as root's shell; it enters the host's network namespace. */
export const LOGIN_SHELL = '/run/pvehost/login-shell'

export interface StateOptions {
  name: string
  ip: string
  port: number
  auth: 'key' | 'password'
  maxSessions: number
  stateDir: string
}

export interface PreparedState {
  fingerprint: string
  keyFile?: string
  privateKey?: string
}

async function run(argv: string[]): Promise<string> {
  const p = Bun.spawn(argv, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  if (code !== 0) throw new Error(`pvehost: ${argv.join(' ')} failed (${code}): ${err.trim()}`)
  return out
}

async function ensureKey(file: string, comment: string): Promise<void> {
  if (existsSync(file) && existsSync(`${file}.pub`)) return
  rmSync(file, { force: true })
  rmSync(`${file}.pub`, { force: true })
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file])
}

/** `SHA256:...` exactly as `ssh-keygen -lf` prints it. */
export function fingerprintOf(pubLine: string): string {
  const blob = Buffer.from(pubLine.trim().split(/\s+/)[1] ?? '', 'base64')
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

function sshdConfig(o: StateOptions): string {
  const q = (p: string) => `"${join(o.stateDir, p)}"`
  return [
    '# Written by tests/pvehost/host-files.ts on every start.',
    `ListenAddress ${o.ip}:${o.port}`,
    `HostKey ${q('ssh_host_ed25519_key')}`,
    `PidFile ${q('sshd.pid')}`,
    `AuthorizedKeysFile ${q('authorized_keys')}`,
    'PermitRootLogin yes',
    'PubkeyAuthentication yes',
    `PasswordAuthentication ${o.auth === 'password' ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    `MaxSessions ${o.maxSessions}`,
    'MaxStartups 100:30:200',
    'StrictModes no',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'X11Forwarding no',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n')
}

/** The machine's file with root's field `index` replaced. */
function withRootField(file: string, index: number, value: string): string {
  const lines = readFileSync(file, 'utf8').split('\n')
  const i = lines.findIndex((l) => l.startsWith('root:'))
  if (i < 0) throw new Error(`pvehost: no root entry in ${file}`)
  const f = lines[i]!.split(':')
  f[index] = value
  lines[i] = f.join(':')
  return lines.join('\n')
}

let rootHash: Promise<string> | undefined

async function writeAccounts(dir: string): Promise<void> {
  // perl-base is always installed on Debian (openssl is not); its crypt() is glibc's.
  rootHash ??= run(['perl', '-e', 'print crypt($ARGV[0], $ARGV[1])', TEST_PASSWORD, '$6$pvehostfixture$'])
  writeFileSync(join(dir, 'passwd'), withRootField('/etc/passwd', 6, LOGIN_SHELL))
  writeFileSync(join(dir, 'shadow'), withRootField('/etc/shadow', 1, await rootHash), { mode: 0o640 })
}

const STORAGE_CFG =
  'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\n' +
  'lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n'

// `pveam available` index as pve-manager `PVE/CLI/pveam.pm` prints it before 9.2.7 (no arch column).
const APL_AVAILABLE = [
  ['mail', 'proxmox-mail-gateway-8.1-standard_8.1-1_amd64.tar.zst'],
  ['system', 'alpine-3.20-default_20240908_amd64.tar.xz'],
  ['system', 'debian-12-standard_12.7-1_amd64.tar.zst'],
  ['system', 'ubuntu-24.04-standard_24.04-2_amd64.tar.zst'],
  ['turnkeylinux', 'debian-12-turnkey-wordpress_18.1-1_amd64.tar.gz'],
]
  .map(([s, t]) => `${s!.padEnd(15)} ${t}\n`)
  .join('')

function writePveTree(o: StateOptions): void {
  const pve = join(o.stateDir, 'etc-pve')
  mkdirSync(join(pve, 'nodes', o.name, 'lxc'), { recursive: true })
  symlinkSync(`nodes/${o.name}/lxc`, join(pve, 'lxc'))
  symlinkSync(`nodes/${o.name}`, join(pve, 'local'))
  writeFileSync(join(pve, 'storage.cfg'), STORAGE_CFG)
  const fixture = join(o.stateDir, 'fixture')
  mkdirSync(fixture, { recursive: true })
  writeFileSync(join(fixture, 'apl-available.txt'), APL_AVAILABLE)
  writeFileSync(join(fixture, 'recorded.log'), '')
  // bin/* wrappers are bind-mounted away from the repo; this tells them where bun and the stand-ins are.
  writeFileSync(join(fixture, 'repo-root'), resolve(import.meta.dir, '../..') + '\n')
  mkdirSync(join(o.stateDir, 'lxc'), { recursive: true })
}

/** A fresh root home as Debian makes it: the machine's own (pyenv, cargo...) stays out of PATH. */
function writeRootHome(dir: string): void {
  mkdirSync(dir, { mode: 0o700 })
  if (existsSync('/etc/skel')) cpSync('/etc/skel', dir, { recursive: true })
}

const OS_RELEASE: Record<string, { osRelease: string; extra: Record<string, string> }> = {
  'debian-12-standard_12.7-1_amd64.tar.gz': {
    osRelease:
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n' +
      'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n',
    extra: { debian_version: '12.7\n' },
  },
  'ubuntu-22.04.tar.gz': {
    osRelease:
      'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\n' +
      'VERSION="22.04.4 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n' +
      'UBUNTU_CODENAME=jammy\n',
    extra: {
      debian_version: 'bookworm/sid\n',
      'lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.4 LTS"\n',
    },
  },
}

/** A root tree without programs: containers bind-mount the machine's /usr (LAYOUT.md). */
async function buildTemplate(dir: string, out: string, t: (typeof OS_RELEASE)[string]): Promise<void> {
  for (const d of ['usr', 'etc', 'root', 'tmp', 'proc', 'sys', 'dev', 'run', 'var/tmp', 'var/log', 'var/lib', 'home', 'mnt', 'opt', 'srv'])
    mkdirSync(join(dir, d), { recursive: true })
  chmodSync(join(dir, 'root'), 0o700)
  chmodSync(join(dir, 'tmp'), 0o1777)
  chmodSync(join(dir, 'var/tmp'), 0o1777)
  for (const l of ['bin', 'sbin', 'lib', 'lib64']) symlinkSync(`usr/${l}`, join(dir, l)) // merged /usr
  const etc: Record<string, string> = {
    passwd: 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    group: 'root:x:0:\nshadow:x:42:\nnogroup:x:65534:\n',
    shadow: 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n',
    hostname: 'localhost\n',
    hosts: '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n',
    'os-release': t.osRelease,
    ...t.extra,
  }
  for (const [f, text] of Object.entries(etc)) writeFileSync(join(dir, 'etc', f), text)
  chmodSync(join(dir, 'etc/shadow'), 0o640)
  await run(['tar', '-C', dir, '--owner=0', '--group=0', '--numeric-owner', '-czf', out, '.'])
  rmSync(dir, { recursive: true, force: true })
}

export async function prepareState(o: StateOptions): Promise<PreparedState> {
  const s = o.stateDir
  mkdirSync(s, { recursive: true })
  for (const d of ['etc-pve', 'vz', 'lxc', 'fixture', 'root', 'log-pve', '.tpl']) rmSync(join(s, d), { recursive: true, force: true })
  mkdirSync(join(s, 'log-pve/tasks'), { recursive: true })
  writePveTree(o)
  writeRootHome(join(s, 'root'))

  const cache = join(s, 'vz/template/cache')
  mkdirSync(cache, { recursive: true })
  const builds = Object.entries(OS_RELEASE).map(([file, t]) => buildTemplate(join(s, '.tpl', file), join(cache, file), t))

  const hostKey = join(s, 'ssh_host_ed25519_key')
  const clientKey = join(s, 'id_ed25519')
  await Promise.all([
    ensureKey(hostKey, `${o.name} host key`),
    o.auth === 'key' ? ensureKey(clientKey, `lws-test@${o.name}`) : undefined,
    writeAccounts(s),
    ...builds,
  ])
  writeFileSync(join(s, 'authorized_keys'), o.auth === 'key' ? readFileSync(`${clientKey}.pub`) : '')
  writeFileSync(join(s, 'sshd_config'), sshdConfig(o))
  rmSync(join(s, 'sshd.log'), { force: true })

  const fingerprint = fingerprintOf(readFileSync(`${hostKey}.pub`, 'utf8'))
  if (o.auth !== 'key') return { fingerprint }
  return { fingerprint, keyFile: clientKey, privateKey: readFileSync(clientKey, 'utf8') }
}
