/**
 * install.sh with --prefix (CI has no systemd): every file, mode and the unit
 * text; idempotent; --uninstall keeps the config.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '../..')
const BIN = join(ROOT, 'dist/lws')
let prefix: string

const install = (...args: string[]) => {
  const r = Bun.spawnSync(['bash', join(ROOT, 'install.sh'), '--prefix', prefix, '--binary', BIN, ...args], { stdout: 'pipe', stderr: 'pipe' })
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() }
}
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8)

beforeAll(() => {
  if (!existsSync(BIN)) {
    const b = Bun.spawnSync([process.execPath, 'run', 'build'], { cwd: ROOT })
    if (b.exitCode !== 0) throw new Error('build failed')
  }
  prefix = mkdtempSync(join(tmpdir(), 'lws-install-'))
}, 120_000)

describe('install.sh --prefix', () => {
  let key = ''
  test('installs binary, config (600, fresh key) and unit; prints URL and key', () => {
    const r = install()
    expect(r.code).toBe(0)
    const bin = join(prefix, 'usr/local/bin/lws')
    const conf = join(prefix, 'etc/lws/lws.config.yaml')
    const unit = join(prefix, 'etc/systemd/system/lws.service')
    expect(mode(bin)).toBe('755')
    expect(mode(conf)).toBe('600')
    expect(mode(join(prefix, 'etc/lws'))).toBe('700')
    expect(mode(unit)).toBe('644')
    expect(statSync(conf).uid).toBe(0)
    key = readFileSync(conf, 'utf8').match(/^api_key: "([A-Za-z0-9_-]{43})"$/m)![1]!
    expect(r.out).toContain(`API key: ${key}`)
    expect(r.out).toMatch(/URL: +http:\/\/\S+:8080\//)
    const text = readFileSync(unit, 'utf8')
    expect(text).toContain(`ExecStart=${bin} serve --config ${conf}`)
    for (const line of ['Restart=on-failure', 'WantedBy=multi-user.target', 'NoNewPrivileges=yes', 'ProtectSystem=true', 'User=root']) {
      expect(text).toContain(line)
    }
    // ProtectSystem=full/strict would make /etc (and /etc/pve) read-only and break pct.
    expect(text).not.toMatch(/ProtectSystem=(full|strict)/)
    const v = Bun.spawnSync([bin, 'config', 'validate', '--config', conf])
    expect(v.exitCode).toBe(0)
  })

  test('idempotent: a second run keeps the existing config and key', () => {
    const r = install()
    expect(r.code).toBe(0)
    expect(r.out).toContain('API key: unchanged')
    expect(readFileSync(join(prefix, 'etc/lws/lws.config.yaml'), 'utf8')).toContain(key)
  })

  test('--uninstall removes binary and unit, keeps the config', () => {
    const r = install('--uninstall')
    expect(r.code).toBe(0)
    expect(existsSync(join(prefix, 'usr/local/bin/lws'))).toBe(false)
    expect(existsSync(join(prefix, 'etc/systemd/system/lws.service'))).toBe(false)
    expect(readFileSync(join(prefix, 'etc/lws/lws.config.yaml'), 'utf8')).toContain(key)
  })

  test('unknown options are refused', () => {
    expect(install('--frobnicate').code).toBe(2)
  })
})
