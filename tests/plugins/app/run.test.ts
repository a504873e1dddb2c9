/**
 * POST .../app/run against a real Docker engine: the seed's example, the new
 * container's id, arguments passed byte for byte, Docker's own failures, and
 * the container/docker states that refuse the call.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { appEnv, inCt, rand, type AppEnv } from './support.ts'

let env: AppEnv
let id: string
let stopped: string
let noDocker: string

beforeAll(async () => {
  env = await appEnv()
  ;[id, stopped, noDocker] = await Promise.all([
    env.createCt(17001, { features: 'nesting=1,keyctl=1' }),
    env.createCt(17002, { start: false }),
    // docker hidden: /dev/null over the client binary, so `command -v docker` fails
    env.createCt(17003, { lxc: ['lxc.mount.entry: /dev/null usr/bin/docker none bind 0 0'] }),
  ])
})
afterAll(() => env.close())

const run = (docker_command: unknown, target = id, extra: Record<string, unknown> = {}) =>
  env.post(`/lxc/instances/${target}/app/run`, { docker_command, region: 'eu-south-1', az: 'az1', ...extra })

describe('app run', () => {
  test('the seed example: -d -p 80:80 nginx → the new container id, running in the engine', async () => {
    const name = `lws-run-${rand()}`
    env.trackDocker(name)
    const res = await run(['-d', '-p', '80:80', '--name', name, 'nginx'])
    expect(res.status).toBe(200)
    expect(res.body.container_id).toMatch(/^[0-9a-f]{64}$/)
    expect(res.body.output.trim()).toBe(res.body.container_id)
    expect(res.body).toMatchObject({ instance_id: id, region: 'eu-south-1', az: 'az1', exit_code: 0 })
    const state = await env.engine.docker(['inspect', '--format', '{{.State.Running}} {{.Config.Image}} {{.Name}}', res.body.container_id])
    expect(state.stdout.trim()).toBe(`true nginx /${name}`)
  })

  test('every element is one argument: spaces, quotes, $(...), globs and newlines arrive verbatim', async () => {
    const args = ['a b', "it's", '"dq"', '$(touch /tmp/lws-run-pwned)', '`id`', '*', '; reboot', 'line1\nline2', '']
    const name = `lws-args-${rand()}`
    env.trackDocker(name)
    const res = await run(['--name', name, 'busybox', 'sh', '-c', 'for a in "$@"; do printf "[%s]" "$a"; done', 'argv0', ...args])
    expect(res.status).toBe(200)
    expect(res.body.output).toBe(args.map((a) => `[${a}]`).join(''))
    // Without -d docker prints no id; --cidfile still tells it.
    expect(res.body.container_id).toMatch(/^[0-9a-f]{64}$/)
    expect(res.body.stderr).not.toContain('LWS_CID')
    // Nothing ran anywhere else: not in the LXC container, not on the host.
    expect((await inCt(env.h1, id, 'test -e /tmp/lws-run-pwned')).exitCode).not.toBe(0)
    expect((await env.h1.exec(['test', '-e', '/tmp/lws-run-pwned'])).exitCode).not.toBe(0)
  })

  test('Docker’s own failure → 500 COMMAND_EXIT_NONZERO with its stderr and exit code', async () => {
    const missing = await run(['--rm', 'lws-no-such-image:1'])
    expect(missing.status).toBe(500)
    expect(missing.body).toMatchObject({ error: 'Command exited with status 125', code: 'COMMAND_EXIT_NONZERO', instance_id: id, truncated: false })
    expect(missing.body.return_code).toBe(125)
    expect(missing.body.exit_code).toBe(125)
    expect(missing.body.details).toContain("Unable to find image 'lws-no-such-image:1' locally")
    expect(missing.body.container_id).toBeNull()
    const flag = await run(['--no-such-flag', 'busybox'])
    expect(flag.status).toBe(500)
    expect(flag.body.return_code).toBe(125)
    expect(flag.body.details).toContain('unknown flag: --no-such-flag')
    // The container's own exit code passes through.
    const name = `lws-exit-${rand()}`
    env.trackDocker(name)
    const exit3 = await run(['--name', name, 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'])
    expect(exit3.status).toBe(500)
    expect(exit3.body).toMatchObject({ return_code: 3, exit_code: 3, code: 'COMMAND_EXIT_NONZERO', stdout: 'out\n' })
    expect(exit3.body.details).toContain('err')
    expect(exit3.body.container_id).toMatch(/^[0-9a-f]{64}$/)
  })

  test('refusals: docker missing → 409, container stopped → 409, unknown container → 404, bad bodies → 400', async () => {
    const nd = await run(['busybox'], noDocker)
    expect(nd.status).toBe(409)
    expect(nd.body.details).toContain('docker is not installed')
    expect(nd.body.details).toContain('app/setup')
    const st = await run(['busybox'], stopped)
    expect(st.status).toBe(409)
    expect((await run(['busybox'], '17999')).status).toBe(404)
    for (const bad of [[], 'nginx', [1], ['a\0b'], Array(300).fill('x')]) {
      const r = await run(bad)
      expect(r.status).toBe(400)
    }
    expect((await env.post(`/lxc/instances/${id}/app/run`, {})).status).toBe(400)
    expect((await run(['busybox'], id, { timeout: 0 })).status).toBe(400)
  })

  test('a run that outlives `timeout` is killed → 504', async () => {
    const name = `lws-slow-${rand()}`
    env.trackDocker(name)
    const t0 = performance.now()
    const res = await run(['--name', name, 'busybox', 'sleep', '30'], id, { timeout: 2 })
    expect(res.status).toBe(504)
    expect(performance.now() - t0).toBeLessThan(10_000)
  })
})
