/**
 * Undo steps registered while work is done (the Incus `revert` pattern):
 * each step that makes something adds how to unmake it; on failure or
 * cancel the steps run in reverse order, on success they are dropped.
 *
 *   const created = await createContainer()
 *   op.revert.add(() => destroyContainer(created), `destroy ${created}`)
 *
 * Undo steps get no abort signal (they must run also after a cancel), so
 * they should bound themselves (host commands have their own time limits).
 */
export type UndoStep = () => unknown | Promise<unknown>

export interface RevertOutcome {
  /** Labels of the steps that ran, in the order they ran. */
  ran: string[]
  /** `label: message` of each step that threw; the others still ran. */
  failures: string[]
}

export class Reverter {
  private steps: { undo: UndoStep; label: string }[] = []
  private settled = false

  /** Registers an undo step. After success/fail it is refused (the outcome is decided). */
  add(undo: UndoStep, label = `step ${this.steps.length + 1}`): void {
    if (this.settled) throw new Error('revert: the operation has already settled; undo steps can no longer be added')
    this.steps.push({ undo, label })
  }

  get size(): number {
    return this.steps.length
  }

  /** The work succeeded: forget every step. */
  success(): void {
    this.settled = true
    this.steps = []
  }

  /** The work failed or was cancelled: run every step, newest first. */
  async fail(onStep?: (label: string, error?: unknown) => void): Promise<RevertOutcome> {
    this.settled = true
    const steps = this.steps.reverse()
    this.steps = []
    const out: RevertOutcome = { ran: [], failures: [] }
    for (const s of steps) {
      out.ran.push(s.label)
      try {
        await s.undo()
        onStep?.(s.label)
      } catch (err) {
        out.failures.push(`${s.label}: ${err instanceof Error ? err.message : String(err)}`)
        onStep?.(s.label, err)
      }
    }
    return out
  }
}
