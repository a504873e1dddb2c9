/** Static files served by LWS (web UI, Swagger UI). Bun embeds them in the binary; Deno loads them its own way. */
export interface AssetSource {
  /** `name` is the URL path below the mount point, e.g. `index.html`. */
  get(name: string): Blob | null
  names(): string[]
}

export const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  png: 'image/png',
  svg: 'image/svg+xml',
  json: 'application/json',
  ico: 'image/x-icon',
}

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream'
}
