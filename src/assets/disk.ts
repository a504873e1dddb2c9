/**
 * Assets read from the source tree at start (runtimes that cannot embed
 * files the way `bun build --compile` does, e.g. Deno). Only web-standard and
 * node: APIs, so any runtime can use it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type AssetSource, contentTypeOf } from './types.ts'

function fromFiles(files: Record<string, string>): AssetSource {
  const cache = new Map<string, Uint8Array>()
  for (const [name, path] of Object.entries(files)) cache.set(name, new Uint8Array(readFileSync(path)))
  return {
    get: (name) => {
      const bytes = cache.get(name)
      return bytes ? new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentTypeOf(name) }) : null
    },
    names: () => [...cache.keys()],
  }
}

/** The web UI's modules below public/ (the same names as in bun-embedded.ts). */
const UI_MODULES = [
  'js/api.js',
  'js/dom.js',
  'js/format.js',
  'js/json-view.js',
  'js/openapi-forms.js',
  'js/response-log.js',
  'js/zones.js',
  'js/views/container-details.js',
  'js/views/containers.js',
  'js/views/create.js',
  'js/views/exec.js',
  'js/views/hosts.js',
  'js/views/operations.js',
]

export function diskAssets(root: string): { swagger: AssetSource; ui: AssetSource } {
  const dist = join(root, 'node_modules/swagger-ui-dist')
  return {
    swagger: fromFiles({
      'swagger-ui-bundle.js': join(dist, 'swagger-ui-bundle.js'),
      'swagger-ui.css': join(dist, 'swagger-ui.css'),
    }),
    ui: fromFiles({
      'index.html': join(root, 'public/index.html'),
      'app.js': join(root, 'public/app.js'),
      'style.css': join(root, 'public/style.css'),
      ...Object.fromEntries(UI_MODULES.map((name) => [name, join(root, 'public', name)])),
    }),
  }
}
