/**
 * OpenAPI document and Swagger UI, fully offline: @elysiajs/openapi (the
 * maintained successor of @elysiajs/swagger, whose Swagger UI is hard-wired
 * to a CDN) pointed at swagger-ui-dist files served from the binary.
 */
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import type { AssetSource } from '../assets/types.ts'
import { staticAssets } from './static-assets.ts'

export const DOCS_PATH = '/api/v1/docs'

export function docs(opts: { version: string; swagger: AssetSource; tags: { name: string; description?: string }[] }) {
  return new Elysia({ name: 'lws-docs' })
    .use(staticAssets('lws-docs-assets', `${DOCS_PATH}/assets`, opts.swagger))
    .use(
      openapi({
        path: DOCS_PATH,
        specPath: `${DOCS_PATH}/json`,
        provider: 'swagger-ui',
        exclude: { paths: [/^\/api\/v1\/docs/, '/', '/*'], staticFile: true },
        swagger: {
          cdn: `${DOCS_PATH}/assets/swagger-ui-bundle.js`,
          theme: `${DOCS_PATH}/assets/swagger-ui.css`,
          autoDarkMode: false,
          persistAuthorization: true,
        },
        documentation: {
          info: {
            title: 'LWS — Linux Web Services',
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
