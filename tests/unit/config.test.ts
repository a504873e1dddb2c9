import { describe, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfigFile, parseConfigText, resolveConfig } from '../../src/config/load.ts'

// The original LWS config.yaml layout (abridged but structurally complete).
const ORIGINAL = `
use_local_only: false
start_vmid: 10000
default_storage: local-lvm
default_network: vmbr0
ssh_command_timeout: 3600
minimum_resources:
  cores: 1
  memory_mb: 512
api_key: "your-secure-api-key-here"
api:
  host: "127.0.0.1"
  port: 8080
  debug: false
  allowed_origins:
    - "http://localhost:8080"
regions:
  eu-south-1:
    availability_zones:
      az1:
        host: proxmox1.public-fqdn.com     # comment
        user: root
        ssh_password: password
      az2:
        host: 172.23.0.2
        user: root
        ssh_password: password
  eu-central-1:
    availability_zones:
      pve-rhine:
        host: pve-rhine.mydomain.com
        user: root
        ssh_password: password
scaling:
  host_cpu:
    max_threshold: 80
    step: 1
  limits:
    min_memory_mb: 512
security:
  discovery:
    proxmox_timeout: 2
    discovery_methods: ['ping']
    max_parallel_workers: 10
instance_sizes:
  micro:
    memory: 512
    cpulimit: 1
    storage: local-lvm:4
  lws-minio:
    memory: 4096  # 4 GB
    cpulimit: 2
    storage: local-lvm:50
`

const load = (yaml: string, env: Record<string, string> = {}) => resolveConfig(parseConfigText(yaml, '(inline)'), '(inline)', { env })

function problemsOf(yaml: string): string[] {
  try {
    load(yaml)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

describe('config', () => {
  test('accepts the original LWS config.yaml unchanged and resolves defaults', () => {
    const c = load(ORIGINAL)
    expect(c.zones.map((z) => `${z.region}/${z.az}`)).toEqual(['eu-south-1/az1', 'eu-south-1/az2', 'eu-central-1/pve-rhine'])
    expect(c.zones[0]).toMatchObject({ host: 'proxmox1.public-fqdn.com', user: 'root', port: 22, password: 'password', local: false })
    expect(c.defaultRegion).toBe('eu-south-1')
    expect(c.defaultAz).toBe('az1')
    expect(c.apiKey).toBe('your-secure-api-key-here')
    expect(c.host).toBe('127.0.0.1')
    expect(c.allowedOrigins).toEqual(['http://localhost:8080'])
    expect(c.instanceSizes['lws-minio']!.memory).toBe(4096)
  })

  test('use_local_only makes every AZ local; LWS_API_KEY overrides api_key', () => {
    const c = load(ORIGINAL.replace('use_local_only: false', 'use_local_only: true'), { LWS_API_KEY: 'from-env-123' })
    expect(c.zones.every((z) => z.local)).toBe(true)
    expect(c.apiKey).toBe('from-env-123')
    expect(c.apiKeyGenerated).toBe(false)
  })

  test('no key configured: a random one is generated, never empty', () => {
    const a = load(ORIGINAL.replace('api_key: "your-secure-api-key-here"', 'api_key: ""'))
    const b = load(ORIGINAL.replace('api_key: "your-secure-api-key-here"', ''))
    expect(a.apiKeyGenerated && b.apiKeyGenerated).toBe(true)
    expect(a.apiKey.length).toBeGreaterThanOrEqual(32)
    expect(a.apiKey).not.toBe(b.apiKey)
  })

  test('default_region/default_az are honoured and checked', () => {
    const c = load(ORIGINAL + '\ndefault_region: eu-central-1\ndefault_az: pve-rhine\n')
    expect([c.defaultRegion, c.defaultAz]).toEqual(['eu-central-1', 'pve-rhine'])
    expect(problemsOf(ORIGINAL + '\ndefault_region: nowhere\n')).toEqual([
      "default_region: unknown region 'nowhere' (known: eu-south-1, eu-central-1)",
    ])
  })

  test('reports every problem as path: message', () => {
    const bad = ORIGINAL.replace('start_vmid: 10000', 'start_vmid: 5')
      .replace('host: 172.23.0.2', 'host: "bad host; rm"')
      .replace('memory: 512', 'memory: lots')
    const problems = problemsOf(bad)
    expect(problems).toContain('start_vmid: Expected integer to be greater or equal to 100')
    expect(problems.some((p) => p.startsWith('regions.eu-south-1.availability_zones.az2.host: '))).toBe(true)
    expect(problems.some((p) => p.startsWith('instance_sizes.micro.memory: '))).toBe(true)
  })

  test('semantic checks: credentials, key file, fingerprint format', () => {
    const noCreds = ORIGINAL.replace('        ssh_password: password\n      az2:', '      az2:')
    expect(problemsOf(noCreds)).toEqual(['regions.eu-south-1.availability_zones.az1: needs ssh_password or ssh_key_file (or local: true)'])
    const keyMissing = ORIGINAL.replace('ssh_password: password\n      az2:', 'ssh_key_file: /nonexistent/key\n      az2:')
    expect(problemsOf(keyMissing)[0]).toContain('az1.ssh_key_file: file not found')
    const badFp = ORIGINAL.replace('ssh_password: password\n      az2:', 'ssh_password: x\n        ssh_host_fingerprint: "MD5:aa"\n      az2:')
    expect(problemsOf(badFp)[0]).toStartWith('regions.eu-south-1.availability_zones.az1.ssh_host_fingerprint: ')
  })

  test('broken YAML and missing regions are readable errors', () => {
    expect(() => parseConfigText('a: [1,', 'x.yaml')).toThrow(ConfigError)
    expect(problemsOf('api_key: abcdefgh\n')).toEqual(['regions: Expected required property'])
  })

  test('relative key files and plugins_dir resolve against the config folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lws-cfg-'))
    Bun.spawnSync(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')])
    writeFileSync(
      join(dir, 'c.yaml'),
      'regions:\n  r:\n    availability_zones:\n      a:\n        host: h\n        ssh_key_file: id\n',
    )
    const c = loadConfigFile(join(dir, 'c.yaml'), { env: {} })
    expect(c.zones[0]!.keyFile).toBe(join(dir, 'id'))
    expect(c.pluginsDir).toBe(join(dir, 'plugins.d'))
  })

  test('the shipped lws.config.yaml is valid and has small and medium sizes', () => {
    const c = loadConfigFile(join(import.meta.dir, '../../lws.config.yaml'), { env: {} })
    expect(c.port).toBe(8080)
    expect(c.host).toBe('0.0.0.0')
    expect(Object.keys(c.instanceSizes)).toEqual(expect.arrayContaining(['small', 'medium']))
    expect(c.zones).toHaveLength(1)
    expect(c.zones[0]!.local).toBe(true)
  })
})
