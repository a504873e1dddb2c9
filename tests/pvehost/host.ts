/**
 * Proxmox test hosts (LAYOUT.md): sshd on 127.0.0.x in its own mount, PID, UTS, IPC
 * (and, for sessions, network) namespaces, with the pct/pvesh/... stand-ins on its PATH.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { stringify } from 'yaml'
import { createHostCgroups, removeHostCgroups } from './cgroup.ts'
import { prepareState, TEST_PASSWORD } from './host-files.ts'

export interface TestHost {
  /** Node name, also the UTS hostname. */
  name: string
  ip: string
  port: number
  user: 'root'
  password?: string
  /** Private key file, for auth 'key'. */
  keyFile?: string
  privateKey?: string
  /** `SHA256:...` of the host key, as `ssh-keygen -lf` prints it. */
  fingerprint: string
  stateDir: string
  /** Host-side pid of the namespace init (ns-init.sh). */
  pid: number
  /** Kills the sshd listener (sessions survive, like a real restart) and starts it again. */
  restartSshd(): Promise<void>
  /** Lines of /var/lib/pve-fixture/recorded.log (reboot/shutdown/poweroff/halt calls). */
  recorded(): Promise<string[]>
  /**
   * Makes `tool` (pct, pvesh, pveam, pvesm, pveversion) sleep `seconds` before
   * it runs, for every call or only those whose arguments contain `match`:
   * real Proxmox takes seconds per task and hundreds of ms per start. A
   * later call for the same tool and match replaces the earlier one.
   * With a worker task type as `tool` (`vzcreate`, ...), the worker itself
   * waits, inside the task (create: after "extracting archive", holding
   * `lock: create`), for the task whose id is `match` or for all; SIGTERM
   * ends that wait with `received interrupt` (standins/lib/task.ts).
   */
  setDelay(tool: string, seconds: number, match?: string): void
  /** Every tool back to its own speed. */
  clearDelays(): void
  /** Runs argv inside the host (its namespaces and cgroups), like an SSH session does. */
  exec(argv: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }>
  /** Kills everything in the host, containers included; idempotent. */
  stop(): Promise<void>
}

export interface TestHostOptions {
  name: string
  ip: string
  port?: number
  auth: 'key' | 'password'
  maxSessions?: number
  stateDir?: string
}

const HERE = import.meta.dir
export const REPO_ROOT = resolve(HERE, '../..')
const NS_INIT = join(HERE, 'ns-init.sh')
const BIN = join(HERE, 'bin')
const START_TIMEOUT_MS = 10_000

// What sshd gives a root session without PAM; exec() uses the same so assertions match.
const SESSION_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  USER: 'root',
  LOGNAME: 'root',
  SHELL: '/bin/bash',
}

// Runs "$@" after joining the host's cgroups, so an lxc-start from exec() lands in the
// same subtree as one from an SSH session.
const JOIN_CGROUPS = 'for d in $PVEHOST_CGROUPS; do echo 0 >"$d/cgroup.procs"; done; unset PVEHOST_CGROUPS; exec "$@"'

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
  } catch {
    return undefined
  }
}

const alive = (pid: number) => {
  const s = procState(pid)
  return s !== undefined && s !== 'Z' && s !== 'X'
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}

function ppidOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return 0
  }
}

function childrenOf(ppid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => ppidOf(pid) === ppid)
}

async function until(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`pvehost: timed out waiting for ${what}`)
    await Bun.sleep(10)
  }
}

/** What answers on ip:port: an SSH server, something else, or nothing. */
function probe(ip: string, port: number): Promise<'ssh' | 'other' | 'closed'> {
  return new Promise((res) => {
    const s = connect({ host: ip, port })
    const done = (r: 'ssh' | 'other' | 'closed') => {
      s.destroy()
      res(r)
    }
    s.setTimeout(1000, () => done('other'))
    s.once('error', () => done('closed'))
    s.once('data', (d) => done(d.toString('latin1').startsWith('SSH-') ? 'ssh' : 'other'))
  })
}

const sshBanner = async (ip: string, port: number) => (await probe(ip, port)) === 'ssh'

/** Kills a namespace init (the kernel then kills the whole PID namespace) and waits. */
async function killInit(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    return
  }
  await until(`namespace init ${pid} to exit`, 5000, () => !alive(pid))
}

function readList(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean)
  } catch {
    return []
  }
}

