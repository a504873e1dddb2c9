/**
 * The px tests' app: the two Proxmox test hosts (key auth as eu-south-1/az1
 * with a pinned host key, password auth as eu-central-1/az2), an AZ where
 * nothing listens (connection refused at once) and two AZs whose server
 * accepts TCP but never speaks SSH (only a deadline ends those).
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { TestHost } from '../../pvehost/host.ts'
import { sharedHosts } from '../../support/hosts.ts'
import { KEY, startApp } from '../../http/harness.ts'
import { azEntry } from '../../support/plugin-env.ts'

export const DEAD_SECRET = 'nope-dead-secret'

export interface PxFixture {
  s: Awaited<ReturnType<typeof startApp>>
  h1: TestHost
  h2: TestHost
  /** Closes the app's SSH connections and the silent server. */
  close(): Promise<void>
}

/** A TCP server that accepts and then says nothing, like a host whose sshd hangs. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>()
  const server = createServer((sock) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
    sock.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const addr = server.address()
  if (!addr || typeof addr === 'string') throw new Error('silent server has no port')
  return { server, port: addr.port, sockets }
}

export async function pxFixture(): Promise<PxFixture> {
  const [h1, h2] = await sharedHosts()
  const silent = await silentServer()
  const s = await startApp(`
api_key: ${KEY}
regions:
  eu-south-1:
    availability_zones:
      az1: ${azEntry(h1!)}
      dead: { host: 127.0.0.9, ssh_port: 2299, user: root, ssh_password: ${DEAD_SECRET} }
  eu-central-1:
    availability_zones:
      az2: ${azEntry(h2!)}
  eu-west-9:
    availability_zones:
      silent: { host: 127.0.0.1, ssh_port: ${silent.port}, user: root, ssh_password: ${DEAD_SECRET} }
      silent2: { host: 127.0.0.1, ssh_port: ${silent.port}, user: root, ssh_password: ${DEAD_SECRET} }
instance_sizes:
  small: { memory: 512, cpulimit: 1, storage: "local-lvm:4" }
`)
  return {
    s,
    h1: h1!,
    h2: h2!,
    async close() {
      await s.zones.closeAll()
      for (const sock of silent.sockets) sock.destroy()
      await new Promise<void>((resolve) => silent.server.close(() => resolve()))
    },
  }
}

/** Runs argv inside a test host and returns its stdout, failing loudly otherwise. */
export async function onHost(h: TestHost, argv: string[]): Promise<string> {
  const r = await h.exec(argv)
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} on ${h.name} exited ${r.exitCode}: ${r.stderr}`)
  return r.stdout
}
