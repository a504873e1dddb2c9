/**
 * The sweep's arguments and guard, the output parser (including lines a
 * hostile container could print), and the script itself, run on this
 * machine against loopback only.
 */
import { describe, expect, test } from 'bun:test'
import * as errors from '../../src/errors/catalogue.ts'
import { LwsError } from '../../src/errors/catalogue.ts'
import * as net from '../../src/net/ipv4.ts'
import { parseSweepOutput as parseSweep, sweepArgs as argsOf, sweepArgv as argvOf, SWEEP_SCRIPT, type SweepParams } from './sweep-script.ts'

/** The context parts the sweep helpers take (a PluginContext has them). */
const tools = { errors, net }
const { subnetOf } = net
const sweepArgs = (p: SweepParams) => argsOf(tools, p)
const sweepArgv = (p: SweepParams) => argvOf(tools, p)
const parseSweepOutput = (stdout: string, s: net.Subnet) => parseSweep(tools, stdout, s)

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
    expect(status(() => sweepArgs(base({ subnet: subnetOf('10.0.0.0', 31), exclude: '10.0.0.0' })))).toBe(200)
    expect(sweepArgs(base({ subnet: subnetOf('10.0.0.0', 31), exclude: '10.0.0.0' }))).toEqual(['10.0.0.0', '31', 'ping', '-', '2', '2', '30', '10.0.0.0'])
    expect(status(() => sweepArgs(base({ subnet: subnetOf('10.0.0.0', 32) })))).toBe(400)
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

  test('a /31 (RFC 3021): its other address is probed, both are host addresses', () => {
    const r = sweepLocal(['127.0.0.2', '31', 'tcp', '9', '1', '2', '20', '127.0.0.2'])
    const out = parseSweepOutput(r.stdout, subnetOf('127.0.0.2', 31))
    expect(out.completed).toBe(true)
    expect(out.hosts.map((h) => h.address)).toEqual(['127.0.0.3'])
    expect(sweepLocal(['127.0.0.2', '32', 'tcp', '9', '1', '2', '20', '-']).exitCode).toBe(2)
  })

  test('as ProxmoxClient.execScript runs it in a container (`sh -c SCRIPT sh ARGS...`): the same sweep', () => {
    const p = Bun.spawnSync(['sh', '-c', SWEEP_SCRIPT, 'sh', '127.0.0.0', '29', 'tcp', '9', '1', '8', '20', '127.0.0.1'])
    expect(parseSweepOutput(p.stdout.toString(), lo).hosts.map((h) => h.address)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'])
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
