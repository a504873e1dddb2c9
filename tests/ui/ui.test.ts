/**
 * The web UI in a real browser: Debian's Chromium driven by playwright-core,
 * against `bun src/main.ts serve` with AZs on the two Proxmox test hosts.
 * Every check is on a real outcome: rows in the table, containers as
 * `pct list` on the test host sees them, the API's own error text.
 * Screenshots go to tests/artifacts/ui/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import type { TestHost } from '../pvehost/host.ts'
import { sharedHosts } from '../support/hosts.ts'
import { type RunningServer, startServer } from '../support/serve.ts'

const ROOT = join(import.meta.dir, '../..')
const SHOTS = join(ROOT, 'tests/artifacts/ui')
const CHROMIUM = '/usr/bin/chromium'
// node.md: without the background-networking flags Chromium keeps trying to reach Google's hosts.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const KEY = `ui-test-key-${crypto.randomUUID()}`
const WRONG_KEY = 'not-the-key-0000'
const START_VMID = 26000
const IMAGE = 'local:vztmpl/ubuntu-22.04.tar.gz'
const AZ1 = 'eu-south-1/az1'
const AZ2 = 'eu-central-1/az2'

let h1: TestHost
let h2: TestHost
let server: RunningServer
let work: string
let browser: Browser
let context: BrowserContext
let page: Page
/** Every URL the browser asked for, to prove the key never travels in one and nothing leaves the server. */
const requested: string[] = []
/** Containers to destroy at the end, per host. */
const created: Array<{ host: TestHost; az: string; id: string }> = []
const timings: Record<string, number> = {}

const api = async (method: string, path: string, body?: unknown, key = KEY) => {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as any }
}

/** `pct list` on a test host: vmid → status. */
async function pctList(host: TestHost): Promise<Map<string, string>> {
  const r = await host.exec(['pct', 'list'])
  expect(r.exitCode).toBe(0)
  const rows = r.stdout.trim().split('\n').slice(1)
  return new Map(rows.filter(Boolean).map((l) => l.trim().split(/\s+/)).map((f) => [f[0]!, f[1]!]))
}

/**
 * Script errors and console errors (CSP violations among them). Chromium also
 * logs every non-2xx fetch as "Failed to load resource"; those are the API's
 * answers the tests ask for, so they are left out.
 */
const browserErrors: string[] = []
function watchErrors(p: Page) {
  p.on('pageerror', (e) => browserErrors.push(`pageerror: ${e.message}`))
  p.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) browserErrors.push(`console: ${m.text()}`)
  })
}

/**
 * Waits until `ok` appears; when an error notice (`failed`) appears first,
 * fails at once with the text the UI shows, which names the API's error.
 */
async function outcome(ok: Locator, failed: Locator, timeoutMs = 30_000): Promise<void> {
  const good = ok.first().waitFor({ timeout: timeoutMs }).then(() => 'ok' as const)
  const bad = failed.first().waitFor({ timeout: timeoutMs }).then(() => 'failed' as const)
  // The loser keeps waiting in the background; its timeout must not surface as an unhandled rejection.
  good.catch(() => {})
  bad.catch(() => {})
  const which = await Promise.race([good, bad])
  if (which === 'failed') throw new Error(`the UI shows an error: ${await failed.first().textContent()}`)
}

/** Polls `read` until it returns `want` (or the deadline passes), then asserts it. */
async function until<T>(read: () => Promise<T>, want: T, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let got: T = await read()
  while (got !== want && Date.now() < deadline) {
    await Bun.sleep(100)
    got = await read()
  }
  if (got !== want) {
    // Say what the UI reported, not only the value that did not come.
    const notices = await page.locator('.notice.error').allTextContents().catch(() => [])
    throw new Error(`expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}; error notices: ${JSON.stringify(notices)}`)
  }
}

