/** The app plugin's routes in the OpenAPI document (the pure unit tests are beside the code: plugins/app/*.test.ts). */
import { describe, expect, test } from 'bun:test'

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
