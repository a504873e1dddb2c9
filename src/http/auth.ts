/**
 * API-key guard: deny by default. Every route needs the key except those
 * listed as public, and the decision is made on the route the router
 * matched (`route` is the pattern it chose), never on a second reading of
 * the URL — two parsers of one URL disagreeing was a live bypass. It runs in
 * `transform`, the first hook that knows the route, so body validation
 * never answers an unauthenticated client. Unknown routes answer 401
 * without a key as well (see errors.ts), so they reveal nothing either.
 * The key is compared in constant time, on SHA-256 digests so that lengths
 * leak nothing.
 */
import { Elysia } from 'elysia'
import { createHash, timingSafeEqual } from 'node:crypto'
import { UnauthorizedError } from '../errors/catalogue.ts'

const digest = (s: string) => createHash('sha256').update(s).digest()

export interface AuthOptions {
  apiKey: string
  /** Route patterns (as declared: `/api/v1/docs/assets/*`) any GET/HEAD may reach without a key. */
  publicRoutes: string[]
  /** Route patterns of the CORS preflight handler (OPTIONS only). */
  preflightRoutes: string[]
}

export function apiKeyGuard(opts: AuthOptions) {
  if (!opts.apiKey) throw new Error('apiKeyGuard: an API key is required (the server never runs open)')
  const expected = digest(opts.apiKey)
  const publicRoutes = new Set(opts.publicRoutes)
  const preflight = new Set(opts.preflightRoutes)
  const authorized = (request: Request) => {
    const given = request.headers.get('x-api-key')
    return given !== null && timingSafeEqual(expected, digest(given))
  }
  const isOpen = (method: string, route: string) =>
    method === 'OPTIONS' ? preflight.has(route) : (method === 'GET' || method === 'HEAD') && publicRoutes.has(route)
  const plugin = new Elysia({ name: 'lws-auth' }).onTransform({ as: 'global' }, function requireApiKey({ request, route }) {
    if (isOpen(request.method, route)) return
    if (!authorized(request)) throw new UnauthorizedError()
  })
  return { plugin, authorized }
}
