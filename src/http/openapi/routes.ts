/**
 * Which of the app's routes are API operations: the ones the document lists
 * and the request contract enforces. Both must agree, so the rule lives here.
 */
export interface RouteLike {
  method: string
  path: string
  hooks?: Record<string, any>
}

/** The docs themselves and the web UI's files are not operations. */
export const EXCLUDED_PATHS: (string | RegExp)[] = [/^\/api\/v1\/docs(\/|$)/, '/', '/*', /^\/ui(\/|$)/]

export function isDocumented(route: RouteLike): boolean {
  const method = route.method.toLowerCase()
  if (method === 'options' || route.hooks?.detail?.hide) return false
  // @elysiajs/openapi's `staticFile` rule: a dot in the path is a file.
  if (route.path.includes('.')) return false
  return !EXCLUDED_PATHS.some((x) => (typeof x === 'string' ? x === route.path : x.test(route.path)))
}

export function documentedRoutes<R extends RouteLike>(routes: R[]): R[] {
  return routes.filter(isDocumented)
}

/** `/x/:id` → `/x/{id}`, the document's spelling. */
export const toOpenApiPath = (path: string) => path.replace(/:([^/?]+)\??/g, '{$1}')

/** The app's routes and models, as @elysiajs/openapi reads them (Elysia declares both accessors protected). */
export interface AppInternals {
  getGlobalRoutes(): RouteLike[]
  getGlobalDefinitions?(): { type?: Record<string, any> }
}

export const internalsOf = (app: object): AppInternals => app as unknown as AppInternals
