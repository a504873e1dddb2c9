/**
 * Structured logging: one JSON object per line on stdout, so `journalctl`
 * and log shippers can parse it. Callers pass already-masked values; this
 * module masks known secret keys once more as a safety net.
 */
import { isSecretKey, MASK } from './config/mask.ts'

export type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

export type Sink = (line: string) => void

function scrub(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) out[k] = isSecretKey(k) ? MASK : v
  return out
}

export function createLogger(opts: { level?: Level; sink?: Sink } = {}): Logger {
  const min = ORDER[opts.level ?? ((process.env.LWS_LOG_LEVEL as Level) || 'info')] ?? ORDER.info
  const sink: Sink = opts.sink ?? ((line) => process.stdout.write(line + '\n'))
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return
    sink(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...(fields ? scrub(fields) : {}) }))
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  }
}

/** A logger that keeps lines in memory; tests read them back. */
export function memoryLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const log = createLogger({ level: 'debug', sink: (l) => lines.push(JSON.parse(l)) })
  return Object.assign(log, { lines })
}
