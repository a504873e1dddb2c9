import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfigFile, parseConfigText, resolveConfig } from '../../src/config/load.ts'
import type { RawConfig } from '../../src/config/schema.ts'
import { keyFileProblem, semanticProblems } from '../../src/config/validate.ts'
import { configWarnings } from '../../src/config/warnings.ts'

let dir: string

function keygen(name: string, args: string[]): string {
  const file = join(dir, name)
  const r = Bun.spawnSync(['ssh-keygen', '-q', '-C', 'lws-test', '-f', file, ...args])
  if (r.exitCode !== 0) throw new Error(`ssh-keygen ${args.join(' ')}: ${r.stderr.toString()}`)
  return file
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lws-sec-'))
  keygen('id_ed25519', ['-t', 'ed25519', '-N', ''])
  keygen('id_rsa', ['-t', 'rsa', '-b', '2048', '-N', ''])
  keygen('id_rsa_pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', ''])
  keygen('id_enc', ['-t', 'ed25519', '-N', 'secret'])
  keygen('id_enc_pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', 'secret'])
  writeFileSync(join(dir, 'empty'), '')
  writeFileSync(join(dir, 'shadow'), 'root:$6$salt$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n')
  mkdirSync(join(dir, 'a-directory'))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

function zoneWithKey(keyFile: string): RawConfig {
  return { regions: { R: { availability_zones: { A: { host: 'h', ssh_key_file: keyFile } } } } } as RawConfig
}

const problemsFor = (keyFile: string) => semanticProblems(zoneWithKey(keyFile), dir)

describe('ssh_key_file must be a private key ssh2 can use', () => {
  test('unencrypted ed25519, rsa (OpenSSH format) and rsa (PEM) keys pass', () => {
    expect(problemsFor(join(dir, 'id_ed25519'))).toEqual([])
    expect(problemsFor(join(dir, 'id_rsa'))).toEqual([])
    expect(problemsFor('id_rsa_pem')).toEqual([]) // relative to the config folder
  })

  test('a public key is refused and named as one', () => {
    expect(problemsFor(join(dir, 'id_ed25519.pub'))).toEqual([
      'regions.R.availability_zones.A.ssh_key_file: not a private key (it is a ssh-ed25519 public key)',
    ])
    expect(problemsFor(join(dir, 'id_rsa.pub'))).toEqual([
      'regions.R.availability_zones.A.ssh_key_file: not a private key (it is a ssh-rsa public key)',
    ])
  })

  test('a text file is refused with the parser message and none of its content', () => {
    const [line] = problemsFor(join(dir, 'shadow'))
    expect(line).toBe('regions.R.availability_zones.A.ssh_key_file: not a private key (Unsupported key format)')
  })

  test('/etc/shadow is refused whether or not this process can read it', () => {
    const line = keyFileProblem('/etc/shadow')
    expect(line).not.toBeNull()
    expect(line).toMatch(/^(not a private key \(Unsupported key format\)|cannot read: EACCES|file not found: \/etc\/shadow)$/)
  })

  test('an empty file is refused', () => {
    expect(problemsFor(join(dir, 'empty'))).toEqual([
      'regions.R.availability_zones.A.ssh_key_file: not a private key (the file is empty)',
    ])
  })

  test('encrypted keys (OpenSSH and PEM) are refused: there is no passphrase setting', () => {
    const expected = ['regions.R.availability_zones.A.ssh_key_file: encrypted private keys are not supported']
    expect(problemsFor(join(dir, 'id_enc'))).toEqual(expected)
    expect(problemsFor(join(dir, 'id_enc_pem'))).toEqual(expected)
  })

  test('a directory cannot be read (EISDIR)', () => {
    expect(problemsFor(join(dir, 'a-directory'))).toEqual([
      'regions.R.availability_zones.A.ssh_key_file: cannot read: EISDIR',
    ])
  })

  // root reads any file whatever its mode, so the EACCES path cannot be reached as root.
  test.skipIf(process.getuid?.() === 0)('a file without read permission cannot be read (EACCES; skipped as root)', () => {
    const file = join(dir, 'no-read')
    copyFileSync(join(dir, 'id_ed25519'), file)
    chmodSync(file, 0o000)
    expect(problemsFor(file)).toEqual(['regions.R.availability_zones.A.ssh_key_file: cannot read: EACCES'])
  })

  test('a missing file keeps the old message', () => {
    expect(problemsFor(join(dir, 'nope'))).toEqual([
      `regions.R.availability_zones.A.ssh_key_file: file not found: ${join(dir, 'nope')}`,
    ])
  })

  test('devices and FIFOs are refused without being read (they would never end or block)', () => {
    expect(keyFileProblem('/dev/zero')).toBe('not a regular file')
    const fifo = join(dir, 'fifo')
    if (Bun.spawnSync(['mkfifo', fifo]).exitCode === 0) expect(keyFileProblem(fifo)).toBe('not a regular file')
  })

  test('local zones are not checked', () => {
    const raw = zoneWithKey(join(dir, 'id_ed25519.pub'))
    raw.regions.R!.availability_zones.A!.local = true
    expect(semanticProblems(raw, dir)).toEqual([])
  })
})

