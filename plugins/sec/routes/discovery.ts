/**
 * GET /sec/discovery — reachable hosts on the Proxmox host's subnets and,
 * with `lxc_id`, on the container's subnets seen from inside it.
 */
import type { SecContext } from '../context.ts'
import { DISCOVERY_TIMEOUT } from '../schemas.ts'
import { Discovery, type LevelResult } from '../discover.ts'

export function discoveryRoute(c: SecContext) {
  return new c.Elysia({ name: 'sec-discovery' }).get(
    '/sec/discovery',
    async ({ query, request }) => {
      const zone = c.zones.resolve(query.region, query.az)
      // lxc_id is checked by the query schema (and again by the Proxmox layer).
      const vmid = query.lxc_id
      const run = new Discovery(c, query.timeout ?? DISCOVERY_TIMEOUT.default, request.signal)
      // Addresses first (an unknown or stopped container fails the request before any sweep).
      const [hostAddrs, ctAddrs] = await Promise.all([
        run.hostAddresses(zone),
        vmid === undefined ? Promise.resolve(undefined) : run.containerAddresses(zone, vmid),
      ])
      const levels: LevelResult[] = [await run.level(zone, 'host', hostAddrs)]
      if (vmid !== undefined && ctAddrs) levels.push(await run.level(zone, 'container', ctAddrs, vmid))
      const d = c.discovery
      const timedOut = levels.flatMap((l) =>
        l.subnets.filter((s) => s.status === 'timed_out' || s.status === 'partial').map((s) => `${l.level} ${s.subnet}`),
      )
      return {
        ...c.placementOf(zone),
        lxc_id: vmid ?? null,
        methods: [...d.methods],
        tcp_ports: d.methods.includes('tcp') ? [...d.tcpPorts] : [],
        max_parallel_workers: d.workers,
        max_prefix: d.maxPrefix,
        levels,
        hosts_found: new Set(levels.flatMap((l) => l.subnets.flatMap((s) => s.hosts.map((h) => h.address)))).size,
        timed_out: timedOut,
        partial: levels.some((l) => l.subnets.some((s) => s.status === 'timed_out' || s.status === 'partial' || s.status === 'failed')),
        duration_ms: run.elapsedMs(),
      }
    },
    {
      query: c.s.DiscoveryQuery,
      response: { 200: c.s.DiscoveryResponse, ...c.s.errors(400, 401, 404, 409, 500, 502, 504) },
      detail: {
        tags: ['sec'],
        summary: 'Discover reachable hosts on the subnets of the Proxmox host (and of a container)',
        description:
          'Lists the IPv4 subnets of the Proxmox host (loopback left out) and, with `lxc_id`, of that container from inside it, then sweeps each ' +
          'subnet with one command run there, probing its addresses in parallel (`security.discovery`: `discovery_methods` ping and/or tcp, ' +
          '`tcp_ports`, `max_parallel_workers`, `proxmox_timeout` / `lxc_timeout` per probe). Network and broadcast addresses are skipped; ' +
          'subnets larger than `max_prefix` (default /24) are refused. Sweeps that the time limit cuts short are reported in `timed_out`. ' +
          'An unknown container → 404, a stopped one → 409.',
      },
    },
  )
}
