/**
 * The suite's two Proxmox test hosts, started once per `bun test` process and
 * stopped when it exits, so every test file can use them without paying the
 * start-up cost again.
 */
import { afterAll } from 'bun:test'
import { startTestHosts, type TestHost } from '../pvehost/host.ts'

let started: Promise<TestHost[]> | null = null

export function sharedHosts(): Promise<TestHost[]> {
  if (!started) {
    started = startTestHosts()
    const stop = async () => {
      const hosts = await started!.catch(() => [])
      await Promise.all(hosts.map((h) => h.stop()))
    }
    process.once('beforeExit', stop)
    afterAll(() => {}) // keep hosts for later files; beforeExit stops them
  }
  return started
}
