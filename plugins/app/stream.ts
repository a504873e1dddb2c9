/**
 * The body of a `docker logs -f` answer, on the core's streaming helpers
 * (`ctx.sse`): the command's stdout as it comes (`text`), or one SSE event
 * per line plus a final `end` event (`sse`).
 */
import type { StreamHandle } from '../../src/exec/executor.ts'
import type { PluginContext } from '../../src/plugins/types.ts'

/**
 * When the client goes away the body is cancelled (or the request aborted):
 * the remote command is killed, which also ends the read it waits in, and its
 * channel closed. `onEnd` is told once how it ended.
 */
export function followBody(
  c: Pick<PluginContext, 'sse'>,
  handle: StreamHandle,
  mode: 'sse' | 'text',
  signal?: AbortSignal,
  onEnd?: (how: string) => void,
): ReadableStream<Uint8Array> {
  const { sseEvent, LineSplitter, drain, streamBody } = c.sse
  let ended = false
  const end = (how: string) => {
    if (ended) return
    ended = true
    handle.kill()
    onEnd?.(how)
  }
  signal?.addEventListener('abort', () => end('client disconnected'), { once: true })

  async function* chunks(): AsyncGenerator<Uint8Array> {
    const reader = handle.stdout.getReader()
    const stderr = drain(handle.stderr)
    const lines = new LineSplitter()
    for (;;) {
      let r: { done: boolean; value?: Uint8Array }
      try {
        r = await reader.read()
      } catch {
        r = { done: true, value: undefined }
      }
      if (r.done) break
      if (mode === 'text') yield r.value!
      else for (const l of lines.push(r.value!)) yield sseEvent(l)
    }
    if (mode === 'sse') {
      for (const l of lines.flush()) yield sseEvent(l)
      const code = await handle.exited
      const err = (await stderr).trim()
      const last = sseEvent(JSON.stringify({ exit_code: code, ...(err ? { stderr: err } : {}) }), 'end')
      end('command ended')
      yield last
    } else end('command ended')
  }

  return streamBody(chunks(), { onCancel: () => end('client disconnected') })
}
