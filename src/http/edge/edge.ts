/**
 * The HTTP edge: the one function every runtime (Bun.serve, Deno.serve, the
 * tests) hands its requests to. Before the app runs it refuses what the app
 * must never see — a malformed Host or URL, oversized URLs and headers, a
 * body that is too big, too deep or too slow, a client that keeps guessing
 * keys — each as a JSON error. It rebuilds the request on one canonical
 * origin so Elysia's router and `new URL()` read the same path, and after
 * the app it adds security headers and logs the status actually sent.
 * Access control itself is not decided here: the API-key guard runs on the
 * route the router matched (see ../auth.ts).
 */
import {
  BadRequestError,
  HeadersTooLargeError,
  InternalError,
  type LwsError,
  TooManyRequestsError,
  UriTooLongError,
} from '../../errors/catalogue.ts'
import { inRequestScope } from '../../context/request-scope.ts'
import type { Logger } from '../../log.ts'
import { AuthBrake } from './auth-brake.ts'
import { readBody } from './body.ts'
import { isValidHost } from './host.ts'
import { securityHeaders, withHeaders } from './security-headers.ts'

/** Host part of the URL the app sees; long enough for Elysia's router, which skips the first 11 characters. */
const CANONICAL_HOST = 'lws.invalid'
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/
const NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS'])

export interface EdgeOptions {
  log: Logger
  maxBodyBytes: number
  bodyTimeoutMs: number
  maxJsonDepth: number
  authFailuresPerMinute: number
  /** Paths under it are the docs pages (their CSP allows inline styles). */
  docsPrefix: string
  maxUrlBytes?: number
  maxHeaderBytes?: number
}

/** What the runtime knows about the connection. */
export interface Peer {
  address: string
  /** Lift the runtime's idle timeout for this request once its body is in (long tasks, streams). */
  keepOpen?: () => void
  /** Put it back once the answer is complete, or an idle keep-alive connection would stay open for ever. */
  restoreIdle?: () => void
}

type Handler = (req: Request) => Response | Promise<Response>

export function errorResponse(err: LwsError, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(err.toBody()), {
    status: err.status,
    headers: { 'content-type': 'application/json', ...err.headers(), ...extra },
  })
}

function headerBytes(h: Headers): number {
  let n = 0
  h.forEach((v, k) => (n += k.length + v.length + 4))
  return n
}

/**
 * A body the app produced whole (JSON, HTML, assets) is complete now; a
 * stream (SSE, followed logs) is complete when it ends, so it is wrapped.
 */
function idleAgainWhenDone(res: Response, peer: Peer): Response {
  const restore = peer.restoreIdle
  if (!restore) return res
  const type = res.headers.get('content-type') ?? ''
  if (!res.body || res.headers.has('content-length') || /^(application\/json|text\/html|text\/css|text\/javascript)/.test(type)) {
    restore()
    return res
  }
  let done = false
  const once = () => {
    if (!done) (done = true), restore()
  }
  const body = res.body.pipeThrough(new TransformStream({ flush: once }))
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })
}

export function createEdge(fetch: Handler, opts: EdgeOptions) {
  const maxUrl = opts.maxUrlBytes ?? 8192
  const maxHeaders = opts.maxHeaderBytes ?? 32 * 1024
  const brake = new AuthBrake({ limit: opts.authFailuresPerMinute })
  const log = opts.log

  async function admit(req: Request, peer: Peer, id: string, t0: number): Promise<{ res: Response; path: string }> {
    let path = '-'
    if (req.url.length > maxUrl) return { res: errorResponse(new UriTooLongError(maxUrl)), path }
    if (headerBytes(req.headers) > maxHeaders) return { res: errorResponse(new HeadersTooLargeError(maxHeaders)), path }
    let url: URL
    try {
      url = new URL(req.url)
    } catch {
      return { res: errorResponse(new BadRequestError('malformed Host header or request URL', 'MALFORMED_URL')), path }
    }
    // Servers always pass the Host header on; a Request built in-process (tests) has only its URL.
    if (!isValidHost(req.headers.get('host') ?? url.host)) {
      return { res: errorResponse(new BadRequestError('malformed Host header', 'MALFORMED_HOST')), path }
    }
    path = url.pathname
    const hasKey = req.headers.has('x-api-key')
    if (hasKey) {
      const wait = brake.retryAfterS(peer.address)
      if (wait > 0) {
        const err = new TooManyRequestsError(wait, `too many failed API keys from ${peer.address}; retry in ${wait} s`, 'AUTH_RATE_LIMITED')
        return { res: errorResponse(err), path }
      }
    }
    let body: Uint8Array | null = null
    if (!NO_BODY.has(req.method)) {
      const read = await readBody(req, { maxBytes: opts.maxBodyBytes, deadlineMs: opts.bodyTimeoutMs, maxJsonDepth: opts.maxJsonDepth }, t0)
      // The body is unread or half-read: this connection cannot carry another request.
      if (!read.ok) return { res: errorResponse(read.error, { connection: 'close' }), path }
      body = read.body
    }
    peer.keepOpen?.()
    const headers = new Headers(req.headers)
    headers.set('x-request-id', id)
    if (body) headers.set('content-length', String(body.byteLength))
    else headers.delete('content-length')
    headers.delete('transfer-encoding')
    const forwarded = new Request(`${url.protocol}//${CANONICAL_HOST}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: body as BodyInit | null,
      signal: req.signal,
    })
    // Everything the app starts for this request (host commands included) can see whose it is.
    const scope = { id, address: peer.address, signal: req.signal }
    const res = await idleAgainWhenDone(await inRequestScope(scope, () => fetch(forwarded)), peer)
    if (res.status === 401) {
      if (hasKey) brake.fail(peer.address)
      log.warn('authentication failed', { client: peer.address, method: req.method, path, reason: hasKey ? 'wrong key' : 'no key', request_id: id })
    }
    return { res, path }
  }

  return async function edge(req: Request, peer: Peer = { address: 'local' }): Promise<Response> {
    const t0 = performance.now()
    const given = req.headers.get('x-request-id')
    const id = given && SANE_REQUEST_ID.test(given) ? given : crypto.randomUUID()
    let res: Response
    let path = '-'
    try {
      ;({ res, path } = await admit(req, peer, id, t0))
    } catch (err) {
      log.error('unhandled error at the edge', { error: String((err as Error)?.message ?? err), stack: (err as Error)?.stack, request_id: id })
      res = errorResponse(new InternalError())
    }
    res = withHeaders(res, { ...securityHeaders(path, res.headers.get('content-type'), opts.docsPrefix), 'x-request-id': id }, true)
    log.info('request', {
      method: req.method,
      path: path.length > 512 ? path.slice(0, 512) + '…' : path,
      status: res.status,
      duration_ms: Math.round((performance.now() - t0) * 10) / 10,
      request_id: id,
      client: peer.address,
    })
    return res
  }
}
