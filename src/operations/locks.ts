/**
 * One change per container at a time. Each operation names the keys it
 * needs (one per container); it starts when none of them is held by a
 * running operation or wanted by an operation queued before it, so the
 * queue is first come, first served per container and two operations that
 * need the same containers in another order cannot deadlock (all keys are
 * taken at once). Operations that need no key start at once.
 */

interface Waiter {
  id: string
  keys: string[]
  start: () => void
  /** How many operations it waits for (≥ 1), whenever that changes. */
  position: (ahead: number) => void
  last: number
}

export class LockQueue {
  private waiting: Waiter[] = []
  /** key → the operation holding it. */
  private held = new Map<string, string>()

  /**
   * Queues `id` for `keys`; `start` is called (synchronously when free now)
   * once it holds them all, `position` while it waits.
   */
  acquire(id: string, keys: string[], start: () => void, position: (ahead: number) => void): void {
    this.waiting.push({ id, keys: [...new Set(keys)], start, position, last: 0 })
    this.pump()
  }

  /** Gives back what `id` holds (when it ends) and starts whoever can go now. */
  release(id: string): void {
    for (const [k, holder] of this.held) if (holder === id) this.held.delete(k)
    this.pump()
  }

  /** Takes a waiting `id` out of the queue (cancelled before it started): false when it is not waiting. */
  remove(id: string): boolean {
    const i = this.waiting.findIndex((w) => w.id === id)
    if (i < 0) return false
    this.waiting.splice(i, 1)
    this.pump()
    return true
  }

  /** Ids holding keys, ids waiting (for tests and diagnostics). */
  snapshot(): { held: Record<string, string>; waiting: string[] } {
    return { held: Object.fromEntries(this.held), waiting: this.waiting.map((w) => w.id) }
  }

  private pump(): void {
    /** key → operations ahead of the next waiter that hold or want it. */
    const ahead = new Map<string, Set<string>>()
    for (const [k, holder] of this.held) ahead.set(k, new Set([holder]))
    const startable: Waiter[] = []
    const updates: [Waiter, number][] = []
    for (const w of this.waiting) {
      const blockers = new Set<string>()
      for (const k of w.keys) for (const id of ahead.get(k) ?? []) blockers.add(id)
      if (blockers.size === 0) {
        startable.push(w)
        for (const k of w.keys) this.held.set(k, w.id)
      } else if (blockers.size !== w.last) {
        w.last = blockers.size
        updates.push([w, blockers.size])
      }
      for (const k of w.keys) {
        const set = ahead.get(k) ?? new Set<string>()
        set.add(w.id)
        ahead.set(k, set)
      }
    }
    if (startable.length) this.waiting = this.waiting.filter((w) => !startable.includes(w))
    for (const [w, n] of updates) w.position(n)
    for (const w of startable) w.start()
  }
}
