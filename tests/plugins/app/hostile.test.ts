/**
 * Hostile strings in every field the app routes accept. Each is either refused
 * with 400 (or 404 for paths no route matches) before any command reaches a
 * host, or carried as inert data (docker arguments, file content on stdin)
 * that no shell on the host or in the container interprets.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { appEnv, inCt, type AppEnv } from './support.ts'

let env: AppEnv
let id: string
const MARKER = '/tmp/lws-app-pwned'
const HOSTILE = [
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  `'; touch ${MARKER}; '`,
  `"; touch ${MARKER}; "`,
  `x\ntouch ${MARKER}`,
  `x && touch ${MARKER}`,
  `| touch ${MARKER}`,
  `../../../../tmp/x`,
  `-rf`,
  `--help`,
  ` `,
]

beforeAll(async () => {
  env = await appEnv()
  id = await env.createCt(17401, { features: 'nesting=1,keyctl=1' })
  env.trackProject('hostile-ok')
})
afterAll(() => env.close())

async function noMarker() {
  expect((await env.h1.exec(['test', '-e', MARKER])).exitCode).not.toBe(0)
  expect((await inCt(env.h1, id, `test -e ${MARKER}`)).exitCode).not.toBe(0)
}

/** Each request must be refused with an allowed status and run no host command. */
async function refused(requests: Array<() => Promise<{ status: number; body: any }>>, allowed = [400]) {
  for (const [i, send] of requests.entries()) {
    const before = env.hostCommands()
    const res = await send()
    if (!allowed.includes(res.status)) throw new Error(`request #${i}: status ${res.status} ${JSON.stringify(res.body)}`)
    expect(res.body).toHaveProperty('error')
    expect(env.hostCommands()).toBe(before)
  }
}

const Z = { region: 'eu-south-1', az: 'az1' }

describe('hostile input', () => {
  test('instance ids, region and az', async () => {
    const reqs = ['100;reboot', '$(reboot)', '`id`', '99', '1e3', '--force', '..%2F..'].flatMap((bad) => {
      const p = encodeURIComponent(bad)
      return [
        () => env.post(`/lxc/instances/${p}/app/setup`, Z),
        () => env.post(`/lxc/instances/${p}/app/run`, { docker_command: ['busybox'], ...Z }),
        () => env.post(`/lxc/instances/${p}/app/deploy`, { action: 'stop', project: 'x', ...Z }),
        () => env.get(`/lxc/instances/${p}/app/logs/x`),
        () => env.get(`/lxc/instances/${p}/app`),
      ]
    })
    await refused(reqs, [400, 404])
    const zones = HOSTILE.flatMap((bad) => [
      () => env.post(`/lxc/instances/${id}/app/setup`, { region: bad }),
      () => env.post(`/lxc/instances/${id}/app/run`, { docker_command: ['busybox'], az: bad }),
      () => env.get(`/lxc/instances/${id}/app?region=${encodeURIComponent(bad)}`),
      () => env.get(`/lxc/instances/${id}/app/logs/x?az=${encodeURIComponent(bad)}`),
    ])
    await refused(zones, [400, 404])
  })

  test('package_name, action, project, container_name, lines, compose_file', async () => {
    const reqs = HOSTILE.flatMap((bad) => [
      () => env.post(`/lxc/instances/${id}/app/setup`, { package_name: bad, ...Z }),
      () => env.post(`/lxc/instances/${id}/app/deploy`, { action: bad, project: 'x', ...Z }),
      () => env.post(`/lxc/instances/${id}/app/deploy`, { action: 'stop', project: bad, ...Z }),
      () => env.post(`/lxc/instances/${id}/app/deploy`, { action: 'install', compose_file: bad, ...Z }),
      () => env.post(`/lxc/instances/${id}/app/deploy`, { action: 'install', compose_file: `/tmp/${bad}`, ...Z }),
      () => env.get(`/lxc/instances/${id}/app/logs/${encodeURIComponent(bad)}?${new URLSearchParams(Z)}`),
      () => env.get(`/lxc/instances/${id}/app/logs/x?lines=${encodeURIComponent(bad)}`),
      () => env.get(`/lxc/instances/${id}/app/logs/x?follow=${encodeURIComponent(bad)}`),
    ])
    await refused(reqs, [400, 404])
    await noMarker()
  })

  test('compose YAML: hostile names refused; hostile values reach compose only as data', async () => {
    const reqs = HOSTILE.flatMap((bad) => [
      () => env.post(`/lxc/instances/${id}/app/deploy`, { action: 'install', project: 'hostile-x', compose: `services:\n  ${JSON.stringify(bad)}:\n    image: busybox\n`, ...Z }),
      () => env.post(`/lxc/instances/${id}/app/deploy`, { action: 'install', compose: `name: ${JSON.stringify(bad)}\nservices:\n  a:\n    image: busybox\n`, ...Z }),
    ])
    await refused(reqs)
    // An image name that is shell text: valid YAML, so it goes to compose, which refuses it.
    const img = await env.post(`/lxc/instances/${id}/app/deploy`, { action: 'install', project: 'hostile-img', compose: `services:\n  a:\n    image: ${JSON.stringify(HOSTILE[0])}\n`, ...Z })
    expect(img.status).toBe(500)
    expect((await env.post(`/lxc/instances/${id}/app/deploy`, { action: 'remove', project: 'hostile-img', ...Z })).status).toBe(200)
    // Shell text in the file content arrives byte for byte (stdin, never a command line).
    const text = `${HOSTILE.map((h) => `# ${h.replaceAll('\n', '\n# ')}`).join('\n')}\nservices:\n  a:\n    image: busybox\n    init: true\n    command: ["echo", ${JSON.stringify(HOSTILE[2])}]\n`
    const ok = await env.post(`/lxc/instances/${id}/app/deploy`, { action: 'install', project: 'hostile-ok', compose: text, ...Z })
    expect(ok.status).toBe(200)
    expect((await inCt(env.h1, id, 'cat /opt/lws/apps/hostile-ok/compose.yaml')).stdout).toBe(text)
    await Bun.sleep(500)
    const logs = await env.get(`/lxc/instances/${id}/app/logs/hostile-ok_a_1?${new URLSearchParams(Z)}`)
    expect(logs.body.output).toBe(`${HOSTILE[2]}\n`)
    await noMarker()
  })

  test('docker_command: every hostile string is one inert argument', async () => {
    const res = await env.post(`/lxc/instances/${id}/app/run`, { docker_command: ['--rm', 'busybox', 'sh', '-c', 'printf "<%s>" "$@"', 'argv0', ...HOSTILE], ...Z })
    expect(res.status).toBe(200)
    expect(res.body.output).toBe(HOSTILE.map((h) => `<${h}>`).join(''))
    await noMarker()
  })
})
