import { describe, expect, test } from 'bun:test'
import { HOST_API_VERSION, hostApiProblem, isValidRange, satisfies } from './host-api.ts'

describe('semver ranges', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['^1.0', ['1.0.0', '1.4.2'], ['0.9.9', '2.0.0']],
    ['^1', ['1.0.0', '1.99.0'], ['2.0.0']],
    ['^1.2.3', ['1.2.3', '1.9.0'], ['1.2.2', '2.0.0']],
    ['^0.2', ['0.2.0', '0.2.9'], ['0.3.0', '0.1.9']],
    ['^0.0.3', ['0.0.3'], ['0.0.4', '0.0.2']],
    ['~1.2', ['1.2.0', '1.2.7'], ['1.3.0']],
    ['~1.2.3', ['1.2.3', '1.2.9'], ['1.2.2', '1.3.0']],
    ['1.x', ['1.0.0', '1.7.1'], ['2.0.0']],
    ['1.2', ['1.2.0', '1.2.5'], ['1.3.0']],
    ['1.2.3', ['1.2.3'], ['1.2.4']],
    ['=1.0.0', ['1.0.0'], ['1.0.1']],
    ['>=1.2 <2', ['1.2.0', '1.9.9'], ['1.1.9', '2.0.0']],
    ['>= 1.2 < 2', ['1.5.0'], ['2.1.0']],
    ['>1.2', ['1.3.0'], ['1.2.9']],
    ['<=1.2', ['1.2.9', '0.1.0'], ['1.3.0']],
    ['^1.0 || ^2.0', ['1.1.0', '2.3.0'], ['3.0.0']],
    ['*', ['0.0.1', '9.9.9'], []],
  ]
  for (const [range, yes, no] of cases) {
    test(range, () => {
      expect(isValidRange(range)).toBe(true)
      for (const v of yes) expect(satisfies(v, range), `${v} in ${range}`).toBe(true)
      for (const v of no) expect(satisfies(v, range), `${v} not in ${range}`).toBe(false)
    })
  }

  test('what is not a range this host reads', () => {
    for (const bad of ['', ' ', 'latest', '1.2.3-beta', '1.2 - 2', '^', '>=', '01.2', '1.2.3.4', '||', '^1.0 ||', 7, null]) {
      expect(isValidRange(bad), String(bad)).toBe(false)
    }
    expect(satisfies('1.0.0', 'latest')).toBe(false)
    expect(satisfies('1.0', '^1.0')).toBe(false)
  })
})

describe('host API check', () => {
  test('this host provides a plain x.y.z and satisfies its own caret range', () => {
    expect(HOST_API_VERSION).toMatch(/^\d+\.\d+\.\d+$/)
    const [major, minor] = HOST_API_VERSION.split('.')
    expect(hostApiProblem(`^${major}.${minor}`)).toBeNull()
    expect(hostApiProblem(`^${major}.0`)).toBeNull()
  })

  test('a plugin needing another major, a later minor, none or nonsense is refused with a reason', () => {
    expect(hostApiProblem('^2.0', '1.0.0')).toBe("needs host API '^2.0', but this LWS provides host API 1.0.0")
    expect(hostApiProblem('^1.3', '1.2.0')).toBe("needs host API '^1.3', but this LWS provides host API 1.2.0")
    expect(hostApiProblem('^1.0', '1.2.0')).toBeNull()
    expect(hostApiProblem(undefined, '1.2.0')).toContain("declares no hostApi: give the host API versions it works with as a semver range, e.g. hostApi: '^1.2'")
    expect(hostApiProblem('newest', '1.0.0')).toBe('invalid hostApi "newest" (a semver range, e.g. \'^1.0\')')
    expect(hostApiProblem(3, '1.0.0')).toBe("invalid hostApi 3 (a semver range, e.g. '^1.0')")
  })
})
