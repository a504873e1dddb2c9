/**
 * The app plugin's pure parts, without hosts: compose validation and project
 * names, the auto_start override, config, compose_file confinement, the
 * in-container scripts, and the parsers of their output.
 */
import { describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { t } from 'elysia'
import { parse } from 'yaml'
import { autostartOverride, projectName, validateCompose } from '../../../plugins/app/compose.ts'
import { readComposeFile } from '../../../plugins/app/compose-file.ts'
import { appConfig } from '../../../plugins/app/config.ts'
import { parseList } from '../../../plugins/app/routes/list.ts'
import { splitCid } from '../../../plugins/app/routes/run.ts'
import { familyOf, installSteps, parseProbe } from '../../../plugins/app/setup-plan.ts'
import { composeScript, LIST_SEPARATOR, logsScript, runScript } from '../../../plugins/app/shell.ts'
import * as errors from '../../../src/errors/catalogue.ts'

const c = { errors }
const status = (fn: () => unknown) => {
  try {
    fn()
    return 200
  } catch (e) {
    return (e as errors.LwsError).status
  }
}

describe('compose validation', () => {
  test('a valid file: services in order, name and version', () => {
    expect(validateCompose(c, 'version: "3.8"\nname: Shop\nservices:\n  b:\n    image: x\n  a:\n    image: y\n', 'compose')).toEqual({
      services: ['b', 'a'],
      name: 'Shop',
      version: '3.8',
    })
  })
  test('refusals name the field', () => {
    for (const y of ['', 'services: [', 'services:\n  a: 1\n', 'services:\n  a:\n    image: ""\n', 'services:\n  a:\n    image: x\n    extends: y\n', 'include: [a.yml]\nservices:\n  a:\n    image: x\n']) {
      let err: errors.LwsError | undefined
      try {
        validateCompose(c, y, 'compose_file')
      } catch (e) {
        err = e as errors.LwsError
      }
      expect(err?.status).toBe(400)
      expect(err?.details).toStartWith('compose_file: ')
    }
    expect(status(() => validateCompose(c, `services:\n  a:\n    image: x\n#${'x'.repeat(300_000)}`, 'compose'))).toBe(400)
  })
})

describe('project names', () => {
  const spec = (name?: string) => ({ services: ['a'], ...(name ? { name } : {}) })
  test('given > name: > folder of a standard file name > file name', () => {
    expect(projectName(c, { project: 'given', spec: spec('Other'), path: '/a/b/compose.yaml' })).toBe('given')
    expect(projectName(c, { spec: spec('My-App'), path: '/a/b/compose.yaml' })).toBe('my-app')
    for (const f of ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']) expect(projectName(c, { path: `/srv/Blog/${f}` })).toBe('blog')
    expect(projectName(c, { path: '/srv/apps/shop.yml' })).toBe('shop')
  })
  test('invalid names → 400 asking for project', () => {
    for (const o of [{ path: '/srv/My App.yml' }, { spec: spec('a;b') }, { spec: spec('x'.repeat(64)) }, {}, { project: '-x' }]) {
      expect(status(() => projectName(c, o))).toBe(400)
    }
  })
  test('auto_start override: every service unless-stopped, version kept', () => {
    expect(parse(autostartOverride({ services: ['a', 'b'] }))).toEqual({ services: { a: { restart: 'unless-stopped' }, b: { restart: 'unless-stopped' } } })
    expect(parse(autostartOverride({ services: ['a'], version: '3.8' })).version).toBe('3.8')
  })
})

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

describe('scripts and parsers', () => {
  test('docker run arguments are single-quoted words; nothing else from the request', () => {
    const s = runScript(['-d', 'a b', "it's", '$(x)'], '/tmp/lws-run-00.cid')
    expect(s).toContain(`docker run --cidfile "$cid" -d 'a b' 'it'\\''s' '$(x)'`)
    expect(logsScript('web.1', { lines: 5, follow: true })).toContain('exec docker logs --tail 5 --follow web.1 2>&1')
    expect(composeScript('blog', 'update')).toContain("set -- -p blog -f compose.yaml")
  })
  test('the container id line is split off stderr', () => {
    const id = 'a'.repeat(64)
    expect(splitCid(`WARNING: x\n\nLWS_CID ${id}\n`)).toEqual({ stderr: 'WARNING: x\n', cid: id })
    expect(splitCid(`\nLWS_CID ${id}\n`)).toEqual({ stderr: '', cid: id })
    expect(splitCid('boom\n')).toEqual({ stderr: 'boom\n', cid: null })
  })
  test('listing: containers, LWS projects and label-only projects', () => {
    const row = (name: string, project: string, state: string) =>
      JSON.stringify({ id: name, name, image: 'i', command: 'c', state, status: 's', ports: '', created: 't', project, service: project ? 'svc' : '' })
    const out = [row('a', 'p1', 'running'), row('b', 'p2', 'exited'), row('c', '', 'running'), LIST_SEPARATOR, 'p1 1', 'p3 0', 'Bad;Name 1', ''].join('\n')
    const { containers, projects } = parseList(out)
    expect(containers.map((x) => [x.name, x.compose_project])).toEqual([['a', 'p1'], ['b', 'p2'], ['c', null]])
    expect(projects).toEqual([
      { name: 'p1', managed: true, path: '/opt/lws/apps/p1', auto_start: true, services: ['svc'], containers: 1, running: 1 },
      { name: 'p2', managed: false, path: null, auto_start: null, services: ['svc'], containers: 1, running: 0 },
      { name: 'p3', managed: true, path: '/opt/lws/apps/p3', auto_start: false, services: [], containers: 0, running: 0 },
    ])
    expect(parseList(`${LIST_SEPARATOR}\n`)).toEqual({ containers: [], projects: [] })
  })
  test('setup plans: apt for Debian/Ubuntu and derivatives, apk for Alpine, nothing else', () => {
    const p = (os: string) => parseProbe(`docker=0\n${os}`)
    expect(familyOf(p('os_id=debian\nos_version=12'))).toBe('debian')
    expect(familyOf(p('os_id=linuxmint\nos_like=ubuntu debian'))).toBe('debian')
    expect(familyOf(p('os_id=alpine\nos_version=3.20.3'))).toBe('alpine')
    expect(familyOf(p('os_id=fedora'))).toBeUndefined()
    expect(installSteps('alpine').map((s) => s.command).slice(0, 2)).toEqual(['apk update', 'apk add docker docker-cli-compose'])
    expect(installSteps('debian')[1]!.command).toContain('apt-get install -y docker.io "$compose"')
    expect(parseProbe('docker=1\nclient=20.10.24\nserver=\ncompose=1.29.2\nos_id=debian')).toMatchObject({
      docker: true,
      clientVersion: '20.10.24',
      serverVersion: null,
      composeVersion: '1.29.2',
    })
  })
})

describe('OpenAPI', () => {
  test('the five routes at the seed’s paths, tagged app, with typed bodies and error responses', async () => {
    const { startApp } = await import('../../http/harness.ts')
    const app = await startApp()
    const doc = (await (await app.request('/api/v1/docs/json')).json()) as any
    const paths = doc.paths as Record<string, Record<string, any>>
    const ops: Array<[string, string]> = [
      ['/api/v1/lxc/instances/{instance_id}/app/setup', 'post'],
      ['/api/v1/lxc/instances/{instance_id}/app/run', 'post'],
      ['/api/v1/lxc/instances/{instance_id}/app/deploy', 'post'],
      ['/api/v1/lxc/instances/{instance_id}/app/logs/{container_name}', 'get'],
      ['/api/v1/lxc/instances/{instance_id}/app', 'get'],
    ]
    for (const [p, m] of ops) {
      const op = paths[p]?.[m]
      expect(op, `${m} ${p}`).toBeDefined()
      expect(op.tags).toEqual(['app'])
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '409', '500']))
    }
    const body = paths['/api/v1/lxc/instances/{instance_id}/app/run']!.post.requestBody.content['application/json'].schema
    expect(body.properties.docker_command.type).toBe('array')
    const deploy = paths['/api/v1/lxc/instances/{instance_id}/app/deploy']!.post.requestBody.content['application/json'].schema
    expect(Object.keys(deploy.properties)).toEqual(expect.arrayContaining(['action', 'compose_file', 'compose', 'auto_start', 'project']))
    await app.zones.closeAll()
  })
})
