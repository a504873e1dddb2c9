/**
 * Checks a name against its NAME_PATTERNS entry right before it is used in a
 * command (the route schemas check it too; this keeps the rule in force for
 * names that did not come through a schema, e.g. derived project names).
 */
import type { PluginContext } from '../../src/plugins/types.ts'
import { NAME_PATTERNS } from './schemas.ts'

const compiled = Object.fromEntries(Object.entries(NAME_PATTERNS).map(([k, v]) => [k, new RegExp(v)])) as Record<keyof typeof NAME_PATTERNS, RegExp>

export function isName(kind: keyof typeof NAME_PATTERNS, value: unknown): boolean {
  return typeof value === 'string' && compiled[kind].test(value)
}

export function assertName(c: Pick<PluginContext, 'errors'>, kind: keyof typeof NAME_PATTERNS, value: unknown, field: string): string {
  if (!isName(kind, value)) {
    throw new c.errors.BadRequestError(`${field}: invalid value ${JSON.stringify(String(value)).slice(0, 80)} (expected ${NAME_PATTERNS[kind]})`)
  }
  return value as string
}
