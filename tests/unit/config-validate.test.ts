/**
 * Config checks that catch what would only break later: at a request (no
 * default size, a default AZ that is not there, a malformed size storage) or
 * at plugin setup (a plugin section its schema refuses). Also the two time
 * limits' defaults and what GET /conf and POST /conf/validate report.
 */
import { describe, expect, test } from 'bun:test'
import { Elysia, t } from 'elysia'
import { builtinPlugins } from '../../plugins/index.ts'
import { appConfig } from '../../plugins/app/config.ts'
import { discoverySettings } from '../../plugins/sec/settings.ts'
import { loadedConfigReport, pluginConfigProblems } from '../../src/config/checks.ts'
import { ConfigError, hostPort, parseConfigText, resolveConfig } from '../../src/config/load.ts'
import type { RawConfig } from '../../src/config/schema.ts'
import { semanticWarnings, validateRaw } from '../../src/config/validate.ts'
import * as errors from '../../src/errors/catalogue.ts'
import { checkPluginShape } from '../../src/plugins/loader.ts'
import type { LwsPlugin } from '../../src/plugins/types.ts'
import { confRoutes } from '../../src/routes/conf.ts'

const REGIONS = {
  'eu-south-1': { availability_zones: { az1: { host: 'h1', local: true }, az2: { host: 'h2', local: true } } },
  'eu-central-1': { availability_zones: { rhine: { host: 'h3', local: true } } },
}
const base = (extra: Record<string, unknown> = {}) => ({ regions: REGIONS, ...extra })
const problems = (raw: unknown) => validateRaw(raw, '/tmp')
const load = (raw: unknown) => resolveConfig(raw, '(inline)', { env: {} })

const plugin = (name: string) => builtinPlugins.find((p) => p.name === name)!

describe('instance size storage', () => {
  const withStorage = (storage: unknown) => base({ instance_sizes: { small: { memory: 512, storage } } })

  test('<storage-id>:<GiB> and bare numbers pass', () => {
    for (const ok of ['local-lvm:8', 'local-lvm:8.5', 'ceph_pool.1:100', 8, 0.5, '8', '12.5']) expect(problems(withStorage(ok))).toEqual([])
  })

  test('anything else is named with the expected form instead of "Expected union value"', () => {
    for (const [bad, shown] of [
      ['local-lvm', '"local-lvm"'],
      ['local-lvm:8G', '"local-lvm:8G"'],
      ['8G', '"8G"'],
      ['1local:8', '"1local:8"'],
      ['local-lvm:', '"local-lvm:"'],
      [-1, '-1'],
      [true, 'true'],
    ] as const) {
      expect(problems(withStorage(bad))).toEqual([
        `instance_sizes.small.storage: must be <storage-id>:<GiB> (e.g. local-lvm:8) or a number of GiB on default_storage, not ${shown}`,
      ])
    }
  })

  test('a long bad value is cut in the message', () => {
    const [line] = problems(withStorage('x'.repeat(500)))
    expect(line!.length).toBeLessThan(200)
    expect(line).toEndWith('...')
  })
})

describe('default_region / default_az', () => {
  test('configured names pass and are used', () => {
    const c = load(base({ default_region: 'eu-central-1', default_az: 'rhine' }))
    expect([c.defaultRegion, c.defaultAz]).toEqual(['eu-central-1', 'rhine'])
    expect(problems(base({ default_az: 'az2' }))).toEqual([])
  })

  test('an unknown region is one problem; default_az is not judged against it', () => {
    expect(problems(base({ default_region: 'nowhere', default_az: 'az1' }))).toEqual([
      "default_region: unknown region 'nowhere' (known: eu-south-1, eu-central-1)",
    ])
  })

  test('an AZ of another region than the default one names where it is', () => {
    expect(problems(base({ default_az: 'rhine' }))).toEqual([
      "default_az: unknown availability zone 'rhine' in region 'eu-south-1' (known: az1, az2); it is in region 'eu-central-1': set default_region",
    ])
    expect(problems(base({ default_region: 'eu-central-1', default_az: 'az1' }))).toEqual([
      "default_az: unknown availability zone 'az1' in region 'eu-central-1' (known: rhine); it is in region 'eu-south-1': set default_region",
    ])
  })

  test('an AZ configured nowhere gets no hint', () => {
    expect(problems(base({ default_az: 'az9' }))).toEqual(["default_az: unknown availability zone 'az9' in region 'eu-south-1' (known: az1, az2)"])
  })

  test('inherited object keys are no region or AZ names', () => {
    expect(problems(base({ default_region: 'constructor' }))[0]).toStartWith("default_region: unknown region 'constructor'")
    expect(problems(base({ default_az: 'toString' }))[0]).toStartWith("default_az: unknown availability zone 'toString'")
  })
})

