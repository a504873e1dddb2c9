/**
 * `compose_file`: a path on the LWS host, readable only inside
 * `app.compose_dir`. Both the path as written and the real path (symlinks
 * resolved) must stay inside the real compose_dir; `..` tricks and symlinks
 * that point outside are refused with 400.
 */
import { readFile, realpath, stat } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { PluginContext } from '../../src/plugins/types.ts'
import { MAX_COMPOSE_BYTES } from './compose.ts'

const inside = (dir: string, p: string) => {
  const rel = relative(dir, p)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..')
}

export async function readComposeFile(
  c: Pick<PluginContext, 'errors'>,
  composeDir: string,
  requested: string,
): Promise<{ path: string; text: string }> {
  const E = c.errors
  if (requested.includes('\0')) throw new E.BadRequestError('compose_file: contains a NUL byte')
  if (requested.split(/[\\/]/).includes('..')) throw new E.BadRequestError('compose_file: `..` is not allowed')
  const outside = () => new E.BadRequestError(`compose_file: must be a file inside the configured app.compose_dir (${composeDir})`)
  const wanted = resolve(composeDir, requested)
  // A path outside is refused as written first, so the answer does not depend on the folder's state.
  const lexicallyInside = inside(resolve(composeDir), wanted)
  let dir: string
  try {
    dir = await realpath(composeDir)
  } catch {
    if (!lexicallyInside) throw outside()
    throw new E.NotFoundError(`compose_file: the configured app.compose_dir (${composeDir}) does not exist`)
  }
  if (!lexicallyInside && !inside(dir, wanted)) throw outside()
  let real: string
  try {
    real = await realpath(wanted)
  } catch {
    throw new E.NotFoundError(`compose_file: '${requested.slice(0, 200)}' does not exist in app.compose_dir`)
  }
  if (!inside(dir, real)) throw outside()
  const st = await stat(real)
  if (!st.isFile()) throw new E.BadRequestError('compose_file: not a regular file')
  if (st.size > MAX_COMPOSE_BYTES) throw new E.BadRequestError(`compose_file: larger than ${MAX_COMPOSE_BYTES} bytes`)
  return { path: real, text: await readFile(real, 'utf8') }
}
