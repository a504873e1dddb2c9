/**
 * Loaded before every test file (bunfig.toml). A hook registered here runs
 * once after the whole run: stop the shared test hosts, so no sshd, namespace
 * or LXC container outlives `bun test`.
 */
import { afterAll } from 'bun:test'
import { stopSharedHosts } from './hosts.ts'
import '../fixtures/docker/preload.ts'

afterAll(async () => {
  await stopSharedHosts()
})
