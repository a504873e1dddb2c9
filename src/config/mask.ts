/**
 * Masks every secret in a config tree before it leaves the process
 * (GET /conf, logs). Matches by key name so new secret fields are covered
 * without a list to keep in sync.
 */

const SECRET_KEY = /(pass(word|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential)/i

export const MASK = '********'

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key)
}

export function maskSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v)) as T
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== '' ? MASK : maskSecrets(v)
    }
    return out as T
  }
  return value
}
