/**
 * The seed's four Docker/App curl examples, with their exact bodies and query
 * strings (only the instance id and the compose file's folder differ), in the
 * order a user would run them, against the real engine.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { appEnv, composeFile, type AppEnv } from './support.ts'

let env: AppEnv
let id: string

beforeAll(async () => {
  env = await appEnv()
  id = await env.createCt(17501, { features: 'nesting=1,keyctl=1' })
})
afterAll(() => env.close())

test('setup → run → deploy → logs, as in the seed', async () => {
  const setup = await env.post(`/lxc/instances/${id}/app/setup`, { package_name: 'docker', region: 'eu-south-1', az: 'az1' })
  expect(setup.status).toBe(200)
  expect(setup.body.status).toBe('already_installed')

  const run = await env.post(`/lxc/instances/${id}/app/run`, { docker_command: ['-d', '-p', '80:80', 'nginx'], region: 'eu-south-1', az: 'az1' })
  expect(run.status).toBe(200)
  expect(run.body.container_id).toMatch(/^[0-9a-f]{64}$/)
  env.trackDocker(run.body.container_id)

  // "/path/to/docker-compose.yml" lives in the configured app.compose_dir here.
  const path = composeFile(env, 'docker-compose.yml', 'services:\n  web:\n    image: nginx\n    init: true\n    container_name: nginx\n')
  const project = path.split('/').at(-2)!.toLowerCase()
  env.trackProject(project)
  const deploy = await env.post(`/lxc/instances/${id}/app/deploy`, { action: 'install', compose_file: path, auto_start: true, region: 'eu-south-1', az: 'az1' })
  expect(deploy.status).toBe(200)
  expect(deploy.body).toMatchObject({ project, auto_start: true, services: ['web'] })

  const logs = await env.get(`/lxc/instances/${id}/app/logs/nginx?follow=false&lines=100`)
  expect(logs.status).toBe(200)
  expect(logs.body).toMatchObject({ container: 'nginx', lines: 100, region: 'eu-south-1', az: 'az1' })
  expect(typeof logs.body.output).toBe('string')
})
