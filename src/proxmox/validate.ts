/**
 * Checks for values that reach argv but are no identifier of ids.ts:
 * numbers, IP/CIDR, MAC, tags, free text, commands for `pct exec`. Same
 * contract as ids.ts (one error shape, `invalid`): throw a 400 naming the
 * field, before anything runs.
 */
import { BadRequestError } from '../errors/catalogue.ts'
import { assertPattern, invalid, matches } from './ids.ts'

/** An integer in [min, max], as a decimal string for argv. */
export function assertInt(value: unknown, field: string, min: number, max: number): string {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, value, `integer ${min}–${max}`)
  }
  return String(value)
}

/** A finite number in [min, max] (fractions allowed), as a decimal string without exponent. */
export function assertNumber(value: unknown, field: string, min: number, max: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(field, value, `number ${min}–${max}`)
  }
  const text = String(value)
  if (/e/i.test(text)) throw invalid(field, value, 'a plain decimal number')
  return text
}

/** Boolean → `1` / `0`. */
export function assertBool(value: unknown, field: string): string {
  if (typeof value !== 'boolean') throw invalid(field, value, 'boolean')
  return value ? '1' : '0'
}

/**
 * `a.b.c.d/nn` with a prefix of 8–32: pve-container `src/PVE/LXC/Config.pm`
 * (`netN` `ip=` is `pve-ipv4-config`, prefix checked by pve-common
 * `src/PVE/JSONSchema.pm` `pve_verify_ipv4_config`).
 */
export function assertIpv4Cidr(value: unknown, field: string): string {
  const text = typeof value === 'string' ? value : ''
  const [ip, prefix, extra] = text.split('/')
  if (extra !== undefined || !ip || !prefix || !matches('ipv4', ip) || !/^\d{1,2}$/.test(prefix) || +prefix < 8 || +prefix > 32) {
    throw invalid(field, value, 'IPv4/CIDR with prefix 8–32')
  }
  return text
}

const IPV6 = /^(?=.*:)[0-9A-Fa-f:.]{2,45}$/
/** An IPv6 address (shape check only: hex groups and colons, optional dotted tail). */
export function assertIpv6(value: unknown, field: string): string {
  if (typeof value !== 'string' || !IPV6.test(value) || (value.match(/::/g)?.length ?? 0) > 1) throw invalid(field, value, 'IPv6 address')
  return value
}

/** IPv6/CIDR, prefix 1–128. */
export function assertIpv6Cidr(value: unknown, field: string): string {
  const text = typeof value === 'string' ? value : ''
  const [ip, prefix, extra] = text.split('/')
  if (extra !== undefined || !ip || !prefix || !/^\d{1,3}$/.test(prefix) || +prefix < 1 || +prefix > 128) throw invalid(field, value, 'IPv6/CIDR')
  assertIpv6(ip, field)
  return text
}

/** Unicast MAC `XX:XX:XX:XX:XX:XX`. */
export function assertMac(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(value) || (Number.parseInt(value.slice(0, 2), 16) & 1) === 1) {
    throw invalid(field, value, 'unicast MAC address XX:XX:XX:XX:XX:XX')
  }
  return value
}

/** An IPv4 or IPv6 address (`nameserver` entries). */
export function assertIp(value: string, field: string): string {
  return value.includes(':') ? assertIpv6(value, field) : assertPattern('ipv4', value, field)
}

/** Free text (descriptions): no NUL or control characters other than newline/tab, at most `max` chars. */
export function assertText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length > max || /[\x00-\x08\x0b-\x1f\x7f]/.test(value)) {
    throw invalid(field, typeof value === 'string' ? value.slice(0, 40) : value, `text of at most ${max} characters without control characters`)
  }
  return value
}

/**
 * Password: 5–4096 chars, no control characters (pve-container
 * `src/PVE/LXC/Config.pm`: `password` has `minLength => 5`). The value is
 * never echoed back.
 */
export function assertPassword(value: unknown, field = 'password'): string {
  if (typeof value !== 'string' || value.length < 5 || value.length > 4096 || /[\x00-\x1f\x7f]/.test(value)) {
    throw new BadRequestError(`${field}: must be 5–4096 characters without control characters`, 'VALIDATION_FAILED')
  }
  return value
}

/** One of the listed words. */
export function assertEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw invalid(field, value, allowed.join(' | '))
  return value as T
}

/** A PVE tag (pve-common `src/PVE/JSONSchema.pm` `pve-tag`): `[a-z0-9_][a-z0-9_\-+.]*`, case-insensitive. */
export function assertTag(value: unknown, field = 'tags'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_+.-]{0,63}$/.test(value)) throw invalid(field, value, 'tag')
  return value
}

/** The longest command (or script) given to `pct exec`, and the most arguments. */
export const MAX_EXEC_TEXT = 100_000
export const MAX_EXEC_ARGS = 1000

/** A shell command or script for `pct exec`: not blank, no NUL (it could not pass through argv), bounded. */
export function assertCommand(value: unknown, field = 'command'): string {
  if (typeof value !== 'string' || value.trim() === '') throw new BadRequestError(`${field}: must not be empty`)
  if (value.includes('\0')) throw new BadRequestError(`${field}: must not contain NUL bytes`)
  if (value.length > MAX_EXEC_TEXT) throw new BadRequestError(`${field}: longer than ${MAX_EXEC_TEXT} characters`)
  return value
}

/**
 * An argument list for `pct exec <vmid> -- argv…`: strings without NUL, at
 * most MAX_EXEC_ARGS of them and MAX_EXEC_TEXT characters together. With
 * `program`, the first one must be a non-empty program name.
 */
export function assertArgList(value: unknown, field: string, program: boolean): string[] {
  if (!Array.isArray(value) || (program && value.length === 0)) throw new BadRequestError(`${field}: expected a non-empty list of arguments`)
  if (value.length > MAX_EXEC_ARGS) throw new BadRequestError(`${field}: more than ${MAX_EXEC_ARGS} arguments`)
  let total = 0
  for (const [i, a] of value.entries()) {
    if (typeof a !== 'string') throw new BadRequestError(`${field}[${i}]: expected a string`)
    if (a.includes('\0')) throw new BadRequestError(`${field}[${i}]: must not contain NUL bytes`)
    total += a.length
  }
  if (program && (value[0] as string).trim() === '') throw new BadRequestError(`${field}[0]: the program must not be empty`)
  if (total > MAX_EXEC_TEXT) throw new BadRequestError(`${field}: longer than ${MAX_EXEC_TEXT} characters in total`)
  return [...(value as string[])]
}
