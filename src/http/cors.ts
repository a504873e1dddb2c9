/**
 * CORS via @elysiajs/cors: only origins listed in `api.allowed_origins` are
 * echoed back; preflight allows the X-API-Key header.
 */
import { cors } from '@elysiajs/cors'

export function corsPolicy(allowedOrigins: string[]) {
  const allowed = new Set(allowedOrigins)
  return cors({
    origin: (request: Request) => allowed.has(request.headers.get('origin') ?? ''),
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    // Operations: async preference, idempotent retries, resumed event streams (src/operations/http.ts).
    allowedHeaders: ['Content-Type', 'X-API-Key', 'X-Request-Id', 'Idempotency-Key', 'Prefer', 'Last-Event-ID'],
    exposeHeaders: ['X-Request-Id', 'LWS-Operation', 'Location', 'Preference-Applied', 'Idempotent-Replayed', 'Retry-After'],
    credentials: false,
    maxAge: 600,
  })
}
