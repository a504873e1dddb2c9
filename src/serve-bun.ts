/**
 * Bun.serve options for an LWS server, shared by `lws serve` and the tests
 * so both run exactly the same edge.
 */
import { InternalError } from './errors/catalogue.ts'
import { errorResponse } from './http/edge/edge.ts'
import type { ServerParts } from './server.ts'

export function bunServeOptions(parts: Pick<ServerParts, 'fetch' | 'config'>, listen: { hostname: string; port: number }) {
  const idleTimeout = Math.min(255, Math.ceil(parts.config.bodyTimeoutMs / 1000) + 10)
  return {
    ...listen,
    // Never Bun's HTML error page (it shows stack frames and bundled source).
    development: false,
    error: () => errorResponse(new InternalError()),
    // The edge answers 413 in the API's shape for any size; Bun's own limit
    // (a plain-text 413) must never come first.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Idle connections (keep-alive, a head that never ends) close after this;
    // the edge lifts it for each request once its body is in, because a pct
    // create, a long exec or a followed log stream can be silent for minutes.
    idleTimeout,
    fetch: (req: Request, srv: import('bun').Server<undefined>) =>
      parts.fetch(req, {
        address: srv.requestIP(req)?.address ?? 'unknown',
        keepOpen: () => srv.timeout(req, 0),
        restoreIdle: () => srv.timeout(req, idleTimeout),
      }),
  }
}
