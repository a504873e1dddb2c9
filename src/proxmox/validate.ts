/**
 * Checks for values that reach argv but have no pattern in ids.ts (numbers,
 * IP/CIDR, MAC, lists, free text). Same contract as ids.ts: throw a 400
 * naming the field, before anything runs.
 */
import { BadRequestError } from '../errors/catalogue.ts'
import { assertPattern, matches } from './ids.ts'

function bad(field: string, value: unknown, expected: string): never {
  throw new BadRequestError(`${field}: invalid value ${JSON.stringify(String(value)).slice(0, 80)} (expected ${expected})`, 'VALIDATION_FAILED')
}

/** An integer in [min, max], as a decimal string for argv. */
export function assertInt(value: unknown, field: string, min: number, max: number): string {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    bad(field, value, `integer ${min}–${max}`)
  }
  return String(value)
}

/** A finite number in [min, max] (fractions allowed), as a decimal string without exponent. */
export function assertNumber(value: unknown, field: string, min: number, max: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    bad(field, value, `number ${min}–${max}`)
  }
  const text = String(value)
  if (/e/i.test(text)) bad(field, value, 'a plain decimal number')
  return text
}

/** Boolean → `1` / `0`. */
export function assertBool(value: unknown, field: string): string {
  if (typeof value !== 'boolean') bad(field, value, 'boolean')
  return value ? '1' : '0'
}

const DISK = /^(rootfs|mp(\d|[1-9]\d|1\d\d|2[0-4]\d|25[0-5]))$/
/** `rootfs` or `mp0` … `mp255` (facts §10). */
export function assertDiskName(value: unknown, field = 'disk'): string {
  if (typeof value !== 'string' || !DISK.test(value)) bad(field, value, 'rootfs or mp0…mp255')
  return value
}

/** `a.b.c.d/nn` with a prefix of 8–32 (facts §1, net ip=). */
export function assertIpv4Cidr(value: unknown, field: string): string {
  const text = typeof value === 'string' ? value : ''
  const [ip, prefix, extra] = text.split('/')
  if (extra !== undefined || !ip || !prefix || !matches('ipv4', ip) || !/^\d{1,2}$/.test(prefix) || +prefix < 8 || +prefix > 32) {
    bad(field, value, 'IPv4/CIDR with prefix 8–32')
  }
  return text
}

/** An IPv4 address. */
export function assertIpv4(value: unknown, field: string): string {
  return assertPattern('ipv4', value, field)
}

const IPV6 = /^(?=.*:)[0-9A-Fa-f:.]{2,45}$/
/** An IPv6 address (shape check only: hex groups and colons, optional dotted tail). */
export function assertIpv6(value: unknown, field: string): string {
  if (typeof value !== 'string' || !IPV6.test(value) || (value.match(/::/g)?.length ?? 0) > 1) bad(field, value, 'IPv6 address')
  return value
}

/** IPv6/CIDR, prefix 1–128. */
export function assertIpv6Cidr(value: unknown, field: string): string {
  const text = typeof value === 'string' ? value : ''
  const [ip, prefix, extra] = text.split('/')
  if (extra !== undefined || !ip || !prefix || !/^\d{1,3}$/.test(prefix) || +prefix < 1 || +prefix > 128) bad(field, value, 'IPv6/CIDR')
  assertIpv6(ip, field)
  return text
}

/** Unicast MAC `XX:XX:XX:XX:XX:XX`. */
export function assertMac(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(value) || (Number.parseInt(value.slice(0, 2), 16) & 1) === 1) {
    bad(field, value, 'unicast MAC address XX:XX:XX:XX:XX:XX')
  }
  return value
}

/** Network interface name inside the CT (`name=` of netN): 1–15 chars. */
export function assertIfaceName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(value)) bad(field, value, 'interface name')
  return value
}

/** Free text (descriptions): no NUL or control characters other than newline/tab, at most `max` chars. */
export function assertText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length > max || /[\x00-\x08\x0b-\x1f\x7f]/.test(value)) {
    bad(field, typeof value === 'string' ? value.slice(0, 40) : value, `text of at most ${max} characters without control characters`)
  }
  return value
}

/** Password: 5–4096 chars, no control characters (facts §1: min 5). */
export function assertPassword(value: unknown, field = 'password'): string {
  if (typeof value !== 'string' || value.length < 5 || value.length > 4096 || /[\x00-\x1f\x7f]/.test(value)) {
    throw new BadRequestError(`${field}: must be 5–4096 characters without control characters`, 'VALIDATION_FAILED')
  }
  return value
}

/** One of the listed words. */
export function assertEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) bad(field, value, allowed.join(' | '))
  return value as T
}

/** A PVE tag: `[a-z0-9_][a-z0-9_\-+.]*` (case-insensitive). */
export function assertTag(value: unknown, field = 'tags'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_+.-]{0,63}$/.test(value)) bad(field, value, 'tag')
  return value
}
