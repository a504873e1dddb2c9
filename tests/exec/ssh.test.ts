import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createServer, type Server, type Socket } from 'node:net'
import { HostAuthError, HostKeyMismatchError, HostTimeoutError, HostUnreachableError, ProgramMissingError } from '../../src/errors/catalogue.ts'
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

  test('a wrong pinned fingerprint → 502 HOST_KEY_MISMATCH naming both keys', async () => {
    const pinned = 'SHA256:' + 'A'.repeat(43)
    const e = make(target(keyHost, { fingerprint: pinned }))
    const err = await e.run(['true']).catch((x) => x)
    expect(err).toBeInstanceOf(HostKeyMismatchError)
    expect(err).toBeInstanceOf(HostUnreachableError)
    expect(err.toBody()).toMatchObject({ error: 'Host key mismatch', code: 'HOST_KEY_MISMATCH', return_code: 1 })
    expect(err.status).toBe(502)
    expect(err.details).toContain('ssh_host_fingerprint')
    expect(err.details).toContain(keyHost.fingerprint!.replace(/=+$/, ''))
    expect(err.details).toContain(pinned)
  })

  test('wrong password → 502 HOST_AUTH_FAILED, without the password in the message', async () => {
    const e = make(target(pwHost, { password: 'wrong-secret-pw' }))
    const err = await e.run(['true']).catch((x) => x)
    expect(err).toBeInstanceOf(HostAuthError)
    expect(err.toBody()).toMatchObject({ error: 'Host authentication failed', code: 'HOST_AUTH_FAILED' })
    expect(err.status).toBe(502)
    expect(err.details).toContain('SSH authentication as root')
    expect(err.details).toContain('tried: password')
    expect(JSON.stringify(err.toBody())).not.toContain('wrong-secret-pw')
  })

  test('an unreadable ssh_key_file → 502 HOST_AUTH_FAILED before any connection', async () => {
    const e = make(target(keyHost, { keyFile: '/nonexistent/lws-key' }))
    const err = await e.run(['true']).catch((x) => x)
    expect(err.code).toBe('HOST_AUTH_FAILED')
    expect(err.details).toContain('cannot read ssh_key_file: ENOENT')
  })

  test('a closed port fails fast with 502 HOST_UNREACHABLE "connection refused"', async () => {
    const e = make({ host: '127.0.0.9', port: 2299, user: 'root', password: 'x' })
    const t0 = performance.now()
    const err = await e.run(['true']).catch((x) => x)
    expect(err).toBeInstanceOf(HostUnreachableError)
    expect(err.code).toBe('HOST_UNREACHABLE')
    expect(err.details).toBe('test/127.0.0.9: connection refused (127.0.0.9:2299)')
    expect(performance.now() - t0).toBeLessThan(1000)
  })

  test('a host name that does not resolve → 502 HOST_UNREACHABLE "host name not found"', async () => {
    const e = make({ host: 'no-such-host.invalid', port: 22, user: 'root', password: 'x' })
    const err = await e.run(['true'], { timeoutMs: 10_000 }).catch((x) => x)
    expect(err.code).toBe('HOST_UNREACHABLE')
    expect(err.details).toContain('host name')
  })

  test('a program missing on the host → ProgramMissingError (nothing ran); a command exiting 127 is a result', async () => {
    const e = make(target(keyHost))
    const err = await e.run(['no-such-program-lws', '--flag']).catch((x) => x)
    expect(err).toBeInstanceOf(ProgramMissingError)
    expect(err).toMatchObject({ program: 'no-such-program-lws', local: false, exitCode: 127 })
    expect(err.details).toBe('no-such-program-lws: command not found on the host')
    const own = await e.run(['sh', '-c', 'echo "sh: 1: exec: pct: not found" >&2; exit 127'])
    expect(own).toMatchObject({ exitCode: 127, stderr: 'sh: 1: exec: pct: not found\n' })
    expect(await e.stream(['no-such-program-lws']).catch((x) => x)).toBeInstanceOf(ProgramMissingError)
    expect((await e.run(['true'])).exitCode).toBe(0) // no slot was leaked
  })

  test('a command that outlives its timeout → 504 HOST_TIMEOUT "the command was stopped"', async () => {
    const e = make(target(keyHost))
    const err = await e.run(['sleep', '5'], { timeoutMs: 300 }).catch((x) => x)
    expect(err).toBeInstanceOf(HostTimeoutError)
    expect(err.toBody()).toMatchObject({ error: 'Host timeout', code: 'HOST_TIMEOUT' })
    expect(err.details).toBe(`test/${keyHost.ip}: no answer within 300 ms; the command was stopped`)
    expect(err.commandStarted).toBe(true)
  })

  test('a host that goes silent while a command runs → 504 HOST_TIMEOUT (keep-alive), not 502', async () => {
    const e = make(target(keyHost), { keepaliveIntervalMs: 300, keepaliveCountMax: 2 })
    expect((await e.run(['true'])).exitCode).toBe(0)
    const running = e.run(['sleep', '30'], { timeoutMs: 20_000 }).catch((x) => x)
    await Bun.sleep(200)
    await keyHost.exec(['pkill', '-STOP', '-x', 'sshd'])
    try {
      const err = await running
      expect(err).toBeInstanceOf(HostTimeoutError)
      expect(err.code).toBe('HOST_TIMEOUT')
      expect(err.details).toContain('stopped answering (no keep-alive reply within 600 ms) while the command ran')
    } finally {
      await keyHost.exec(['pkill', '-CONT', '-x', 'sshd'])
    }
    expect((await e.run(['echo', 'back'])).stdout).toBe('back\n')
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

/** A TCP server that accepts and then does `onConnect` (nothing, by default: a hung sshd). */
async function tcpServer(onConnect: (sock: Socket) => void = () => {}): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((sock) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
    sock.on('error', () => {})
    onConnect(sock)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    port,
    async stop() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describe('SshExecutor: a silent host is always 504 HOST_TIMEOUT, saying which step', () => {
  test('accepts TCP, never speaks SSH: the command timeout fires first → 504 "no SSH greeting"', async () => {
    const srv = await tcpServer()
    try {
      const e = make({ host: '127.0.0.1', port: srv.port, user: 'root', password: 'x' })
      const t0 = performance.now()
      const err = await e.run(['true'], { timeoutMs: 400 }).catch((x) => x)
      expect(err).toBeInstanceOf(HostTimeoutError)
      expect(err.status).toBe(504)
      expect(err.code).toBe('HOST_TIMEOUT')
      expect(err.details).toBe(`test/127.0.0.1: connected to 127.0.0.1:${srv.port}, but no SSH greeting within 400 ms; no command was sent`)
      expect(err.details).not.toContain('the command was stopped')
      expect(err.commandStarted).toBe(false)
      expect(performance.now() - t0).toBeLessThan(1500)
    } finally {
      await srv.stop()
    }
  })

  test('same host, the connect timeout fires first → the same 504, with that duration', async () => {
    const srv = await tcpServer()
    try {
      const e = make({ host: '127.0.0.1', port: srv.port, user: 'root', password: 'x' }, { connectTimeoutMs: 300 })
      const err = await e.run(['true'], { timeoutMs: 5_000 }).catch((x) => x)
      expect(err).toBeInstanceOf(HostTimeoutError)
      expect(err.code).toBe('HOST_TIMEOUT')
      expect(err.details).toBe(`test/127.0.0.1: connected to 127.0.0.1:${srv.port}, but no SSH greeting within 300 ms; no command was sent`)
      // And again on the next command: the classification does not depend on timing.
      const again = await e.run(['true'], { timeoutMs: 5_000 }).catch((x) => x)
      expect(again.code).toBe('HOST_TIMEOUT')
    } finally {
      await srv.stop()
    }
  })

  test('sends a greeting, then goes silent → 504 "key exchange did not finish"', async () => {
    const srv = await tcpServer((sock) => sock.write('SSH-2.0-OpenSSH_9.2 silent\r\n'))
    try {
      const e = make({ host: '127.0.0.1', port: srv.port, user: 'root', password: 'x' })
      const err = await e.run(['true'], { timeoutMs: 500 }).catch((x) => x)
      expect(err.code).toBe('HOST_TIMEOUT')
      expect(err.details).toContain(`the SSH key exchange with 127.0.0.1:${srv.port} did not finish within 500 ms`)
    } finally {
      await srv.stop()
    }
  })

  test('accepts TCP and hangs up at once → 502 HOST_UNREACHABLE (an answer, not silence)', async () => {
    const srv = await tcpServer((sock) => sock.destroy())
    try {
      const e = make({ host: '127.0.0.1', port: srv.port, user: 'root', password: 'x' })
      const err = await e.run(['true'], { timeoutMs: 2_000 }).catch((x) => x)
      expect(err).toBeInstanceOf(HostUnreachableError)
      expect(err.code).toBe('HOST_UNREACHABLE')
      expect(err.details).toContain('closed the connection before the SSH greeting')
    } finally {
      await srv.stop()
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
    expect(err.code).toBe('HOST_TIMEOUT')
    expect(err.details).toContain('all 1 SSH channels')
    expect(err.details).toContain('the command did not start')
    expect(err.commandStarted).toBe(false)
    expect(performance.now() - t0).toBeLessThan(800)
    expect((await blocker).exitCode).toBe(0)
    expect((await e.run(['true'])).exitCode).toBe(0) // the slot was not leaked
  })
})
