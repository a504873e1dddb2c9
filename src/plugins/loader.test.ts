/**
 * Registration checks the host API a plugin declares (host-api.ts): a plugin
 * needing a version this host does not provide, or declaring none, is
 * refused with a PluginFailure naming both; the others are mounted.
 */
import { describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { builtinPlugins } from '../../plugins/index.ts'
import { swaggerAssets, uiAssets } from '../assets/bun-embedded.ts'
import { parseConfigText, resolveConfig } from '../config/load.ts'
import { memoryLogger } from '../log.ts'
import { buildServer } from '../server.ts'
import { HOST_API_VERSION } from './host-api.ts'
import { checkPluginShape, loadExternalPlugins, orderPlugins } from './loader.ts'
import type { LoadedPlugin, LwsPlugin } from './types.ts'

const plugin = (name: string, extra: Partial<LwsPlugin> = {}): LoadedPlugin => ({
  plugin: { name, version: '1.0.0', hostApi: '^1.0', setup: () => ({}) as never, ...extra },
  source: `/p/${name}/index.ts`,
})

describe('host API at registration', () => {
  test('the host provides 1.x; every built-in declares a range it satisfies', () => {
    expect(HOST_API_VERSION).toMatch(/^1\.\d+\.\d+$/)
    const { ordered, failures } = orderPlugins(builtinPlugins.map((p) => ({ plugin: p, source: 'builtin' })))
    expect(failures).toEqual([])
    expect(ordered.map((lp) => lp.plugin.name)).toEqual(['px', 'lxc', 'app', 'sec'])
    // ctx.ops (1.1) for changes as operations; detached tasks and ops.onRecovery (1.2) for lxc and px; sec only reads.
    const wanted: Record<string, string> = { px: '^1.2', lxc: '^1.2', app: '^1.1', sec: '^1.0' }
    for (const p of builtinPlugins) expect(p.hostApi, p.name).toBe(wanted[p.name]!)
  })

  test('needing another version, or declaring none, is refused with the reason; the rest is mounted', () => {
    const { ordered, failures } = orderPlugins(
      [plugin('ok'), plugin('future', { hostApi: '^2.0' }), plugin('newer-minor', { hostApi: '^1.5' }), plugin('silent', { hostApi: undefined }), plugin('either', { hostApi: '^0.9 || ^1.0' })],
      '1.2.0',
    )
    expect(ordered.map((lp) => lp.plugin.name)).toEqual(['ok', 'either'])
    expect(failures).toEqual([
      { path: '/p/future/index.ts', reason: "plugin 'future' needs host API '^2.0', but this LWS provides host API 1.2.0" },
      { path: '/p/newer-minor/index.ts', reason: "plugin 'newer-minor' needs host API '^1.5', but this LWS provides host API 1.2.0" },
      {
        path: '/p/silent/index.ts',
        reason:
          "plugin 'silent' declares no hostApi: give the host API versions it works with as a semver range, e.g. hostApi: '^1.2' (this LWS provides host API 1.2.0)",
      },
    ])
  })

  test('a plugin that depends on a refused one is dropped too', () => {
    const { ordered, failures } = orderPlugins([plugin('base', { hostApi: '^2.0' }), plugin('child', { dependencies: ['base'] })], '1.0.0')
    expect(ordered).toEqual([])
    expect(failures.map((f) => f.reason)).toEqual(["plugin 'base' needs host API '^2.0', but this LWS provides host API 1.0.0", 'missing dependencies: base'])
  })

  test('a malformed hostApi is a shape problem', () => {
    const base = { name: 'p', version: '1.0.0', setup() {} }
    expect(checkPluginShape({ ...base, hostApi: '^1.0' })).toBeNull()
    expect(checkPluginShape({ ...base, hostApi: 'latest' })).toBe('invalid hostApi "latest" (a semver range, e.g. \'^1.0\')')
    expect(checkPluginShape({ ...base, hostApi: 1 })).toBe("invalid hostApi 1 (a semver range, e.g. '^1.0')")
  })
})

describe('third-party plugins from plugins_dir', () => {
  test('one needing host API 2 is skipped and logged with its path; one needing ^1.0 is served', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lws-hostapi-'))
    try {
      const write = (name: string, hostApi: string) => {
        mkdirSync(join(dir, name))
        writeFileSync(
          join(dir, name, 'index.ts'),
          `export default { name: '${name}', version: '1.0.0', hostApi: '${hostApi}', setup: ({ Elysia, t }) => new Elysia({ name: '${name}' }).get('/${name}', () => ({ ok: true }), { response: t.Object({ ok: t.Boolean() }) }) }\n`,
        )
      }
      write('current', '^1.0')
      write('future', '^2.0')
      expect((await loadExternalPlugins(dir)).failures).toEqual([]) // shape is fine; the version is checked at registration
      const raw = parseConfigText(`api_key: hostapi-key-0123456789\nregions: { r1: { availability_zones: { a1: { host: localhost, local: true } } } }\n`, '(inline)') as Record<string, unknown>
      raw.plugins_dir = dir
      const log = memoryLogger()
      const s = await buildServer({ config: resolveConfig(raw, '(inline)', { env: {} }), builtins: [], assets: { swagger: swaggerAssets, ui: uiAssets }, log })
      try {
        expect(s.mounted.map((m) => m.plugin.name)).toEqual(['current'])
        expect(s.failures).toEqual([{ path: join(dir, 'future', 'index.ts'), reason: `plugin 'future' needs host API '^2.0', but this LWS provides host API ${HOST_API_VERSION}` }])
        expect(log.lines.some((l) => l.msg === 'plugin skipped' && String(l.reason).includes("needs host API '^2.0'"))).toBe(true)
        const get = (p: string) => s.fetch(new Request(`http://localhost/api/v1/${p}`, { headers: { 'x-api-key': 'hostapi-key-0123456789' } }))
        expect((await get('current')).status).toBe(200)
        expect((await get('future')).status).toBe(404)
      } finally {
        await s.zones.closeAll()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
