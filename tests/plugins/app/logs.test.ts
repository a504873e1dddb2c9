/**
 * GET .../app/logs/{container_name} against a real Docker engine: the last
 * lines, live follow as chunked text and as Server-Sent Events (through
 * app.handle and through a real HTTP server), and that a client disconnect
 * stops `docker logs -f` on the host.
 */
import { bunServeOptions } from '../../../src/serve-bun.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { appEnv, parseSse, processesOnHost, rand, type AppEnv } from './support.ts'

let env: AppEnv
let id: string
const ticker = `lws-ticker-${rand()}`
const Q = 'region=eu-south-1&az=az1'

beforeAll(async () => {
  env = await appEnv()
  id = await env.createCt(17101, { features: 'nesting=1,keyctl=1' })
  env.trackDocker(ticker)
  // One numbered line every 200 ms.
  const r = await env.post(`/lxc/instances/${id}/app/run`, {
    docker_command: ['-d', '--init', '--name', ticker, 'busybox', 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo "line-$i"; sleep 0.2; done'],
  })
  if (r.status !== 200) throw new Error(`run failed: ${JSON.stringify(r.body)}`)
  await Bun.sleep(1500)
})
afterAll(() => env.close())

const followers = () => processesOnHost(env.h1, `--follow ${ticker}`)

async function until(what: string, ms: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(50)
  }
}

const numbers = (text: string) => [...text.matchAll(/line-(\d+)/g)].map((m) => Number(m[1]))

describe('app logs', () => {
  test('follow=false: the last `lines` lines as JSON (the seed’s query)', async () => {
    const res = await env.get(`/lxc/instances/${id}/app/logs/${ticker}?follow=false&lines=5&${Q}`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ instance_id: id, container: ticker, lines: 5, region: 'eu-south-1', az: 'az1' })
    const n = numbers(res.body.output)
    expect(n).toHaveLength(5)
    expect(n[4]! - n[0]!).toBe(4)
    // default 100; timestamps prefix RFC 3339 times
    const all = await env.get(`/lxc/instances/${id}/app/logs/${ticker}?${Q}`)
    expect(all.body.lines).toBe(100)
    expect(numbers(all.body.output).length).toBeGreaterThanOrEqual(5)
    const ts = await env.get(`/lxc/instances/${id}/app/logs/${ticker}?lines=1&timestamps=true&${Q}`)
    expect(ts.body.output).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line-\d+\n$/)
  })

  test('unknown Docker container → 404; bad names and lines → 400 without a host command', async () => {
    const missing = await env.get(`/lxc/instances/${id}/app/logs/lws-no-such-container?${Q}`)
    expect(missing.status).toBe(404)
    const missingFollow = await env.get(`/lxc/instances/${id}/app/logs/lws-no-such-container?follow=true&${Q}`)
    expect(missingFollow.status).toBe(404)
    const before = env.hostCommands()
    for (const q of ['lines=0', 'lines=10001', 'lines=abc', 'lines=-1', 'follow=maybe']) {
      expect((await env.get(`/lxc/instances/${id}/app/logs/${ticker}?${q}&${Q}`)).status).toBe(400)
    }
    for (const bad of ['-f', '$(reboot)', 'a;b', '.hidden', 'a b', 'x'.repeat(129), '--tail=1']) {
      const r = await env.get(`/lxc/instances/${id}/app/logs/${encodeURIComponent(bad)}?${Q}`)
      expect([400, 404]).toContain(r.status)
    }
    expect(env.hostCommands()).toBe(before)
  })

  test('follow=true (chunked text): new lines stream in; a disconnect kills docker logs -f on the host', async () => {
    expect(await followers()).toEqual([])
    const t0 = performance.now()
    const res = await env.app.request(`/api/v1/lxc/instances/${id}/app/logs/${ticker}?follow=true&lines=2&${Q}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    let firstMs = 0
    // The two tail lines, then lines written after the request: live, not a replay.
    while (numbers(text).length < 6) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended early: ${text}`)
      if (!firstMs) firstMs = performance.now() - t0
      text += decoder.decode(value, { stream: true })
    }
    const n = numbers(text)
    for (let i = 1; i < n.length; i++) expect(n[i]).toBe(n[i - 1]! + 1)
    console.log(`logs follow (text): first chunk after ${Math.round(firstMs)} ms`)
    // The remote command is running while we read…
    expect((await followers()).length).toBeGreaterThan(0)
    await reader.cancel()
    // …and gone (killed with its SSH session) once the client went away.
    const t1 = performance.now()
    await until('docker logs -f to exit on the host', 10_000, async () => (await followers()).length === 0)
    console.log(`logs follow (text): remote docker logs gone ${Math.round(performance.now() - t1)} ms after the disconnect`)
    await until('the stream to be logged as ended', 10_000, async () =>
      // The script's arguments are separate argv entries (execScriptStream): `... --follow <ticker>`.
      env.app.log.lines.some((l: any) => l.msg === 'host stream ended' && l.argv?.join(' ').includes(`--follow ${ticker}`)),
    )
  })

  test('follow=true over a real HTTP connection as Server-Sent Events; aborting the fetch stops the command', async () => {
    const server = Bun.serve(bunServeOptions(env.app, { hostname: '127.0.0.1', port: 0 }))
    try {
      const ctl = new AbortController()
      const t0 = performance.now()
      const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/lxc/instances/${id}/app/logs/${ticker}?follow=true&lines=1&${Q}`, {
        headers: { 'x-api-key': 'test-key-0123456789', accept: 'text/event-stream' },
        signal: ctl.signal,
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      const reader = res.body!.getReader()
      const decoder = new TextDecoder()
      let text = ''
      let firstMs = 0
      while (parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2)).length < 4) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`stream ended early: ${text}`)
        if (!firstMs) firstMs = performance.now() - t0
        text += decoder.decode(value, { stream: true })
      }
      const events = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2))
      for (const e of events) {
        expect(e.event).toBe('message')
        expect(e.data).toMatch(/^line-\d+$/)
      }
      console.log(`logs follow (SSE over HTTP): first event after ${Math.round(firstMs)} ms`)
      expect((await followers()).length).toBeGreaterThan(0)
      ctl.abort()
      const t1 = performance.now()
      await until('docker logs -f to exit on the host', 10_000, async () => (await followers()).length === 0)
      console.log(`logs follow (SSE over HTTP): remote docker logs gone ${Math.round(performance.now() - t1)} ms after the abort`)
    } finally {
      server.stop(true)
    }
  })

  test('follow ends by itself when the Docker container exits: an `end` event with the exit code', async () => {
    const name = `lws-short-${rand()}`
    env.trackDocker(name)
    const r = await env.post(`/lxc/instances/${id}/app/run`, { docker_command: ['-d', '--name', name, 'busybox', 'sh', '-c', 'echo one; echo two; sleep 1; echo three'] })
    expect(r.status).toBe(200)
    const res = await env.app.request(`/api/v1/lxc/instances/${id}/app/logs/${name}?follow=true&${Q}`, { headers: { accept: 'text/event-stream' } })
    expect(res.status).toBe(200)
    const events = parseSse(await res.text())
    expect(events.filter((e) => e.event === 'message').map((e) => e.data)).toEqual(['one', 'two', 'three'])
    const end = events.at(-1)!
    expect(end.event).toBe('end')
    expect(JSON.parse(end.data).exit_code).toBe(0)
  })
})
