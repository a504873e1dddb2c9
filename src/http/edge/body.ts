/**
 * Reads a request body under three limits before the app sees it: size
 * (413), time to arrive (408, counted from the start of the request), and,
 * for JSON, nesting depth (400). Bun's `idleTimeout` is off for long host
 * tasks, so without the deadline a client that never finishes its body
 * would hold a connection for ever.
 */
import { BadRequestError, LwsError, PayloadTooLargeError, RequestTimeoutError } from '../../errors/catalogue.ts'
import { nestsDeeperThan } from './json-depth.ts'

export interface BodyLimits {
  maxBytes: number
  deadlineMs: number
  maxJsonDepth: number
}

export type BodyResult = { ok: true; body: Uint8Array | null } | { ok: false; error: LwsError }

const looksLikeJson = (contentType: string | null) => !contentType || /[/+]json\b/i.test(contentType)

export async function readBody(req: Request, limits: BodyLimits, startedAt: number): Promise<BodyResult> {
  if (!req.body) return { ok: true, body: null }
  const declared = req.headers.get('content-length')
  if (declared !== null && Number(declared) > limits.maxBytes) {
    return { ok: false, error: new PayloadTooLargeError(limits.maxBytes) }
  }
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), Math.max(1, limits.deadlineMs - (performance.now() - startedAt)))
  })
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), expired])
      if (next === 'expired') {
        reader.cancel().catch(() => {})
        return { ok: false, error: new RequestTimeoutError(limits.deadlineMs) }
      }
      if (next.done) break
      size += next.value.byteLength
      if (size > limits.maxBytes) {
        reader.cancel().catch(() => {})
        return { ok: false, error: new PayloadTooLargeError(limits.maxBytes) }
      }
      chunks.push(next.value)
    }
  } catch {
    // The client went away or sent a broken chunked encoding.
    return { ok: false, error: new BadRequestError('the request body could not be read', 'MALFORMED_BODY') }
  } finally {
    clearTimeout(timer)
  }
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
  if (looksLikeJson(req.headers.get('content-type')) && nestsDeeperThan(body, limits.maxJsonDepth)) {
    return { ok: false, error: new BadRequestError(`body: JSON nests deeper than ${limits.maxJsonDepth} levels`, 'BODY_TOO_DEEP') }
  }
  return { ok: true, body }
}
