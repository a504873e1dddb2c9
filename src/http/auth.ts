/**
 * API-key guard for /api/v1. The key is compared in constant time (on
 * SHA-256 digests, so lengths leak nothing either).
 */
import { Elysia } from 'elysia'
import { createHash, timingSafeEqual } from 'node:crypto'
import { UnauthorizedError } from '../errors/catalogue.ts'

const digest = (s: string) => createHash('sha256').update(s).digest()

export function keyMatches(expected: string, given: string | null): boolean {
  if (!given) return false
  return timingSafeEqual(digest(expected), digest(given))
}

export interface AuthOptions {
  apiKey: string
  /** Path prefix that needs the key. */
  prefix: string
  /** Exact paths (or prefixes ending in `/`) under it that are public. */
  publicPaths: string[]
}

export function apiKeyAuth(opts: AuthOptions) {
  if (!opts.apiKey) throw new Error('apiKeyAuth: an API key is required (the server never runs open)')
  const isPublic = (path: string) =>
    opts.publicPaths.some((p) => (p.endsWith('/') ? path.startsWith(p) || path === p.slice(0, -1) : path === p))
  return new Elysia({ name: 'lws-auth' }).onRequest(function checkApiKey({ request }) {
    if (request.method === 'OPTIONS') return // CORS preflight carries no credentials
    const path = new URL(request.url).pathname
    if (!path.startsWith(opts.prefix) || isPublic(path)) return
    if (!keyMatches(opts.apiKey, request.headers.get('x-api-key'))) throw new UnauthorizedError()
  })
}
