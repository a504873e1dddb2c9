/**
 * Builds the PluginContext: everything a plugin may use at run time. The one
 * place that decides what plugins receive (see types.ts).
 */
import { Elysia } from 'elysia'
import type { LwsConfig } from '../config/load.ts'
import * as errors from '../errors/catalogue.ts'
import { Semaphore } from '../exec/semaphore.ts'
import type { ZoneRegistry } from '../hosts/registry.ts'
import { t } from '../http/openapi/typebox.ts'
import * as sse from '../http/sse.ts'
import type { Logger } from '../log.ts'
import { runAsOperation } from '../operations/http.ts'
import { operationResponses } from '../operations/schemas.ts'
import type { Operations } from '../operations/service.ts'
import * as net from '../net/ipv4.ts'
import * as ids from '../proxmox/ids.ts'
import * as time from '../util/deadline.ts'
import { HOST_API_VERSION } from './host-api.ts'
import { instanceMacro, placementOf } from './instance.ts'
import * as proxmox from './proxmox.ts'
import * as schemas from './schemas.ts'
import type { PluginContext } from './types.ts'

export interface PluginContextDeps {
  config: LwsConfig
  zones: ZoneRegistry
  log: Logger
  operations: Operations
}

export function createPluginContext({ config, zones, log, operations }: PluginContextDeps): PluginContext {
  return {
    ops: {
      run: (c, spec, work) => runAsOperation(operations, c, spec, work),
      responses: operationResponses,
      publishEvent: (type, data) => operations.publishEvent(type, data),
      onRecovery: (kind, handler) => operations.onRecovery(kind, handler),
    },
    hostApi: HOST_API_VERSION,
    Elysia,
    // Strict integers, so a JSON body cannot send `count: "5"` (http/openapi/typebox.ts).
    t,
    config,
    zones,
    log,
    errors,
    schemas,
    ids,
    instance: instanceMacro(zones),
    placementOf,
    net,
    time,
    sse,
    Semaphore,
    proxmox,
  }
}
