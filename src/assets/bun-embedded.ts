/**
 * Files embedded into `dist/lws` by `bun build --compile`: `with { type: 'file' }`
 * yields a path that works in development and inside the binary alike.
 * The web UI's files are listed here and in disk.ts (same names).
 */
import swaggerBundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }
import uiIndex from '../../public/index.html' with { type: 'file' }
import uiApp from '../../public/app.js' with { type: 'file' }
import uiStyle from '../../public/style.css' with { type: 'file' }
import uiApi from '../../public/js/api.js' with { type: 'file' }
import uiDom from '../../public/js/dom.js' with { type: 'file' }
import uiFormat from '../../public/js/format.js' with { type: 'file' }
import uiJsonView from '../../public/js/json-view.js' with { type: 'file' }
import uiOpenapiForms from '../../public/js/openapi-forms.js' with { type: 'file' }
import uiResponseLog from '../../public/js/response-log.js' with { type: 'file' }
import uiZones from '../../public/js/zones.js' with { type: 'file' }
import uiContainerDetails from '../../public/js/views/container-details.js' with { type: 'file' }
import uiContainers from '../../public/js/views/containers.js' with { type: 'file' }
import uiCreate from '../../public/js/views/create.js' with { type: 'file' }
import uiExec from '../../public/js/views/exec.js' with { type: 'file' }
import uiHosts from '../../public/js/views/hosts.js' with { type: 'file' }
import uiOperations from '../../public/js/views/operations.js' with { type: 'file' }
import type { AssetSource } from './types.ts'

function source(files: Record<string, string>): AssetSource {
  return {
    get: (name) => (files[name] ? Bun.file(files[name]) : null),
    names: () => Object.keys(files),
  }
}

export const swaggerAssets = source({ 'swagger-ui-bundle.js': swaggerBundle, 'swagger-ui.css': swaggerCss })
export const uiAssets = source({
  'index.html': uiIndex as unknown as string,
  'app.js': uiApp,
  'style.css': uiStyle,
  'js/api.js': uiApi,
  'js/dom.js': uiDom,
  'js/format.js': uiFormat,
  'js/json-view.js': uiJsonView,
  'js/openapi-forms.js': uiOpenapiForms,
  'js/response-log.js': uiResponseLog,
  'js/zones.js': uiZones,
  'js/views/container-details.js': uiContainerDetails,
  'js/views/containers.js': uiContainers,
  'js/views/create.js': uiCreate,
  'js/views/exec.js': uiExec,
  'js/views/hosts.js': uiHosts,
  'js/views/operations.js': uiOperations,
})
