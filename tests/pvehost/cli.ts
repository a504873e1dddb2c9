/**
 * Manual work with the suite's test hosts:
 *   bun tests/pvehost/cli.ts start   # both hosts in the foreground, Ctrl-C/SIGTERM stops them
 *   bun tests/pvehost/cli.ts stop    # kills hosts left behind by a killed run
 */
import { join } from 'node:path'
import { REPO_ROOT, startTestHost, startTestHosts, writeTestConfig, type TestHost } from './host.ts'

const CONFIG = join(REPO_ROOT, '.tmp/test-config.yaml')

function describe(h: TestHost): string {
  const auth = h.keyFile ? `key ${h.keyFile}` : `password ${h.password}`
  const ssh = h.keyFile
    ? `ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i ${h.keyFile} -p ${h.port} root@${h.ip}`
    : `ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p ${h.port} root@${h.ip}`
  return `${h.name}  ${h.ip}:${h.port}  ${auth}\n  fingerprint ${h.fingerprint}\n  state ${h.stateDir}  init pid ${h.pid}\n  ${ssh}`
}

async function start(): Promise<void> {
  const t0 = performance.now()
  const hosts = await startTestHosts()
  writeTestConfig(hosts, CONFIG)
  console.log(`started in ${Math.round(performance.now() - t0)} ms\n`)
  for (const h of hosts) console.log(`${describe(h)}\n`)
  console.log(`LWS config: ${CONFIG}\nCtrl-C stops the hosts.`)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await Promise.all(hosts.map((h) => h.stop()))
    console.log('stopped')
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  setInterval(() => {}, 1 << 30) // stay in the foreground
}

/** Starting a host kills what an earlier run left on its state dir and address; then stop it. */
async function stopStale(): Promise<void> {
  for (const [name, ip, auth] of [
    ['pve-test1', '127.0.0.2', 'key'],
    ['pve-test2', '127.0.0.3', 'password'],
  ] as const) {
    await (await startTestHost({ name, ip, auth })).stop()
  }
  console.log('no test hosts running')
}

const cmd = process.argv[2]
if (cmd === 'start') await start()
else if (cmd === 'stop') await stopStale()
else {
  console.error('usage: bun tests/pvehost/cli.ts start|stop')
  process.exit(2)
}
