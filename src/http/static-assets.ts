/**
 * Serves an AssetSource under a path. (@elysiajs/static reads from disk at
 * run time, which the single binary cannot do, hence this small route.)
 */
import { Elysia } from 'elysia'
import { type AssetSource, contentTypeOf } from '../assets/types.ts'
import { NotFoundError } from '../errors/catalogue.ts'
import { errorResponse } from './edge/edge.ts'

/** Files under `${mount}/*`; with `indexAt`, `index.html` is also served at that path. */
export function staticAssets(name: string, mount: string, assets: AssetSource, indexAt?: string) {
  const serve = (file: string) => {
    const blob = assets.get(file)
    if (!blob) return errorResponse(new NotFoundError(`no asset ${file.slice(0, 256)}`))
    return new Response(blob, {
      headers: { 'content-type': contentTypeOf(file), 'cache-control': 'public, max-age=300' },
    })
  }
  const app = new Elysia({ name }).get(`${mount}/*`, ({ params }) => serve(params['*']), { detail: { hide: true } })
  return indexAt ? app.get(indexAt, () => serve('index.html'), { detail: { hide: true } }) : app
}
