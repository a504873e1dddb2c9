/**
 * The auth-bypass matrix: odd Host headers × path variants × every
 * protected route of the OpenAPI document, sent without a key. A request
 * may be refused (400 malformed, 401, 404 no route, 414, 431) and must never
 * reach a route: no 2xx or 3xx, and no 5xx either — a 502/500 would mean a
 * handler ran and tried the host. Every answer must be the JSON error shape.
 */
import { pool, rawRequest, requestHead } from './raw-http.ts'

export const ODD_HOSTS: Array<string | null> = [
  null, '', 'x', 'ab', 'abc', 'a#', 'x?', 'a/b', 'x@y', '[::1', '[::1]', '[::1]:8080', 'h:99999', ':80',
  'localhost', 'localhost:80', '127.0.0.1', 'abcdefghijkl', 'UPPER.CASE',
]

export function pathVariants(path: string): string[] {
  const parts = path.split('/') // ['', 'api', 'v1', ...rest]
  const last = parts.length - 1
  const withSep = (sep: string) => parts.slice(0, last).join('/') + sep + parts[last]
  return [
    path,
    '/a' + path,
    '/ab' + path,
    '/abc' + path,
    '/' + path,
    withSep('/./'),
    withSep('/x/../'),
    withSep('%2F'),
    withSep('/%2e/'),
    path.replace('/api/', '/api//'),
    path + '/',
    path.toUpperCase(),
    path + '?x=1',
  ]
}

const ALLOWED = new Set([400, 401, 404, 405, 414, 431])
/** Hosts a client may legitimately send: the exact protected path must then be a plain 401. */
const GOOD_HOSTS = new Set(['x', 'ab', 'abc', '[::1]', '[::1]:8080', 'localhost', 'localhost:80', '127.0.0.1', 'abcdefghijkl', 'UPPER.CASE'])

export interface Protected {
  method: string
  path: string
}

/** Protected operations of an OpenAPI document, with path parameters filled in. */
export function protectedRoutes(doc: { paths: Record<string, Record<string, { security?: unknown[] }>> }): Protected[] {
  const out: Protected[] = []
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (Array.isArray(op.security) && op.security.length === 0) continue
      out.push({ method: method.toUpperCase(), path: p.replace(/\{[^}]+\}/g, (m) => (m.includes('id') ? '100' : 'snap1')) })
    }
  }
  return out
}

export interface MatrixResult {
  sent: number
  violations: string[]
  statuses: Record<number, number>
}

export async function runBypassMatrix(port: number, routes: Protected[], opts: { concurrency?: number } = {}): Promise<MatrixResult> {
  const cases: Array<{ host: string | null; method: string; path: string; exact: boolean }> = []
  for (const r of routes)
    for (const host of ODD_HOSTS) for (const path of pathVariants(r.path)) cases.push({ host, method: r.method, path, exact: path === r.path })
  const statuses: Record<number, number> = {}
  const violations: string[] = []
  await pool(cases, opts.concurrency ?? 16, async (c) => {
    const hasBody = c.method !== 'GET' && c.method !== 'HEAD'
    const head = requestHead(c.method, c.path, {
      host: c.host,
      ...(hasBody ? { 'content-type': 'application/json', 'content-length': '2' } : {}),
    })
    const res = await rawRequest(port, head, hasBody ? '{}' : '')
    statuses[res.status] = (statuses[res.status] ?? 0) + 1
    const label = `${c.method} ${c.path} Host=${JSON.stringify(c.host)} → ${res.status}`
    // Bun itself answers a request without any Host header with an empty 400 before the app runs.
    if (c.host === null && res.status === 400) return
    if (!ALLOWED.has(res.status)) return void violations.push(label)
    if (c.exact && GOOD_HOSTS.has(c.host ?? '') && res.status !== 401) return void violations.push(`${label}: expected 401`)
    try {
      const body = JSON.parse(res.body)
      if (typeof body.code !== 'string' || typeof body.error !== 'string') violations.push(`${label}: not the error shape`)
    } catch {
      violations.push(`${label}: not JSON: ${res.body.slice(0, 80)}`)
    }
  })
  return { sent: cases.length, violations, statuses }
}
