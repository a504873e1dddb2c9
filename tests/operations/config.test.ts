/** The config keys of the operations: state_dir, operations.retention_days, api.shutdown_grace. */
import { afterAll, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, loadConfigFile, parseConfigText, resolveConfig } from '../../src/config/load.ts'
import { configYaml, tempDir } from './support.ts'

const dir = tempDir('lws-ops-config-')
afterAll(() => dir.remove())
const inline = (extra = '') => resolveConfig(parseConfigText(configYaml(extra), '(inline)'), '(inline)', { env: {} })

test('defaults: ./.lws-state next to the config file; in memory (null) for an inline config; 7 days; 30 s', () => {
  const file = join(dir.path, 'lws.config.yaml')
  writeFileSync(file, configYaml(), { mode: 0o600 })
  const c = loadConfigFile(file, { env: {} })
  expect(c.stateDir).toBe(join(dir.path, '.lws-state'))
  expect(c.operationsRetentionDays).toBe(7)
  expect(c.shutdownGraceMs).toBe(30_000)
  expect(inline().stateDir).toBeNull()
})

test('set: relative state_dir against the config folder, absolute as is; retention and grace', () => {
  const file = join(dir.path, 'set.yaml')
  writeFileSync(file, configYaml('state_dir: ./state\noperations: { retention_days: 2 }\napi: { shutdown_grace: 2.5 }'), { mode: 0o600 })
  const c = loadConfigFile(file, { env: {} })
  expect(c.stateDir).toBe(join(dir.path, 'state'))
  expect(c.operationsRetentionDays).toBe(2)
  expect(c.shutdownGraceMs).toBe(2500)
  expect(inline('state_dir: /var/lib/lws').stateDir).toBe('/var/lib/lws')
})

test('out of range: each named as path: message', () => {
  const problems = (() => {
    try {
      inline('state_dir: ""\noperations: { retention_days: 0 }\napi: { shutdown_grace: -1 }')
      return []
    } catch (err) {
      return (err as ConfigError).problems
    }
  })()
  expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['api.shutdown_grace', 'operations.retention_days', 'state_dir'])
})
