/**
 * POST /lxc/instances/{id}/exec against a real container: output, exit codes,
 * stopped and unknown containers, timeouts, and shell syntax that must run
 * inside the container and never on the host.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { IMAGE, lxcEnv, type LxcEnv } from './support.ts'

let env: LxcEnv
let id: string

beforeAll(async () => {
  env = await lxcEnv({ startVmid: 12000 })
  const res = await env.post('/lxc/instances', { image_id: IMAGE, hostname: 'exec-box', az: 'az2' })
  if (res.status !== 200) throw new Error(`create failed: ${JSON.stringify(res.body)}`)
  id = res.body.instances[0].instance_id
  env.track('az2', id)
})
afterAll(() => env.close())

const exec = (body: Record<string, unknown>, target = id) => env.post(`/lxc/instances/${target}/exec`, { region: 'eu-central-1', az: 'az2', ...body })

describe('lxc exec', () => {
  test('shell syntax runs inside the container: echo $((6*7)) → 42', async () => {
    const res = await exec({ command: 'echo $((6*7)); hostname; echo warn >&2' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      instance_id: id,
      region: 'eu-central-1',
      az: 'az2',
      output: '42\nexec-box\n',
      stdout: '42\nexec-box\n',
      stderr: 'warn\n',
      exit_code: 0,
    })
    expect(typeof res.body.duration_ms).toBe('number')
  })

  test('a non-zero exit → 500 COMMAND_EXIT_NONZERO with return_code = the exit code and the output in details', async () => {
    const res = await exec({ command: 'echo partial; echo broken >&2; exit 3' })
    expect(res.status).toBe(500)
    expect(res.body).toMatchObject({
      error: 'Command exited with status 3',
      code: 'COMMAND_EXIT_NONZERO',
      return_code: 3,
      exit_code: 3,
      stdout: 'partial\n',
      stderr: 'broken\n',
      instance_id: id,
    })
    expect(res.body.details).toContain('partial')
    expect(res.body.details).toContain('broken')
    const silent = await exec({ command: 'exit 3' })
    expect(silent.status).toBe(500)
    expect(silent.body.return_code).toBe(3)
    expect(silent.body.details).toBe('command exited with code 3')
    // 127 from inside the container is the command's own status, not a tool missing on the host.
    const missing = await exec({ command: 'no-such-command-xyz' })
    expect(missing.body).toMatchObject({ return_code: 127, code: 'COMMAND_EXIT_NONZERO' })
  })

  test('the seed’s example body (no region/az → default AZ) and quoting survive', async () => {
    // The default AZ is eu-south-1/az1, where this container does not live.
    const other = await env.post(`/lxc/instances/${id}/exec`, { command: 'uptime' })
    expect(other.status).toBe(404)
    const quoted = await exec({ command: `printf '%s|' "a b" 'c"d' "it's" \\$HOME` })
    expect(quoted.body.output).toBe(`a b|c"d|it's|$HOME|`)
  })

  test('hostile commands are shell text inside the container only', async () => {
    const marker = `/tmp/lws-exec-pwned-${Date.now()}`
    // Other test files may power-cycle the shared hosts: compare, don't expect empty.
    const recordedBefore = await env.h2.recorded()
    const res = await exec({ command: `touch ${marker}; echo $(id -u); reboot 2>/dev/null; true` })
    expect(res.status).toBe(200)
    // The file exists inside the container, not on the host.
    expect((await exec({ command: `test -e ${marker} && echo inside` })).body.output).toBe('inside\n')
    expect((await env.h2.exec(['test', '-e', marker])).exitCode).not.toBe(0)
    expect(await env.h2.recorded()).toEqual(recordedBefore)
  })

  test('timeout: the command is killed → 504', async () => {
    const t0 = performance.now()
    const res = await exec({ command: 'sleep 31.5', timeout: 1 })
    expect(res.status).toBe(504)
    expect(res.body.code).toBe('HOST_TIMEOUT')
    expect(res.body.details).toContain('no answer within 1 s; the command was stopped')
    expect(performance.now() - t0).toBeLessThan(10_000)
    await Bun.sleep(300)
    // Nothing of it keeps running inside the container.
    const left = await exec({ command: "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done | grep -c '^sleep 31.5' || true" })
    expect(left.body.output).toBe('0\n')
  })

  test('stopped container → 409; unknown → 404; empty command → 400', async () => {
    expect((await env.post('/lxc/instances/stop', { instance_ids: [id], az: 'az2' })).status).toBe(200)
    const stopped = await exec({ command: 'true' })
    expect(stopped.status).toBe(409)
    expect(stopped.body.code).toBe('INSTANCE_NOT_RUNNING')
    expect(stopped.body.details).toContain('not running')
    const unknown = await exec({ command: 'true' }, '99997')
    expect(unknown.status).toBe(404)
    expect(unknown.body.code).toBe('INSTANCE_NOT_FOUND')
    expect((await exec({ command: '' })).status).toBe(400)
    expect((await env.post(`/lxc/instances/${id}/exec`, { az: 'az2' })).status).toBe(400)
  })
})
