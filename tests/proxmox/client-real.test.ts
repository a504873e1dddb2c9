/**
 * The Proxmox layer end to end: ProxmoxClient → SshExecutor → real sshd →
 * Proxmox stand-ins → real LXC containers on a test host.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ConflictError, NotFoundError } from '../../src/errors/catalogue.ts'
import { SshExecutor } from '../../src/exec/ssh.ts'
import { ProxmoxClient } from '../../src/proxmox/client.ts'
import type { TestHost } from '../pvehost/host.ts'
import { sharedHosts } from '../support/hosts.ts'

let host: TestHost
let exec: SshExecutor
let pve: ProxmoxClient
const VMID = '10501'

beforeAll(async () => {
  ;[, host] = await sharedHosts()
  exec = new SshExecutor('eu-central-1/az2', { host: host.ip, port: host.port, user: 'root', password: host.password })
  pve = new ProxmoxClient(exec, { az: 'eu-central-1/az2' })
})
afterAll(async () => {
  await pve.destroy(VMID, { force: true, purge: true } as never).catch(() => {})
  await exec.close()
})

describe('ProxmoxClient against a test host', () => {
  test('discovers the node name and reads version and status', async () => {
    expect(await pve.node()).toBe(host.name)
    const v = await pve.version()
    expect(v.version).toMatch(/^\d+\.\d+\.\d+$/)
    const st = await pve.nodeStatus()
    expect(st.memory.total).toBeGreaterThan(1024 ** 3)
    expect(st.cpuinfo.cpus).toBeGreaterThanOrEqual(1)
  })

  test('lists storages and the fixture templates', async () => {
    const storages = (await pve.storages()).map((s) => s.storage)
    expect(storages).toEqual(expect.arrayContaining(['local', 'local-lvm']))
    const templates = (await pve.templates()).map((t) => t.volid)
    expect(templates).toContain('local:vztmpl/ubuntu-22.04.tar.gz')
    const one = await pve.templateListing({ storage: 'local', available: true, section: 'system' })
    expect(one.templates.map((t) => t.volid)).toEqual(templates.filter((v) => v.startsWith('local:')))
    expect(one.available!.every((a) => a.section === 'system')).toBe(true)
  })

  test('the batched reads give what the single reads give, in one host command each', async () => {
    const [st, alone] = [await pve.hostStatus(), await pve.nodeStatus()]
    expect(st.node).toBe(host.name)
    expect(st.status.cpuinfo).toEqual(alone.cpuinfo)
    expect(st.storages.map((s) => s.storage)).toEqual((await pve.storages()).map((s) => s.storage))
    expect(st.containers.map((c) => c.vmid)).toEqual((await pve.listContainers()).map((c) => c.vmid))
    expect(st.resources.ok).toBe(true)
    const missing = [await pve.describeContainer(19998).catch((e) => e), await pve.containerStatus(19998).catch((e) => e)]
    expect(missing[0]).toBeInstanceOf(NotFoundError)
    expect(missing[0].toBody()).toEqual(missing[1].toBody())
    expect((await pve.containerUsage(19998).catch((e) => e)).toBody()).toEqual(missing[1].toBody())
    expect(await pve.probe()).toBeGreaterThan(0)
  })

  test('container lifecycle on real LXC: create, start, exec, stop, destroy', async () => {
    await pve.createContainer(VMID, 'local:vztmpl/ubuntu-22.04.tar.gz', {
      hostname: 'lws-real',
      memory: 256,
      rootfs: 'local-lvm:1',
      start: true,
    })
    const st = await pve.containerStatus(VMID)
    expect(st.status).toBe('running')
    expect(st.maxmem).toBe(256 * 1024 * 1024)
    const r = await pve.exec(VMID, 'echo $((6*7)); hostname; exit 3')
    expect(r).toMatchObject({ stdout: '42\nlws-real\n', exitCode: 3 })
    expect(await pve.execArgv(VMID, ['printf', '%s|', 'a b', '$(id)', ';'])).toMatchObject({ stdout: 'a b|$(id)|;|', exitCode: 0 })
    expect(await pve.execScript(VMID, 'printf "%s|" "$@"; exit 4', ['x y', '`id`'])).toMatchObject({ stdout: 'x y|`id`|', exitCode: 4 })
    const d = await pve.describeContainer(VMID)
    expect([d.status.status, d.config.hostname, d.snapshots]).toEqual(['running', 'lws-real', []])
    const u = await pve.containerUsage(VMID)
    expect(u.status.vmid).toBe(Number(VMID))
    expect(u.resource.ok).toBe(true)
    expect((await pve.listContainers()).map((c) => String(c.vmid))).toContain(VMID)
    await pve.stop(VMID)
    expect((await pve.containerStatus(VMID)).status).toBe('stopped')
    await expect(pve.exec(VMID, 'true')).rejects.toBeInstanceOf(ConflictError)
    await pve.destroy(VMID)
    await expect(pve.containerStatus(VMID)).rejects.toBeInstanceOf(NotFoundError)
  }, 60_000)
})
