/**
 * The two streaming answers of the operations API, as Server-Sent Events:
 * the event journal (GET /events) and an operation's log (GET
 * /operations/{id}/log?follow=true). Both resume: every frame has an `id`
 * (event id, log line number) and `Last-Event-ID` continues after it, from
 * the store. Live frames are subscribed to before the stored ones are read,
 * so nothing falls between the two. A client that reads too slowly is
 * dropped (it reconnects with Last-Event-ID and catches up from the store)
 * rather than buffered without bound.
 */
import { SSE_HEADERS } from '../http/sse.ts'
import type { LogLine } from '../store/types.ts'
import type { LwsEvent } from './events.ts'
import type { Operations } from './service.ts'
import { unrefTimer } from './timers.ts'

const encoder = new TextEncoder()
export const HEARTBEAT_MS = 15_000
/** Frames queued for one client before it counts as stalled. */
const MAX_QUEUED = 10_000
const PAGE = 500

/** One SSE frame; `data` lines split so a newline cannot end the frame early. */
export function sseFrame(f: { id?: number; event?: string; data: string }): Uint8Array {
  const head = `${f.id !== undefined ? `id: ${f.id}\n` : ''}${f.event ? `event: ${f.event}\n` : ''}`
  return encoder.encode(`${head}${f.data.split(/\r\n|\r|\n/).map((l) => `data: ${l}`).join('\n')}\n\n`)
}

const comment = (text: string) => encoder.encode(`: ${text}\n\n`)

/** `Last-Event-ID` as a non-negative integer, or undefined. */
export function lastEventIdOf(request: Request): number | undefined {
  const v = request.headers.get('last-event-id')?.trim()
  return v && /^\d{1,15}$/.test(v) ? Number(v) : undefined
}

interface Sink {
  send(chunk: Uint8Array): void
  close(): void
  readonly closed: boolean
}

/** A push stream: `run` feeds it until it ends or the client goes (then `stop` runs). */
function pushStream(run: (sink: Sink) => Promise<void> | void, stop: () => void, heartbeatMs: number): ReadableStream<Uint8Array> {
  let closed = false
  let beat: ReturnType<typeof setInterval> | undefined
  const end = () => {
    if (closed) return
    closed = true
    clearInterval(beat)
    stop()
  }
  return new ReadableStream<Uint8Array>({
    start(ctl) {
      const sink: Sink = {
        get closed() {
          return closed
        },
        send(chunk) {
          if (closed) return
          if ((ctl.desiredSize ?? 0) < -MAX_QUEUED) {
            end()
            ctl.close()
            return
          }
          ctl.enqueue(chunk)
        },
        close() {
          if (closed) return
          end()
          ctl.close()
        },
      }
      // Sent at once, so the client sees the headers (and its retry delay) before the first event.
      ctl.enqueue(encoder.encode('retry: 3000\n: connected\n\n'))
      beat = setInterval(() => sink.send(comment('keep-alive')), heartbeatMs)
      unrefTimer(beat)
      Promise.resolve()
        .then(() => run(sink))
        .catch(() => sink.close())
    },
    cancel() {
      end()
    },
  })
}

export const sseResponse = (body: ReadableStream<Uint8Array>) => new Response(body, { headers: SSE_HEADERS })

const eventFrame = (e: LwsEvent) => sseFrame({ id: e.id, event: e.type, data: JSON.stringify({ at: e.at, ...(e.data as object) }) })

/**
 * GET /events as a stream: after `lastId` (replayed from the store), then
 * live; only `types` when given.
 */
export function eventStream(ops: Operations, opts: { types?: string[]; lastId?: number; heartbeatMs?: number }): ReadableStream<Uint8Array> {
  const wanted = (e: LwsEvent) => !opts.types?.length || opts.types.includes(e.type)
  let buffer: LwsEvent[] | null = []
  let lastSent = opts.lastId ?? 0
  let live: Sink | undefined
  const deliver = (e: LwsEvent) => {
    if (e.id <= lastSent || !wanted(e)) return
    lastSent = e.id
    live?.send(eventFrame(e))
  }
  const unsubscribe = ops.events.subscribe((e) => (buffer ? buffer.push(e) : deliver(e)))
  return pushStream(
    async (sink) => {
      live = sink
      if (opts.lastId !== undefined) {
        for (;;) {
          const page = await ops.events.replay(lastSent, opts.types, PAGE)
          for (const e of page) deliver(e)
          if (page.length < PAGE || sink.closed) break
        }
      }
      const held = buffer ?? []
      buffer = null
      for (const e of held) deliver(e)
    },
    unsubscribe,
    opts.heartbeatMs ?? HEARTBEAT_MS,
  )
}

/**
 * An operation's log as a stream: the stored lines after `offset`, then the
 * new ones as they come, then an `end` event (JSON `{status, lines}`) once
 * the operation has ended.
 */
export function logStream(ops: Operations, id: string, offset: number, opts: { heartbeatMs?: number } = {}): ReadableStream<Uint8Array> {
  let lastSent = offset
  let buffer: (LogLine | null)[] | null = []
  let live: Sink | undefined
  let ended = false
  const finish = async (sink: Sink) => {
    if (ended) return
    ended = true
    // Lines stored between the last live one and the end.
    await catchUp(sink)
    const op = await ops.get(id)
    sink.send(sseFrame({ event: 'end', data: JSON.stringify({ status: op?.status ?? 'unknown', lines: lastSent }) }))
    sink.close()
  }
  const deliver = (line: LogLine | null) => {
    if (!live) return
    if (line === null) return void finish(live).catch(() => live?.close())
    if (line.n <= lastSent) return
    lastSent = line.n
    live.send(sseFrame({ id: line.n, data: line.text }))
  }
  const catchUp = async (sink: Sink) => {
    for (;;) {
      const page = await ops.readLog(id, lastSent, PAGE)
      for (const l of page) deliver(l)
      if (page.length < PAGE || sink.closed) return
    }
  }
  const unsubscribe = ops.followLog(id, (line) => (buffer ? buffer.push(line) : deliver(line)))
  return pushStream(
    async (sink) => {
      live = sink
      await catchUp(sink)
      if (!unsubscribe) return finish(sink)
      const held = buffer ?? []
      buffer = null
      for (const l of held) deliver(l)
    },
    () => unsubscribe?.(),
    opts.heartbeatMs ?? HEARTBEAT_MS,
  )
}
