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
    allowedHeaders: ['Content-Type', 'X-API-Key', 'X-Request-Id'],
    exposeHeaders: ['X-Request-Id'],
    credentials: false,
    maxAge: 600,
  })
}
