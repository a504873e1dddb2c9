/**
 * Serves an AssetSource under a path. (@elysiajs/static reads from disk at
 * run time, which the single binary cannot do, hence this small route.)
 */
import { Elysia } from 'elysia'
import { type AssetSource, contentTypeOf } from '../assets/types.ts'

/** Files under `${mount}/*`; with `indexAt`, `index.html` is also served at that path. */
export function staticAssets(name: string, mount: string, assets: AssetSource, indexAt?: string) {
  const serve = (file: string) => {
    const blob = assets.get(file)
    if (!blob) return new Response(JSON.stringify({ error: 'Not Found', details: `no asset ${file}`, return_code: 1 }), {
      status: 404,
      headers: { 'content-type': 'application/json' },
    })
    return new Response(blob, {
      headers: { 'content-type': contentTypeOf(file), 'cache-control': 'public, max-age=300' },
    })
  }
  const app = new Elysia({ name }).get(`${mount}/*`, ({ params }) => serve(params['*']), { detail: { hide: true } })
  return indexAt ? app.get(indexAt, () => serve('index.html'), { detail: { hide: true } }) : app
}
