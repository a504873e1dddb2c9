/**
 * `security.discovery` from the config: checked with TypeBox, defaults filled
 * in. The core keeps `security` as an open object, so this plugin owns its
 * shape. A bad value fails the plugin's setup with `path: message` lines.
 */
import { Type as T, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

export const DISCOVERY_METHODS = ['ping', 'tcp'] as const
export type DiscoveryMethod = (typeof DISCOVERY_METHODS)[number]

/** Hard limits, whatever the config says. */
export const LIMITS = {
  /** Largest subnet ever swept: /16 (65 534 addresses). */
  minPrefix: 16,
  maxWorkers: 64,
  maxProbeTimeoutS: 30,
  maxPorts: 16,
} as const

const Seconds = (description: string) => T.Number({ minimum: 1, maximum: LIMITS.maxProbeTimeoutS, description })

export const DiscoveryConfigSchema = T.Object(
  {
    discovery_methods: T.Optional(
      T.Array(T.Union(DISCOVERY_METHODS.map((m) => T.Literal(m))), {
        minItems: 1,
        maxItems: DISCOVERY_METHODS.length,
        uniqueItems: true,
        description: 'ping (ICMP echo) and/or tcp (connect to tcp_ports)',
      }),
    ),
    tcp_ports: T.Optional(
      T.Array(T.Integer({ minimum: 1, maximum: 65535 }), { minItems: 1, maxItems: LIMITS.maxPorts, uniqueItems: true }),
    ),
    max_parallel_workers: T.Optional(T.Integer({ minimum: 1, maximum: LIMITS.maxWorkers })),
    proxmox_timeout: T.Optional(Seconds('seconds one probe from the Proxmox host may wait')),
    lxc_timeout: T.Optional(Seconds('seconds one probe from inside a container may wait')),
    max_prefix: T.Optional(T.Integer({ minimum: LIMITS.minPrefix, maximum: 30, description: 'largest subnet swept, as a prefix length' })),
  },
  { additionalProperties: true },
)

export type DiscoveryConfig = Static<typeof DiscoveryConfigSchema>

export interface DiscoverySettings {
  methods: DiscoveryMethod[]
  tcpPorts: number[]
  workers: number
  /** Whole seconds (ping -W and nc -w take integers). */
  hostProbeTimeoutS: number
  lxcProbeTimeoutS: number
  /** Subnets with a shorter prefix (more addresses) are refused. */
  maxPrefix: number
}

export const DEFAULT_SETTINGS: DiscoverySettings = {
  methods: ['ping'],
  tcpPorts: [22, 80, 443, 8006],
  workers: 10,
  hostProbeTimeoutS: 2,
  lxcProbeTimeoutS: 2,
  maxPrefix: 24,
}

export class DiscoveryConfigError extends Error {}

/** `raw.security?.discovery` → settings; throws DiscoveryConfigError listing every problem. */
export function discoverySettings(raw: unknown): DiscoverySettings {
  const security = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).security : undefined
  const d = security && typeof security === 'object' ? (security as Record<string, unknown>).discovery : undefined
  if (d === undefined || d === null) return { ...DEFAULT_SETTINGS }
  if (!Value.Check(DiscoveryConfigSchema, d)) {
    const problems = [...Value.Errors(DiscoveryConfigSchema, d)].map(
      (e) => `security.discovery${e.path.replaceAll('/', '.')}: ${e.message}`,
    )
    throw new DiscoveryConfigError(problems.slice(0, 10).join('; ') || 'security.discovery: invalid')
  }
  const c = d as DiscoveryConfig
  return {
    methods: c.discovery_methods ? [...c.discovery_methods] : [...DEFAULT_SETTINGS.methods],
    tcpPorts: c.tcp_ports ? [...c.tcp_ports] : [...DEFAULT_SETTINGS.tcpPorts],
    workers: c.max_parallel_workers ?? DEFAULT_SETTINGS.workers,
    hostProbeTimeoutS: Math.ceil(c.proxmox_timeout ?? DEFAULT_SETTINGS.hostProbeTimeoutS),
    lxcProbeTimeoutS: Math.ceil(c.lxc_timeout ?? DEFAULT_SETTINGS.lxcProbeTimeoutS),
    maxPrefix: c.max_prefix ?? DEFAULT_SETTINGS.maxPrefix,
  }
}
