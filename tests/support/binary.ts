/** Builds dist/lws once per test run, for every test of the compiled binary. */
import { join } from 'node:path'

export const ROOT = join(import.meta.dir, '../..')
export const BIN = join(ROOT, 'dist/lws')
let built: Promise<void> | null = null

export function buildBinaryOnce(): Promise<void> {
  built ??= (async () => {
    const build = Bun.spawn([process.execPath, 'run', 'build'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
    if ((await build.exited) !== 0) throw new Error(`build failed: ${await new Response(build.stderr).text()}`)
  })()
  return built
}
