/**
 * Picks VMIDs for new containers: the lowest ids ≥ start_vmid that are free
 * cluster-wide. Allocation is serialised per AZ and ids handed out stay
 * reserved in this process until their create finished, so concurrent
 * requests never pick the same id. Another writer (a second LWS, an admin)
 * can still race us between listing and `pct create`; the caller retries with
 * a new id when create answers "already exists".
 */

/** What the allocator needs from an AZ (ZoneHandle fits). */
export interface AllocatorZone {
  readonly label: string
  readonly pve: { clusterResources(type: 'vm'): Promise<Array<{ vmid?: number }>> }
}

const MAX_VMID = 999_999_999

export class VmidExhaustedError extends Error {}

export class VmidAllocator {
  private readonly queues = new Map<string, Promise<unknown>>()
  private readonly reserved = new Map<string, Set<number>>()

  constructor(private readonly start: number) {}

  /** `count` distinct free ids, lowest first, reserved until `release`. `avoid` adds ids known to be taken. */
  allocate(zone: AllocatorZone, count: number, avoid: ReadonlySet<number> = new Set()): Promise<number[]> {
    return this.exclusive(zone.label, async () => {
      // Listed inside the lock: a create finished before we got here is already visible.
      const used = new Set<number>()
      for (const r of await zone.pve.clusterResources('vm')) if (typeof r.vmid === 'number') used.add(r.vmid)
      const mine = this.reservedIn(zone.label)
      const out: number[] = []
      for (let id = this.start; out.length < count; id++) {
        if (id > MAX_VMID) {
          for (const x of out) mine.delete(x)
          throw new VmidExhaustedError(`no ${count} free VMIDs between ${this.start} and ${MAX_VMID}`)
        }
        if (used.has(id) || mine.has(id) || avoid.has(id)) continue
        out.push(id)
        mine.add(id)
      }
      return out
    })
  }

  /** The create of `id` finished (either way): the cluster list is the truth from now on. */
  release(zone: Pick<AllocatorZone, 'label'>, id: number): void {
    this.reserved.get(zone.label)?.delete(id)
  }

  /** Ids currently reserved in an AZ (for tests and logs). */
  reservedIds(label: string): number[] {
    return [...(this.reserved.get(label) ?? [])].sort((a, b) => a - b)
  }

  private reservedIn(label: string): Set<number> {
    let s = this.reserved.get(label)
    if (!s) this.reserved.set(label, (s = new Set()))
    return s
  }

  /** Runs `fn` after every earlier call for the same AZ settled. */
  private exclusive<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(label) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.catch(() => {})
    this.queues.set(label, tail)
    void tail.then(() => {
      if (this.queues.get(label) === tail) this.queues.delete(label)
    })
    return run
  }
}
