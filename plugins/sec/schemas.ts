/**
 * Request and response schemas of the sec routes, built from the host's `t`
 * so validation and the OpenAPI document are the host's own. Every value that
 * can reach a command carries a strict pattern or bound.
 */
import type { PluginContext } from '../../src/plugins/types.ts'
import { SCAN_MODES } from './scan-script.ts'
import { SEVERITIES } from './findings/types.ts'

export const DISCOVERY_TIMEOUT = { default: 120, min: 5, max: 600 } as const
export const SCAN_TIMEOUT = { quick: 30, full: 120, min: 5, max: 600 } as const

export function secSchemas({ t, schemas, ids }: Pick<PluginContext, 't' | 'schemas' | 'ids'>) {
  const P = ids.PATTERNS
  const Seconds = (what: string, lim: { min: number; max: number }, dflt: string) =>
    t.Integer({ minimum: lim.min, maximum: lim.max, description: `${what}, seconds (${lim.min}–${lim.max}, default ${dflt})` })
  const placement = {
    region: t.String({ description: 'Region of the Proxmox host' }),
    az: t.String({ description: 'Availability zone of the Proxmox host' }),
  }

  // ------------------------------------------------------------ discovery
  const DiscoveryQuery = t.Object({
    lxc_id: t.Optional(t.String({ pattern: P.vmid, description: 'Also sweep the subnets of this container (VMID), from inside it', examples: ['100'] })),
    ...schemas.zoneFields,
    timeout: t.Optional(
      Seconds('Time limit of the whole discovery; subnets not swept in time are reported as timed out', DISCOVERY_TIMEOUT, String(DISCOVERY_TIMEOUT.default)),
    ),
  })
  const FoundHost = t.Object(
    {
      address: t.String({ description: 'IPv4 address that answered' }),
      method: t.String({ description: '`ping`, `tcp:PORT` (port open) or `tcp-refused:PORT` (the host reset the connection: it is there, the port is closed)' }),
      rtt_ms: t.Union([t.Number(), t.Null()], { description: 'Round-trip time in milliseconds (tcp: connect time, including starting the probe)' }),
    },
    { title: 'SecFoundHost' },
  )
  const SubnetResult = t.Object(
    {
      interface: t.String({ description: 'Interface the subnet is on' }),
      source_address: t.String({ description: 'Address of that interface: the probes come from it (and it is not probed)' }),
      subnet: t.String({ description: 'network/prefix' }),
      host_addresses: t.Integer({ description: 'Addresses in the subnet without network and broadcast' }),
      status: t.UnionEnum(['complete', 'partial', 'timed_out', 'refused', 'failed'], {
        description:
          'complete; partial (the time limit stopped it, `skipped` addresses not probed); timed_out (nothing came back in time); ' +
          'refused (larger than security.discovery.max_prefix, or no host addresses); failed (see detail)',
      }),
      detail: t.Union([t.String(), t.Null()]),
      skipped: t.Integer({ description: 'Addresses not probed' }),
      hosts: t.Array(FoundHost),
      duration_ms: t.Number(),
    },
    { title: 'SecSubnetSweep' },
  )
  const Level = t.Object(
    {
      level: t.Union([t.Literal('host'), t.Literal('container')]),
      source: t.String({ description: 'Where the probes ran: the Proxmox node, or the container' }),
      lxc_id: t.Union([t.String(), t.Null()]),
      probe_timeout_s: t.Integer({ description: 'Seconds one probe waits (security.discovery proxmox_timeout / lxc_timeout)' }),
      subnets: t.Array(SubnetResult),
    },
    { title: 'SecDiscoveryLevel' },
  )
  const DiscoveryResponse = t.Object(
    {
      ...placement,
      lxc_id: t.Union([t.String(), t.Null()]),
      methods: t.Array(t.String(), { description: 'From security.discovery.discovery_methods' }),
      tcp_ports: t.Array(t.Integer(), { description: 'Ports tried by the tcp method (empty without it)' }),
      max_parallel_workers: t.Integer(),
      max_prefix: t.Integer({ description: 'Largest subnet swept, as a prefix length' }),
      levels: t.Array(Level),
      hosts_found: t.Integer({ description: 'Distinct addresses found on all levels' }),
      timed_out: t.Array(t.String(), { description: '`level subnet` of every sweep the time limit cut short' }),
      partial: t.Boolean({ description: 'Some sweep did not complete' }),
      duration_ms: t.Number(),
    },
    { title: 'SecDiscovery' },
  )

  // ------------------------------------------------------------ scan
  const ScanParams = schemas.InstanceIdParams
  const ScanQuery = t.Object({
    scan_type: t.Optional(
      t.UnionEnum(SCAN_MODES, {
        description: 'quick (default): config, listeners, SSH, accounts. full adds package updates, file permissions, SUID binaries and the host’s versions.',
      }),
    ),
    ...schemas.zoneFields,
    timeout: t.Optional(Seconds('Time limit of the scan; checks not done in time are reported as timed out', SCAN_TIMEOUT, `${SCAN_TIMEOUT.quick} quick, ${SCAN_TIMEOUT.full} full`)),
  })
  const Finding = t.Object(
    {
      id: t.String({ description: 'Stable id: check, or check:item (e.g. account-empty-password:guest)' }),
      category: t.String({ description: 'config, accounts, ssh, listeners, packages, files, host' }),
      title: t.String(),
      severity: t.UnionEnum(SEVERITIES),
      evidence: t.String({ description: 'What was seen' }),
      remediation: t.String({ description: 'What to do' }),
    },
    { title: 'SecFinding' },
  )
  const Check = t.Object(
    {
      check: t.String({ description: 'config, accounts, ssh, listeners; full: packages, world_writable, suid, host' }),
      status: t.UnionEnum(['ok', 'timed_out', 'skipped', 'unavailable', 'failed']),
      detail: t.Union([t.String(), t.Null()]),
    },
    { title: 'SecCheck' },
  )
  const Summary = t.Object(
    { critical: t.Integer(), high: t.Integer(), medium: t.Integer(), low: t.Integer(), info: t.Integer(), total: t.Integer() },
    { title: 'SecSeverityCounts' },
  )
  const ScanResponse = t.Object(
    {
      instance_id: t.String(),
      ...placement,
      scan_type: t.UnionEnum(SCAN_MODES),
      os: t.Union([t.String(), t.Null()], { description: 'PRETTY_NAME from /etc/os-release' }),
      started_at: t.String({ description: 'ISO 8601' }),
      duration_ms: t.Number(),
      summary: Summary,
      findings: t.Array(Finding, { description: 'Most severe first' }),
      checks: t.Array(Check),
      timed_out: t.Array(t.String(), { description: 'Checks the time limit cut short' }),
      partial: t.Boolean({ description: 'Some check did not complete (timed out, skipped, failed)' }),
    },
    { title: 'SecScan' },
  )

  return { DiscoveryQuery, DiscoveryResponse, ScanParams, ScanQuery, ScanResponse, errors: schemas.errorResponses }
}

export type SecSchemas = ReturnType<typeof secSchemas>
