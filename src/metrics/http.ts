/**
 * HTTP request metrics, in two halves because no single place knows both
 * facts: the route pattern is known only inside the app (the router chose
 * it), the status actually sent only outside it (the error handler's own
 * Response is invisible to Elysia's `set.status`, and the edge answers some
 * requests — 413, 414, 429, ... — without the app at all).
 *
 * `meterRequests` wraps the server's outermost fetch (the edge) and opens a
 * slot per request in an AsyncLocalStorage; `routeNoter`, mounted first in
 * the app, writes the matched pattern into it. Requests the router never
 * matched (unknown paths, refused by the edge) stay "unmatched".
 */
import { Elysia } from 'elysia'
import { AsyncLocalStorage } from 'node:async_hooks'
import { observeRequest, type LwsMetrics } from './metrics.ts'

interface Slot {
  route?: string
}

const slots = new AsyncLocalStorage<Slot>()

function note(route: string | undefined | null): void {
  const slot = slots.getStore()
  if (slot && route) slot.route = route
}

/**
 * Records the route the router matched. Mount it before the error handler
 * (its onError must run first: it returns nothing, so the handler still
 * answers) and before the API-key guard (a refused request still matched its
 * route). `transform` misses requests whose body failed to parse; `error`
 * sees those.
 */
export const routeNoter = new Elysia({ name: 'lws-metrics-route' })
  .onTransform({ as: 'global' }, function noteMatchedRoute({ route }) {
    note(route)
  })
  .onError({ as: 'global' }, function noteMatchedRouteOnError({ route }) {
    note(route)
  })

type Fetch<P extends unknown[]> = (req: Request, ...rest: P) => Promise<Response>

/** Counts and times every answer of `fetch` with the route the app noted for it. */
export function meterRequests<P extends unknown[]>(metrics: LwsMetrics | undefined, fetch: Fetch<P>): Fetch<P> {
  if (!metrics) return fetch
  return (req, ...rest) => {
    const t0 = performance.now()
    const slot: Slot = {}
    const done = (status: number) =>
      observeRequest(metrics, { route: slot.route, method: req.method, status, seconds: (performance.now() - t0) / 1000 })
    return slots.run(slot, async () => {
      try {
        const res = await fetch(req, ...rest)
        done(res.status)
        return res
      } catch (err) {
        done(500)
        throw err
      }
    })
  }
}
