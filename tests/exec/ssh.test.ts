import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { HostTimeoutError, HostUnreachableError } from '../../src/errors/catalogue.ts'
import { SshExecutor, type SshTarget } from '../../src/exec/ssh.ts'
import type { TestHost } from '../pvehost/host.ts'
import { sharedHosts } from '../support/hosts.ts'

let keyHost: TestHost
let pwHost: TestHost
const executors: SshExecutor[] = []

const target = (h: TestHost, extra: Partial<SshTarget> = {}): SshTarget => ({
  host: h.ip,
  port: h.port,
  user: h.user,
  keyFile: h.keyFile,
  password: h.password,
  ...extra,
})
const make = (t: SshTarget, opts = {}) => {
  const e = new SshExecutor(`test/${t.host}`, t, opts)
  executors.push(e)
  return e
}

beforeAll(async () => {
  ;[keyHost, pwHost] = await sharedHosts()
})
afterAll(async () => {
  await Promise.all(executors.map((e) => e.close()))
})

// 200 characters of everything a shell would love to interpret.
const HOSTILE = (`'"$(touch /tmp/pwned)\`id\`;|&<>*?~!#{}[]\\\n\t$HOME ` + "'; reboot; echo '").repeat(10).slice(0, 200)

describe('SshExecutor over a real sshd', () => {
  test('key and password auth; exit codes and stderr pass through', async () => {
    for (const h of [keyHost, pwHost]) {
      const e = make(target(h, { fingerprint: h.fingerprint }))
      const ok = await e.run(['hostname'])
      expect(ok).toMatchObject({ stdout: `${h.name}\n`, exitCode: 0 })
      const bad = await e.run(['sh', '-c', 'echo out; echo err >&2; exit 42'])
      expect(bad).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 42 })
    }
  })

  test('a 200-character hostile string round-trips byte-exact through echo', async () => {
    expect(HOSTILE).toHaveLength(200)
    const e = make(target(keyHost))
    const res = await e.run(['echo', HOSTILE])
    expect(res.stdout).toBe(HOSTILE + '\n')
    expect((await keyHost.exec(['ls', '/tmp/pwned'])).exitCode).not.toBe(0)
  })

  test('stdin is delivered', async () => {
    const e = make(target(keyHost))
    expect((await e.run(['wc', '-c'], { stdin: 'x'.repeat(100_000) })).stdout.trim()).toBe('100000')
  })

  test('50 concurrent commands on one connection with MaxSessions 10 all succeed', async () => {
    const e = make(target(keyHost))
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => e.run(['sh', '-c', `sleep 0.05; echo ${i}`])))
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 50 }, (_, i) => String(i)))
    expect(results.every((r) => r.exitCode === 0)).toBe(true)
    expect(e.connectCount).toBe(1)
  })

  test('300 instant commands at once: every exit code arrives (none lost to a race)', async () => {
    const e = make(target(keyHost))
    const results = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => e.run(['sh', '-c', `exit ${i % 7}`])))
    const codes = results.map((r) => (r.status === 'fulfilled' ? r.value.exitCode : String(r.reason)))
    expect(codes).toEqual(Array.from({ length: 300 }, (_, i) => i % 7))
  })

  test('a command timeout kills the remote process and frees the channel', async () => {
    const e = make(target(keyHost))
    const secs = `987.${Date.now() % 100000}`
    const t0 = performance.now()
    const err = await e.run(['sh', '-c', `sleep ${secs}; echo not-killed`], { timeoutMs: 300 }).catch((x) => x)
    expect(err).toBeInstanceOf(HostTimeoutError)
    expect(performance.now() - t0).toBeLessThan(3000)
    await Bun.sleep(300)
    const ps = await keyHost.exec(['sh', '-c', `pgrep -f '^sleep ${secs}' || true`])
    expect(ps.stdout.trim()).toBe('')
    // The connection is still usable afterwards.
    expect((await e.run(['true'])).exitCode).toBe(0)
  })

  test('after sshd restarts (connection dropped), the next command reconnects and succeeds', async () => {
    const e = make(target(keyHost), { keepaliveIntervalMs: 500, keepaliveCountMax: 2 })
    expect((await e.run(['true'])).exitCode).toBe(0)
    // A plain restart keeps established sessions (as on a real host)...
    await keyHost.restartSshd()
    expect((await e.run(['echo', 'same'])).stdout).toBe('same\n')
    expect(e.connectCount).toBe(1)
    // ...so also kill every sshd process of the host, which drops our connection.
    await keyHost.exec(['pkill', '-KILL', '-x', 'sshd'])
    await keyHost.restartSshd()
    const res = await e.run(['echo', 'again'])
    expect(res.stdout).toBe('again\n')
    expect(e.connectCount).toBe(2)
  })

  test('a wrong pinned fingerprint is refused with 502', async () => {
    const e = make(target(keyHost, { fingerprint: 'SHA256:' + 'A'.repeat(43) }))
    const err = await e.run(['true']).catch((x) => x)
    expect(err).toBeInstanceOf(HostUnreachableError)
    expect(err.status).toBe(502)
    expect(err.details).toContain('ssh_host_fingerprint')
  })

  test('wrong password → 502 authentication failed, without the password in the message', async () => {
    const e = make(target(pwHost, { password: 'wrong-secret-pw' }))
    const err = await e.run(['true']).catch((x) => x)
    expect(err).toBeInstanceOf(HostUnreachableError)
    expect(err.details).toContain('authentication failed')
    expect(JSON.stringify(err.toBody())).not.toContain('wrong-secret-pw')
  })

  test('a dead host fails fast with 502', async () => {
    const e = make({ host: '127.0.0.9', port: 2299, user: 'root', password: 'x' })
    const t0 = performance.now()
    const err = await e.run(['true']).catch((x) => x)
    expect(err).toBeInstanceOf(HostUnreachableError)
    expect(performance.now() - t0).toBeLessThan(1000)
  })

  test('stream delivers output as it comes and kill stops the remote command', async () => {
    const e = make(target(keyHost))
    const secs = `0.0${Date.now() % 100000}`
    const h = await e.stream(['sh', '-c', `i=0; while true; do echo line$i; i=$((i+1)); sleep ${secs}; done`])
    const reader = h.stdout.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toStartWith('line0')
    h.kill()
    await h.exited
    await Bun.sleep(200)
    expect((await keyHost.exec(['sh', '-c', `pgrep -f '^sh -c i=0.*${secs}' || true`])).stdout.trim()).toBe('')
    expect((await e.run(['true'])).exitCode).toBe(0)
  })
})

describe('SshExecutor timeouts while connecting', () => {
  test('a host that accepts TCP but never speaks SSH → 504 within the command timeout', async () => {
    // A listener that never answers the SSH banner, like a black-holed host.
    const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
    try {
      const e = make({ host: '127.0.0.1', port: server.port, user: 'root', password: 'x' })
      const t0 = performance.now()
      const err = await e.run(['true'], { timeoutMs: 400 }).catch((x) => x)
      expect(err).toBeInstanceOf(HostTimeoutError)
      expect(performance.now() - t0).toBeLessThan(1500)
    } finally {
      server.stop(true)
    }
  })
})

describe('SshExecutor queueing', () => {
  test('the timeout also covers waiting for a free channel', async () => {
    const [h] = await sharedHosts()
    const e = make(target(h), { maxChannels: 1 })
    const blocker = e.run(['sleep', '1'])
    const t0 = performance.now()
    const err = await e.run(['true'], { timeoutMs: 200 }).catch((x) => x)
    expect(err).toBeInstanceOf(HostTimeoutError)
    expect(performance.now() - t0).toBeLessThan(800)
    expect((await blocker).exitCode).toBe(0)
    expect((await e.run(['true'])).exitCode).toBe(0) // the slot was not leaked
  })
})
