/**
 * Streaming answers: Server-Sent Events or plain chunked text, always as
 * Uint8Array chunks with the content type set here (Deno's server rejects
 * string chunks and would default Buffers to application/json).
 */
import type { StreamHandle } from '../../src/exec/executor.ts'

const encoder = new TextEncoder()

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
}
export const TEXT_HEADERS = {
  'content-type': 'text/plain; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
}

export function wantsEventStream(request: Request): boolean {
  return (request.headers.get('accept') ?? '').toLowerCase().includes('text/event-stream')
}

/** One SSE event; multi-line data becomes several `data:` lines. */
export function sseEvent(data: string, event?: string): Uint8Array {
  const lines = data.split(/\r?\n/)
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

/** Reads a stream to the end as text (for the stderr side of a streamed command). */
export async function drain(stream: ReadableStream<Uint8Array>, limit = 64 * 1024): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  try {
    for await (const chunk of stream) if (text.length < limit) text += decoder.decode(chunk, { stream: true })
  } catch {}
  return text.slice(0, limit)
}

/**
 * The body of a `docker logs -f` answer: the command's stdout as it comes
 * (`text`), or one SSE event per line plus a final `end` event (`sse`). When
 * the client goes away the stream is cancelled (or the request aborted): the
 * remote command is killed and its channel closed.
 */
export function followBody(handle: StreamHandle, mode: 'sse' | 'text', signal?: AbortSignal, onEnd?: (how: string) => void): ReadableStream<Uint8Array> {
  const reader = handle.stdout.getReader()
  const stderr = drain(handle.stderr)
  const lines = new LineSplitter()
  let ended = false
  const end = (how: string) => {
    if (ended) return
    ended = true
    handle.kill()
    onEnd?.(how)
  }
  signal?.addEventListener('abort', () => end('client disconnected'), { once: true })
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      for (;;) {
        let r: { done: boolean; value?: Uint8Array }
        try {
          r = await reader.read()
        } catch {
          r = { done: true, value: undefined }
        }
        if (r.done) {
          if (mode === 'sse') {
            for (const l of lines.flush()) ctl.enqueue(sseEvent(l))
            const code = await handle.exited
            const err = (await stderr).trim()
            ctl.enqueue(sseEvent(JSON.stringify({ exit_code: code, ...(err ? { stderr: err } : {}) }), 'end'))
          }
          end('command ended')
          ctl.close()
          return
        }
        if (mode === 'text') {
          ctl.enqueue(r.value!)
          return
        }
        const complete = lines.push(r.value!)
        if (complete.length) {
          for (const l of complete) ctl.enqueue(sseEvent(l))
          return
        }
      }
    },
    cancel() {
      end('client disconnected')
    },
  })
}
