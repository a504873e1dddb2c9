/** Lets a timer not keep the process alive: Bun/Node timers have unref(), Deno's are numbers for Deno.unrefTimer. */
export function unrefTimer(timer: unknown): void {
  if (timer && typeof (timer as { unref?: unknown }).unref === 'function') return void (timer as { unref(): void }).unref()
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno
  if (typeof timer === 'number' && deno?.unrefTimer) deno.unrefTimer(timer)
}