describe('the default size', () => {
  const warn = (raw: Record<string, unknown>) => semanticWarnings(load(raw).raw as RawConfig)

  test('sizes without small: valid (the original LWS layout), but warned about', () => {
    const raw = base({ instance_sizes: { micro: { memory: 256 }, big: { memory: 4096 } } })
    expect(problems(raw)).toEqual([])
    expect(warn(raw)).toEqual([
      'instance_sizes.small: missing; POST /lxc/instances without "size" uses it and fails with 400 (configured: micro, big)',
    ])
  })

  test('no instance_sizes, or an empty list: creates use built-in defaults, nothing to warn about', () => {
    expect(warn(base())).toEqual([])
    expect(warn(base({ instance_sizes: {} }))).toEqual([])
    expect(warn(base({ instance_sizes: { small: { memory: 256 } } }))).toEqual([])
  })
})

describe('time limits', () => {
  const limits = (api?: Record<string, unknown>) => {
    const c = load(base(api ? { api } : {}))
    return [c.commandTimeoutMs, c.taskTimeoutMs]
  }

  test('defaults: 60 s for commands, 15 min for long tasks', () => {
    expect(limits()).toEqual([60_000, 900_000])
  })

  test('api.task_timeout is its own setting', () => {
    expect(limits({ command_timeout: 1, task_timeout: 2 })).toEqual([1000, 2000])
    expect(limits({ task_timeout: 3600 })).toEqual([60_000, 3_600_000])
  })

  test('a command_timeout above 15 min also raises the default task limit', () => {
    expect(limits({ command_timeout: 3600 })).toEqual([3_600_000, 3_600_000])
  })

  test('task_timeout below 1 s or not a number is a problem', () => {
    expect(problems(base({ api: { task_timeout: 0 } }))).toEqual(['api.task_timeout: Expected number to be greater or equal to 1'])
    expect(problems(base({ api: { task_timeout: 'long' } }))).toEqual(['api.task_timeout: Expected number'])
  })
})

describe('plugin config sections', () => {
  test('built-in sec and app own `security` and `app`', () => {
    expect([plugin('sec').configKey, plugin('app').configKey]).toEqual(['security', 'app'])
    for (const p of builtinPlugins) expect(checkPluginShape(p)).toBeNull()
  })

  test('a bad security.discovery is named by path, as the plugin would at setup', () => {
    const raw = base({ security: { discovery: { max_prefix: 8, discovery_methods: ['smoke'] } } })
    expect(pluginConfigProblems(raw, builtinPlugins)).toEqual([
      'security.discovery.discovery_methods.0: Expected union value (plugin sec)',
      'security.discovery.max_prefix: Expected integer to be greater or equal to 16 (plugin sec)',
    ])
  })

  test('a bad app.compose_dir is named by path', () => {
    expect(pluginConfigProblems(base({ app: { compose_dir: '' } }), builtinPlugins)).toEqual([
      'app.compose_dir: Expected string length greater or equal to 1 (plugin app)',
    ])
    expect(pluginConfigProblems(base({ app: 'apps' }), builtinPlugins)).toEqual(['app: Expected object (plugin app)'])
  })

  test('absent and empty sections pass; so do unknown keys inside them', () => {
    for (const extra of [{}, { app: null }, { security: {} }, { security: { discovery: null } }, { app: { compose_dir: 'x', other: 1 } }]) {
      expect(pluginConfigProblems(base(extra), builtinPlugins)).toEqual([])
    }
  })

  test('the schemas agree with the parsers the plugins run at setup', () => {
    const appThrows = (app: unknown) => {
      try {
        appConfig({ t, errors, config: { raw: { app }, source: '/etc/lws/lws.config.yaml' } as never })
        return false
      } catch {
        return true
      }
    }
    for (const app of [undefined, null, {}, { compose_dir: 'apps' }, { compose_dir: '' }, { compose_dir: 5 }, { compose_dir: 'a\0b' }, 'x', [1]]) {
      expect(pluginConfigProblems({ app }, [plugin('app')]).length > 0).toBe(appThrows(app))
    }
    const secThrows = (discovery: unknown) => {
      try {
        discoverySettings({ security: { discovery } })
        return false
      } catch {
        return true
      }
    }
    for (const discovery of [undefined, null, {}, { tcp_ports: [22] }, { tcp_ports: [] }, { max_parallel_workers: 65 }, { lxc_timeout: 0.5 }, 'ping', []]) {
      expect(pluginConfigProblems({ security: { discovery } }, [plugin('sec')]).length > 0).toBe(secThrows(discovery))
    }
  })

  test('loaded-plugin entries, schema builders and failing builders', () => {
    const built: LwsPlugin = {
      name: 'third',
      version: '1.0.0',
      configKey: 'third',
      configSchema: (T) => T.Object({ level: T.Integer({ maximum: 3 }) }),
      setup: () => new Elysia(),
    }
    const broken: LwsPlugin = { ...built, name: 'broken', configKey: 'broken', configSchema: () => { throw new Error('boom') } }
    const raw = { third: { level: 9 }, broken: { x: 1 } }
    expect(pluginConfigProblems(raw, [{ plugin: built, source: '/p/third/index.ts' }, broken])).toEqual([
      'third.level: Expected integer to be less or equal to 3 (plugin third)',
      'broken: plugin broken could not check its section: boom',
    ])
    // A config number written as a string stays wrong: plugins read the value as it is.
    expect(pluginConfigProblems({ third: { level: '2' } }, [built])).toEqual(['third.level: Expected integer (plugin third)'])
    expect(pluginConfigProblems('not a mapping', [built])).toEqual([])
  })

  test('the loader refuses a config contract it cannot apply', () => {
    const ok = { name: 'p', version: '1.0.0', setup() {} }
    expect(checkPluginShape({ ...ok, configKey: 'p', configSchema: t.Object({}) })).toBeNull()
    expect(checkPluginShape({ ...ok, configKey: 'p', configSchema: () => t.Object({}) })).toBeNull()
    expect(checkPluginShape({ ...ok, configKey: 'scaling' })).toBeNull()
    expect(checkPluginShape({ ...ok, configSchema: t.Object({}) })).toBe('configSchema needs configKey (the config key it checks)')
    expect(checkPluginShape({ ...ok, configKey: 'p', configSchema: { type: 'object' } })).toBe('configSchema must be a TypeBox schema or a function (Type) => schema')
    expect(checkPluginShape({ ...ok, configKey: 'regions' })).toBe("configKey 'regions' belongs to the core config")
    expect(checkPluginShape({ ...ok, configKey: 'api' })).toBe("configKey 'api' belongs to the core config")
    expect(checkPluginShape({ ...ok, configKey: 'Bad Key' })).toBe('invalid configKey "Bad Key" (lowercase letters, digits, _)')
  })

  test('loadedConfigReport: plugin problems and size warnings together', () => {
    const c = load(base({ instance_sizes: { big: { memory: 4096 } }, app: { compose_dir: '' } }))
    const report = loadedConfigReport(c, builtinPlugins)
    expect(report.problems).toEqual(['app.compose_dir: Expected string length greater or equal to 1 (plugin app)'])
    expect(report.warnings).toHaveLength(1)
    expect(report.warnings[0]).toStartWith('instance_sizes.small: missing')
  })
})

