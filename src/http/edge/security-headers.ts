/**
 * Headers every answer carries. Pages (the web UI and Swagger UI) get a CSP
 * that allows only their own files; Swagger UI sets inline styles, so the
 * docs page also allows inline style (never inline script). Answers that set
 * no caching of their own (everything but the static assets) are `no-store`:
 * API answers hold container state and must not sit in a shared cache.
 */
const COMMON: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const DOCS_CSP = PAGE_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
const DATA_CSP = "default-src 'none'; frame-ancestors 'none'"

export function securityHeaders(path: string, contentType: string | null, docsPrefix: string): Record<string, string> {
  const html = contentType?.startsWith('text/html') ?? false
  const csp = !html ? DATA_CSP : path.startsWith(docsPrefix) ? DOCS_CSP : PAGE_CSP
  return { ...COMMON, 'content-security-policy': csp }
}

/** Sets the headers on `res`, copying it first when its headers are immutable. */
export function withHeaders(res: Response, headers: Record<string, string>, noStoreUnlessSet: boolean): Response {
  const apply = (h: Headers) => {
    for (const [k, v] of Object.entries(headers)) h.set(k, v)
    if (noStoreUnlessSet && !h.has('cache-control')) h.set('cache-control', 'no-store')
  }
  try {
    apply(res.headers)
    return res
  } catch {
    const copy = new Response(res.body, { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) })
    apply(copy.headers)
    return copy
  }
}