describe('configWarnings: secrets in a file other users can open', () => {
  const API_KEY = 'k3y-value-that-must-not-leak'
  const PASSWORD = 'pw-value-that-must-not-leak'

  function writeConfig(name: string, text: string, mode: number): string {
    const file = join(dir, name)
    writeFileSync(file, text)
    chmodSync(file, mode) // explicit, so the umask does not decide
    return file
  }

  const withSecrets = `api_key: ${API_KEY}\nregions:\n  r.1:\n    availability_zones:\n      a: { host: h1, ssh_password: ${PASSWORD} }\n      b: { host: h2, ssh_password: ${PASSWORD} }\n`

  test('mode 0644 with an API key and SSH passwords → one warning naming them, never their values', () => {
    const file = writeConfig('open.yaml', withSecrets, 0o644)
    const warnings = configWarnings(loadConfigFile(file, { env: {} }))
    expect(warnings).toEqual([
      `${file}: mode 0644 lets every user on this host read the API key and 2 SSH passwords; run chmod 600 ${file}`,
    ])
    expect(warnings.join('\n')).not.toContain(API_KEY)
    expect(warnings.join('\n')).not.toContain(PASSWORD)
  })

  test('group-readable and group-writable modes warn too, worded by what they allow', () => {
    const file = writeConfig('group.yaml', `api_key: ${API_KEY}\nregions: { r: { availability_zones: { a: { host: h, local: true } } } }\n`, 0o640)
    expect(configWarnings(loadConfigFile(file, { env: {} }))).toEqual([
      `${file}: mode 0640 lets the file's group read the API key; run chmod 600 ${file}`,
    ])
    chmodSync(file, 0o620)
    expect(configWarnings(loadConfigFile(file, { env: {} }))).toEqual([
      `${file}: mode 0620 gives other users write or execute access to a file holding the API key; run chmod 600 ${file}`,
    ])
  })

  test('other secret-named keys are listed by path', () => {
    const file = writeConfig(
      'extra.yaml',
      `regions: { r: { availability_zones: { a: { host: h, local: true } } } }\nplugins_conf:\n  s3:\n    secret_access_key: abcdef\n`,
      0o644,
    )
    const [line] = configWarnings(loadConfigFile(file, { env: {} }))
    expect(line).toContain('read plugins_conf.s3.secret_access_key;')
    expect(line).not.toContain('abcdef')
  })

  test('mode 0600 → no warning', () => {
    const file = writeConfig('closed.yaml', withSecrets, 0o600)
    expect(configWarnings(loadConfigFile(file, { env: {} }))).toEqual([])
  })

  test('mode 0644 without secrets → no warning (an empty api_key is no secret; LWS_API_KEY is not in the file)', () => {
    const file = writeConfig('public.yaml', `api_key: ""\nregions: { r: { availability_zones: { a: { host: h, local: true } } } }\n`, 0o644)
    expect(configWarnings(loadConfigFile(file, { env: { LWS_API_KEY: API_KEY } }))).toEqual([])
  })

  test('an inline config → no file check', () => {
    const cfg = resolveConfig(parseConfigText(withSecrets, '(inline)'), '(inline)', { env: {} })
    expect(configWarnings(cfg)).toEqual([])
  })

  test('a path that needs quoting is quoted in the chmod hint', () => {
    const file = writeConfig('my config.yaml', withSecrets, 0o604)
    expect(configWarnings(loadConfigFile(file, { env: {} }))[0]).toEndWith(`; run chmod 600 '${file}'`)
  })
})
