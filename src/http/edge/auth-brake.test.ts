import { describe, expect, test } from 'bun:test'
import { AuthBrake } from './auth-brake.ts'

describe('AuthBrake', () => {
  test('blocks one address after the limit, for the rest of the minute', () => {
    let now = 1_000_000
    const brake = new AuthBrake({ limit: 3, now: () => now })
    for (let i = 0; i < 3; i++) {
      expect(brake.retryAfterS('a')).toBe(0)
      brake.fail('a')
      now += 1000
    }
    expect(brake.retryAfterS('a')).toBe(57)
    expect(brake.retryAfterS('b')).toBe(0)
    now += 56_000
    expect(brake.retryAfterS('a')).toBe(1)
    now += 1_000
    expect(brake.retryAfterS('a')).toBe(0)
  })

  test('keeps at most maxAddresses', () => {
    const brake = new AuthBrake({ limit: 1, maxAddresses: 2 })
    brake.fail('a')
    brake.fail('b')
    brake.fail('c')
    expect(brake.retryAfterS('a')).toBe(0)
    expect(brake.retryAfterS('b')).toBeGreaterThan(0)
    expect(brake.retryAfterS('c')).toBeGreaterThan(0)
  })
})
