/**
 * The contract between the core and a plugin. A plugin never imports the
 * core or another plugin at run time: everything it uses arrives in
 * PluginContext (built in context.ts), so a third-party plugin loaded by the
 * compiled binary needs no node_modules of its own. `import type` lines of
 * the core are fine — they are erased — and are how a plugin names the core's
 * types (ZoneHandle, ContainerConfig, ...). A test (tests/unit/
 * plugin-imports.test.ts) holds the built-in plugins to this.
 *
 * The context is versioned as the host API (host-api.ts): a plugin declares
 * the versions it works with in `hostApi`, and the loader refuses it when
 * this host's version is not among them.
 */
import type { TSchema, Type } from '@sinclair/typebox'
import type { Elysia, t } from 'elysia'
import type { LwsConfig } from '../config/load.ts'
import type * as errors from '../errors/catalogue.ts'
import type { Semaphore } from '../exec/semaphore.ts'
import type { ZoneRegistry } from '../hosts/registry.ts'
import type * as sse from '../http/sse.ts'
import type { Logger } from '../log.ts'
import type { HandlerContext, RunSpec } from '../operations/http.ts'
import type { operationResponses } from '../operations/schemas.ts'
import type { OpContext, Operations } from '../operations/service.ts'
import type { OperationBody } from '../operations/view.ts'
import type * as net from '../net/ipv4.ts'
import type * as ids from '../proxmox/ids.ts'
import type * as time from '../util/deadline.ts'
import type { InstanceMacro, placementOf } from './instance.ts'
import type * as proxmox from './proxmox.ts'
import type * as schemas from './schemas.ts'

/**
 * Changes as tracked operations (src/operations/http.ts): inside a handler,
 * `return c.ops.run(ctx, { kind, region, az, resources }, async (op) => body)`
 * answers `body` as before plus `LWS-Operation`, or 202 with
 * `Prefer: respond-async`, and honours `Idempotency-Key`. Add
 * `...c.ops.responses()` to the route's `response` map.
 */
export interface PluginOperations {
  run: <T>(c: HandlerContext, spec: RunSpec, work: (op: OpContext) => Promise<T> | T) => Promise<T | OperationBody>
  responses: typeof operationResponses
  /** An `instance` event (state changes LWS made or saw) for GET /events. */
  publishEvent: Operations['publishEvent']
  /**
   * How operations of `kind` that a previous process left running are taken
   * over at start (re-attach to their host job, then finish): the handler's
   * result ends it `succeeded`, a throw `failed` (since host API 1.2).
   */
  onRecovery: Operations['onRecovery']
}

export interface PluginContext {
  /** The host API version this context implements (HOST_API_VERSION). */
  hostApi: string
  /** Changes as tracked operations (since host API 1.1). */
  ops: PluginOperations
  /** Elysia class of the host: use it for `new Elysia({ name })`. */
  Elysia: typeof Elysia
  /** TypeBox builder of the host's Elysia, so validation and docs apply. */
  t: typeof t
  config: Readonly<LwsConfig>
  /** Region/AZ resolution (`resolve`, `list`) and per AZ its executor and Proxmox client. */
  zones: ZoneRegistry
  log: Logger
  /** The error catalogue: LwsError and its subclasses, `codeOf`, `formatDuration`. */
  errors: typeof errors
  /** Shared schemas: the Error shape (`errorResponses`), RegionName/AzName/ZoneQuery, `zoneFields`, InstanceId/InstanceIdParams. */
  schemas: typeof schemas
  /** The strict patterns of values that reach commands, and their asserts. */
  ids: typeof ids
  /**
   * The instance-route preamble as an Elysia macro: `.use(ctx.instance)`,
   * then a route option `instance: 'body' | 'query'` (where region/az come
   * from) hands the handler `{ zone, vmid }` (see instance.ts).
   */
  instance: InstanceMacro
  /** `{ region, az }` of a zone, as answers report it. */
  placementOf: typeof placementOf
  /** IPv4 arithmetic (host-address rules per RFC 3021: see src/net/ipv4.ts). */
  net: typeof net
  /** Time limits: `withDeadline`, `Deadline`, `timer`, `DeadlineError`. */
  time: typeof time
  /** Streaming answers: Server-Sent Events and chunked text. */
  sse: typeof sse
  /** FIFO counting semaphore. */
  Semaphore: typeof Semaphore
  /** Proxmox closed sets, size notation, and checks of create options and features. */
  proxmox: typeof proxmox
}

export interface LwsPlugin {
  /** Unique; also the OpenAPI tag unless the routes set their own. */
  name: string
  /** Semver of the plugin. */
  version: string
  /**
   * Host API versions the plugin works with, as a semver range (`'^1.0'`):
   * required — a plugin without it, or whose range this host's
   * HOST_API_VERSION does not satisfy, is refused at registration.
   * (Optional in the type: third-party plugins arrive untyped anyway, and
   * the loader, not the compiler, reports one that lacks it.)
   */
  hostApi?: string
  description?: string
  /** Names of plugins that must be loaded first. */
  dependencies?: string[]
  /**
   * Top-level config key this plugin reads (e.g. `security`), checked
   * against `configSchema` by `lws config validate`, POST /conf/validate and
   * at start, so a bad section is named before a request needs it.
   */
  configKey?: string
  /**
   * TypeBox schema of `config[configKey]` (an absent or null section is not
   * checked). A third-party plugin cannot import TypeBox at run time, so it
   * may give a function that builds the schema with the host's TypeBox
   * `Type` — not Elysia's `t`, whose numbers also accept numeric strings.
   */
  configSchema?: TSchema | ((T: typeof Type) => TSchema)
  /** Returns an Elysia instance whose routes are mounted under /api/v1. */
  setup(ctx: PluginContext): Elysia<any, any, any, any, any, any, any> | Promise<Elysia<any, any, any, any, any, any, any>>
}

export interface LoadedPlugin {
  plugin: LwsPlugin
  source: 'builtin' | string
}

export interface PluginFailure {
  path: string
  reason: string
}
