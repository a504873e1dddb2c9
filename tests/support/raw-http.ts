/**
 * HTTP/1.1 over a plain socket, for what fetch() will not send: any Host
 * header, unnormalised paths, a body that never ends.
 */
import net from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** ms from connect to the complete answer. */
  ms: number
  /** The server closed the connection before or as the answer was complete. */
  closed?: boolean
}

export function parseRaw(text: string, ms: number): RawResponse {
  const end = text.indexOf('\r\n\r\n')
  const head = end === -1 ? text : text.slice(0, end)
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers: Record<string, string> = {}
  for (const l of lines) {
    const i = l.indexOf(':')
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
  }
  let body = end === -1 ? '' : text.slice(end + 4)
  if (headers['transfer-encoding'] === 'chunked') {
    let out = ''
    let rest = body
    for (;;) {
      const nl = rest.indexOf('\r\n')
      const n = parseInt(rest.slice(0, nl), 16)
      if (!n || nl === -1) break
      out += rest.slice(nl + 2, nl + 2 + n)
      rest = rest.slice(nl + 2 + n + 2)
    }
    body = out
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body, ms }
}

/** Sends `head` (+ `body`) on a new connection with `Connection: close` semantics and reads to the end. */
export function rawRequest(port: number, head: string, body = '', timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const chunks: Buffer[] = []
    const s = net.connect(port, '127.0.0.1', () => s.write(head + body))
    const timer = setTimeout(() => {
      s.destroy()
      reject(new Error(`no answer within ${timeoutMs} ms to ${head.split('\r\n')[0]}`))
    }, timeoutMs)
    s.on('data', (c) => {
      chunks.push(c)
      // A complete answer counts even when the server keeps the socket open.
      const text = Buffer.concat(chunks).toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))
      if (end !== -1 && len && text.length - end - 4 >= Number(len[1])) {
        clearTimeout(timer)
        s.destroy()
        resolve({ ...parseRaw(text, performance.now() - t0), closed: false })
      }
    })
    s.on('error', () => {})
    s.on('close', () => {
      clearTimeout(timer)
      resolve({ ...parseRaw(Buffer.concat(chunks).toString('latin1'), performance.now() - t0), closed: true })
    })
  })
}

export const requestHead = (method: string, path: string, headers: Record<string, string | null>) =>
  `${method} ${path} HTTP/1.1\r\n` +
  Object.entries({ connection: 'close', ...headers })
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('') +
  '\r\n'

/** Runs `fn` over `items` with at most `n` at once. */
export async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i]!)
      }
    }),
  )
  return out
}
