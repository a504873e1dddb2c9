/**
 * Network discovery: list the IPv4 subnets of the Proxmox host (and of a
 * container, from inside it), then sweep each one with ONE command that
 * probes its addresses in parallel where it runs. Sweeps run one after the
 * other within one time limit; what the limit cuts short is reported.
 */
import type { ZoneHandle } from '../../src/hosts/registry.ts'
import type { Deadline } from '../../src/util/deadline.ts'
import type { SecContext } from './context.ts'
import { parseIpAddrShow, type InterfaceAddress } from './subnets.ts'
import { parseSweepOutput, SWEEP_SCRIPT, sweepArgs, sweepTimeoutMs, type FoundHost, type SweepParams } from './sweep-script.ts'

/** Time for listing addresses (`ip -o -4 addr show`). */
const LIST_TIMEOUT_MS = 15_000
/** Fixed text; busybox's ip for images without iproute2. */
const LIST_COMMAND = 'ip -o -4 addr show 2>/dev/null || busybox ip -o -4 addr show'

export type SubnetStatus = 'complete' | 'partial' | 'timed_out' | 'refused' | 'failed'

export interface SubnetResult {
  interface: string
  source_address: string
  subnet: string
  host_addresses: number
  status: SubnetStatus
  detail: string | null
  skipped: number
  hosts: FoundHost[]
  duration_ms: number
}

export interface LevelResult {
  level: 'host' | 'container'
  source: string
  lxc_id: string | null
  probe_timeout_s: number
  subnets: SubnetResult[]
}

/** Where a sweep runs: the host (`sh -c SCRIPT sweep ARGS...` through the executor) or a container (pct exec). */
interface Runner {
  run(args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string; exitCode: number }>
}

// Discovery only reads: every command stops when the client that asked has gone (`signal`).
function hostRunner(zone: ZoneHandle, signal?: AbortSignal): Runner {
  return { run: (args, timeoutMs) => zone.exec.run(['sh', '-c', SWEEP_SCRIPT, 'sweep', ...args], { timeoutMs, read: true, signal }) }
}

