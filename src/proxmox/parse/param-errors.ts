/**
 * The schema-validation block every PVE CLI prints on stderr (pve-common
 * `src/PVE/RESTHandler.pm` `cli_handler`, `src/PVE/Exception.pm`):
 *
 *   400 Parameter verification failed.
 *   <param>: <message>
 *   [empty line after format errors]
 *   <tool> <cmd> <positional placeholders> [OPTIONS]
 */

export const PARAM_HEADER = '400 Parameter verification failed.'

const FIELD_LINE = /^([A-Za-z][\w.\-\[\]]*): (.*)$/

export function isParameterError(stderr: string): boolean {
  return stderr.split('\n').some((l) => l.trim() === PARAM_HEADER)
}

/**
 * Field → message pairs of the block (nested `net0.ip:` lines included).
 * Empty when the block is absent. A repeated field keeps every message, joined by `; `.
 */
export function parseParameterErrors(stderr: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = stderr.split('\n').map((l) => l.replace(/\r$/, ''))
  const start = lines.findIndex((l) => l.trim() === PARAM_HEADER)
  if (start < 0) return out
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') continue
    const m = FIELD_LINE.exec(line.trim())
    if (!m) break // the usage line ends the block
    const field = m[1]!
    const msg = m[2]!.trim()
    out[field] = out[field] === undefined ? msg : `${out[field]}; ${msg}`
  }
  return out
}
