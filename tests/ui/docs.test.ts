/**
 * Swagger UI in Chromium under the CSP LWS sends: the page loads the
 * document from its absolute URL, lists the operations, takes the key
 * through Authorize and "Try it out" on GET /lxc/instances (both Proxmox
 * test hosts behind it) answers 200 — with no CSP violation and no request
 * leaving the server.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { bunServeOptions } from '../../src/serve-bun.ts'
import { BASE_CONFIG, KEY, startApp } from '../http/harness.ts'
import { sharedHosts } from '../support/hosts.ts'
import { regionsYaml } from '../support/plugin-env.ts'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const SHOTS = join(import.meta.dir, '../artifacts/ui')

let server: ReturnType<typeof Bun.serve>
let browser: Browser
let base: string

beforeAll(async () => {
  const [h1, h2] = await sharedHosts()
  const app = await startApp(`api_key: ${KEY}\n${regionsYaml(h1!, h2!)}\n${BASE_CONFIG.slice(BASE_CONFIG.indexOf('instance_sizes:'))}`)
  server = Bun.serve(bunServeOptions(app, { hostname: '127.0.0.1', port: 0 }))
  base = `http://127.0.0.1:${server.port}`
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  mkdirSync(SHOTS, { recursive: true })
}, 60_000)
afterAll(async () => {
  await browser?.close()
  server?.stop(true)
})

describe('Swagger UI', () => {
  for (const path of ['/api/v1/docs', '/api/v1/docs/']) {
    test(`${path}: document loads, Authorize + Try it out works, CSP holds`, async () => {
      const page = await browser.newPage()
      const problems: string[] = []
      const requested: string[] = []
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`)
      })
      page.on('request', (r) => requested.push(r.url()))
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))
      })
      await page.goto(base + path)
      await page.locator('.opblock').first().waitFor({ timeout: 15_000 })
      expect(await page.locator('.opblock').count()).toBeGreaterThan(5)
      expect(await page.locator('text=Failed to load API definition').count()).toBe(0)

      await page.locator('button.authorize').first().click()
      await page.locator('.modal-ux input').first().fill(KEY)
      await page.locator('.modal-ux button.authorize').click()
      await page.locator('.modal-ux button.close-modal').click()

      const op = page.locator('.opblock-get:has(.opblock-summary-path[data-path="/api/v1/lxc/instances"])').first()
      await op.locator('.opblock-summary').click()
      await op.locator('button.try-out__btn').click()
      await op.locator('button.execute').click()
      const status = op.locator('.live-responses-table tbody .response-col_status').first()
      await status.waitFor({ timeout: 10_000 })
      expect((await status.innerText()).trim()).toBe('200')
      expect(await op.locator('.live-responses-table tbody .response-col_description').first().innerText()).toContain('"errors"')
      await page.screenshot({ path: join(SHOTS, `docs${path.endsWith('/') ? '-slash' : ''}.png`) })

      expect(problems).toEqual([])
      expect(requested.filter((u) => !u.startsWith(base) && !u.startsWith('data:'))).toEqual([])
      expect(requested.some((u) => u === `${base}/api/v1/docs/json`)).toBe(true)
      await page.close()
    }, 60_000)
  }
})
