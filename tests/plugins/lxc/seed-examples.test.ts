/**
 * The user's API reference, run as written against a listening LWS: every
 * `/lxc/instances...` curl example (only the base URL, the key and the
 * container ids 100/101/102 are replaced by the test's own), and the Python
 * client example (with `requests`, as the seed has it).
 */
import { bunServeOptions } from '../../../src/serve-bun.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KEY } from '../../http/harness.ts'
import { lxcEnv, MEDIUM_MB, statusOnHost, type LxcEnv } from './support.ts'

let env: LxcEnv
let base: string
let server: { stop(closeActiveConnections?: boolean): unknown } | undefined
const ids: Record<string, string> = {}
const tmp = mkdtempSync(join(tmpdir(), 'lws-seed-'))

beforeAll(async () => {
  env = await lxcEnv({ startVmid: 16000 })
  server = Bun.serve(bunServeOptions(env.app, { hostname: '127.0.0.1', port: 0 }))
  base = `http://127.0.0.1:${(server as unknown as { port: number }).port}`
})
afterAll(async () => {
  server?.stop(true)
  rmSync(tmp, { recursive: true, force: true })
  await env.close()
})

/** Runs a curl example from the seed through sh, with our URL, key and ids. */
async function curl(example: string): Promise<{ status: number; body: any }> {
  let text = example
    .replaceAll('http://localhost:8080', base)
    .replaceAll('your-key', KEY)
    .replace(/instances\/(100|101|102)\b/g, (_, n: string) => `instances/${ids[n]}`)
    .replace(/"(100|101|102)"/g, (_, n: string) => `"${ids[n]}"`)
  text = text.replace(/^curl /, 'curl -s -w "\\n%{http_code}" ')
  const p = Bun.spawn(['sh', '-c', text], { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  if (code !== 0) throw new Error(`curl failed (${code}): ${err}`)
  const nl = out.lastIndexOf('\n')
  return { status: Number(out.slice(nl + 1)), body: JSON.parse(out.slice(0, nl)) }
}

describe('the seed’s lxc examples, as written', () => {
  test('POST /lxc/instances (create, medium, in eu-south-1/az1)', async () => {
    const res = await curl(`curl -X POST \\
-H "X-API-Key: your-key" \\
-H "Content-Type: application/json" \\
-d '{
"image_id": "local:vztmpl/ubuntu-22.04.tar.gz",
"size": "medium",
"count": 1,
"hostname": "web-server",
"region": "eu-south-1",
"az": "az1"
}' \\
http://localhost:8080/api/v1/lxc/instances`)
    expect(res.status).toBe(200)
    ids['100'] = res.body.instances[0].instance_id
    env.track('az1', ids['100']!)
    expect(res.body.instances[0]).toMatchObject({ hostname: 'web-server', status: 'running', region: 'eu-south-1', az: 'az1', size: 'medium' })
  })

  test('Complete Workflow step 3: create without region/az lands in the default AZ', async () => {
    const res = await curl(`curl -X POST \\
-H "X-API-Key: your-key" \\
-H "Content-Type: application/json" \\
-d '{
"image_id": "local:vztmpl/ubuntu-22.04.tar.gz",
"size": "medium",
"hostname": "api-test"
}' \\
http://localhost:8080/api/v1/lxc/instances`)
    expect(res.status).toBe(200)
    ids['101'] = res.body.instances[0].instance_id
    env.track('az1', ids['101']!)
    expect(res.body.instances[0]).toMatchObject({ hostname: 'api-test', region: 'eu-south-1', az: 'az1' })
  })

  test('the Python client example (requests) lists and creates', async () => {
    const hasRequests = Bun.spawnSync(['python3', '-c', 'import requests']).exitCode === 0
    if (!hasRequests) {
      console.warn('SKIPPED: python3 has no `requests` module; the seed’s Python client example was not run')
      return
    }
    const script = `import requests

class LWSClient:
    def __init__(self, base_url, api_key):
        self.base_url = base_url
        self.headers = {'X-API-Key': api_key}

    def list_containers(self):
        url = f"{self.base_url}/api/v1/lxc/instances"
        response = requests.get(url, headers=self.headers)
        return response.json()

    def create_container(self, image_id, size='medium'):
        url = f"{self.base_url}/api/v1/lxc/instances"
        data = {'image_id': image_id, 'size': size}
        response = requests.post(url, json=data, headers=self.headers)
        return response.json()

# Usage
client = LWSClient('${base}', '${KEY}')
containers = client.list_containers()
print(containers)

import json
print(json.dumps(client.create_container('local:vztmpl/ubuntu-22.04.tar.gz')))
`
    const file = join(tmp, 'client.py')
    writeFileSync(file, script)
    const p = Bun.spawn(['python3', file], { stdout: 'pipe', stderr: 'pipe' })
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
    expect(err).toBe('')
    expect(code).toBe(0)
    const [listed, created] = out.trim().split('\n')
    // print() of the dict: both containers created above are in it.
    expect(listed).toContain("'instances': [")
    expect(listed).toContain(`'instance_id': '${ids['100']}'`)
    expect(listed).toContain(`'instance_id': '${ids['101']}'`)
    const made = JSON.parse(created!)
    ids['102'] = made.instances[0].instance_id
    env.track('az1', ids['102']!)
    expect(made.instances[0]).toMatchObject({ size: 'medium', status: 'running' })
  })

  test('GET /lxc/instances (auth example and region/az example)', async () => {
    const all = await curl(`curl -H "X-API-Key: your-api-key" \\
http://localhost:8080/api/v1/lxc/instances`.replace('your-api-key', 'your-key'))
    expect(all.status).toBe(200)
    const one = await curl(`curl -H "X-API-Key: your-key" \\
"http://localhost:8080/api/v1/lxc/instances?region=eu-south-1&az=az1"`)
    expect(one.status).toBe(200)
    const listed = one.body.instances.map((x: any) => x.instance_id)
    expect(listed).toEqual(expect.arrayContaining([ids['100'], ids['101'], ids['102']]))
  })

  test('GET /lxc/instances/{instance_id}', async () => {
    const res = await curl(`curl -H "X-API-Key: your-key" \\
http://localhost:8080/api/v1/lxc/instances/100`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ instance_id: ids['100'], hostname: 'web-server', status: 'running', size: 'medium' })
  })

  test('POST /lxc/instances/stop, then /start', async () => {
    const stop = await curl(`curl -X POST \\
-H "X-API-Key: your-key" \\
-H "Content-Type: application/json" \\
-d '{
"instance_ids": ["100", "101"],
"region": "eu-south-1",
"az": "az1"
}' \\
http://localhost:8080/api/v1/lxc/instances/stop`)
    expect(stop.status).toBe(200)
    expect(stop.body.results.map((r: any) => r.current_status)).toEqual(['stopped', 'stopped'])
    expect(await statusOnHost(env.h1, ids['101']!)).toBe('stopped')

    const start = await curl(`curl -X POST \\
-H "X-API-Key: your-key" \\
-H "Content-Type: application/json" \\
-d '{
"instance_ids": ["100", "101", "102"],
"region": "eu-south-1",
"az": "az1"
}' \\
http://localhost:8080/api/v1/lxc/instances/start`)
    expect(start.status).toBe(200)
    expect(start.body.results.map((r: any) => r.message)).toEqual(['started', 'started', 'already running'])
    expect(start.body.output).toContain('started')
  })

  test('POST /lxc/instances/scale', async () => {
    const res = await curl(`curl -X POST \\
-H "X-API-Key: your-key" \\
-H "Content-Type: application/json" \\
-d '{
"instance_ids": ["100"],
"memory": 4096,
"cpulimit": 4,
"storage_size": "64G",
"region": "eu-south-1",
"az": "az1"
}' \\
http://localhost:8080/api/v1/lxc/instances/scale`)
    expect(res.status).toBe(200)
    expect(res.body.results[0].applied).toMatchObject({ memory_mb: 4096, cpulimit: 4, storage_size: '64G' })
  })

  test('POST /lxc/instances/{instance_id}/exec (both examples)', async () => {
    const uptime = await curl(`curl -X POST \\
-H "X-API-Key: your-key" \\
-H "Content-Type: application/json" \\
-d '{"command": "uptime"}' \\
http://localhost:8080/api/v1/lxc/instances/100/exec`)
    expect(uptime.status).toBe(200)
    expect(uptime.body.output).toContain('load average')

    // The test containers have no network: apt fails, which must come back as the command's own failure.
    const apt = await curl(`curl -X POST \\
-H "X-API-Key: your-key" \\
-H "Content-Type: application/json" \\
-d '{
"command": "apt update && apt upgrade -y",
"region": "eu-south-1",
"az": "az1"
}' \\
http://localhost:8080/api/v1/lxc/instances/100/exec`)
    if (apt.status === 200) {
      expect(apt.body.exit_code).toBe(0)
    } else {
      expect(apt.status).toBe(500)
      expect(apt.body.return_code).toBe(apt.body.exit_code)
      expect(apt.body.return_code).not.toBe(0)
      expect(apt.body.details.length).toBeGreaterThan(0)
    }
  })

  test('POST and DELETE /lxc/instances/{instance_id}/snapshots', async () => {
    const made = await curl(`curl -X POST \\
-H "X-API-Key: your-key" \\
-H "Content-Type: application/json" \\
-d '{
"snapshot_name": "before-update",
"region": "eu-south-1",
"az": "az1"
}' \\
http://localhost:8080/api/v1/lxc/instances/100/snapshots`)
    expect(made.status).toBe(200)
    expect(made.body.snapshot.name).toBe('before-update')
    const gone = await curl(`curl -X DELETE \\
-H "X-API-Key: your-key" \\
"http://localhost:8080/api/v1/lxc/instances/100/snapshots/before-update?region=eu-south-1&az=az1"`)
    expect(gone.status).toBe(200)
    expect(gone.body.snapshot_name).toBe('before-update')
  })

  test('GET /lxc/instances/{instance_id}/resources', async () => {
    const res = await curl(`curl -H "X-API-Key: your-key" \\
http://localhost:8080/api/v1/lxc/instances/100/resources`)
    expect(res.status).toBe(200)
    expect(res.body.memory.max_bytes).toBe(4096 * 1024 * 1024)
    expect(res.body.instance_id).toBe(ids['100'])
  })

  test('POST /lxc/instances/terminate', async () => {
    const res = await curl(`curl -X POST \\
-H "X-API-Key: your-key" \\
-H "Content-Type: application/json" \\
-d '{
"instance_ids": ["100"],
"region": "eu-south-1",
"az": "az1"
}' \\
http://localhost:8080/api/v1/lxc/instances/terminate`)
    expect(res.status).toBe(200)
    expect(res.body.results[0]).toMatchObject({ instance_id: ids['100'], success: true, current_status: 'terminated' })
    expect(await statusOnHost(env.h1, ids['100']!)).toBe('missing')
    // The other two still run with the medium size.
    for (const k of ['101', '102']) {
      const d = await curl(`curl -H "X-API-Key: your-key" \\
http://localhost:8080/api/v1/lxc/instances/${k}`)
      expect(d.body.memory.max_bytes).toBe(MEDIUM_MB * 1024 * 1024)
    }
  })

  test('without the key → 401 in the seed’s error shape', async () => {
    const res = await curl(`curl -X POST -H "Content-Type: application/json" -d '{"instance_ids": ["100"]}' http://localhost:8080/api/v1/lxc/instances/start`)
    expect(res.status).toBe(401)
    expect(Object.keys(res.body).sort()).toEqual(['code', 'details', 'error', 'return_code'])
  })
})
