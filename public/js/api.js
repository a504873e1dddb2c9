// Fetch wrapper for the LWS API: sends the key in the X-API-Key header (never
// in a URL), parses JSON, turns failures into the API's error shape
// {error, details, return_code}, and tells listeners (the response log) about
// every call.
export const API = '/api/v1'
const KEY_STORAGE = 'lws-api-key'

const responseListeners = new Set()
const keyListeners = new Set()

export function getKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? ''
  } catch {
    return ''
  }
}

export function setKey(key) {
  const value = key.trim()
  if (value) localStorage.setItem(KEY_STORAGE, value)
  else localStorage.removeItem(KEY_STORAGE)
  for (const fn of keyListeners) fn(value)
}

export const onKeyChange = (fn) => keyListeners.add(fn)
export const onResponse = (fn) => responseListeners.add(fn)

let seq = 0

/**
 * One HTTP call. `path` is absolute (`/api/v1/...`); `query` values that are
 * undefined or '' are left out. Resolves (never rejects) to:
 * {id, ok, status, method, url, requestBody, body, durationMs, error}
 * where `error` is {error, details, return_code} when !ok.
 */
export async function request(method, path, { query, body, signal } = {}) {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue
    params.append(k, String(v))
  }
  const qs = params.toString()
  const url = qs ? `${path}?${qs}` : path
  const headers = { Accept: 'application/json' }
  const key = getKey()
  if (key) headers['X-API-Key'] = key
  const init = { method, headers, signal }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const result = { id: ++seq, ok: false, status: 0, method, url, requestBody: body, body: null, durationMs: 0, error: null, at: new Date() }
  const t0 = performance.now()
  try {
    const res = await fetch(url, init)
    const text = await res.text()
    result.status = res.status
    result.ok = res.ok
    try {
      result.body = text === '' ? null : JSON.parse(text)
    } catch {
      result.body = text
    }
    if (!res.ok) result.error = errorShape(res, result.body)
  } catch (e) {
    result.error = {
      error: e?.name === 'AbortError' ? 'Cancelled' : 'Network error',
      details: `${e?.message ?? e} — is the LWS server running and reachable?`,
      return_code: 1,
    }
  }
  result.durationMs = Math.round(performance.now() - t0)
  for (const fn of responseListeners) {
    try {
      fn(result)
    } catch (e) {
      console.error(e)
    }
  }
  return result
}

/** Shorthand for paths below /api/v1. */
export const api = (method, path, opts) => request(method, API + path, opts)

function errorShape(res, body) {
  if (body && typeof body === 'object' && typeof body.error === 'string') {
    return { ...body, error: body.error, details: String(body.details ?? ''), return_code: body.return_code ?? 1 }
  }
  const details = typeof body === 'string' ? body.slice(0, 500) : body ? JSON.stringify(body).slice(0, 500) : ''
  return { error: res.statusText || `HTTP ${res.status}`, details, return_code: 1 }
}

/** One line for humans: "401 Unauthorized: missing or invalid X-API-Key header (return_code 1)". */
export function describeError(result) {
  const e = result.error
  if (!e) return ''
  const status = result.status ? `${result.status} ` : ''
  const details = e.details ? `: ${e.details}` : ''
  return `${status}${e.error}${details} (return_code ${e.return_code})`
}
