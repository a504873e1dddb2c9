/**
 * Files embedded into `dist/lws` by `bun build --compile`: `with { type: 'file' }`
 * yields a path that works in development and inside the binary alike.
 */
import swaggerBundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }
import uiIndex from '../../public/index.html' with { type: 'file' }
import uiApp from '../../public/app.js' with { type: 'file' }
import uiStyle from '../../public/style.css' with { type: 'file' }
import type { AssetSource } from './types.ts'

function source(files: Record<string, string>): AssetSource {
  return {
    get: (name) => (files[name] ? Bun.file(files[name]) : null),
    names: () => Object.keys(files),
  }
}

export const swaggerAssets = source({ 'swagger-ui-bundle.js': swaggerBundle, 'swagger-ui.css': swaggerCss })
export const uiAssets = source({ 'index.html': uiIndex as unknown as string, 'app.js': uiApp, 'style.css': uiStyle })
