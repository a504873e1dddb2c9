/**
 * The real app against the test hosts, with every host command counted: a
 * wrapping ExecutorFactory (buildServer's `executorFactory`) sees exactly
 * what reaches a host — below the shares and single-flight, as the log line
 * 'host command' does. Used by the read-cost tests and bench/reads.ts.
 */
import { builtinPlugins } from '../../../plugins/index.ts'
import { swaggerAssets, uiAssets } from '../../../src/assets/bun-embedded.ts'
import { parseConfigText, resolveConfig } from '../../../src/config/load.ts'
import type { Executor } from '../../../src/exec/executor.ts'
import { defaultExecutorFactory, type ExecutorFactory } from '../../../src/hosts/registry.ts'
import { memoryLogger } from '../../../src/log.ts'
import { buildServer } from '../../../src/server.ts'
import { KEY } from '../../http/harness.ts'

export interface HostCommand {
  az: string
  argv: string[]
}

/** Wraps a factory so that every run and stream on any AZ is recorded in `seen`. */
export function countingFactory(inner: ExecutorFactory, seen: HostCommand[]): ExecutorFactory {
  return (zone, label) => {
    const e = inner(zone, label)
    const counted: Executor = {
      label: e.label,
      run(argv, opts) {
        seen.push({ az: label, argv: [...argv] })
        return e.run(argv, opts)
      },
      stream(argv, opts) {
        seen.push({ az: label, argv: [...argv] })
        return e.stream(argv, opts)
      },
      close: () => e.close(),
    }
    return counted
  }
}

export async function countingApp(yaml: string) {
  const raw = parseConfigText(yaml, '(inline)') as Record<string, unknown>
  raw.plugins_dir = '/nonexistent'
  const config = resolveConfig(raw, '(inline)', { env: {} })
  const log = memoryLogger()
  const seen: HostCommand[] = []
  const parts = await buildServer({
    config,
    builtins: builtinPlugins,
    assets: { swagger: swaggerAssets, ui: uiAssets },
    log,
    executorFactory: countingFactory(defaultExecutorFactory(config, log), seen),
  })
  const get = async (path: string) => {
    const res = await parts.fetch(new Request(`http://localhost/api/v1${path}`, { headers: { 'x-api-key': KEY } }), { address: '127.0.0.9' })
    const text = await res.text()
    let body: any
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
    return { status: res.status, body }
  }
  return {
    ...parts,
    log,
    seen,
    get,
    /** GET `path` and return its answer and the host commands it cost, per AZ label. */
    async measure(path: string) {
      const from = seen.length
      const r = await get(path)
      const cost = new Map<string, number>()
      for (const c of seen.slice(from)) cost.set(c.az, (cost.get(c.az) ?? 0) + 1)
      return { ...r, cost, commands: seen.slice(from) }
    },
  }
}
