/**
 * Compose files: parsed and checked with the `yaml` package before anything
 * is sent to a container, the project name worked out, and the auto_start
 * override generated.
 */
import { parseDocument, stringify } from 'yaml'
import type { PluginContext } from '../../src/plugins/types.ts'
import { isName } from './names.ts'

export const MAX_COMPOSE_BYTES = 256 * 1024

const TOP_LEVEL = new Set(['version', 'name', 'services', 'networks', 'volumes', 'configs', 'secrets', 'include'])
const STANDARD_NAMES = new Set(['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'])

export interface ComposeSpec {
  /** Service names, in file order. */
  services: string[]
  /** Top-level `name:` if set. */
  name?: string
  /** Top-level `version:` if set (copied into the override so old compose accepts the pair). */
  version?: string
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Parses and checks a compose file; any problem → 400 naming `field`. */
export function validateCompose(c: Pick<PluginContext, 'errors'>, text: string, field: string): ComposeSpec {
  const bad = (msg: string) => new c.errors.BadRequestError(`${field}: ${msg}`)
  if (Buffer.byteLength(text) > MAX_COMPOSE_BYTES) throw bad(`larger than ${MAX_COMPOSE_BYTES} bytes`)
  if (text.includes('\0')) throw bad('contains a NUL byte')
  if (text.trim() === '') throw bad('is empty')
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false })
  if (doc.errors.length) throw bad(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`)
  let js: unknown
  try {
    js = doc.toJS({ maxAliasCount: 100 })
  } catch (e) {
    throw bad(`invalid YAML: ${(e as Error).message.split('\n')[0]}`)
  }
  if (!isMap(js)) throw bad('must be a YAML mapping with a `services` key')
  for (const key of Object.keys(js)) {
    if (!TOP_LEVEL.has(key) && !key.startsWith('x-')) throw bad(`unknown top-level key '${key.slice(0, 60)}'`)
  }
  if (js.include !== undefined) throw bad('`include` is not supported: only this one file is copied into the container')
  const services = js.services
  if (!isMap(services) || Object.keys(services).length === 0) throw bad('`services` must be a mapping with at least one service')
  for (const [name, svc] of Object.entries(services)) {
    if (!isName('service', name)) throw bad(`invalid service name ${JSON.stringify(name.slice(0, 60))}`)
    if (!isMap(svc)) throw bad(`service '${name}' must be a mapping`)
    if (svc.build !== undefined) throw bad(`service '${name}': \`build\` is not supported (only the compose file is copied); use \`image\``)
    if (typeof svc.image !== 'string' || svc.image.trim() === '') throw bad(`service '${name}' needs an \`image\``)
    if (svc.extends !== undefined) throw bad(`service '${name}': \`extends\` is not supported`)
  }
  const spec: ComposeSpec = { services: Object.keys(services) }
  if (js.name !== undefined) {
    if (typeof js.name !== 'string') throw bad('`name` must be a string')
    spec.name = js.name
  }
  if (js.version !== undefined) {
    if (typeof js.version !== 'string' && typeof js.version !== 'number') throw bad('`version` must be a string')
    spec.version = String(js.version)
  }
  return spec
}

/**
 * The project name: `project` if given, else the file's top-level `name`, else
 * the compose file's folder (for compose.yaml / docker-compose.yml) or its name
 * without extension; lower-cased, then it must match the project pattern.
 */
export function projectName(
  c: Pick<PluginContext, 'errors'>,
  opts: { project?: string; spec?: ComposeSpec; path?: string },
): string {
  let candidate: string | undefined
  let from: string
  if (opts.project !== undefined) {
    candidate = opts.project
    from = 'project'
  } else if (opts.spec?.name !== undefined) {
    candidate = opts.spec.name.toLowerCase()
    from = 'the compose file’s `name`'
  } else if (opts.path !== undefined) {
    const parts = opts.path.split('/').filter(Boolean)
    const file = parts.at(-1) ?? ''
    candidate = (STANDARD_NAMES.has(file) ? (parts.at(-2) ?? '') : file.replace(/\.(ya?ml)$/i, '')).toLowerCase()
    from = 'the compose file’s name'
  } else {
    throw new c.errors.BadRequestError('project: required (or give compose_file, or a compose file with a top-level `name`)')
  }
  if (!isName('project', candidate)) {
    throw new c.errors.BadRequestError(
      `project: ${JSON.stringify(candidate.slice(0, 80))} (from ${from}) is not a valid project name: lower-case letters, digits, _ and -, up to 63 characters; pass \`project\``,
    )
  }
  return candidate
}

/** Override file for auto_start: every service `restart: unless-stopped`, so Docker starts them when it starts. */
export function autostartOverride(spec: ComposeSpec): string {
  const services = Object.fromEntries(spec.services.map((s) => [s, { restart: 'unless-stopped' }]))
  return stringify(spec.version !== undefined ? { version: spec.version, services } : { services })
}
