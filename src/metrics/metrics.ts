/**
 * The server's Prometheus metrics: one prom-client registry per app
 * instance (never the library's global default registry, so the many apps a
 * test process builds never share or clash), served as text at
 * GET /api/v1/metrics (routes/metrics.ts).
 *
 * Every label value comes from a bounded set: HTTP `route` is the pattern
 * the router matched (`/api/v1/lxc/instances/:instance_id`, or `unmatched`),
 * never the raw path; `tool` is the program (plus the subcommand of the
 * Proxmox tools), never its arguments.
 *
 * Other parts feed it through plain functions that take the metrics object
 * (or a bare prom-client Registry, or nothing: then they do nothing), so no
 * caller has to check whether metrics were wired in.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Seconds; HTTP answers and host commands range from a millisecond to a 15-minute task. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900]

export type HttpLabel = 'route' | 'method' | 'status'
export type HostCommandLabel = 'az' | 'tool' | 'exit_code'

export interface LwsMetrics {
  readonly registry: Registry
  readonly httpRequests: Counter<HttpLabel>
  readonly httpDuration: Histogram<HttpLabel>
  readonly hostCommands: Counter<HostCommandLabel>
  readonly hostCommandDuration: Histogram<'az' | 'tool'>
}

/** What a metrics-taking function accepts: the app's metrics, a bare registry, or nothing (no-op). */
export type MetricsTarget = LwsMetrics | Registry | undefined | null

/** Channels of one AZ's SSH connection, per share (exec/shares.ts), at the moment of a scrape. */
export interface PoolStats {
  inUse: { short: number; long: number; stream: number }
  queued: { short: number; long: number; stream: number }
  /** Connections made after the first one (drops, timeouts), since start. */
  reconnects: number
}

export type PoolStatsSource = () => PoolStats

export const UNMATCHED_ROUTE = 'unmatched'
/** exit_code of a command that never produced one (unreachable host, timeout, refused). */
export const NO_EXIT_CODE = 'none'
/** tool of an `sh -c SCRIPT` command. */
export const SCRIPT_TOOL = 'script'

const SHARES = ['short', 'long', 'stream'] as const
const PROXMOX_TOOLS = new Set(['pct', 'pvesh', 'pveam', 'pvesm'])
const SHELLS = new Set(['sh', 'bash', 'dash'])
const SUBCOMMAND = /^[a-z][a-z0-9-]{0,31}$/
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
const MAX_TOOL_LENGTH = 64

function registryOf(target: MetricsTarget): Registry | undefined {
  if (!target) return undefined
  return target instanceof Registry ? target : target.registry
}

/** The metric of that name in the registry, created by `make` the first time. */
function once<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make()
}

