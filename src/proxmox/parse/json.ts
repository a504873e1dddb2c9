/**
 * pvesh JSON output (pve-manager `PVE/CLI/pvesh.pm`) and the loose typing of
 * Perl-made JSON: numbers may arrive as numeric strings anywhere, so every
 * numeric field goes through `num()`.
 */

/** A number, or a string holding one (`"0.12"`, `" 102 "`); anything else → undefined. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'string') {
    const s = value.trim()
    if (s === '' || !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined
    const n = Number(s)
    return Number.isFinite(n) ? n : undefined
  }
  if (typeof value === 'boolean') return value ? 1 : 0
  return undefined
}

/** `num()` with a fallback for fields that must be present. */
export function numOr(value: unknown, fallback: number): number {
  return num(value) ?? fallback
}

/** A string field; numbers are turned into their decimal text. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/** Perl booleans: 1/0, "1"/"0", "" (false), true/false. */
export function flag(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  const n = num(value)
  return n !== undefined && n !== 0
}

export class OutputParseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OutputParseError'
  }
}

/**
 * Output of `pvesh ... --output-format json` for a non-worker endpoint: one
 * line of compact JSON. Endpoints returning null print nothing → `null`.
 */
export function parsePveshJson(stdout: string): unknown {
  const text = stdout.trim()
  if (text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    // Some endpoints (proxied, or with task log lines) may put text first: fall back to the last line.
    return parsePveshWorkerJson(stdout)
  }
}

/** Last non-empty line of stdout (worker endpoints print the task log first, the result last). */
export function lastLine(stdout: string): string {
  const lines = stdout.split('\n')
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim()
    if (l !== '') return l
  }
  return ''
}

/**
 * Output of a pvesh worker endpoint with `--output-format json`: the task log
 * first, then the UPID as a JSON string on the LAST line.
 */
export function parsePveshWorkerJson(stdout: string): unknown {
  const line = lastLine(stdout)
  if (line === '') return null
  try {
    return JSON.parse(line)
  } catch {
    throw new OutputParseError(`last line of pvesh output is not JSON: ${JSON.stringify(line.slice(0, 200))}`)
  }
}

/** Asserts an array result (an empty output counts as `[]`). */
export function asArray(value: unknown, what: string): unknown[] {
  if (value === null) return []
  if (!Array.isArray(value)) throw new OutputParseError(`${what}: expected a JSON array`)
  return value
}

/** Asserts an object result. */
export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OutputParseError(`${what}: expected a JSON object`)
  }
  return value as Record<string, unknown>
}
