/**
 * Streaming answers — Server-Sent Events or chunked text — the one
 * implementation (plugins get it as `ctx.sse`).
 *
 * Chunks are always Uint8Array and the content type is set here: Deno's
 * server rejects string chunks and would default Buffers to
 * application/json. A body is pulled from an async iterable one chunk at a
 * time (`streamBody`), so a slow client slows the source instead of
 * growing a buffer; a producer that must not wait (a task that runs on
 * whether or not anyone listens) pushes into a `channel()` instead. When the
 * client goes away, the body's source is stopped (`return()`) and `onCancel`
 * runs: that is where a remote command is killed.
 */

const encoder = new TextEncoder()

const NO_BUFFERING = { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } as const

export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', ...NO_BUFFERING }
export const TEXT_HEADERS = { 'content-type': 'text/plain; charset=utf-8', ...NO_BUFFERING }

/** The client asked for Server-Sent Events (`Accept: text/event-stream`). */
export function wantsEventStream(request: Request): boolean {
  return (request.headers.get('accept') ?? '').toLowerCase().includes('text/event-stream')
}

/** One SSE event; multi-line data becomes several `data:` lines. Without `event` it is an unnamed (`message`) event. */
export function sseEvent(data: string, event?: string): Uint8Array {
  if (event !== undefined && !/^[A-Za-z0-9_-]+$/.test(event)) throw new RangeError(`bad SSE event name ${JSON.stringify(event)}`)
  const lines = data.split(/\r\n|\r|\n/)
  return encoder.encode(`${event ? `event: ${event}\n` : ''}${lines.map((l) => `data: ${l}`).join('\n')}\n\n`)
}

/** Splits a byte stream into complete lines (the last partial line is kept until flush). */
export class LineSplitter {
  private decoder = new TextDecoder()
  private rest = ''

  push(chunk: Uint8Array): string[] {
    this.rest += this.decoder.decode(chunk, { stream: true })
    const parts = this.rest.split('\n')
    this.rest = parts.pop() ?? ''
    return parts.map((l) => l.replace(/\r$/, ''))
  }

  flush(): string[] {
    const tail = this.rest + this.decoder.decode()
    this.rest = ''
    return tail === '' ? [] : [tail]
  }
}

/** Reads a stream to its end as text, keeping at most `limit` characters (the stderr side of a streamed command). */
export async function drain(stream: ReadableStream<Uint8Array>, limit = 64 * 1024): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  try {
    for await (const chunk of stream) if (text.length < limit) text += decoder.decode(chunk, { stream: true })
  } catch {}
  return text.slice(0, limit)
}

export interface StreamBodyOptions {
  /** The client went away (the body was cancelled): stop what feeds the source. */
  onCancel?: () => void
}

/**
 * An answer body pulled from `source`, one chunk per read. The body ends
 * when the source does (or fails: the status line is long sent, so the
 * stream just ends). Cancelling it runs `onCancel`, then stops the source.
 */
export function streamBody(source: AsyncIterable<Uint8Array>, opts: StreamBodyOptions = {}): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]()
  let finished = false
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      let r: IteratorResult<Uint8Array>
      try {
        r = await it.next()
      } catch {
        r = { done: true, value: undefined }
      }
      // After a cancel the controller refuses both; nothing is left to deliver then.
      try {
        if (r.done) {
          finished = true
          ctl.close()
        } else ctl.enqueue(r.value)
      } catch {}
    },
    cancel() {
      opts.onCancel?.()
      // Not awaited: a source blocked on a read is unblocked by onCancel, not by this.
      if (!finished) void it.return?.()?.catch?.(() => {})
    },
  })
}

/** A push queue read as an async iterable: `send` never waits; after `close` (or the reader stopping) sends are dropped. */
export interface Channel<T> extends AsyncIterable<T> {
  send(value: T): void
  close(): void
  /** Sends are still delivered. */
  readonly open: boolean
}

export function channel<T>(): Channel<T> {
  const queue: T[] = []
  let open = true
  let wake: (() => void) | undefined
  const notify = () => {
    wake?.()
    wake = undefined
  }
  const done = (): IteratorResult<T> => ({ value: undefined, done: true })
  return {
    get open() {
      return open
    },
    send(value) {
      if (!open) return
      queue.push(value)
      notify()
    },
    close() {
      open = false
      notify()
    },
    // Written out rather than a generator: `return()` (the reader going away) must take effect at
    // once, even while a `next()` waits, so later sends are dropped instead of queued.
    [Symbol.asyncIterator](): AsyncIterator<T> {
      return {
        async next() {
          for (;;) {
            if (queue.length) return { value: queue.shift()!, done: false }
            if (!open) return done()
            await new Promise<void>((r) => (wake = r))
          }
        },
        async return() {
          open = false
          queue.length = 0
          notify()
          return done()
        },
      }
    },
  }
}
