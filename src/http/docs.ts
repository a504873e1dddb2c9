/**
 * OpenAPI document and Swagger UI, fully offline. The document is built once,
 * when every plugin is mounted (`publish`), and served as frozen bytes: a
 * contract clients are generated from must not depend on which routes ran
 * first (openapi/document.ts says why it did). The same step arms the
 * request contract: undeclared fields are refused as the document says
 * (openapi/request-contract.ts). The page is ours (docs-page.ts) and loads
 * swagger-ui-dist files served from the binary.
 */
import { Elysia } from 'elysia'
import pkg from '../../package.json' with { type: 'json' }
import type { AssetSource } from '../assets/types.ts'
import { InternalError } from '../errors/catalogue.ts'
import type { Logger } from '../log.ts'
import { docsInitScript, docsPage } from './docs-page.ts'
import { errorResponse } from './edge/edge.ts'
import { buildDocument, type BuiltDocument, type DocumentOptions } from './openapi/document.ts'
import { requestContract } from './openapi/request-contract.ts'
import { staticAssets } from './static-assets.ts'

export const DOCS_PATH = '/api/v1/docs'

/** Routes anyone may GET without a key. */
export const DOCS_PUBLIC_ROUTES = [DOCS_PATH, `${DOCS_PATH}/json`, `${DOCS_PATH}/init.js`, `${DOCS_PATH}/assets/*`]

const TITLE = 'LWS — Linux Web Services'

/**
 * package.json's `license` (an SPDX expression). Without one, npm's meaning
 * of none: all rights reserved, as SPDX's user-defined `LicenseRef-` form.
 */
function license(): DocumentOptions['info']['license'] {
  const id = (pkg as { license?: string }).license
  return id && id !== 'UNLICENSED' ? { name: id, identifier: id } : { name: 'Proprietary (all rights reserved)', identifier: 'LicenseRef-LWS-Proprietary' }
}

export function documentOptions(version: string, tags: DocumentOptions['tags']): DocumentOptions {
  return {
    info: {
      title: TITLE,
      version,
      description: 'AWS-style REST API for Proxmox VE LXC containers. Send the API key in the X-API-Key header.',
      license: license(),
    },
    // Relative: the document is right for whatever host and port clients reach it at.
    servers: [{ url: '/', description: 'This LWS server' }],
    tags,
    securitySchemes: { ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    security: [{ ApiKeyAuth: [] }],
  }
}

export function docs(opts: { version: string; swagger: AssetSource; tags: DocumentOptions['tags']; log?: Logger }) {
  const page = docsPage(DOCS_PATH, `${TITLE} API`)
  const init = docsInitScript(`${DOCS_PATH}/json`)
  const contract = requestContract()
  let json: string | undefined
  const plugin = new Elysia({ name: 'lws-docs' })
    .use(contract.plugin)
    .use(staticAssets('lws-docs-assets', `${DOCS_PATH}/assets`, opts.swagger))
    .get(DOCS_PATH, () => new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } }), { detail: { hide: true } })
    .get(`${DOCS_PATH}/init.js`, () => new Response(init, { headers: { 'content-type': 'text/javascript; charset=utf-8' } }), {
      detail: { hide: true },
    })
    .get(
      `${DOCS_PATH}/json`,
      () =>
        json === undefined
          ? errorResponse(new InternalError('the OpenAPI document was not published'))
          : new Response(json, { headers: { 'content-type': 'application/json; charset=utf-8' } }),
      { detail: { hide: true } },
    )
  return {
    plugin,
    /** Once every route is mounted: builds the document and arms the request contract. */
    publish(app: object): BuiltDocument {
      contract.bind(app)
      const built = buildDocument(app, documentOptions(opts.version, opts.tags))
      for (const name of built.collisions) opts.log?.warn('openapi: schemas share a title but differ; numbered names given', { title: name })
      for (const what of built.unmatched) opts.log?.warn('openapi: table entry matches nothing', { entry: what })
      json = JSON.stringify(built.document)
      return built
    },
  }
}