async function shot(name: string, p: Page = page) {
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

const row = (zone: string, id: string, p: Page = page) => p.locator(`#containers-table tbody tr[data-zone="${zone}"][data-id="${id}"]`)

async function openView(id: string, p: Page = page) {
  await p.click(`nav.tabs a[data-view="${id}"]`)
  await p.locator(`#view-${id}`).waitFor({ state: 'visible' })
}

async function saveKey(key: string, p: Page = page) {
  await p.fill('#api-key', key)
  await p.click('#key-form button[type=submit]')
}

beforeAll(async () => {
  const t0 = performance.now()
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (npm test installs it)`)
  ;[h1, h2] = (await sharedHosts()) as [TestHost, TestHost]
  timings.hosts_ms = performance.now() - t0
  work = mkdtempSync(join(tmpdir(), 'lws-ui-'))
  const config = join(work, 'lws.config.yaml')
  writeFileSync(
    config,
    `
api_key: ${KEY}
api: { host: 127.0.0.1, port: 0 }
start_vmid: ${START_VMID}
default_storage: local-lvm
default_network: vmbr0
regions:
  eu-south-1:
    availability_zones:
      az1: { host: ${h1.ip}, ssh_port: ${h1.port}, user: root, ssh_key_file: ${h1.keyFile}, ssh_host_fingerprint: "${h1.fingerprint}" }
  eu-central-1:
    availability_zones:
      az2: { host: ${h2.ip}, ssh_port: ${h2.port}, user: root, ssh_password: "${h2.password}" }
instance_sizes:
  small: { memory: 256, cpulimit: 1, storage: "local-lvm:1" }
  medium: { memory: 384, cpulimit: 2, storage: "local-lvm:1" }
`,
  )
  const t1 = performance.now()
  server = await startServer([process.execPath, join(ROOT, 'src/main.ts'), 'serve', '--config', config], { cwd: ROOT })
  timings.server_ms = performance.now() - t1
  const t2 = performance.now()
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  timings.browser_ms = performance.now() - t2
  rmSync(SHOTS, { recursive: true, force: true })
  mkdirSync(SHOTS, { recursive: true })
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
  context.on('request', (r) => requested.push(r.url()))
  page = await context.newPage()
  watchErrors(page)
}, 60_000)

afterAll(async () => {
  // Clean up through the API first, then directly on the hosts for anything left.
  for (const c of created) {
    const [region, az] = c.az.split('/')
    await api('POST', '/lxc/instances/terminate', { instance_ids: [c.id], region, az }).catch(() => {})
    if ((await pctList(c.host).catch(() => new Map())).has(c.id)) {
      await c.host.exec(['pct', 'stop', c.id])
      await c.host.exec(['pct', 'destroy', c.id, '--purge'])
    }
  }
  await browser?.close()
  await server?.stop()
  // For diagnosis after a failed run: what the server logged (JSON lines, no secrets).
  if (server) writeFileSync(join(SHOTS, 'server.log'), server.stdout() + server.stderr())
  if (work) rmSync(work, { recursive: true, force: true })
  console.log('ui test timings (ms):', Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))
}, 60_000)

describe('web UI in Chromium', () => {
  test('loads from the server alone; without a key it asks for one', async () => {
    const t = performance.now()
    await page.goto(server.url + '/')
    await page.locator('#banner.info').waitFor()
    expect(await page.textContent('#banner')).toContain('Enter the API key')
    expect(await page.textContent('#key-state')).toBe('not set')
    await shot('01-no-key')
    timings.first_load_ms = performance.now() - t
  })

  test('a wrong key shows the API’s 401 error', async () => {
    const expected = await api('GET', '/lxc/instances', undefined, WRONG_KEY)
    expect(expected.status).toBe(401)
    await saveKey(WRONG_KEY)
    const error = page.locator('#view-containers .status-line .notice.error')
    await error.waitFor()
    const text = await error.textContent()
    expect(text).toContain(`401 ${expected.body.error}: ${expected.body.details}`)
    expect(await page.textContent('#banner.error')).toContain(`401 ${expected.body.error}`)
    expect(await page.textContent('#key-state')).toBe('rejected')
    // Stored in the browser, sent only in the header.
    expect(await page.evaluate(() => localStorage.getItem('lws-api-key'))).toBe(WRONG_KEY)
    await shot('02-wrong-key')
  })

  test('the right key lists containers across both AZs', async () => {
    // One container made through the API on the second host, so the list spans two AZs.
    const made = await api('POST', '/lxc/instances', { image_id: IMAGE, hostname: 'ui-other', region: 'eu-central-1', az: 'az2' })
    expect(made.status).toBe(200)
    const id = made.body.instances[0].instance_id as string
    created.push({ host: h2, az: AZ2, id })

    await saveKey(KEY)
    await outcome(row(AZ2, id), page.locator('#view-containers .status-line .notice.error'))
    expect(await row(AZ2, id).getAttribute('data-status')).toBe('running')
    expect(await row(AZ2, id).locator('td.name').textContent()).toBe('ui-other')
    expect(await page.isVisible('#banner.error')).toBe(false)
    expect(await page.textContent('#key-state')).toBe('accepted')
    await shot('03-containers')
  })

  test('hosts view: both test hosts reachable', async () => {
    await openView('hosts')
    await outcome(page.locator('#view-hosts .host-grid .host').nth(1), page.locator('#view-hosts .status-line .notice.error'))
    expect(await page.locator('#view-hosts .host.up').count()).toBe(2)
    expect(await page.textContent(`#view-hosts .host[data-zone="${AZ1}"]`)).toContain(h1.name)
    await page.click(`#view-hosts .host[data-zone="${AZ1}"] button:text-is("Status")`)
    await page.locator(`#view-hosts .host[data-zone="${AZ1}"] .status-panel`).waitFor()
    await shot('04-hosts')
  })

  test('host reboot asks first and then reaches the host (the test host only records it)', async () => {
    const card = page.locator(`#view-hosts .host[data-zone="${AZ2}"]`)
    const before = await h2.recorded()
    await card.locator('button:text-is("Reboot…")').click()
    expect(await page.textContent('dialog[open]')).toContain(`${AZ2.replace('/', ' / ')} (${h2.ip})`)
    await page.click('dialog[open] button:text-is("Cancel")')
    expect(await h2.recorded()).toEqual(before)
    await card.locator('button:text-is("Reboot…")').click()
    await page.click('dialog[open] button[type=submit]')
    await card.locator('.host-detail .notice.ok').waitFor()
    expect(await card.locator('.host-detail .notice.ok').textContent()).toContain(`reboot of ${h2.name}`)
    const after = await h2.recorded()
    expect(after.length).toBe(before.length + 1)
    expect(after.at(-1)).toContain('reboot')
  })

  test('create a container from the form; it runs on the test host', async () => {
    await openView('create')
    await page.locator(`#create-zone option[value="${AZ1}"]`).waitFor({ state: 'attached' })
    await page.selectOption('#create-zone', AZ1)
    await page.locator(`#create-image option[value="${IMAGE}"]`).waitFor({ state: 'attached' })
    await page.selectOption('#create-image', IMAGE)
    await page.selectOption('#create-size', 'small')
    await page.fill('#create-hostname', 'ui-web')
    await shot('05-create-form')
    const t = performance.now()
    await page.click('#create-form button[type=submit]')
    const made = page.locator('#view-create .create-result li.ok')
    await outcome(made, page.locator('#view-create .status-line .notice.error'), 60_000)
    timings.create_ms = performance.now() - t
    const id = (await made.getAttribute('data-id'))!
    created.push({ host: h1, az: AZ1, id })
    expect(await made.textContent()).toContain('ui-web')
    expect((await pctList(h1)).get(id)).toBe('running')
    await shot('06-created')

    await page.click('#view-create .create-result button:text-is("Show in Containers")')
    await row(AZ1, id).waitFor()
    expect(await row(AZ1, id).getAttribute('data-status')).toBe('running')
    expect(await row(AZ1, id).locator('td.name').textContent()).toBe('ui-web')
  })

  test('exec shows stdout, stderr and the exit code', async () => {
    const { id } = created.find((c) => c.az === AZ1)!
    await row(AZ1, id).locator('button[data-action="exec"]').click()
    await page.locator('#view-exec').waitFor({ state: 'visible' })
    await until(() => page.inputValue('#exec-id'), id)
    expect(await page.inputValue('#exec-zone')).toBe(AZ1)

    await page.fill('#exec-command', 'echo hello from $(hostname)')
    await page.click('#exec-form button[type=submit]')
    await until(() => page.textContent('#exec-exit'), 'exit code 0')
    expect(await page.textContent('#exec-stdout')).toBe('hello from ui-web\n')

    await page.fill('#exec-command', 'echo out; echo err >&2; exit 3')
    await page.click('#exec-form button[type=submit]')
    await until(() => page.textContent('#exec-exit'), 'exit code 3')
    expect(await page.textContent('#exec-stdout')).toBe('out\n')
    expect(await page.textContent('#exec-stderr')).toBe('err\n')
    await shot('07-exec')
  })

  test('snapshot from the row; it exists on the host', async () => {
    const { id } = created.find((c) => c.az === AZ1)!
    await openView('containers')
    await row(AZ1, id).locator('button[data-action="snapshot"]').click()
    await page.locator('dialog[open] input[name="snapshot_name"]').fill('ui-snap')
    await shot('08-snapshot-dialog')
    await page.click('dialog[open] button[type=submit]')
    await outcome(page.locator('#view-containers .action-status .notice.ok'), page.locator('#view-containers .action-status .notice.error'))
    const snaps = await h1.exec(['pct', 'listsnapshot', id])
    expect(snaps.stdout).toContain('ui-snap')

    await row(AZ1, id).locator('button[data-action="details"]').click()
    await page.locator('#container-details .snap-list li[data-snapshot="ui-snap"]').waitFor()
    await shot('09-details')
  })

  test('stop it: the row and the host both say stopped', async () => {
    const { id } = created.find((c) => c.az === AZ1)!
    await row(AZ1, id).locator('button[data-action="stop"]').click()
    await until(() => row(AZ1, id).getAttribute('data-status'), 'stopped', 30_000)
    expect(await page.textContent('#view-containers .action-status')).toContain(`${id} (${AZ1}): stopped`)
    expect((await pctList(h1)).get(id)).toBe('stopped')
    // The open details panel follows.
    await until(() => page.locator('#container-details .details-info dd').first().textContent(), 'stopped')
    await shot('10-stopped')
  })

  test('details panel: roll back to the snapshot, then delete it', async () => {
    const { id } = created.find((c) => c.az === AZ1)!
    const item = page.locator('#container-details .snap-list li[data-snapshot="ui-snap"]')
    await item.locator('button:text-is("Roll back")').click()
    expect(await page.textContent('dialog[open]')).toContain(`Roll back ${id} to 'ui-snap'?`)
    const rollback = page.waitForResponse((r) => r.url().endsWith(`/lxc/instances/${id}/snapshots/ui-snap/rollback`))
    await page.click('dialog[open] button[type=submit]')
    expect((await rollback).status()).toBe(200)

    await item.locator('button:text-is("Delete")').click()
    await page.click('dialog[open] button[type=submit]')
    await item.waitFor({ state: 'detached' })
    expect(await page.textContent('#container-details .details-snaps')).toContain('No snapshots.')
    expect((await h1.exec(['pct', 'listsnapshot', id])).stdout).not.toContain('ui-snap')
  })

  test('a selection across two AZs: one request per AZ, each container reported', async () => {
    const mine = created.find((c) => c.az === AZ1)!
    const other = created.find((c) => c.az === AZ2)!
    await row(AZ1, mine.id).locator('td.sel input').check()
    await row(AZ2, other.id).locator('td.sel input').check()
    expect(await page.textContent('.bulk-bar .sel-count')).toBe('2 selected:')
    const posts: string[] = []
    const track = (r: { method(): string; url(): string; postData(): string | null }) => {
      if (r.method() === 'POST') posts.push(`${r.url().slice(server.url.length)} ${r.postData()}`)
    }
    page.on('request', track)
    await page.click('.bulk-bar button[data-bulk="start"]')
    await until(() => row(AZ1, mine.id).getAttribute('data-status'), 'running', 30_000)
    page.off('request', track)
    expect(posts.sort()).toEqual([
      `/api/v1/lxc/instances/start {"instance_ids":["${other.id}"],"region":"eu-central-1","az":"az2"}`,
      `/api/v1/lxc/instances/start {"instance_ids":["${mine.id}"],"region":"eu-south-1","az":"az1"}`,
    ])
    const report = await page.textContent('#view-containers .action-status')
    expect(report).toContain(`${mine.id} (${AZ1}): started`)
    expect(report).toContain(`${other.id} (${AZ2}): already running`)
    expect((await pctList(h1)).get(mine.id)).toBe('running')
    await shot('10b-bulk-start')
  })

  test('terminate asks first; cancel keeps it, confirm destroys it', async () => {
    const { id } = created.find((c) => c.az === AZ1)!
    await row(AZ1, id).locator('button[data-action="terminate"]').click()
    await page.locator('dialog[open]').waitFor()
    expect(await page.textContent('dialog[open]')).toContain(`${id} (ui-web) in eu-south-1 / az1`)
    await shot('11-terminate-confirm')
    await page.click('dialog[open] button:text-is("Cancel")')
    expect((await pctList(h1)).has(id)).toBe(true)

    await row(AZ1, id).locator('button[data-action="terminate"]').click()
    await page.click('dialog[open] button[type=submit]')
    await row(AZ1, id).waitFor({ state: 'detached', timeout: 30_000 })
    expect((await pctList(h1)).has(id)).toBe(false)
    await page.locator('#container-details').waitFor({ state: 'detached' })
    expect(await page.textContent('#view-containers .action-status')).toContain(`${id} (${AZ1}): stopped and terminated`)
  })

  test('all operations: forms generated from the OpenAPI document call the API', async () => {
    await openView('operations')
    const doc = (await (await fetch(`${server.url}/api/v1/docs/json`)).json()) as { paths: Record<string, object> }
    const count = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).length, 0)
    await page.locator('#view-operations details.op').first().waitFor()
    expect(await page.locator('#view-operations details.op').count()).toBe(count)

    // Every operation, whichever plugin it comes from, gets a form.
    await page.locator('#view-operations details.op').evaluateAll((els) => els.forEach((d) => ((d as HTMLDetailsElement).open = true)))
    await until(() => page.locator('#view-operations details.op form.op-body button[type=submit]').count(), count)
    await page.locator('#view-operations details.op').evaluateAll((els) => els.forEach((d) => ((d as HTMLDetailsElement).open = false)))

    const templates = page.locator('details.op[data-op="GET /api/v1/px/templates"]')
    await templates.locator('summary').click()
    await templates.locator('input[name="az"]').fill('az1')
    await templates.locator('button[type=submit]').click()
    await templates.locator('.op-result .notice.ok').waitFor()
    expect(await templates.locator('.op-result pre.json').textContent()).toContain(IMAGE)

    // An error answer is shown in the API's shape.
    const describe = page.locator('details.op[data-op="GET /api/v1/lxc/instances/{instance_id}"]')
    await describe.locator('summary').click()
    await describe.locator('input[name="instance_id"]').fill('999999')
    await describe.locator('input[name="az"]').fill('az1')
    await describe.locator('button[type=submit]').click()
    const expected = await api('GET', '/lxc/instances/999999?az=az1')
    expect(expected.status).toBe(404)
    await describe.locator('.op-result .notice.error').waitFor()
    expect(await describe.locator('.op-result .notice.error').textContent()).toContain(`404 ${expected.body.error}: ${expected.body.details}`)

    // A body built from the schema: stop with an id list (the other host's container).
    const other = created.find((c) => c.az === AZ2)!
    const stop = page.locator('details.op[data-op="POST /api/v1/lxc/instances/stop"]')
    await stop.locator('summary').click()
    await stop.locator('input[name="instance_ids"]').fill(other.id)
    await stop.locator('input[name="region"]').fill('eu-central-1')
    await stop.locator('input[name="az"]').fill('az2')
    await stop.locator('button[type=submit]').click()
    await stop.locator('.op-result .notice').and(stop.locator(':not(.busy)')).waitFor({ timeout: 30_000 })
    expect(await stop.locator('.op-result .notice').textContent()).toStartWith('200 OK')
    expect((await pctList(h2)).get(other.id)).toBe('stopped')
    await shot('12-operations')

    // Every response is in the log as formatted JSON.
    await page.locator('#log .log-entry').first().locator('summary').click()
    expect(await page.locator('#log .log-entry').first().locator('pre.json').first().textContent()).toContain('"instance_ids"')
  })

  test('narrow screen (390 px, dark scheme): no sideways scrolling, rows become cards', async () => {
    const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, colorScheme: 'dark' })
    narrow.on('request', (r) => requested.push(r.url()))
    const p = await narrow.newPage()
    watchErrors(p)
    await p.goto(server.url + '/')
    await saveKey(KEY, p)
    const other = created.find((c) => c.az === AZ2)!
    await row(AZ2, other.id, p).waitFor()
    const overflow = () => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(await overflow()).toBe(0)
    expect(await p.locator('#containers-table thead').isVisible()).toBe(false)
    await shot('13-narrow-containers', p)
    const ready: Record<string, string> = {
      create: `#create-image option[value="${IMAGE}"]`,
      hosts: `#view-hosts .host[data-zone="${AZ2}"]`,
      exec: `#exec-zone option[value="${AZ2}"]`,
      operations: '#view-operations details.op',
    }
    for (const [view, selector] of Object.entries(ready)) {
      await openView(view, p)
      await p.locator(selector).first().waitFor({ state: 'attached' })
      expect(await overflow()).toBe(0)
      await shot(`14-narrow-${view}`, p)
    }
    await narrow.close()
  })

  test('no script errors, no CSP violations', () => {
    expect(browserErrors).toEqual([])
  })

  test('the key never appeared in a URL, and nothing was fetched from anywhere but the server', () => {
    expect(requested.length).toBeGreaterThan(10)
    for (const url of requested) {
      expect(url).not.toContain(KEY)
      expect(url).not.toContain(WRONG_KEY)
      expect(url.startsWith(server.url + '/') || url.startsWith('data:')).toBe(true)
    }
  })
})
