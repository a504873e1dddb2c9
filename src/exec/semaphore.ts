/** FIFO counting semaphore: callers beyond `size` wait their turn instead of failing. */
export class Semaphore {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(readonly size: number) {
    if (size < 1) throw new RangeError('semaphore size must be >= 1')
  }

  get inUse(): number {
    return this.active
  }

  get queued(): number {
    return this.waiting.length
  }

  async acquire(): Promise<() => void> {
    if (this.active < this.size) {
      this.active++
    } else {
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}
