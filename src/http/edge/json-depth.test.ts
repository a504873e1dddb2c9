import { describe, expect, test } from 'bun:test'
import { nestsDeeperThan } from './json-depth.ts'

const enc = (s: string) => new TextEncoder().encode(s)

describe('nestsDeeperThan', () => {
  test('counts objects and arrays, not brackets inside strings', () => {
    expect(nestsDeeperThan(enc('{"a":[{"b":1}]}'), 3)).toBe(false)
    expect(nestsDeeperThan(enc('{"a":[{"b":[1]}]}'), 3)).toBe(true)
    expect(nestsDeeperThan(enc(`{"s":"${'['.repeat(100)}"}`), 2)).toBe(false)
    expect(nestsDeeperThan(enc(`{"s":"\\"${'['.repeat(100)}"}`), 2)).toBe(false)
  })
  test('flat and deep extremes', () => {
    expect(nestsDeeperThan(enc('['.repeat(100_000)), 32)).toBe(true)
    expect(nestsDeeperThan(enc('[' + '1,'.repeat(500_000) + '1]'), 32)).toBe(false)
    expect(nestsDeeperThan(enc('['.repeat(32) + ']'.repeat(32)), 32)).toBe(false)
    expect(nestsDeeperThan(enc('['.repeat(33) + ']'.repeat(33)), 32)).toBe(true)
  })
})
