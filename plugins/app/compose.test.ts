/** Compose files: validation (400 naming the field) and project names. */
import { describe, expect, test } from 'bun:test'
import { parse } from 'yaml'
import * as errors from '../../src/errors/catalogue.ts'
import { autostartOverride, projectName, validateCompose } from './compose.ts'

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
