/**
 * The config file schema. It accepts the original LWS `config.yaml`
 * unchanged: objects allow extra keys (the original has `scaling`, comments,
 * `ssh_command_timeout`, `api.debug`...), known keys are typed.
 */
import { Type as T, type Static } from '@sinclair/typebox'
import { PATTERNS } from '../proxmox/ids.ts'

const open = { additionalProperties: true } as const

export const ZoneSchema = T.Object(
  {
    host: T.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9:._\\[\\]-]+$' }),
    user: T.Optional(T.String({ minLength: 1, maxLength: 64, pattern: '^[a-z_][a-z0-9_.-]*$' })),
    ssh_password: T.Optional(T.String()),
    ssh_port: T.Optional(T.Integer({ minimum: 1, maximum: 65535 })),
    ssh_key_file: T.Optional(T.String({ minLength: 1 })),
    ssh_host_fingerprint: T.Optional(T.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}=?$' })),
    local: T.Optional(T.Boolean()),
    node: T.Optional(T.String({ pattern: PATTERNS.node })),
  },
  open,
)

export const RegionSchema = T.Object(
  { availability_zones: T.Record(T.String({ pattern: PATTERNS.zoneName }), ZoneSchema) },
  open,
)

export const InstanceSizeSchema = T.Object(
  {
    memory: T.Integer({ minimum: 16 }),
    cpulimit: T.Optional(T.Number({ minimum: 0, maximum: 8192 })),
    cores: T.Optional(T.Integer({ minimum: 1, maximum: 8192 })),
    swap: T.Optional(T.Integer({ minimum: 0 })),
    storage: T.Optional(T.Union([T.String({ pattern: `${PATTERNS.volumeSpec}|^\\d+(\\.\\d+)?$` }), T.Number({ minimum: 0 })])),
  },
  open,
)

export const ROLES = ['read', 'operator', 'admin'] as const

/** One API key: who it is (id, in audit and logs), what it may do (role) and where (regions, zones). */
export const ApiKeySchema = T.Object(
  {
    id: T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
    /** The key itself (at least 16 characters), or better its hex SHA-256 in key_sha256 so the config does not hold it. */
    key: T.Optional(T.String({ minLength: 16, maxLength: 512 })),
    key_sha256: T.Optional(T.String({ pattern: '^[0-9a-fA-F]{64}$' })),
    role: T.Union(ROLES.map((r) => T.Literal(r))),
    /** Regions the key may reach; with zones, the union. Neither → every region. */
    regions: T.Optional(T.Array(T.String({ pattern: PATTERNS.zoneName }), { minItems: 1 })),
    /** `region/az` names the key may reach. */
    zones: T.Optional(T.Array(T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}/[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' }), { minItems: 1 })),
    /** One limit for all of this key's requests, instead of the default reads/changes limits. */
    rate: T.Optional(T.Object({ per_minute: T.Integer({ minimum: 1, maximum: 1_000_000 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
)

export const ConfigSchema = T.Object(
  {
    api_key: T.Optional(T.Union([T.String(), T.Null()])),
    /** Keys with roles and scopes (access control); api_key / LWS_API_KEY stays an admin key with id `default`. */
    api_keys: T.Optional(T.Array(ApiKeySchema)),
    api: T.Optional(
      T.Object(
        {
          host: T.Optional(T.String({ minLength: 1 })),
          port: T.Optional(T.Integer({ minimum: 0, maximum: 65535 })),
          allowed_origins: T.Optional(T.Array(T.String())),
          /** Seconds a quick host command may run before it is stopped (default 60). */
          command_timeout: T.Optional(T.Number({ minimum: 1 })),
          /** Seconds a long task (container create, Docker setup, template download) may run (default 900, at least command_timeout). */
          task_timeout: T.Optional(T.Number({ minimum: 1 })),
          /** Max request body in bytes (default 1 MiB). */
          max_body_bytes: T.Optional(T.Integer({ minimum: 1024 })),
          /** Seconds a request body may take to arrive (default 30) → 408. */
          body_timeout: T.Optional(T.Number({ minimum: 1, maximum: 3600 })),
          /** Bytes kept per output stream of exec, app and logs (default 8 MiB); the rest is dropped, `truncated: true`. */
          max_output_bytes: T.Optional(T.Integer({ minimum: 1024 })),
          /** Failed API keys per client address and minute before 429 (default 20). */
          auth_failures_per_minute: T.Optional(T.Integer({ minimum: 1, maximum: 100_000 })),
          /** Deepest JSON nesting a request body may have (default 32) → 400. */
          max_json_depth: T.Optional(T.Integer({ minimum: 2, maximum: 256 })),
          /** Seconds a stopping LWS (SIGTERM) waits for running operations (default 30). */
          shutdown_grace: T.Optional(T.Number({ minimum: 0, maximum: 3600 })),
          /** Serve HTTPS with this PEM certificate (chain) and key. */
          tls: T.Optional(T.Object({ cert: T.String({ minLength: 1 }), key: T.String({ minLength: 1 }) }, { additionalProperties: false })),
          /** Proxy addresses (IPs or CIDRs) whose X-Forwarded-For is believed; the client address is otherwise the peer's. */
          trusted_proxies: T.Optional(T.Array(T.String({ minLength: 1, maxLength: 64 }))),
          /** Default per-key limits, for keys without `rate` (600 reads and 120 changes a minute). */
          rate_limits: T.Optional(
            T.Object(
              { reads_per_minute: T.Optional(T.Integer({ minimum: 1, maximum: 1_000_000 })), changes_per_minute: T.Optional(T.Integer({ minimum: 1, maximum: 1_000_000 })) },
              { additionalProperties: false },
            ),
          ),
        },
        open,
      ),
    ),
    use_local_only: T.Optional(T.Boolean()),
    start_vmid: T.Optional(T.Integer({ minimum: 100, maximum: 999_999_999 })),
    default_storage: T.Optional(T.String({ pattern: PATTERNS.storageId })),
    default_network: T.Optional(T.String({ pattern: PATTERNS.bridge })),
    default_region: T.Optional(T.String({ pattern: PATTERNS.zoneName })),
    default_az: T.Optional(T.String({ pattern: PATTERNS.zoneName })),
    minimum_resources: T.Optional(T.Object({}, open)),
    regions: T.Record(T.String({ pattern: PATTERNS.zoneName }), RegionSchema, { minProperties: 1 }),
    instance_sizes: T.Optional(T.Record(T.String({ pattern: PATTERNS.zoneName }), InstanceSizeSchema)),
    scaling: T.Optional(T.Object({}, open)),
    security: T.Optional(T.Object({}, open)),
    plugins_dir: T.Optional(T.String({ minLength: 1 })),
    /** Folder of the state database (operations, logs, idempotency keys, events); default ./.lws-state next to the config. */
    state_dir: T.Optional(T.String({ minLength: 1 })),
    audit: T.Optional(
      T.Object(
        {
          /** Days audit entries are kept (default 90). */
          retention_days: T.Optional(T.Number({ minimum: 1, maximum: 36500 })),
        },
        open,
      ),
    ),
    operations: T.Optional(
      T.Object(
        {
          /** Days finished operations (with their logs and events) are kept (default 7). */
          retention_days: T.Optional(T.Number({ minimum: 1, maximum: 3650 })),
        },
        open,
      ),
    ),
  },
  open,
)

export type RawConfig = Static<typeof ConfigSchema>
export type InstanceSize = Static<typeof InstanceSizeSchema>
