import { expect, test } from 'bun:test'
import { MASK, maskSecrets } from '../../src/config/mask.ts'

test('masks every secret-looking key at any depth, keeps the rest', () => {
  const masked = maskSecrets({
    api_key: 'k-123456789',
    api: { port: 8080, token: 't' },
    regions: { r: { availability_zones: { a: { host: 'h', ssh_password: 'pw', ssh_key_file: '/k' } } } },
    list: [{ client_secret: 's', name: 'n' }],
    db_password: '',
  })
  expect(masked.api_key).toBe(MASK)
  expect(masked.api.token).toBe(MASK)
  expect(masked.api.port).toBe(8080)
  expect(masked.regions.r.availability_zones.a).toEqual({ host: 'h', ssh_password: MASK, ssh_key_file: '/k' })
  expect(masked.list[0]).toEqual({ client_secret: MASK, name: 'n' })
  expect(JSON.stringify(masked)).not.toMatch(/k-123456789|pw"/)
})
