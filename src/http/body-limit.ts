/**
 * Refuses bodies over the limit with a JSON 413.
 * - `bodyLimit`: requests with Content-Length are checked before the body is read.
 * - `withChunkedBodyLimit`: wraps the server's fetch handler so chunked bodies
 *   (no Content-Length) are read up to the limit and handed on with a length.
 *   (A global Elysia onParse hook would do it too, but hides request bodies
 *   from the OpenAPI document.)
 */
import { Elysia } from 'elysia'
import { PayloadTooLargeError } from '../errors/catalogue.ts'

export function bodyLimit(maxBytes: number) {
  return new Elysia({ name: 'lws-body-limit' }).onRequest(function checkBodySize({ request }) {
    const len = Number(request.headers.get('content-length') ?? 0)
    if (len > maxBytes) throw new PayloadTooLargeError(maxBytes)
  })
}

function tooLarge(maxBytes: number): Response {
  return new Response(JSON.stringify(new PayloadTooLargeError(maxBytes).toBody()), {
    status: 413,
    headers: { 'content-type': 'application/json', connection: 'close' },
  })
}

export function withChunkedBodyLimit(
  fetch: (req: Request) => Response | Promise<Response>,
  maxBytes: number,
): (req: Request) => Promise<Response> {
  return async function limitedFetch(req) {
    if (!req.body || req.headers.has('content-length')) return fetch(req)
    const chunks: Uint8Array[] = []
    let size = 0
    const reader = req.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        return tooLarge(maxBytes)
      }
      chunks.push(value)
    }
    const body = new Uint8Array(size)
    let at = 0
    for (const c of chunks) {
      body.set(c, at)
      at += c.byteLength
    }
    const headers = new Headers(req.headers)
    headers.set('content-length', String(size))
    return fetch(new Request(req.url, { method: req.method, headers, body, signal: req.signal }))
  }
}
