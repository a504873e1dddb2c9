import { describe, expect, test } from 'bun:test'
import { isValidHost } from './host.ts'

describe('isValidHost', () => {
  test('accepts names, addresses and ports', () => {
    for (const h of ['x', 'ab', 'localhost', 'localhost:8080', '127.0.0.1', '127.0.0.1:1', 'pve-1.lab.example', '[::1]', '[::1]:8080', '[fe80::1]:65535', 'UPPER'])
      expect(isValidHost(h), h).toBe(true)
  })
  test('refuses what Bun cannot turn into an absolute URL', () => {
    for (const h of [null, '', 'a#', 'x?', 'a/b', 'x@y', '[::1', '::1', 'h:99999', 'h:0', 'h:', ':80', 'a b', 'x%41', '-a', 'a-', 'h:08', 'a\\b', 'x'.repeat(300)])
      expect(isValidHost(h), String(h)).toBe(false)
  })
})