/** Leftovers of an earlier run that was not stopped (crashed test, killed cli.ts). */
async function killStale(stateDir: string, ip: string, port: number): Promise<void> {
  const pid = Number(readList(join(stateDir, 'ns.pid'))[0])
  if (pid && cmdline(pid).includes('ns-init.sh')) await killInit(pid)
  await removeHostCgroups(readList(join(stateDir, 'cgroups')))
  if ((await probe(ip, port)) === 'closed') return
  // Another state dir's host on the same address?
  const ss = await new Response(Bun.spawn(['ss', '-Htlnp', `src ${ip}:${port}`], { stdout: 'pipe' }).stdout).text()
  for (const m of ss.matchAll(/pid=(\d+)/g)) {
    const sshd = Number(m[1])
    const init = ppidOf(sshd)
    if (!cmdline(sshd).includes('/pvehost/') || !cmdline(init).includes('ns-init.sh'))
      throw new Error(`pvehost: ${ip}:${port} is in use by pid ${sshd} (${cmdline(sshd).trim()})`)
    await killInit(init)
  }
  await until(`${ip}:${port} to be free`, 5000, async () => (await probe(ip, port)) === 'closed')
}

export async function startTestHost(opts: TestHostOptions): Promise<TestHost> {
  const port = opts.port ?? 2222
  // The port is part of the identity so that parallel suites (LWS_TEST_PORT) never share state.
  const instance = `${opts.name}-${port}`
  const stateDir = resolve(opts.stateDir ?? join(REPO_ROOT, '.tmp/pvehost', instance))
  const o = { ...opts, port, stateDir, maxSessions: opts.maxSessions ?? 10 }

  await killStale(stateDir, o.ip, port)
  const state = await prepareState(o)
  const cgroups = createHostCgroups(instance)
  writeFileSync(join(stateDir, 'cgroups'), cgroups.join('\n'))

  const logFile = join(stateDir, 'ns-init.log')
  const log = openSync(logFile, 'w')
  const unshare = Bun.spawn(
    ['unshare', '--mount', '--pid', '--uts', '--ipc', '--fork', '--mount-proc', '--propagation', 'private', '/bin/sh', NS_INIT],
    {
      stdin: 'ignore',
      stdout: log,
      stderr: log,
      env: { ...SESSION_ENV, PVEHOST_NAME: o.name, PVEHOST_STATE: stateDir, PVEHOST_BIN: BIN, PVEHOST_CGROUPS: cgroups.join(' ') },
    },
  )
  closeSync(log)
  unshare.unref() // a test run must be able to exit; a forgotten host is killed by the next start

  const failed = () => {
    if (unshare.exitCode === null) return false
    throw new Error(`pvehost: ${o.name} failed to start:\n${readFileSync(logFile, 'utf8')}`)
  }
  let pid = 0
  try {
    await until(`${o.name} namespace init`, START_TIMEOUT_MS, () => failed() || (pid = childrenOf(unshare.pid)[0] ?? 0) > 0)
    writeFileSync(join(stateDir, 'ns.pid'), `${pid}\n`)
    await until(`${o.name} sshd on ${o.ip}:${port}`, START_TIMEOUT_MS, async () => failed() || (await sshBanner(o.ip, port)))
  } catch (err) {
    if (pid) await killInit(pid)
    unshare.kill('SIGKILL')
    await removeHostCgroups(cgroups)
    const sshdLog = readList(join(stateDir, 'sshd.log')).slice(-5).join('\n')
    throw new Error(`${(err as Error).message}${sshdLog ? `\nsshd.log:\n${sshdLog}` : ''}`)
  }

  // Sessions run in the host's network namespace; sshd itself listens in the machine's.
  const nsRun = async (argv: string[], sessionNet: boolean) => {
    if (!alive(pid)) throw new Error(`pvehost: ${o.name} is not running`)
    const net = sessionNet ? [`--net=/proc/${pid}/root/run/pvehost/net`] : []
    const p = Bun.spawn(
      ['nsenter', '-t', String(pid), '-m', '-u', '-i', '-p', ...net, '--', '/bin/sh', '-c', JOIN_CGROUPS, 'sh', ...argv],
      { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: { ...SESSION_ENV, PVEHOST_CGROUPS: cgroups.join(' ') } },
    )
    const [stdout, stderr, exitCode] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
    return { stdout, stderr, exitCode }
  }
  const exec = (argv: string[]) => nsRun(argv, true)

  let stopping: Promise<void> | undefined
  return {
    name: o.name,
    ip: o.ip,
    port,
    user: 'root',
    password: o.auth === 'password' ? TEST_PASSWORD : undefined,
    keyFile: state.keyFile,
    privateKey: state.privateKey,
    fingerprint: state.fingerprint,
    stateDir,
    pid,
    exec,
    async restartSshd() {
      const restart =
        'pid=$(cat "$1") && kill "$pid" && while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done; ' +
        'exec /usr/sbin/sshd -f "$2" -E "$3"'
      const files = ['sshd.pid', 'sshd_config', 'sshd.log'].map((f) => join(stateDir, f))
      const r = await nsRun(['/bin/sh', '-c', restart, 'sh', ...files], false)
      if (r.exitCode !== 0) throw new Error(`pvehost: restarting sshd on ${o.name} failed: ${r.stderr}`)
      await until(`${o.name} sshd to accept again`, START_TIMEOUT_MS, () => sshBanner(o.ip, port))
    },
    async recorded() {
      return readList(join(stateDir, 'fixture/recorded.log'))
    },
    setDelay(tool, seconds, match = '') {
      if (!/^[a-z]+$/.test(tool) || /\s/.test(match) || !(seconds >= 0)) throw new Error(`setDelay: bad arguments ${tool} ${seconds} ${match}`)
      const dir = join(stateDir, 'fixture/delay')
      mkdirSync(dir, { recursive: true })
      const file = join(dir, tool)
      const kept = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l && l.split(' ')[1] !== (match || undefined)) : []
      // Longest match first: the wrapper takes the first line that matches.
      const lines = [...kept, `${seconds}${match ? ` ${match}` : ''}`].sort((a, b) => (b.split(' ')[1] ?? '').length - (a.split(' ')[1] ?? '').length)
      writeFileSync(file, lines.join('\n') + '\n')
    },
    clearDelays() {
      rmSync(join(stateDir, 'fixture/delay'), { recursive: true, force: true })
    },
    stop() {
      stopping ??= (async () => {
        await killInit(pid)
        await unshare.exited
        await removeHostCgroups(cgroups)
        rmSync(join(stateDir, 'ns.pid'), { force: true })
      })()
      return stopping
    },
  }
}

