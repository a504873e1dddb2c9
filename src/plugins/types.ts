/**
 * The contract between the core and a plugin. A plugin never imports the
 * core or another plugin at run time: everything arrives in PluginContext,
 * so a third-party plugin loaded by the compiled binary needs no
 * node_modules of its own (only `import type` lines, which are erased).
 */
import type { TSchema, Type } from '@sinclair/typebox'
import type { Elysia, t } from 'elysia'
import type { LwsConfig } from '../config/load.ts'
import type * as errors from '../errors/catalogue.ts'
import type { ZoneRegistry } from '../hosts/registry.ts'
import type * as schemas from '../http/schemas.ts'
import type { Logger } from '../log.ts'
import type * as ids from '../proxmox/ids.ts'

export interface PluginContext {
  /** Elysia class of the host: use it for `new Elysia({ name })`. */
  Elysia: typeof Elysia
  /** TypeBox builder of the host's Elysia, so validation and docs apply. */
  t: typeof t
  config: Readonly<LwsConfig>
  zones: ZoneRegistry
  log: Logger
  errors: typeof errors
  schemas: typeof schemas
  ids: typeof ids
}

export interface LwsPlugin {
  /** Unique; also the OpenAPI tag unless the routes set their own. */
  name: string
  /** Semver of the plugin. */
  version: string
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

/** Identity helper that gives a plugin object its type. */
export function definePlugin(plugin: LwsPlugin): LwsPlugin {
  return plugin
}

export interface LoadedPlugin {
  plugin: LwsPlugin
  source: 'builtin' | string
}

export interface PluginFailure {
  path: string
  reason: string
}
