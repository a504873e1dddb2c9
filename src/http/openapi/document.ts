/**
 * Builds the OpenAPI document once, from the app with every plugin mounted.
 *
 * @elysiajs/openapi's `toOpenAPISchema` turns the routes into paths; the rest
 * is post-processing of that output (so plugins stay plain Elysia routes):
 * operation ids from operation-ids.ts, titled schemas hoisted into
 * `components.schemas` behind `$ref`s (names and enums from components.ts),
 * Elysia's string-or-number transforms written as the integers/numbers they
 * are, `additionalProperties: false` wherever the server drops or rejects
 * undeclared fields (everywhere but records), a 400 on every operation (an
 * unknown field is one), JSON as the only request type, and the streaming
 * answers from streams.ts.
 *
 * Built before any request: Elysia mutates route schemas when it compiles a
 * route, which is why the plugin-served document used to change with the
 * routes called before it was fetched.
 */
import { toOpenAPISchema } from '@elysiajs/openapi'
import { Kind, OptionalKind } from '@sinclair/typebox'
import { ERROR_CODES } from '../../errors/catalogue.ts'
import { ErrorSchema, errorText } from '../schemas.ts'
import { CLOSED_SETS, SCHEMA_NAMES } from './components.ts'
import { deriveOperationId, OPERATION_IDS } from './operation-ids.ts'
import { documentedRoutes, EXCLUDED_PATHS, internalsOf, toOpenApiPath, type RouteLike } from './routes.ts'
import { STREAMS } from './streams.ts'

type Json = any

export const OPENAPI_VERSION = '3.1.1'
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const REF = '#/components/schemas/'
/** What @elysiajs/openapi writes when a response schema has no description. */
const GENERIC_DESCRIPTION = 'Response for status'

export interface DocumentOptions {
  info: { title: string; version: string; description?: string; license: { name: string; identifier?: string; url?: string } }
  servers: { url: string; description?: string }[]
  tags: { name: string; description?: string }[]
  securitySchemes: Record<string, Json>
  security: Record<string, string[]>[]
}

export interface BuiltDocument {
  document: Json
  /** `Title`: two titled schemas with different shapes (the later ones got `Title2`, ...). */
  collisions: string[]
  /** Table entries (closed sets, streams) that found nothing to apply to. */
  unmatched: string[]
}

/** A TypeBox schema as the JSON Schema it is (symbols dropped); names of models and other vendors' schemas as they are. */
function plain(s: Json): Json {
  if (!isObject(s) || '~standard' in s) return s
  return JSON.parse(JSON.stringify(s))
}

function plainRoute(route: RouteLike): RouteLike {
  const h = route.hooks ?? {}
  const single = isObject(h.response) && (Kind in h.response || '~standard' in h.response || 'type' in h.response || '$ref' in h.response)
  const response =
    typeof h.response === 'string' || single
      ? { 200: plain(h.response) }
      : isObject(h.response)
        ? Object.fromEntries(Object.entries(h.response).map(([k, v]) => [k, plain(v)]))
        : h.response
  const io = (v: Json) => (isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'response' ? x : plain(x)])) : v)
  return {
    ...route,
    hooks: {
      ...h,
      body: plain(h.body),
      query: plain(h.query),
      params: plain(h.params),
      headers: plain(h.headers),
      cookie: plain(h.cookie),
      response,
      ...(h.standaloneValidator ? { standaloneValidator: h.standaloneValidator.map(io) } : {}),
    },
  }
}

