/**
 * Reads `lws.config.yaml`, validates it and resolves defaults into the shape
 * the rest of LWS uses. Relative paths (key files, plugins_dir) are resolved
 * against the config file's folder, so the server can be started from anywhere.
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import { createHash } from 'node:crypto'
import { type InstanceSize, type RawConfig, ROLES } from './schema.ts'
import { validateRaw } from './validate.ts'

export interface Zone {
  region: string
  az: string
  host: string
  user: string
  port: number
  password?: string
  keyFile?: string
  fingerprint?: string
  local: boolean
  node?: string
}

export type Role = (typeof ROLES)[number]

/** An API key as the guard uses it: never the key itself, only its SHA-256. */
export interface ApiKey {
  id: string
  /** SHA-256 of the key (32 bytes). */
  sha256: Uint8Array
  role: Role
  /** Regions and `region/az` names it may reach; both null → everywhere. */
  regions: string[] | null
  zones: string[] | null
  /** One limit a minute for all its requests, or null for the default reads/changes limits. */
  perMinute: number | null
}

export interface LwsConfig {
  /** The file it came from (absolute), or '(inline)'. */
  source: string
  raw: RawConfig
  apiKey: string
  /** True when no key was configured and one was generated for this run. */
  apiKeyGenerated: boolean
  /** Every key the guard accepts: `default` (api_key, admin) first, then api_keys. */
  apiKeys: ApiKey[]
  /** PEM files HTTPS is served with (api.tls, absolute), or null for plain HTTP. */
  tls: { cert: string; key: string } | null
  /** Peers whose X-Forwarded-For is believed (api.trusted_proxies: IPs or CIDRs). */
  trustedProxies: string[]
  /** Default per-key limits a minute (api.rate_limits). */
  readsPerMinute: number
  changesPerMinute: number
  /** Audit entries are kept this many days (audit.retention_days). */
  auditRetentionDays: number
  host: string
  port: number
  allowedOrigins: string[]
  /** Limit of a quick host command (api.command_timeout). */
  commandTimeoutMs: number
  /** Limit of a long task: container create, Docker setup, template download (api.task_timeout). */
  taskTimeoutMs: number
  maxBodyBytes: number
  /** A request body must arrive within this (api.body_timeout). */
  bodyTimeoutMs: number
  /** Bytes kept per output stream of a host command (api.max_output_bytes). */
  maxOutputBytes: number
  authFailuresPerMinute: number
  maxJsonDepth: number
  zones: Zone[]
  defaultRegion: string
  defaultAz: string
  instanceSizes: Record<string, InstanceSize>
  startVmid: number
  defaultStorage: string
  defaultNetwork: string
  pluginsDir: string
  /**
   * Folder of the state database (state_dir; default ./.lws-state next to
   * the config file). null for an inline config without state_dir (tests,
   * config checks): the state is then kept in memory only.
   */
  stateDir: string | null
  /** Finished operations are kept this many days (operations.retention_days). */
  operationsRetentionDays: number
  /** How long a stopping LWS waits for running operations (api.shutdown_grace). */
  shutdownGraceMs: number
  /**
   * `host:port` the server is bound to, set by the entry once it listens:
   * `--port` and port 0 (random) make the configured port an unreliable
   * answer. Absent while nothing listens (in-process use, tests).
   */
  listen?: string
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${source}:\n  ${problems.join('\n  ')}`)
  }
}

export function parseConfigText(text: string, source: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true })
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message.split('\n')[0] : String(err)
    throw new ConfigError(source, [`(yaml): ${msg}`])
  }
}

export const sha256 = (s: string): Uint8Array => Uint8Array.from(createHash('sha256').update(s).digest())

export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return Buffer.from(bytes).toString('base64url')
}

export interface ResolveOptions {
  env?: Record<string, string | undefined>
}

/** Validates and resolves; throws ConfigError with every problem. */
export function resolveConfig(raw: unknown, source: string, opts: ResolveOptions = {}): LwsConfig {
  const baseDir = source === '(inline)' ? process.cwd() : dirname(source)
  const problems = validateRaw(raw, baseDir)
  if (problems.length) throw new ConfigError(source, problems)
  const cfg = raw as RawConfig
  const env = opts.env ?? process.env
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p))

  const zones: Zone[] = []
  for (const [region, r] of Object.entries(cfg.regions)) {
    for (const [az, z] of Object.entries(r.availability_zones)) {
      zones.push({
        region,
        az,
        host: z.host,
        user: z.user ?? 'root',
        port: z.ssh_port ?? 22,
        password: z.ssh_password || undefined,
        keyFile: z.ssh_key_file ? abs(z.ssh_key_file) : undefined,
        fingerprint: z.ssh_host_fingerprint,
        local: cfg.use_local_only === true || z.local === true,
        node: z.node,
      })
    }
  }
  const defaultRegion = cfg.default_region ?? zones[0]!.region
  const defaultAz = cfg.default_az ?? zones.find((z) => z.region === defaultRegion)!.az

  const commandTimeoutMs = Math.round((cfg.api?.command_timeout ?? 60) * 1000)
  // Someone who raised only command_timeout (e.g. the original's 3600) would not expect long tasks cut sooner than quick commands.
  const taskTimeoutMs = Math.round((cfg.api?.task_timeout ?? Math.max(900, commandTimeoutMs / 1000)) * 1000)

  const configuredKey = env.LWS_API_KEY || (typeof cfg.api_key === 'string' ? cfg.api_key : '')
  const listed = cfg.api_keys ?? []
  // With api_keys and no api_key there is no `default` key: nothing is generated either.
  const apiKey = configuredKey || (listed.length ? '' : generateApiKey())
  const apiKeys: ApiKey[] = [
    ...(apiKey ? [{ id: 'default', sha256: sha256(apiKey), role: 'admin' as const, regions: null, zones: null, perMinute: null }] : []),
    ...listed.map((k) => ({
      id: k.id,
      sha256: k.key_sha256 ? Uint8Array.from(Buffer.from(k.key_sha256, 'hex')) : sha256(k.key!),
      role: k.role,
      regions: k.regions ?? null,
      zones: k.zones ?? null,
      perMinute: k.rate?.per_minute ?? null,
    })),
  ]
  return {
    source,
    raw: cfg,
    apiKey,
    apiKeyGenerated: !configuredKey && !listed.length,
    apiKeys,
    tls: cfg.api?.tls ? { cert: abs(cfg.api.tls.cert), key: abs(cfg.api.tls.key) } : null,
    trustedProxies: cfg.api?.trusted_proxies ?? [],
    readsPerMinute: cfg.api?.rate_limits?.reads_per_minute ?? 600,
    changesPerMinute: cfg.api?.rate_limits?.changes_per_minute ?? 120,
    auditRetentionDays: cfg.audit?.retention_days ?? 90,
    host: cfg.api?.host ?? '0.0.0.0',
    port: cfg.api?.port ?? 8080,
    allowedOrigins: cfg.api?.allowed_origins ?? [],
    commandTimeoutMs,
    taskTimeoutMs,
    maxBodyBytes: cfg.api?.max_body_bytes ?? 1024 * 1024,
    bodyTimeoutMs: Math.round((cfg.api?.body_timeout ?? 30) * 1000),
    maxOutputBytes: cfg.api?.max_output_bytes ?? 8 * 1024 * 1024,
    authFailuresPerMinute: cfg.api?.auth_failures_per_minute ?? 20,
    maxJsonDepth: cfg.api?.max_json_depth ?? 32,
    zones,
    defaultRegion,
    defaultAz,
    instanceSizes: cfg.instance_sizes ?? {},
    startVmid: cfg.start_vmid ?? 10000,
    defaultStorage: cfg.default_storage ?? 'local-lvm',
    defaultNetwork: cfg.default_network ?? 'vmbr0',
    pluginsDir: abs(cfg.plugins_dir ?? './plugins.d'),
    stateDir: cfg.state_dir ? abs(cfg.state_dir) : source === '(inline)' ? null : abs('./.lws-state'),
    operationsRetentionDays: cfg.operations?.retention_days ?? 7,
    shutdownGraceMs: Math.round((cfg.api?.shutdown_grace ?? 30) * 1000),
  }
}

export function loadConfigFile(path: string, opts: ResolveOptions = {}): LwsConfig {
  const source = resolve(path)
  let text: string
  try {
    text = readFileSync(source, 'utf8')
  } catch (err) {
    throw new ConfigError(source, [`(file): cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`])
  }
  return resolveConfig(parseConfigText(text, source), source, opts)
}

/** `host:port` as a URL authority: IPv6 hosts in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`
}

/** `--config FILE`, then `LWS_CONFIG`, then `./lws.config.yaml`. */
export function configPathFrom(flag: string | undefined, env: Record<string, string | undefined> = process.env): string {
  return flag ?? env.LWS_CONFIG ?? 'lws.config.yaml'
}
