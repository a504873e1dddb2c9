import { describe, expect, test } from 'bun:test'
import { quoteArg, shellQuote } from '../../src/exec/quote.ts'

const HOSTILE = [
  `a'b`,
  `$(touch /tmp/lws-pwned)`,
  '`id`',
  'x; rm -rf /',
  'line1\nline2',
  '--',
  '',
  ' spaced  out ',
  `'"'"'`,
  '\\',
  '*',
  '~root',
  '$HOME',
  'a\tb',
  'ünïcødé ✓',
]

async function viaShell(argv: string[]): Promise<string[]> {
  // printf '%s\0' prints each argument NUL-terminated, exactly as the shell parsed it.
  const script = `printf '%s\\0' ${shellQuote(argv)}`
  const proc = Bun.spawn(['sh', '-c', script], { stdout: 'pipe' })
  const out = await new Response(proc.stdout).text()
  await proc.exited
  return out.split('\0').slice(0, -1)
}

describe('shellQuote', () => {
  test('safe words stay bare, others are single-quoted', () => {
    expect(quoteArg('pct')).toBe('pct')
    expect(quoteArg('local:vztmpl/x.tar.gz')).toBe('local:vztmpl/x.tar.gz')
    expect(quoteArg('a b')).toBe(`'a b'`)
    expect(quoteArg(`it's`)).toBe(`'it'\\''s'`)
    expect(quoteArg('')).toBe(`''`)
  })

  test('every hostile argument reaches the program byte-exact through sh', async () => {
    expect(await viaShell(HOSTILE)).toEqual(HOSTILE)
    expect(await Bun.file('/tmp/lws-pwned').exists()).toBe(false)
  })

  test('refuses NUL bytes and empty argv', () => {
    expect(() => quoteArg('a\0b')).toThrow()
    expect(() => shellQuote([])).toThrow()
  })
})