describe('GET /conf and POST /conf/validate', () => {
  const yaml = 'api_key: conf-test-key-0123\nregions:\n  r:\n    availability_zones:\n      a: { host: h, local: true }\n'
  const routes = (config = load(parseConfigText(yaml, '(inline)'))) => {
    const app = confRoutes(config, { plugins: builtinPlugins })
    const post = async (body: unknown) => {
      const res = await app.handle(new Request('http://localhost/conf/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }))
      return (await res.json()) as { valid: boolean; problems: string[]; warnings?: string[] }
    }
    const get = async () => (await (await app.handle(new Request('http://localhost/conf'))).json()) as { listen: string | null }
    return { config, post, get }
  }

  test('listen: null until the entry says where it is bound, then that address', async () => {
    const r = routes()
    expect((await r.get()).listen).toBeNull()
    r.config.listen = hostPort('0.0.0.0', 41234)
    expect((await r.get()).listen).toBe('0.0.0.0:41234')
    expect(hostPort('::', 8080)).toBe('[::]:8080')
  })

  test('plugin section problems come with the core ones, in one pass', async () => {
    const body = await routes().post({ config: yaml + 'start_vmid: 5\nsecurity:\n  discovery:\n    max_prefix: 8\n' })
    expect(body.valid).toBe(false)
    expect(body.problems).toEqual([
      'start_vmid: Expected integer to be greater or equal to 100',
      'security.discovery.max_prefix: Expected integer to be greater or equal to 16 (plugin sec)',
    ])
  })

  test('a plugin problem alone makes the config invalid', async () => {
    const body = await routes().post({ config: yaml + 'app:\n  compose_dir: ""\n' })
    expect(body).toEqual({ valid: false, source: '(request body)', problems: ['app.compose_dir: Expected string length greater or equal to 1 (plugin app)'] } as never)
  })

  test('warnings leave it valid and are only present when there are any', async () => {
    const body = await routes().post({ config: yaml + 'instance_sizes:\n  big: { memory: 4096 }\n' })
    expect(body.valid).toBe(true)
    expect(body.warnings?.[0]).toStartWith('instance_sizes.small: missing')
    expect(await routes().post({})).toEqual({ valid: true, source: '(inline)', problems: [] } as never)
  })

  test('the core problems are unchanged by the plugin check', async () => {
    const bad = { regions: { r: { availability_zones: { a: { host: 'h' } } } } }
    try {
      load(bad)
      throw new Error('expected a ConfigError')
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      expect((await routes().post({ config: bad })).problems).toEqual((e as ConfigError).problems)
    }
  })
})
