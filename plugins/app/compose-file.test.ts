/** `app.compose_dir` (config.ts) and reading `compose_file` only from inside it. */
import { describe, expect, test } from 'bun:test'
import { t } from 'elysia'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as errors from '../../src/errors/catalogue.ts'
import { readComposeFile } from './compose-file.ts'
import { appConfig } from './config.ts'

const c = { errors }

describe('config and compose_file', () => {
  const ctx = (raw: Record<string, unknown>, source = '/etc/lws/lws.config.yaml') => ({ t, errors, config: { raw, source } as any })
  test('compose_dir: default <config dir>/apps, relative to the config file, absolute kept; bad type refused', () => {
    expect(appConfig(ctx({})).composeDir).toBe('/etc/lws/apps')
    expect(appConfig(ctx({ app: { compose_dir: 'stacks' } })).composeDir).toBe('/etc/lws/stacks')
    expect(appConfig(ctx({ app: { compose_dir: '/srv/compose' } })).composeDir).toBe('/srv/compose')
    expect(() => appConfig(ctx({ app: { compose_dir: 5 } }))).toThrow('app')
  })
  test('only regular files inside the real compose_dir', async () => {
    const base = mkdtempSync(join(tmpdir(), 'lws-app-'))
    try {
      const dir = join(base, 'apps')
      mkdirSync(join(dir, 'blog'), { recursive: true })
      writeFileSync(join(dir, 'blog/compose.yaml'), 'services: {}\n')
      writeFileSync(join(base, 'secret.yml'), 'x')
      symlinkSync(join(base, 'secret.yml'), join(dir, 'link.yml'))
      symlinkSync('blog/compose.yaml', join(dir, 'inner.yml'))
      const read = async (p: string) => {
        try {
          return (await readComposeFile(c, dir, p)).text
        } catch (e) {
          return (e as errors.LwsError).status
        }
      }
      expect(await read('blog/compose.yaml')).toBe('services: {}\n')
      expect(await read(join(dir, 'blog/compose.yaml'))).toBe('services: {}\n')
      expect(await read('inner.yml')).toBe('services: {}\n')
      for (const p of ['../secret.yml', join(base, 'secret.yml'), 'link.yml', 'blog/../../secret.yml', 'blog', dir, '/etc/passwd']) expect(await read(p)).toBe(400)
      expect(await read('nope.yml')).toBe(404)
      expect(await readComposeFile(c, join(base, 'missing'), 'x.yml').catch((e) => e.status)).toBe(404)
      // Outside is 400 whatever state compose_dir is in: missing folder, or a file that does not exist.
      for (const d of [join(base, 'missing'), dir]) {
        for (const p of ['/etc/shadow', '/nonexistent/x.yml']) expect(await readComposeFile(c, d, p).catch((e) => e.status)).toBe(400)
      }
    } finally {
      rmSync(base, { recursive: true, force: true })
    }
  })
})
