/**
 * Builds the real LWS app (all middleware, plugins from a plugins_dir) for
 * HTTP tests driven through `app.handle(new Request(...))`.
 */
import { join } from 'node:path'
import { builtinPlugins } from '../../plugins/index.ts'
import { swaggerAssets, uiAssets } from '../../src/assets/bun-embedded.ts'
import { parseConfigText, resolveConfig } from '../../src/config/load.ts'
import { memoryLogger } from '../../src/log.ts'
import { buildServer } from '../../src/server.ts'

export const KEY = 'test-key-0123456789'
export const FIXTURE_PLUGINS = join(import.meta.dir, '../fixtures/plugins.d')

export const BASE_CONFIG = `
api_key: ${KEY}
api:
  allowed_origins: ["http://allowed.example"]
regions:
  eu-south-1:
    availability_zones:
      az1:
        host: localhost
        local: true
instance_sizes:
  small: { memory: 512, cpulimit: 1, storage: "local-lvm:4" }
  medium: { memory: 1024, cpulimit: 2, storage: "local-lvm:8" }
`

export async function startApp(yaml = BASE_CONFIG, pluginsDir = FIXTURE_PLUGINS) {
  const raw = parseConfigText(yaml, '(inline)') as Record<string, unknown>
  raw.plugins_dir = pluginsDir
  const config = resolveConfig(raw, '(inline)', { env: {} })
  const log = memoryLogger()
  const parts = await buildServer({ config, builtins: builtinPlugins, assets: { swagger: swaggerAssets, ui: uiAssets }, log })
  /** Through the HTTP edge, as a server would; `address` plays the client's address. */
  const request = (path: string, init: RequestInit & { key?: string | null; address?: string } = {}) => {
    const headers = new Headers(init.headers)
    const key = init.key === undefined ? KEY : init.key
    if (key !== null) headers.set('x-api-key', key)
    return parts.fetch(new Request(`http://localhost${path}`, { ...init, headers }), { address: init.address ?? '127.0.0.9' })
  }
  const json = async (path: string, body: unknown, init: RequestInit & { key?: string | null; address?: string } = {}) =>
    request(path, {
      method: 'POST',
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
      body: JSON.stringify(body),
    })
  return { ...parts, log, request, json }
}

export async function errorBody(res: Response) {
  const body = (await res.json()) as { error: string; details: string; return_code: number; code: string }
  return body
}
