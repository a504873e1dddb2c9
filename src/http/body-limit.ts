/**
 * Refuses bodies over the limit with 413 before they are read. Bun.serve's
 * maxRequestBodySize is the backstop for bodies without Content-Length.
 */
import { Elysia } from 'elysia'
import { PayloadTooLargeError } from '../errors/catalogue.ts'

export function bodyLimit(maxBytes: number) {
  return new Elysia({ name: 'lws-body-limit' }).onRequest(function checkBodySize({ request }) {
    const len = Number(request.headers.get('content-length') ?? 0)
    if (len > maxBytes) throw new PayloadTooLargeError(maxBytes)
  })
}
