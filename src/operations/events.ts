/**
 * The event journal: every event is appended to the store (its id is the
 * SSE `id`, so `Last-Event-ID` resumes from the store) and then pushed to
 * the live subscribers, in id order.
 */
import type { Logger } from '../log.ts'
import type { EventRecord, Store } from '../store/types.ts'

/** An event as clients see it: the store's record without internals. */
export interface LwsEvent {
  id: number
  type: string
  at: string
  data: unknown
}

export const EVENT_TYPES = ['operation', 'instance'] as const

export type EventListener = (e: LwsEvent) => void

const view = (r: EventRecord): LwsEvent => ({ id: r.id, type: r.type, at: r.at, data: r.data })

export class EventBus {
  private listeners = new Set<EventListener>()
  private chain: Promise<unknown> = Promise.resolve()

  constructor(
    private store: Store,
    private log: Logger,
    private now: () => Date = () => new Date(),
  ) {}

  /** Appends and delivers `data` as an event of `type`; resolves with it once stored (null when the store failed). */
  publish(type: string, data: unknown, operationId: string | null = null): Promise<LwsEvent | null> {
    const at = this.now().toISOString()
    const next = this.chain.then(async () => {
      let rec: EventRecord
      try {
        rec = await this.store.appendEvent({ type, at, operation_id: operationId, data })
      } catch (err) {
        this.log.error('event not stored', { type, operation_id: operationId, error: String((err as Error)?.message ?? err) })
        return null
      }
      const e = view(rec)
      for (const l of this.listeners) {
        try {
          l(e)
        } catch (err) {
          this.log.error('event listener failed', { error: String((err as Error)?.message ?? err) })
        }
      }
      return e
    })
    this.chain = next
    return next
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get subscribers(): number {
    return this.listeners.size
  }

  /** Stored events after `afterId`, oldest first. */
  async replay(afterId: number, types: string[] | undefined, limit = 500): Promise<LwsEvent[]> {
    return (await this.store.readEvents(afterId, { types, limit })).map(view)
  }

  /** Resolves once every event published so far is stored and delivered. */
  async settled(): Promise<void> {
    await this.chain
  }
}
