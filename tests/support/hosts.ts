/**
 * The suite's two Proxmox test hosts, started once per `bun test` process on
 * first use and stopped by the global afterAll in tests/support/preload.ts.
 */
import { startTestHosts, type TestHost } from '../pvehost/host.ts'

let started: Promise<TestHost[]> | null = null

export function sharedHosts(): Promise<TestHost[]> {
  started ??= startTestHosts()
  return started
}

/** Stops the shared hosts if they were started (containers included). */
export async function stopSharedHosts(): Promise<void> {
  if (!started) return
  const hosts = await started.catch(() => [] as TestHost[])
  started = null
  await Promise.all(hosts.map((h) => h.stop()))
}
