/**
 * What the edge learned about a request (its id and the client's address),
 * for code further in (audit, host-command logs) that gets only the Request.
 */
export interface RequestMeta {
  id: string
  address: string
}

const metas = new WeakMap<Request, RequestMeta>()

export const setRequestMeta = (req: Request, meta: RequestMeta) => void metas.set(req, meta)
export const requestMeta = (req: Request): RequestMeta | undefined => metas.get(req)
