import { describe, expect, test } from 'bun:test'
import { channel, drain, LineSplitter, sseEvent, streamBody, wantsEventStream } from './sse.ts'

const text = (b: Uint8Array) => new TextDecoder().decode(b)
const bytes = (s: string) => new TextEncoder().encode(s)

async function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
  let out = ''
  for await (const chunk of body) {
    expect(chunk).toBeInstanceOf(Uint8Array)
    out += text(chunk)
  }
  return out
}

describe('events', () => {
  test('named and unnamed events; every line of data its own data: line', () => {
    expect(text(sseEvent('hello'))).toBe('data: hello\n\n')
    expect(text(sseEvent('{"a":1}', 'result'))).toBe('event: result\ndata: {"a":1}\n\n')
    expect(text(sseEvent('a\nb\r\nc\rd', 'log'))).toBe('event: log\ndata: a\ndata: b\ndata: c\ndata: d\n\n')
    expect(text(sseEvent(''))).toBe('data: \n\n')
    expect(() => sseEvent('x', 'bad name\n')).toThrow(RangeError)
  })

  test('Accept: text/event-stream asks for events', () => {
    expect(wantsEventStream(new Request('http://x/', { headers: { accept: 'Text/Event-Stream' } }))).toBe(true)
    expect(wantsEventStream(new Request('http://x/', { headers: { accept: 'application/json' } }))).toBe(false)
    expect(wantsEventStream(new Request('http://x/'))).toBe(false)
  })

  test('lines split across chunks and multi-byte characters', () => {
    const s = new LineSplitter()
    const euro = bytes('€')
    expect(s.push(bytes('ab\ncd'))).toEqual(['ab'])
    expect(s.push(euro.slice(0, 1))).toEqual([])
    expect(s.push(new Uint8Array([...euro.slice(1), 10, 101, 13, 10]))).toEqual(['cd€', 'e'])
    expect(s.push(bytes('tail'))).toEqual([])
    expect(s.flush()).toEqual(['tail'])
    expect(s.flush()).toEqual([])
  })

  test('drain keeps at most the limit', async () => {
    const src = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes('x'.repeat(10)))
        c.enqueue(bytes('y'.repeat(10)))
        c.close()
      },
    })
    expect(await drain(src, 15)).toBe('x'.repeat(10) + 'y'.repeat(5))
  })
})

describe('bodies', () => {
  test('pulled from an async iterable, ended with it', async () => {
    async function* src() {
      yield sseEvent('one')
      yield sseEvent('two', 'end')
    }
    expect(await readAll(streamBody(src()))).toBe('data: one\n\nevent: end\ndata: two\n\n')
  })

  test('pulled one chunk at a time: a reader that stops early stops the source', async () => {
    let produced = 0
    let stopped = false
    let cancelled = false
    async function* src() {
      try {
        for (;;) {
          produced++
          yield bytes(`${produced}\n`)
        }
      } finally {
        stopped = true
      }
    }
    const body = streamBody(src(), { onCancel: () => (cancelled = true) })
    const reader = body.getReader()
    await reader.read()
    await reader.read()
    await reader.cancel()
    await Bun.sleep(5)
    expect(cancelled).toBe(true)
    expect(stopped).toBe(true)
    expect(produced).toBeLessThan(5)
  })

  test('a failing source just ends the body', async () => {
    async function* src() {
      yield bytes('a')
      throw new Error('gone')
    }
    expect(await readAll(streamBody(src()))).toBe('a')
  })

  test('a channel: sends never wait, arrive in order, and are dropped once closed or abandoned', async () => {
    const ch = channel<Uint8Array>()
    ch.send(bytes('1'))
    ch.send(bytes('2'))
    const body = streamBody(ch)
    setTimeout(() => {
      ch.send(bytes('3'))
      ch.close()
      ch.send(bytes('4'))
    }, 5)
    expect(await readAll(body)).toBe('123')
    expect(ch.open).toBe(false)

    const gone = channel<Uint8Array>()
    const reader = streamBody(gone).getReader()
    gone.send(bytes('x'))
    expect(text((await reader.read()).value!)).toBe('x')
    const waiting = reader.read() // a read waits for the next send
    await reader.cancel()
    expect(gone.open).toBe(false) // at once, though a read was waiting
    expect((await waiting).done).toBe(true)
    gone.send(bytes('y')) // dropped, no error
  })
})
