/**
 * GET /px/templates and POST /px/templates/download over HTTP, checked
 * against the files in the test host's template folder.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PATTERNS } from '../../../src/proxmox/ids.ts'
import { errorBody } from '../../http/harness.ts'
import type { TestHost } from '../../pvehost/host.ts'
import { onHost, pxFixture, type PxFixture } from './setup.ts'

interface Template {
  image_id: string
  storage: string
  name: string
  size_bytes: number
  format: string | null
  created: number | null
}
interface Available {
  section: string
  template: string
  arch: string | null
  downloaded: string[]
}
interface Templates {
  region: string
  az: string
  node: string
  templates: Template[]
  available?: Available[]
}

const CACHE = '/var/lib/vz/template/cache'
// In the fixture's `pveam available` index, not shipped as a file.
const ALPINE = 'alpine-3.20-default_20240908_amd64.tar.xz'
const UBUNTU24 = 'ubuntu-24.04-standard_24.04-2_amd64.tar.zst'

let f: PxFixture

beforeAll(async () => {
  f = await pxFixture()
})

afterAll(async () => {
  for (const h of [f.h1, f.h2]) await h.exec(['rm', '-rf', `${CACHE}/${ALPINE}`, `${CACHE}/${UBUNTU24}`])
  await f.close()
})

/** name → size of every file in the host's template folder. */
async function filesOn(h: TestHost): Promise<Map<string, number>> {
  const out = await onHost(h, ['find', CACHE, '-maxdepth', '1', '-type', 'f', '-printf', '%f %s\n'])
  return new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '))
      .map(([n, s]) => [n!, Number(s)]),
  )
}

async function templates(query: string): Promise<Templates> {
  const res = await f.s.request(`/api/v1/px/templates${query}`)
  expect(res.status, query).toBe(200)
  return (await res.json()) as Templates
}

describe('GET /px/templates', () => {
  test("lists the host's template files as image_ids with their sizes", async () => {
    const files = await filesOn(f.h1)
    expect(files.size).toBeGreaterThan(0)
    const body = await templates('?region=eu-south-1&az=az1')
    expect(body).toMatchObject({ region: 'eu-south-1', az: 'az1', node: f.h1.name })
    expect(body.templates.map((t) => [t.image_id, t.size_bytes])).toEqual(
      [...files].map(([n, s]) => [`local:vztmpl/${n}`, s] as [string, number]).sort((a, b) => a[0].localeCompare(b[0])),
    )
    for (const t of body.templates) {
      expect(t.image_id).toMatch(new RegExp(PATTERNS.templateVolid))
      expect(t.storage).toBe('local')
    }
    expect(body.available).toBeUndefined()
  })

  test('storage filter: a storage without templates is empty, an unknown one is 404', async () => {
    const local = await templates('?az=az1&storage=local')
    expect(local.templates.length).toBe((await filesOn(f.h1)).size)
    expect((await templates('?az=az1&storage=local-lvm')).templates).toEqual([])
    const res = await f.s.request('/api/v1/px/templates?az=az1&storage=nosuch')
    expect(res.status).toBe(404)
    expect((await errorBody(res)).details).toContain("storage 'nosuch' does not exist")
  })

  test('available=true adds what `pveam available` offers, by section', async () => {
    const offered = (await onHost(f.h1, ['pveam', 'available']))
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
    expect(offered.length).toBeGreaterThan(1)
    const body = await templates('?az=az1&available=true')
    expect(body.available!.map((a) => [a.section, a.template])).toEqual(offered.map((o) => [o[0]!, o[1]!]))

    const system = await templates('?az=az1&available=true&section=system')
    expect(system.available!.length).toBe(offered.filter((o) => o[0] === 'system').length)
    expect(system.available!.every((a) => a.section === 'system')).toBe(true)

    expect((await templates('?az=az1&available=false')).available).toBeUndefined()
    expect((await f.s.request('/api/v1/px/templates?az=az1&available=true&section=games')).status).toBe(400)
  })
})

