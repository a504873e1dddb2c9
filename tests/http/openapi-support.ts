/**
 * Reading the OpenAPI document in tests: its operations, every schema in it,
 * and `$ref`s resolved (so a test can look for a field without caring
 * whether it sits in a component).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

type Json = any

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']

export interface Operation {
  key: string
  method: string
  path: string
  op: Json
}

export function operations(doc: Json): Operation[] {
  const out: Operation[] = []
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of METHODS) if (item[method]) out.push({ key: `${method.toUpperCase()} ${path}`, method, path, op: item[method] })
  }
  return out
}

/** The node a local `$ref` (`#/a/b`) points at. */
export function pointer(doc: Json, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`not a local ref: ${ref}`)
  return ref
    .slice(2)
    .split('/')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node, k) => (node === undefined ? undefined : node[k]), doc)
}

/** `node` with every local `$ref` replaced by what it points at (cycles left as refs). */
export function inlineRefs(doc: Json, node: Json, seen: string[] = []): Json {
  if (Array.isArray(node)) return node.map((x) => inlineRefs(doc, x, seen))
  if (!node || typeof node !== 'object') return node
  if (typeof node.$ref === 'string' && !seen.includes(node.$ref)) {
    const { $ref, ...siblings } = node
    return { ...inlineRefs(doc, pointer(doc, $ref), [...seen, $ref]), ...siblings }
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlineRefs(doc, v, seen)]))
}

/** Every `$ref` string in the document. */
export function refsIn(node: Json, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((x) => refsIn(x, out))
  else if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') out.push(node.$ref)
    for (const v of Object.values(node)) refsIn(v, out)
  }
  return out
}

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs']
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems']
const SUBSCHEMA_ONE = ['items', 'additionalProperties', 'not', 'contentSchema']

/** Calls `f` on every schema object below `schema` (itself included), with a readable location. */
export function eachSchema(schema: Json, where: string, f: (s: Json, where: string) => void): void {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return
  f(schema, where)
  for (const k of SUBSCHEMA_MAPS) for (const [n, c] of Object.entries<Json>(schema[k] ?? {})) eachSchema(c, `${where}.${k}.${n}`, f)
  for (const k of SUBSCHEMA_LISTS) (schema[k] ?? []).forEach((c: Json, i: number) => eachSchema(c, `${where}.${k}[${i}]`, f))
  for (const k of SUBSCHEMA_ONE) if (schema[k] && typeof schema[k] === 'object') eachSchema(schema[k], `${where}.${k}`, f)
}

/** Every schema of the document: components, parameters, bodies, responses, stream events. */
export function allSchemas(doc: Json, f: (s: Json, where: string) => void): void {
  for (const [name, s] of Object.entries<Json>(doc.components?.schemas ?? {})) eachSchema(s, `#${name}`, f)
  for (const { key, op } of operations(doc)) {
    for (const p of op.parameters ?? []) eachSchema(p.schema, `${key} ${p.in}.${p.name}`, f)
    for (const [type, media] of Object.entries<Json>(op.requestBody?.content ?? {})) eachSchema(media.schema, `${key} body ${type}`, f)
    for (const [status, r] of Object.entries<Json>(op.responses ?? {})) {
      for (const [type, media] of Object.entries<Json>(r.content ?? {})) {
        eachSchema(media.schema, `${key} ${status} ${type}`, f)
        for (const [event, e] of Object.entries<Json>(media['x-sse-events'] ?? {})) eachSchema(e.data, `${key} ${status} event ${event}`, f)
      }
    }
  }
}

export interface LintResult {
  totals: { errors: number; warnings: number; ignored: number }
  problems: { ruleId: string; severity: string; message: string; location?: { pointer?: string }[] }[]
}

/** `redocly lint` (recommended rules, no config of ours) on the document; offline. */
export function lint(doc: Json, repoRoot: string): LintResult {
  const dir = mkdtempSync(join(tmpdir(), 'lws-openapi-lint-'))
  try {
    const file = join(dir, 'openapi.json')
    writeFileSync(file, JSON.stringify(doc))
    const r = spawnSync(join(repoRoot, 'node_modules/.bin/redocly'), ['lint', '--format=json', '--extends=recommended', file], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    })
    try {
      return JSON.parse(r.stdout) as LintResult
    } catch {
      throw new Error(`redocly lint gave no JSON (exit ${r.status}): ${r.stderr.slice(0, 2000)}`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
