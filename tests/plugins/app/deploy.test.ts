/**
 * POST .../app/deploy and GET .../app against a real Docker engine with
 * Debian's docker-compose: install (from compose_dir and inline), the copy in
 * the container, listing, update, stop/start, remove, auto_start across an
 * engine restart, and everything refused before a command is sent.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { appEnv, composeFile, inCt, type AppEnv } from './support.ts'

let env: AppEnv
let id: string

const WEB = `services:
  web:
    image: nginx
    init: true
  worker:
    image: busybox
    init: true
    command: ["sh", "-c", "while :; do echo tick; sleep 1; done"]
`

beforeAll(async () => {
  env = await appEnv()
  id = await env.createCt(17201, { features: 'nesting=1,keyctl=1' })
  env.trackProject('dp-web', 'dp-inline', 'dp-auto', 'dp-manual', 'dp-broken', 'dp-blog', 'dp-shop')
})
afterAll(() => env.close())

const deploy = (body: Record<string, unknown>) => env.post(`/lxc/instances/${id}/app/deploy`, { region: 'eu-south-1', az: 'az1', ...body })
const projectContainers = async (p: string) => {
  const r = await env.engine.docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${p}`, '--format', '{{.Names}} {{.State}} {{.ID}}'])
  return r.stdout.split('\n').filter(Boolean).sort()
}

describe('app deploy', () => {
  test('install from compose_dir (the seed’s body): copied into the container, up, listed', async () => {
    const path = composeFile(env, 'dp-web/docker-compose.yml', WEB)
    const res = await deploy({ action: 'install', compose_file: path, auto_start: true })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ instance_id: id, action: 'install', project: 'dp-web', path: '/opt/lws/apps/dp-web', services: ['web', 'worker'], auto_start: true })
    expect(res.body.output).toContain('dp-web_web_1')
    const running = await projectContainers('dp-web')
    expect(running.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['dp-web_web_1 running', 'dp-web_worker_1 running'])
    // The file inside the container is the file on the LWS host, byte for byte.
    expect((await inCt(env.h1, id, 'cat /opt/lws/apps/dp-web/compose.yaml')).stdout).toBe(WEB)
    const policy = await env.engine.docker(['inspect', '--format', '{{.HostConfig.RestartPolicy.Name}}', 'dp-web_web_1', 'dp-web_worker_1'])
    expect(policy.stdout).toBe('unless-stopped\nunless-stopped\n')

    const list = await env.get(`/lxc/instances/${id}/app?region=eu-south-1&az=az1`)
    expect(list.status).toBe(200)
    const proj = list.body.projects.find((p: any) => p.name === 'dp-web')
    expect(proj).toEqual({ name: 'dp-web', managed: true, path: '/opt/lws/apps/dp-web', auto_start: true, services: ['web', 'worker'], containers: 2, running: 2 })
    const web = list.body.containers.find((c: any) => c.name === 'dp-web_web_1')
    expect(web).toMatchObject({ image: 'nginx', state: 'running', compose_project: 'dp-web', compose_service: 'web' })
    expect(web.id).toMatch(/^[0-9a-f]{64}$/)

    const again = await deploy({ action: 'install', compose_file: path })
    expect(again.status).toBe(409)
    expect(again.body.details).toContain('already deployed')
  })

  test('update replaces the file and recreates what changed; auto_start false drops the restart policy', async () => {
    const before = await projectContainers('dp-web')
    const changed = WEB.replace('echo tick', 'echo tock')
    const res = await deploy({ action: 'update', project: 'dp-web', compose: changed, auto_start: false })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ action: 'update', project: 'dp-web', auto_start: false })
    // No registry is reachable: the failed pull is reported and the update goes on.
    expect(res.body.output).toContain('pull failed')
    expect((await inCt(env.h1, id, 'cat /opt/lws/apps/dp-web/compose.yaml; ls /opt/lws/apps/dp-web')).stdout).toBe(`${changed}compose.yaml\n`)
    const after = await projectContainers('dp-web')
    const idOf = (rows: string[], n: string) => rows.find((r) => r.startsWith(n))!.split(' ')[2]
    expect(idOf(after, 'dp-web_worker_1')).not.toBe(idOf(before, 'dp-web_worker_1'))
    expect((await env.engine.docker(['logs', 'dp-web_worker_1'])).stdout).toContain('tock')
    const policy = await env.engine.docker(['inspect', '--format', '{{.HostConfig.RestartPolicy.Name}}', 'dp-web_worker_1'])
    expect(['', 'no']).toContain(policy.stdout.trim())
  })

  test('stop, start, remove', async () => {
    const stop = await deploy({ action: 'stop', project: 'dp-web' })
    expect(stop.status).toBe(200)
    expect((await projectContainers('dp-web')).every((l) => l.includes(' exited '))).toBe(true)
    const start = await deploy({ action: 'start', project: 'dp-web' })
    expect(start.status).toBe(200)
    expect((await projectContainers('dp-web')).every((l) => l.includes(' running '))).toBe(true)
    const rm = await deploy({ action: 'remove', project: 'dp-web' })
    expect(rm.status).toBe(200)
    expect(await projectContainers('dp-web')).toEqual([])
    expect((await inCt(env.h1, id, 'test -e /opt/lws/apps/dp-web')).exitCode).not.toBe(0)
    const list = await env.get(`/lxc/instances/${id}/app?region=eu-south-1&az=az1`)
    expect(list.body.projects.find((p: any) => p.name === 'dp-web')).toBeUndefined()
    for (const action of ['remove', 'start', 'stop', 'update']) {
      const r = await deploy({ action, project: 'dp-web' })
      expect(r.status).toBe(404)
    }
  })

  test('project names: given, from the folder (compose.yaml, docker-compose.yml) or the file name', async () => {
    const inline = await deploy({ action: 'install', project: 'dp-inline', compose: 'services:\n  one:\n    image: busybox\n    init: true\n    command: ["sleep", "600"]\n' })
    expect(inline.status).toBe(200)
    expect(inline.body.project).toBe('dp-inline')
    const one = 'services:\n  one:\n    image: busybox\n    init: true\n    command: ["sleep", "600"]\n'
    composeFile(env, 'Dp-Blog/compose.yaml', one)
    const blog = await deploy({ action: 'install', compose_file: 'Dp-Blog/compose.yaml' })
    expect(blog.status).toBe(200)
    expect(blog.body.project).toBe('dp-blog')
    composeFile(env, 'dp-shop.yaml', one)
    const shop = await deploy({ action: 'install', compose_file: `${env.composeDir}/dp-shop.yaml` })
    expect(shop.status).toBe(200)
    expect(shop.body.project).toBe('dp-shop')
    // start/stop/remove may name the project through its file too
    expect((await deploy({ action: 'stop', compose_file: 'dp-shop.yaml' })).body.project).toBe('dp-shop')
    expect((await deploy({ action: 'install', compose: 'services:\n  one:\n    image: busybox\n' })).status).toBe(400)
    composeFile(env, 'My App.yml', 'services:\n  one:\n    image: busybox\n')
    const bad = await deploy({ action: 'install', compose_file: 'My App.yml' })
    expect(bad.status).toBe(400)
    expect(bad.body.details).toContain('project')
    for (const p of ['dp-inline', 'dp-blog', 'dp-shop']) expect((await deploy({ action: 'remove', project: p })).status).toBe(200)
  })

  test('compose failing in the container → 500 with its output and exit code', async () => {
    const res = await deploy({ action: 'install', project: 'dp-broken', compose: 'services:\n  x:\n    image: lws-no-such-image:1\n' })
    expect(res.status).toBe(500)
    expect(res.body.return_code).not.toBe(0)
    expect(res.body.details).toContain('lws-no-such-image')
    expect((await deploy({ action: 'remove', project: 'dp-broken' })).status).toBe(200)
  })

  test('compose_file outside app.compose_dir, missing, or not a file → refused before any command', async () => {
    mkdirSync(join(env.composeDir, 'links'), { recursive: true })
    symlinkSync('/etc', join(env.composeDir, 'links/etc'))
    symlinkSync('/etc/hostname', join(env.composeDir, 'links/host.yml'))
    writeFileSync(join(env.composeDir, '..', 'outside.yml'), WEB)
    const before = env.hostCommands()
    const cases: Array<[string, number]> = [
      ['/etc/passwd', 400],
      ['../outside.yml', 400],
      [join(env.composeDir, '..', 'outside.yml'), 400],
      [`${env.composeDir}/../outside.yml`, 400],
      ['dp-web/../../outside.yml', 400],
      ['links/etc/hostname', 400],
      ['links/host.yml', 400],
      [`${env.composeDir}-evil/x.yml`, 400],
      ['links', 400],
      ['nope/compose.yaml', 404],
      ['a\0b', 400],
    ]
    try {
      for (const [p, status] of cases) {
        const r = await deploy({ action: 'install', compose_file: p })
        if (r.status !== status) throw new Error(`${JSON.stringify(p)}: ${r.status} ${JSON.stringify(r.body)}`)
      }
    } finally {
      rmSync(join(env.composeDir, '..', 'outside.yml'), { force: true })
    }
    expect(env.hostCommands()).toBe(before)
  })

  test('invalid compose YAML → 400 before any command', async () => {
    const before = env.hostCommands()
    const bad: Array<[string, string]> = [
      ['services: [', 'invalid YAML'],
      ['- a\n- b\n', 'mapping'],
      ['name: x\n', 'services'],
      ['services: {}\n', 'services'],
      ['services:\n  a:\n    command: x\n', 'image'],
      ['services:\n  a:\n    build: .\n', 'build'],
      ['services:\n  "a;b":\n    image: x\n', 'service name'],
      ['services:\n  a:\n    image: x\nfoo: 1\n', 'foo'],
      ['services:\n  a:\n    image: x\n  a:\n    image: y\n', 'invalid YAML'],
      ['x: &a [1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*z,*z,*z,*z,*z,*z,*z,*z,*z,*z]\nservices:\n  a:\n    image: x\n', 'YAML'],
    ]
    for (const [yaml, hint] of bad) {
      const r = await deploy({ action: 'install', project: 'dp-bad', compose: yaml })
      if (r.status !== 400 || !r.body.details.includes(hint)) throw new Error(`${JSON.stringify(yaml)}: ${r.status} ${JSON.stringify(r.body)}`)
    }
    const both = await deploy({ action: 'install', project: 'dp-bad', compose: WEB, compose_file: 'x.yml' })
    expect(both.status).toBe(400)
    expect((await deploy({ action: 'install', project: 'dp-bad' })).status).toBe(400)
    expect((await deploy({ action: 'explode', project: 'dp-bad' })).status).toBe(400)
    expect(env.hostCommands()).toBe(before)
  })

  test('auto_start: after the engine restarts ("the container boots"), only auto_start apps come back', async () => {
    const app = (cmd: string) => `services:\n  svc:\n    image: busybox\n    init: true\n    command: ["sh", "-c", "${cmd}"]\n`
    expect((await deploy({ action: 'install', project: 'dp-auto', compose: app('sleep 600'), auto_start: true })).status).toBe(200)
    expect((await deploy({ action: 'install', project: 'dp-manual', compose: app('sleep 600') })).status).toBe(200)
    const list = await env.get(`/lxc/instances/${id}/app?region=eu-south-1&az=az1`)
    expect(list.body.projects.filter((p: any) => ['dp-auto', 'dp-manual'].includes(p.name)).map((p: any) => [p.name, p.auto_start, p.running])).toEqual([
      ['dp-auto', true, 1],
      ['dp-manual', false, 1],
    ])
    const t0 = performance.now()
    await env.engine.restart()
    console.log(`engine restart: ${Math.round(performance.now() - t0)} ms`)
    let rows: string[] = []
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      rows = [...(await projectContainers('dp-auto')), ...(await projectContainers('dp-manual'))]
      if (rows.some((r) => r.startsWith('dp-auto_svc_1 running'))) break
      await Bun.sleep(200)
    }
    expect(rows.map((r) => r.split(' ').slice(0, 2).join(' '))).toEqual(['dp-auto_svc_1 running', 'dp-manual_svc_1 exited'])
  })
})
