/**
 * Starts an LWS server process (the compiled binary or `bun src/main.ts`) on
 * a free port and waits until it answers, for end-to-end tests.
 */
import type { Subprocess } from 'bun'

export interface RunningServer {
  url: string
  proc: Subprocess<'ignore', 'pipe', 'pipe'>
  stdout: () => string
  stderr: () => string
  stop: () => Promise<void>
}

async function collect(stream: ReadableStream<Uint8Array>, into: { text: string }) {
  const dec = new TextDecoder()
  for await (const chunk of stream) into.text += dec.decode(chunk)
}

export async function startServer(cmd: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<RunningServer> {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: { ...process.env, LWS_API_KEY: '', ...opts.env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const out = { text: '' }
  const err = { text: '' }
  collect(proc.stdout, out)
  collect(proc.stderr, err)
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000)
  let url = ''
  while (!url) {
    const line = out.text.split('\n').find((l) => l.includes('"msg":"listening"'))
    if (line) url = JSON.parse(line).url.replace('0.0.0.0', '127.0.0.1')
    else if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill()
      throw new Error(`server did not start (exit ${proc.exitCode}):\n${out.text}\n${err.text}`)
    } else await Bun.sleep(20)
  }
  return {
    url,
    proc,
    stdout: () => out.text,
    stderr: () => err.text,
    stop: async () => {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}