/** The suite's two hosts: pve-test1 (key auth, 127.0.0.2) and pve-test2 (password, 127.0.0.3), port $LWS_TEST_PORT or 2222. */
export const TEST_PORT = Number(process.env.LWS_TEST_PORT || 2222)

export async function startTestHosts(port = TEST_PORT): Promise<[TestHost, TestHost]> {
  // LWS_TEST_PORT lets two test runs on one machine use separate hosts.
  const results = await Promise.allSettled([
    startTestHost({ name: 'pve-test1', ip: '127.0.0.2', port, auth: 'key', maxSessions: 10 }),
    startTestHost({ name: 'pve-test2', ip: '127.0.0.3', port, auth: 'password', maxSessions: 10 }),
  ])
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) {
    for (const r of results) if (r.status === 'fulfilled') await r.value.stop()
    throw (failed as PromiseRejectedResult).reason
  }
  return results.map((r) => (r as PromiseFulfilledResult<TestHost>).value) as [TestHost, TestHost]
}

/**
 * Writes an LWS config for startTestHosts()' hosts: the first (key auth) is eu-south-1/az1,
 * the second (password) eu-central-1/az2. `extra` is merged over the top level.
 */
export function writeTestConfig(hosts: TestHost[], file: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const [h1, h2] = hosts
  if (!h1?.keyFile || !h2?.password) throw new Error('writeTestConfig: expects [key-auth host, password host]')
  const config = {
    api_key: 'test-key',
    regions: {
      'eu-south-1': {
        availability_zones: {
          az1: { host: h1.ip, user: h1.user, ssh_port: h1.port, ssh_key_file: h1.keyFile, ssh_host_fingerprint: h1.fingerprint },
        },
      },
      'eu-central-1': {
        availability_zones: { az2: { host: h2.ip, user: h2.user, ssh_port: h2.port, ssh_password: h2.password } },
      },
    },
    instance_sizes: {
      small: { memory: 512, cpulimit: 1, storage: 'local-lvm:4' },
      medium: { memory: 1024, cpulimit: 2, storage: 'local-lvm:8' },
    },
    start_vmid: 10000,
    default_storage: 'local-lvm',
    default_network: 'vmbr0',
    ...extra,
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, stringify(config))
  return config
}