function containerRunner(zone: ZoneHandle, vmid: string, signal?: AbortSignal): Runner {
  return { run: (args, timeoutMs) => zone.pve.execScript(vmid, SWEEP_SCRIPT, args, { timeoutMs, signal }) }
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.slice(0, 300) ?? ''

export class Discovery {
  /** One time limit for the whole discovery. */
  private readonly deadline: Deadline

  constructor(
    private readonly c: SecContext,
    timeoutS: number,
    /** The request's: aborted when its client disconnects. */
    private readonly signal?: AbortSignal,
  ) {
    this.deadline = new c.time.Deadline(timeoutS * 1000)
  }

  private leftMs(): number {
    return this.deadline.leftMs()
  }

  elapsedMs(): number {
    return this.deadline.elapsedMs()
  }

  /** The host's own subnets (loopback left out). */
  async hostAddresses(zone: ZoneHandle): Promise<InterfaceAddress[]> {
    const argv = ['ip', '-o', '-4', 'addr', 'show']
    const r = await zone.exec.run(argv, { timeoutMs: Math.min(LIST_TIMEOUT_MS, Math.max(1000, this.leftMs())), read: true, signal: this.signal })
    if (r.exitCode !== 0) throw new this.c.errors.CommandError(zone.label, argv, r.stdout, r.stderr, r.exitCode)
    return parseIpAddrShow(this.c.net, r.stdout)
  }

  /** The container's subnets, seen from inside it (404 unknown, 409 not running). */
  async containerAddresses(zone: ZoneHandle, vmid: string): Promise<InterfaceAddress[]> {
    const r = await zone.pve.execScript(vmid, LIST_COMMAND, [], { timeoutMs: Math.min(LIST_TIMEOUT_MS, Math.max(1000, this.leftMs())), signal: this.signal })
    if (r.exitCode !== 0) {
      throw new this.c.errors.CommandError(zone.label, ['pct', 'exec', vmid, '--', 'sh', '-c', LIST_COMMAND], r.stdout, r.stderr, r.exitCode)
    }
    return parseIpAddrShow(this.c.net, r.stdout)
  }

  async level(zone: ZoneHandle, kind: 'host' | 'container', addresses: InterfaceAddress[], vmid?: string): Promise<LevelResult> {
    const d = this.c.discovery
    const probeTimeoutS = kind === 'host' ? d.hostProbeTimeoutS : d.lxcProbeTimeoutS
    const runner = vmid ? containerRunner(zone, vmid, this.signal) : hostRunner(zone, this.signal)
    const subnets: SubnetResult[] = []
    for (const a of addresses) subnets.push(await this.sweep(runner, a, probeTimeoutS))
    return {
      level: kind,
      source: vmid ? `container ${vmid}` : `${zone.label} (${await zone.pve.node().catch(() => 'node unknown')})`,
      lxc_id: vmid ?? null,
      probe_timeout_s: probeTimeoutS,
      subnets,
    }
  }

  private async sweep(runner: Runner, a: InterfaceAddress, probeTimeoutS: number): Promise<SubnetResult> {
    const d = this.c.discovery
    const t0 = performance.now()
    const base: SubnetResult = {
      interface: a.iface,
      source_address: a.address,
      subnet: a.subnet.cidr,
      host_addresses: a.subnet.hosts,
      status: 'complete',
      detail: null,
      skipped: 0,
      hosts: [],
      duration_ms: 0,
    }
    const done = (r: Partial<SubnetResult>) => ({ ...base, ...r, duration_ms: Math.round(performance.now() - t0) })
    // A /32's one host address is this interface's own (src/net/ipv4.ts: RFC 3021 rules).
    if (a.subnet.hosts <= 1) return done({ status: 'refused', detail: `/${a.prefix} has no host address besides this interface's own` })
    if (a.prefix < d.maxPrefix) {
      return done({
        status: 'refused',
        detail: `larger than /${d.maxPrefix} (${a.subnet.hosts} addresses); raise security.discovery.max_prefix to sweep it`,
        skipped: a.subnet.hosts - 1,
      })
    }
    const params: SweepParams = {
      subnet: a.subnet,
      methods: d.methods,
      ports: d.methods.includes('tcp') ? d.tcpPorts : [],
      probeTimeoutS,
      workers: d.workers,
      budgetS: 0,
      exclude: a.address,
      maxPrefix: d.maxPrefix,
    }
    // The budget stops new probes; probes already started may take their full timeout after it.
    const overrunS = sweepTimeoutMs(params) / 1000
    params.budgetS = Math.floor(this.leftMs() / 1000 - overrunS)
    if (params.budgetS < 1) return done({ status: 'timed_out', detail: 'not started: time limit reached', skipped: a.subnet.hosts - 1 })
    const args = sweepArgs(this.c, params)
    let r: { stdout: string; stderr: string; exitCode: number }
    try {
      r = await runner.run(args, sweepTimeoutMs(params))
    } catch (e) {
      if (e instanceof this.c.errors.HostTimeoutError) {
        return done({ status: 'timed_out', detail: 'the sweep command was stopped at the time limit; its results are lost', skipped: a.subnet.hosts - 1 })
      }
      throw e
    }
    const o = parseSweepOutput(this.c, r.stdout, a.subnet)
    const notes = [...o.warnings, ...o.errors]
    if (o.tools.ping === false && o.tools.tcp === 'none') notes.push('no probe tool available')
    if (!o.completed) {
      return done({
        status: 'failed',
        detail: [...notes, firstLine(r.stderr) || `exit code ${r.exitCode}`].filter(Boolean).join('; '),
        hosts: o.hosts,
      })
    }
    return done({
      status: o.skipped > 0 ? 'partial' : 'complete',
      detail: [...notes, o.skipped > 0 ? `time limit reached: ${o.skipped} addresses not probed` : ''].filter(Boolean).join('; ') || null,
      skipped: o.skipped,
      hosts: o.hosts,
    })
  }
}