export function buildDocument(elysia: object, opts: DocumentOptions): BuiltDocument {
  const app = internalsOf(elysia)
  const routes = documentedRoutes(app.getGlobalRoutes())
  const definitions = app.getGlobalDefinitions?.().type ?? {}
  // The generator sees plain JSON Schema copies: nothing it does can touch the
  // live route schemas, and its TypeBox-specific rewrites (which drop the
  // description of a union of literals) do not apply; normalize() does that.
  const shadow = {
    getGlobalRoutes: () => routes.map(plainRoute),
    getGlobalDefinitions: () => ({ type: Object.fromEntries(Object.entries(definitions).map(([k, v]) => [k, plain(v)])) }),
  }
  const generated = toOpenAPISchema(shadow as never, { paths: EXCLUDED_PATHS, staticFile: true }, undefined, undefined, '3.1.2')
  const paths: Record<string, Record<string, Json>> = JSON.parse(JSON.stringify(generated.paths))
  const routeInfo = new Map(
    routes.map((r) => [
      `${r.method.toUpperCase()} ${toOpenApiPath(r.path)}`,
      { operationId: r.hooks?.detail?.operationId as string | undefined, optionalBody: r.hooks?.body?.[OptionalKind] === 'Optional' },
    ]),
  )

  const hoister = new Hoister()
  for (const [name, schema] of Object.entries<Json>(generated.components?.schemas ?? {})) hoister.model(name, normalize(schema))
  const unmatched: string[] = []
  const usedIds = new Set<string>()
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const key = `${method.toUpperCase()} ${path}`
      const info = routeInfo.get(key)
      let id = OPERATION_IDS[key] ?? info?.operationId ?? deriveOperationId(method, path)
      for (let n = 2; usedIds.has(id); n++) id = `${id.replace(/\d+$/, '')}${n}`
      usedIds.add(id)
      item[method] = shapeOperation(op, id, info?.optionalBody ?? false, hoister)
    }
  }

  const components = hoister.finish()
  for (const [target, values] of Object.entries(CLOSED_SETS)) if (!applyEnum(components, target, values)) unmatched.push(`closed set ${target}`)
  const ops = new Map(Object.values(paths).flatMap((item) => Object.values(item).map((op: Json) => [op.operationId as string, op])))
  for (const [id, form] of Object.entries(STREAMS)) {
    const ok = ops.get(id)?.responses?.['200']
    if (!ok) {
      unmatched.push(`stream ${id}`)
      continue
    }
    ok.description = `${ok.description.startsWith(GENERIC_DESCRIPTION) ? 'The result as JSON.' : ok.description} ${form.when}`
    ok.content['text/event-stream'] = {
      schema: {
        type: 'string',
        description: `Server-Sent Events: ${form.events.map((e) => `\`${e.name}\` (${e.description})`).join('; ')}`,
      },
      'x-sse-events': Object.fromEntries(form.events.map((e) => [e.name, { description: e.description, data: e.data }])),
    }
    if (form.plainText) ok.content['text/plain'] = { schema: { type: 'string', description: form.plainText } }
  }

  const document = {
    openapi: OPENAPI_VERSION,
    info: opts.info,
    servers: opts.servers,
    tags: opts.tags,
    security: opts.security,
    paths,
    components: { schemas: components, securitySchemes: opts.securitySchemes },
  }
  return { document, collisions: hoister.collisions, unmatched }
}

function shapeOperation(op: Json, operationId: string, optionalBody: boolean, hoister: Hoister): Json {
  const { tags, summary, description, operationId: _generated, parameters, requestBody, responses, security, deprecated, externalDocs, callbacks, servers, ...rest } = op
  const out: Json = {}
  if (tags) out.tags = tags
  if (summary) out.summary = summary
  if (description) out.description = description
  out.operationId = operationId
  if (parameters?.length) {
    out.parameters = parameters.map((p: Json) => ({ ...p, schema: hoister.schema(normalize(p.schema)) }))
  }
  const body = requestBody?.content?.['application/json']?.schema
  if (body) {
    // JSON only: the server also parses forms, but there every value is text
    // and integer or boolean fields cannot be sent.
    out.requestBody = { required: !optionalBody, content: { 'application/json': { schema: hoister.schema(normalize(body)) } } }
    if (requestBody.description) out.requestBody.description = requestBody.description
  }
  const res: Record<string, Json> = { ...responses }
  // Unknown fields are a 400 on every route, health included; the edge's
  // guessing brake can answer 429 wherever a key is needed; a route that
  // reaches a host (502) can also meet a local AZ without Proxmox tools (503).
  const added = ['400', ...('401' in res ? ['429'] : []), ...('502' in res ? ['503'] : [])]
  out.responses = {}
  for (const status of [...new Set([...Object.keys(res), ...added])].sort()) {
    const r = res[status]
    if (!r) {
      out.responses[status] = { description: errorText(Number(status)), content: { 'application/json': { schema: hoister.error() } } }
      continue
    }
    const content: Record<string, Json> = {}
    for (const [type, media] of Object.entries<Json>(r.content ?? {})) content[type] = { ...media, schema: hoister.schema(normalize(media.schema), r.description) }
    out.responses[status] = { description: r.description ?? `Status ${status}`, ...(r.headers ? { headers: r.headers } : {}), content }
  }
  if (security) out.security = security
  if (deprecated) out.deprecated = deprecated
  if (externalDocs) out.externalDocs = externalDocs
  if (callbacks) out.callbacks = callbacks
  if (servers) out.servers = servers
  for (const [k, v] of Object.entries(rest)) if (k.startsWith('x-')) out[k] = v
  return out
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const CHILD_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas']
const CHILD_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems']
const CHILD_ONE = ['items', 'additionalProperties', 'unevaluatedProperties', 'contains', 'not', 'if', 'then', 'else', 'propertyNames', 'contentSchema']

function mapChildren(s: Json, f: (child: Json) => Json): Json {
  const out: Json = { ...s }
  for (const k of CHILD_MAPS) if (isObject(s[k])) out[k] = Object.fromEntries(Object.entries(s[k]).map(([n, c]) => [n, f(c)]))
  for (const k of CHILD_LISTS) if (Array.isArray(s[k])) out[k] = s[k].map(f)
  for (const k of CHILD_ONE) if (isObject(s[k])) out[k] = f(s[k])
  return out
}

const MATCH_ALL = new Set(['^(.*)$', '^.*$', '.*'])

/** What the generated tree spells awkwardly, written as what the server accepts. */
export function normalize(schema: Json): Json {
  if (!isObject(schema)) return schema
  let s = mapChildren(schema, normalize)
  const any = s.anyOf
  if (Array.isArray(any)) {
    // Elysia's t.Integer / t.Numeric: anyOf [string (format integer|numeric), integer|number].
    const text = any.find((m: Json) => m.type === 'string' && (m.format === 'integer' || m.format === 'numeric'))
    const num = any.find((m: Json) => m.type === 'integer' || m.type === 'number')
    if (any.length === 2 && text && num) {
      const { anyOf: _, ...outer } = s
      s = { ...num, ...outer, type: num.type }
    } else if (any.length > 0 && any.every((m: Json) => 'const' in m && typeof m.const === typeof any[0].const)) {
      const { anyOf: _, ...outer } = s
      s = { type: typeof any[0].const === 'number' ? 'number' : typeof any[0].const, ...outer, enum: any.map((m: Json) => m.const) }
    }
  }
  const isObj = s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object'))
  if (isObj && isObject(s.patternProperties)) {
    const keys = Object.keys(s.patternProperties)
    if (keys.length === 1 && MATCH_ALL.has(keys[0]!) && !('additionalProperties' in s)) {
      const { patternProperties, ...rest } = s
      s = { ...rest, additionalProperties: patternProperties[keys[0]!] }
    }
  }
  // The server drops (responses) or rejects (requests) every undeclared field.
  if (isObj && !('additionalProperties' in s) && !isObject(s.patternProperties)) s.additionalProperties = false
  // An error-shaped object (a failure inside a bulk answer, say) carries a
  // code from the same catalogue as the Error schema: say so.
  const code = s.properties?.code
  if (isObj && code?.type === 'string' && !code.enum && s.properties.error && s.properties.details) s.properties.code = { ...code, enum: ERROR_CODES }
  return s
}

/** Canonical text of a schema, key order ignored. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`
  return JSON.stringify(v)
}

