/**
 * OpenAPI document and Swagger UI, fully offline: @elysiajs/openapi (the
 * maintained successor of @elysiajs/swagger, whose Swagger UI is hard-wired
 * to a CDN) builds the document; the page is ours (docs-page.ts) and loads
 * swagger-ui-dist files served from the binary.
 */
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import type { AssetSource } from '../assets/types.ts'
import { docsInitScript, docsPage } from './docs-page.ts'
import { staticAssets } from './static-assets.ts'

export const DOCS_PATH = '/api/v1/docs'

/** Routes anyone may GET without a key. */
export const DOCS_PUBLIC_ROUTES = [DOCS_PATH, `${DOCS_PATH}/json`, `${DOCS_PATH}/init.js`, `${DOCS_PATH}/assets/*`]

const TITLE = 'LWS — Linux Web Services'

export function docs(opts: { version: string; swagger: AssetSource; tags: { name: string; description?: string }[] }) {
  const page = docsPage(DOCS_PATH, `${TITLE} API`)
  const init = docsInitScript(`${DOCS_PATH}/json`)
  return new Elysia({ name: 'lws-docs' })
    .use(staticAssets('lws-docs-assets', `${DOCS_PATH}/assets`, opts.swagger))
    .get(DOCS_PATH, () => new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } }), { detail: { hide: true } })
    .get(`${DOCS_PATH}/init.js`, () => new Response(init, { headers: { 'content-type': 'text/javascript; charset=utf-8' } }), {
      detail: { hide: true },
    })
    .use(
      openapi({
        path: DOCS_PATH,
        specPath: `${DOCS_PATH}/json`,
        provider: null,
        exclude: { paths: [/^\/api\/v1\/docs/, '/', '/*'], staticFile: true },
        documentation: {
          info: {
            title: TITLE,
            version: opts.version,
            description: 'AWS-style REST API for Proxmox VE LXC containers. Send the API key in the X-API-Key header.',
          },
          tags: opts.tags,
          components: {
            securitySchemes: { ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
          },
          security: [{ ApiKeyAuth: [] }],
        },
      }),
    )
}