describe('POST /px/templates/download', () => {
  test('downloads onto the storage and answers the new image_id; a second call finds it there', async () => {
    expect((await filesOn(f.h2)).has(ALPINE)).toBe(false)
    const res = await f.s.json('/api/v1/px/templates/download', { region: 'eu-central-1', az: 'az2', storage: 'local', template: ALPINE })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    const size = (await filesOn(f.h2)).get(ALPINE)
    expect(size).toBeGreaterThan(0)
    expect(body).toMatchObject({
      az: 'az2',
      node: f.h2.name,
      storage: 'local',
      template: ALPINE,
      image_id: `local:vztmpl/${ALPINE}`,
      size_bytes: size,
      already_present: false,
    })
    expect(String(body.output)).toContain('finished')

    const listed = await templates('?az=az2&available=true')
    expect(listed.templates.map((t) => t.image_id)).toContain(`local:vztmpl/${ALPINE}`)
    expect(listed.available!.find((a) => a.template === ALPINE)!.downloaded).toEqual([`local:vztmpl/${ALPINE}`])
    // The other host is untouched.
    expect((await filesOn(f.h1)).has(ALPINE)).toBe(false)

    const again = await f.s.json('/api/v1/px/templates/download', { az: 'az2', storage: 'local', template: ALPINE })
    expect(again.status).toBe(200)
    expect(((await again.json()) as { already_present: boolean }).already_present).toBe(true)
  })

  test('refusals: unknown template 400, storage without templates 400, unknown storage 404, bad names 400', async () => {
    const before = await filesOn(f.h1)
    const cases: [Record<string, unknown>, number, string][] = [
      [{ storage: 'local', template: 'nosuch-1.0_amd64.tar.zst' }, 400, 'no such template'],
      [{ storage: 'local-lvm', template: ALPINE }, 400, 'does not hold templates'],
      [{ storage: 'nosuch', template: ALPINE }, 404, "storage 'nosuch' does not exist"],
      [{ storage: 'local', template: '../../../etc/passwd' }, 400, 'template'],
      [{ storage: 'local', template: 'x.tar.gz; reboot' }, 400, 'template'],
      [{ storage: 'local', template: '-rf.tar.gz' }, 400, 'template'],
      [{ storage: '-o', template: ALPINE }, 400, 'storage'],
      [{ template: ALPINE }, 400, 'storage'],
      [{ storage: 'local' }, 400, 'template'],
    ]
    for (const [b, code, text] of cases) {
      const res = await f.s.json('/api/v1/px/templates/download', { az: 'az1', ...b })
      expect(res.status, JSON.stringify(b)).toBe(code)
      expect((await errorBody(res)).details, JSON.stringify(b)).toContain(text)
    }
    expect(await filesOn(f.h1)).toEqual(before)
  })

  test('a download task that fails while pveam exits 0 → 500 with its error', async () => {
    // A folder where the file should go makes the task fail after pveam forked it.
    await onHost(f.h1, ['mkdir', '-p', `${CACHE}/${UBUNTU24}`])
    try {
      const direct = await f.h1.exec(['pveam', 'download', 'local', UBUNTU24])
      expect(direct.exitCode).toBe(0) // exit 0 even though the task failed: pveam download has no upid_exit handler (pve-manager PVE/CLI/pveam.pm)
      expect(direct.stderr.trim()).not.toBe('')

      const res = await f.s.json('/api/v1/px/templates/download', { az: 'az1', storage: 'local', template: UBUNTU24 })
      expect(res.status).toBe(500)
      const body = await errorBody(res)
      // The task's error line names the file it could not write.
      expect(body.details).toContain(`${CACHE}/${UBUNTU24}`)
      expect(body.return_code).not.toBe(0)
    } finally {
      await f.h1.exec(['rm', '-rf', `${CACHE}/${UBUNTU24}`])
    }
  })
})