interface Use {
  node: Json
  description?: string
  /** Description of the response the schema is the content of: repeating it is noise. */
  responseDescription?: string
}

/** Collects titled schemas into components, replacing each by a `$ref`. */
class Hoister {
  private byName = new Map<string, { canon: string; schema: Json; uses: Use[] }>()
  readonly collisions: string[] = []

  schema(s: Json, responseDescription?: string): Json {
    return this.visit(s, responseDescription)
  }

  /** A `$ref` to the shared error shape (src/http/schemas.ts ErrorSchema). */
  error(): Json {
    return this.visit(normalize(plain(ErrorSchema)))
  }

  /** A named model (Elysia `.model()`), referenced by name already. */
  model(name: string, schema: Json): void {
    const { title: _, ...shape } = schema
    this.byName.set(name, { canon: stable(shape), schema: shape, uses: [] })
  }

  private visit(s: Json, responseDescription?: string): Json {
    if (!isObject(s)) return s
    const inner = mapChildren(s, (c) => this.visit(c))
    if (typeof inner.title !== 'string') return inner
    const { title, description, ...shape } = inner
    const canon = stable(shape)
    const base = (SCHEMA_NAMES[title] ?? title).replace(/[^A-Za-z0-9._-]/g, '_')
    let name = base
    for (let n = 2; this.byName.has(name) && this.byName.get(name)!.canon !== canon; n++) name = `${base}${n}`
    if (name !== base && !this.collisions.includes(base)) this.collisions.push(base)
    if (!this.byName.has(name)) this.byName.set(name, { canon, schema: shape, uses: [] })
    const use: Use = { node: { $ref: `${REF}${name}` }, description, responseDescription }
    this.byName.get(name)!.uses.push(use)
    return use.node
  }

  /** The components, sorted by name; settles descriptions shared by every use. */
  finish(): Record<string, Json> {
    const out: Record<string, Json> = {}
    for (const name of [...this.byName.keys()].sort()) {
      const { schema, uses } = this.byName.get(name)!
      const descriptions = new Set(uses.map((u) => u.description))
      const shared = descriptions.size === 1 ? [...descriptions][0] : undefined
      out[name] = shared === undefined ? schema : { description: shared, ...schema }
      for (const u of uses) {
        if (u.description !== undefined && u.description !== shared && u.description !== u.responseDescription) u.node.description = u.description
      }
    }
    return out
  }
}

/** Sets `enum` on `Component.prop[.prop…]`; false when the path leads nowhere. */
function applyEnum(components: Record<string, Json>, target: string, values: readonly string[]): boolean {
  const [name, ...props] = target.split('.')
  let node = components[name!]
  for (const p of props) node = node?.properties?.[p]
  const types = Array.isArray(node?.type) ? node.type : [node?.type]
  if (!node || !types.includes('string')) return false
  node.enum = types.includes('null') ? [...values, null] : [...values]
  return true
}
