/**
 * What the operations tests share: a tiny plugin whose change route runs as
 * an operation (`runAsOperation`) and takes real time — each step is a
 * `sleep` run by the executor of the local AZ, killed on cancel — and an app
 * built around it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { builtinPlugins } from '../../plugins/index.ts'
import { swaggerAssets, uiAssets } from '../../src/assets/bun-embedded.ts'
import { parseConfigText, resolveConfig } from '../../src/config/load.ts'
import { memoryLogger } from '../../src/log.ts'
import { runAsOperation } from '../../src/operations/http.ts'
import { operationResponses } from '../../src/operations/schemas.ts'
import type { Operations } from '../../src/operations/service.ts'
import type { LwsPlugin } from '../../src/plugins/types.ts'
import { buildServer } from '../../src/server.ts'

export const KEY = 'ops-test-key-0123456789'
export const REGION = 'eu-south-1'
export const AZ = 'az1'

/** What the plugin's work did, for the tests to look at. */
export interface SlowState {
  ops?: Operations
  runs: number
  undone: string[]
}

/**
 * POST /slow/instances/{instance_id}/change `{steps, step_ms, fail?, value?}`:
 * `steps` steps of `step_ms` each (a host `sleep`), each adding an undo step;
 * `fail: true` fails after the last step with 409 INSTANCE_LOCKED.
 */
export function slowPlugin(state: SlowState): LwsPlugin {
  return {
    name: 'slow',
    version: '1.0.0',
    hostApi: '^1.0',
    description: 'test plugin: a slow change on a container',
    setup({ Elysia, t, zones, errors, schemas }) {
      return new Elysia({ name: 'slow' }).post(
        '/slow/instances/:instance_id/change',
        (c) => {
          const { params, body } = c
          const zone = zones.resolve(REGION, AZ)
          return runAsOperation(
            state.ops!,
            c,
            { kind: 'slow.change', region: REGION, az: AZ, resources: { instances: [params.instance_id] }, total: body.steps, idempotencyKey: body.client_token },
            async (op) => {
              state.runs++
              for (let i = 0; i < body.steps; i++) {
                op.progress({ done: i, step: `step ${i + 1} of ${body.steps}` })
                op.log(`step ${i + 1}`)
                const r = await zone.exec.run(['sleep', String(body.step_ms / 1000)], { share: 'long', signal: op.signal, timeoutMs: 60_000 })
                op.throwIfCancelled()
                if (r.exitCode !== 0) throw new errors.CommandError(zone.label, ['sleep'], r.stdout, r.stderr, r.exitCode)
                op.revert.add(() => state.undone.push(`${params.instance_id}:${i + 1}`), `undo step ${i + 1}`)
              }
              if (body.fail) throw new errors.ConflictError(`container ${params.instance_id} is locked (test)`, 'INSTANCE_LOCKED')
              return { instance_id: params.instance_id, steps: body.steps, ...(body.value === undefined ? {} : { value: body.value }) }
            },
          )
        },
        {
          params: t.Object({ instance_id: t.String({ pattern: '^[0-9]+$' }) }),
          body: t.Object({
            steps: t.Integer({ minimum: 0, maximum: 100 }),
            step_ms: t.Integer({ minimum: 0, maximum: 60_000 }),
            fail: t.Optional(t.Boolean()),
            value: t.Optional(t.String()),
            client_token: t.Optional(t.String()),
          }),
          response: {
            200: t.Object({ instance_id: t.String(), steps: t.Integer(), value: t.Optional(t.String()) }),
            ...operationResponses(),
            ...schemas.errorResponses(400, 401, 409, 422, 503),
          },
          detail: { tags: ['slow'], summary: 'A slow change (test plugin)' },
        },
      )
    },
  }
}

export function configYaml(extra = ''): string {
  return `
api_key: ${KEY}
regions:
  ${REGION}:
    availability_zones:
      ${AZ}: { host: localhost, local: true }
instance_sizes:
  small: { memory: 512, cpulimit: 1, storage: "local-lvm:4" }
${extra}
`
}

export function tempDir(prefix = 'lws-ops-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

const noPlugins = mkdtempSync(join(tmpdir(), 'lws-ops-noplugins-'))

/** The real app (every built-in plugin plus the slow one), through the edge. `stateDir` null: in memory. */
export async function startOpsApp(opts: { stateDir?: string | null; extra?: string } = {}) {
  const raw = parseConfigText(configYaml(opts.extra), '(inline)') as Record<string, unknown>
  raw.plugins_dir = noPlugins
  if (opts.stateDir) raw.state_dir = opts.stateDir
  const config = resolveConfig(raw, '(inline)', { env: {} })
  const log = memoryLogger()
  const state: SlowState = { runs: 0, undone: [] }
  const parts = await buildServer({ config, builtins: [...builtinPlugins, slowPlugin(state)], assets: { swagger: swaggerAssets, ui: uiAssets }, log })
  state.ops = parts.operations
  const request = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const headers = new Headers(init.headers)
    if (init.key !== null) headers.set('x-api-key', init.key ?? KEY)
    return parts.fetch(new Request(`http://localhost${path}`, { ...init, headers }), { address: '127.0.0.9' })
  }
  const change = (instance: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    request(`/api/v1/slow/instances/${instance}/change`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  const json = async (path: string, init: RequestInit = {}) => {
    const res = await request(path, init)
    return { status: res.status, headers: res.headers, body: (await res.json()) as any }
  }
  const close = async () => {
    await parts.operations.drain(0)
    await parts.zones.closeAll()
    parts.operations.close()
    await parts.store.close()
  }
  return { ...parts, log, state, request, change, json, close }
}

export type OpsApp = Awaited<ReturnType<typeof startOpsApp>>

/** Reads SSE frames from a body until `until` says stop (or `timeoutMs`). */
export async function readFrames(
  body: ReadableStream<Uint8Array>,
  until: (frames: SseFrame[]) => boolean,
  timeoutMs = 10_000,
): Promise<SseFrame[]> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const frames: SseFrame[] = []
  let text = ''
  const deadline = Date.now() + timeoutMs
  try {
    while (!until(frames)) {
      const left = deadline - Date.now()
      if (left <= 0) break
      const r = await Promise.race([reader.read(), Bun.sleep(left).then(() => null)])
      if (!r || r.done) break
      text += decoder.decode(r.value, { stream: true })
      let cut: number
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, cut)
        text = text.slice(cut + 2)
        const f: SseFrame = { data: '' }
        const data: string[] = []
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue
          const [k, ...v] = line.split(':')
          const value = v.join(':').replace(/^ /, '')
          if (k === 'id') f.id = Number(value)
          else if (k === 'event') f.event = value
          else if (k === 'data') data.push(value)
        }
        if (!data.length) continue
        f.data = data.join('\n')
        frames.push(f)
      }
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
  return frames
}

export interface SseFrame {
  id?: number
  event?: string
  data: string
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
