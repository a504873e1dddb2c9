/**
 * Holds every request to the documented contract before validation runs.
 *
 * Elysia's `normalize` (on by default, and wanted for responses: a handler's
 * extra fields never reach the client) also strips undeclared fields from
 * bodies and queries before validating them, so a typo like `hostnme` was
 * silently dropped and the default applied. Here, in `transform` (after the
 * API-key guard, before Elysia's cleaning and validation), every field the
 * route's schema does not declare is noted, and the request is refused: 400
 * `UNKNOWN_FIELD` naming them once validation has passed, or listed with
 * the validation errors when it has not (errors.ts). A route that declares
 * no query (or no body) accepts none.
 *
 * Query and path values arrive as text. Elysia coerces `Number` schemas, but
 * not the plain TypeBox `Integer` plugins get from the host's `t` (see
 * typebox.ts; Elysia's own `t.Integer` would also take `"5"` in a JSON body),
 * so canonical decimal integers are converted here; anything else stays text
 * and fails validation as `Expected integer`.
 */
import { Kind, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { Elysia } from 'elysia'
import { noteUnknownFields, unknownFieldError, unknownFieldsOf } from '../errors.ts'
import { documentedRoutes, internalsOf, type RouteLike } from './routes.ts'

type Schema = TSchema & Record<string | symbol, any>

interface RouteInput {
  body: Schema[]
  query: Schema[]
  params: Schema[]
  refs: Schema[]
}

const MAX_REPORTED = 5
const INTEGER_TEXT = /^-?(0|[1-9][0-9]{0,15})$/

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isSchema = (v: unknown): v is Schema => isRecord(v) && (Kind in v || 'type' in v || 'anyOf' in v)

/** A field path in the style of describeValidation: `body.config.x`, `body.items.0.name`. */
const join = (path: string, key: string | number) => `${path}.${key}`

function resolve(schema: Schema, refs: Schema[]): Schema | undefined {
  if (schema[Kind] === 'Import') return schema.$defs?.[schema.$ref]
  if (schema[Kind] === 'Ref') return refs.find((r) => r.$id === schema.$ref)
  return schema
}

function matches(schema: Schema, refs: Schema[], value: unknown): boolean {
  try {
    return Value.Check(schema, refs, value)
  } catch {
    return false
  }
}

/**
 * Collects the undeclared fields of `value` against `schemas` (all of which
 * apply, as an intersection does). Mirrors what Elysia's cleaning would drop:
 * an Object keeps its declared properties (all of them with
 * `additionalProperties: true`, matching ones with a schema there), a Record
 * keeps every key, a Union cleans by its first matching member.
 */
export function unknownFields(schemas: Schema[], value: unknown, path: string, refs: Schema[], out: string[], deep = true): void {
  // Scalars have no fields: return before any union is matched (arrays of 100,000 ids).
  if (out.length >= MAX_REPORTED || typeof value !== 'object' || value === null) return
  const members: Schema[] = []
  const ANYTHING = {} as Schema
  const flatten = (s: Schema | undefined): void => {
    // Another vendor's schema, or a reference we cannot follow: accept anything.
    const r = s && isSchema(s) && !('~standard' in s) ? resolve(s, refs) : undefined
    if (!r) members.push(ANYTHING)
    else if (r[Kind] === 'Intersect' || (Array.isArray(r.allOf) && !r[Kind])) r.allOf.forEach(flatten)
    else if (r[Kind] === 'Union' || Array.isArray(r.anyOf)) {
      // No member matching means the value is invalid: validation reports that.
      const hit = (r.anyOf as Schema[]).find((m) => matches(m, refs, value))
      if (hit) flatten(hit)
    } else members.push(r)
  }
  schemas.forEach(flatten)
  if (members.length === 0) return

  if (Array.isArray(value)) {
    if (!deep) return
    const items = members.map((m) => m.items).filter(isSchema)
    if (items.length === members.length) value.forEach((v, i) => unknownFields(items, v, join(path, i), refs, out))
    return
  }
  if (!isRecord(value)) return
  if (members.some((m) => m.type !== 'object')) return // Any, Unknown, or a mismatch validation reports

  for (const [key, v] of Object.entries(value)) {
    const declared: Schema[] = []
    let open = false
    for (const m of members) {
      const prop = m.properties?.[key]
      if (prop) declared.push(prop)
      else if (m.patternProperties) {
        const hit = Object.entries(m.patternProperties as Record<string, Schema>).find(([re]) => new RegExp(re).test(key))
        if (hit) declared.push(hit[1])
      } else if (m.additionalProperties === true) open = true
      else if (isSchema(m.additionalProperties)) declared.push(m.additionalProperties)
    }
    if (declared.length) {
      if (deep) unknownFields(declared, v, join(path, key), refs, out)
    } else if (!open) {
      out.push(join(path, key))
      if (out.length >= MAX_REPORTED) return
    }
  }
}

/** Query/path values: `"5"` → 5 where the declared schema is a TypeBox Integer. */
function coerceIntegers(schemas: Schema[], values: Record<string, unknown>, refs: Schema[]): void {
  for (const s of schemas) {
    const r = resolve(s, refs)
    if (!r?.properties) continue
    for (const [key, prop] of Object.entries(r.properties as Record<string, Schema>)) {
      const v = values[key]
      if (prop[Kind] === 'Integer' && typeof v === 'string' && INTEGER_TEXT.test(v)) values[key] = Number(v)
    }
  }
}

const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`

function inputsOf(route: RouteLike, models: Record<string, Schema>): RouteInput {
  const hooks = route.hooks ?? {}
  const pick = (which: 'body' | 'query' | 'params') => {
    const list = [hooks[which], ...(hooks.standaloneValidator ?? []).map((v: Record<string, unknown>) => v?.[which])]
    return list.filter(Boolean).map((s) => (typeof s === 'string' ? (models[s] ?? ({} as Schema)) : s)) as Schema[]
  }
  return { body: pick('body'), query: pick('query'), params: pick('params'), refs: Object.values(models) }
}

/**
 * The plugin to mount after the API-key guard and before the routes;
 * `bind(app)` once every route is mounted tells it the routes' schemas.
 */
export function requestContract() {
  let table = new Map<string, RouteInput>()
  const plugin = new Elysia({ name: 'lws-request-contract' }).onTransform(
    { as: 'global' },
    function findUnknownFields({ body, query, params, route, request }) {
      const input = table.get(routeKey(request.method === 'HEAD' ? 'GET' : request.method, route))
      if (!input) return
      const found: string[] = []
      if (isRecord(query)) {
        coerceIntegers(input.query, query, input.refs)
        if (input.query.length === 0) found.push(...Object.keys(query).map((k) => join('query', k)))
        else unknownFields(input.query, query, 'query', input.refs, found, false)
      }
      if (isRecord(params)) coerceIntegers(input.params, params, input.refs)
      if (body !== undefined && body !== null && typeof body === 'object' && !(body instanceof Blob) && !(body instanceof ArrayBuffer)) {
        if (input.body.length === 0) {
          if (isRecord(body)) found.push(...Object.keys(body).map((k) => join('body', k)))
        } else unknownFields(input.body, body, 'body', input.refs, found)
      }
      noteUnknownFields(request, found)
    },
  ).onBeforeHandle({ as: 'global' }, function refuseUnknownFields({ request }) {
    // After validation: an invalid field is reported with the unknown ones (errors.ts).
    const found = unknownFieldsOf(request)
    if (found.length) throw unknownFieldError(found)
  })
  return {
    plugin,
    bind(elysia: object) {
      const app = internalsOf(elysia)
      const models: Record<string, Schema> = app.getGlobalDefinitions?.().type ?? {}
      const next = new Map<string, RouteInput>()
      for (const route of documentedRoutes(app.getGlobalRoutes())) next.set(routeKey(route.method, route.path), inputsOf(route, models))
      table = next
    },
  }
}