export function createMetrics(): LwsMetrics {
  const registry = new Registry()
  const registers = [registry]
  const metrics: LwsMetrics = {
    registry,
    httpRequests: new Counter({
      name: 'lws_http_requests_total',
      help: 'HTTP requests answered, by the route pattern the router matched ("unmatched" when none did), method and status sent',
      labelNames: ['route', 'method', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'lws_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer being ready (for a stream: to its start)',
      labelNames: ['route', 'method', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    hostCommands: new Counter({
      name: 'lws_host_commands_total',
      help: 'Commands run on a host, by availability zone, tool (pct/pvesh/pveam/pvesm with their subcommand, "script" for sh -c) and exit code ("none": the command never produced one)',
      labelNames: ['az', 'tool', 'exit_code'],
      registers,
    }),
    hostCommandDuration: new Histogram({
      name: 'lws_host_command_duration_seconds',
      help: 'Time a host command took, by availability zone and tool',
      labelNames: ['az', 'tool'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
  }
  // Listed from the start (HELP and TYPE), before any executor reports.
  singleFlightHits(registry)
  poolMetrics(registry)
  return metrics
}

/** The Prometheus text exposition (format 0.0.4) of everything registered. */
export async function renderMetrics(target: LwsMetrics | Registry): Promise<{ body: string; contentType: string }> {
  const registry = registryOf(target)!
  return { body: await registry.metrics(), contentType: registry.contentType }
}

// ---- HTTP -------------------------------------------------------------------

/** One answered request. `route` is the matched pattern, or undefined when the router matched none. */
export function observeRequest(
  target: MetricsTarget,
  r: { route: string | undefined | null; method: string; status: number; seconds: number },
): void {
  if (!target || target instanceof Registry) return
  const method = r.method.toUpperCase()
  const labels = {
    route: r.route || UNMATCHED_ROUTE,
    method: KNOWN_METHODS.has(method) ? method : 'other',
    status: String(r.status),
  }
  target.httpRequests.inc(labels)
  target.httpDuration.observe(labels, r.seconds)
}

// ---- host commands ----------------------------------------------------------

const base = (s: string) => s.slice(s.lastIndexOf('/') + 1)

/**
 * The `tool` label of an argv: `pct exec`, `pvesh get`, `script` (sh -c),
 * else the program. Never an argument a request chose.
 */
export function commandTool(argv: readonly string[]): string {
  const program = argv[0] ?? ''
  const name = base(program)
  if (SHELLS.has(name) && argv[1] === '-c') return SCRIPT_TOOL
  if (PROXMOX_TOOLS.has(name)) {
    const sub = argv[1]
    return sub !== undefined && SUBCOMMAND.test(sub) ? `${name} ${sub}` : name
  }
  return (program || '(empty)').slice(0, MAX_TOOL_LENGTH)
}

/** One host command that ended: its exit code, or null when it never produced one (it threw). */
export function observeHostCommand(
  target: MetricsTarget,
  c: { az: string; argv: readonly string[]; exitCode: number | null | undefined; seconds: number },
): void {
  if (!target || target instanceof Registry) return
  const tool = commandTool(c.argv)
  const exit_code = typeof c.exitCode === 'number' && Number.isFinite(c.exitCode) ? String(c.exitCode) : NO_EXIT_CODE
  target.hostCommands.inc({ az: c.az, tool, exit_code })
  target.hostCommandDuration.observe({ az: c.az, tool }, c.seconds)
}

// ---- single-flight (exec/single-flight.ts) ----------------------------------

function singleFlightHits(registry: Registry): Counter<'az'> {
  return once(
    registry,
    'lws_single_flight_hits_total',
    () =>
      new Counter({
        name: 'lws_single_flight_hits_total',
        help: 'Reads answered by joining an identical read already running on the availability zone (no command of their own)',
        labelNames: ['az'],
        registers: [registry],
      }),
  )
}

/** A read joined one already in flight on `az`. */
export function recordSingleFlightHit(registry: MetricsTarget, az: string): void {
  const r = registryOf(registry)
  if (r) singleFlightHits(r).inc({ az })
}

// ---- SSH pool (exec/shares.ts, exec/ssh.ts) ---------------------------------

/** Every registry's pool sources, by AZ; read at scrape time. */
const poolSources = new WeakMap<Registry, Map<string, PoolStatsSource>>()

function readPools(registry: Registry): Array<[string, PoolStats]> {
  const out: Array<[string, PoolStats]> = []
  for (const [az, source] of poolSources.get(registry) ?? []) {
    try {
      out.push([az, source()])
    } catch {
      // A source that fails (an executor being closed) is left out of this scrape.
    }
  }
  return out
}

function poolMetrics(registry: Registry): void {
  if (poolSources.has(registry)) return
  poolSources.set(registry, new Map())
  const registers = [registry]
  new Gauge({
    name: 'lws_host_channels_in_use',
    help: 'SSH channels of the availability zone in use now, by share (short: quick commands, long: long tasks, stream: streams)',
    labelNames: ['az', 'share'],
    registers,
    collect() {
      this.reset()
      for (const [az, s] of readPools(registry)) for (const share of SHARES) this.set({ az, share }, s.inUse[share])
    },
  })
  new Gauge({
    name: 'lws_host_channels_queued',
    help: 'Commands waiting for a channel of the availability zone now, by share',
    labelNames: ['az', 'share'],
    registers,
    collect() {
      this.reset()
      for (const [az, s] of readPools(registry)) for (const share of SHARES) this.set({ az, share }, s.queued[share])
    },
  })
  new Counter({
    name: 'lws_ssh_reconnects_total',
    help: 'SSH connections to the availability zone made after the first one (after drops or failures)',
    labelNames: ['az'],
    registers,
    collect() {
      this.reset()
      for (const [az, s] of readPools(registry)) this.inc({ az }, s.reconnects)
    },
  })
}

/**
 * Publishes `az`'s channel pool: `stats` is called at every scrape. A second
 * call for the same AZ replaces the first. Returns a function that removes
 * it again (when the executor closes).
 */
export function registerPoolStats(registry: MetricsTarget, az: string, stats: PoolStatsSource): () => void {
  const r = registryOf(registry)
  if (!r) return () => {}
  poolMetrics(r)
  const sources = poolSources.get(r)!
  sources.set(az, stats)
  return () => {
    if (sources.get(az) === stats) sources.delete(az)
  }
}
