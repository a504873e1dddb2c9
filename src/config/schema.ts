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

export const ConfigSchema = T.Object(
  {
    api_key: T.Optional(T.Union([T.String(), T.Null()])),
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
