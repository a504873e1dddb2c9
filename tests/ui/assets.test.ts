/**
 * The web UI's files: every file in public/ is in both asset lists (the
 * binary embeds bun-embedded.ts's; Deno reads disk.ts's), and every module
 * the UI imports is served.
 */
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { uiAssets } from '../../src/assets/bun-embedded.ts'
import { diskAssets } from '../../src/assets/disk.ts'

const ROOT = join(import.meta.dir, '../..')
const PUBLIC = join(ROOT, 'public')

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [relative(PUBLIC, join(dir, e.name))],
  )
}

describe('web UI assets', () => {
  test('both asset lists name exactly the files in public/', () => {
    const onDisk = filesUnder(PUBLIC).sort()
    expect([...uiAssets.names()].sort()).toEqual(onDisk)
    expect([...diskAssets(ROOT).ui.names()].sort()).toEqual(onDisk)
  })

  test('every relative import of a UI module names a listed file', () => {
    const names = new Set(uiAssets.names())
    for (const name of names) {
      if (!name.endsWith('.js')) continue
      const src = readFileSync(join(PUBLIC, name), 'utf8')
      for (const m of src.matchAll(/^import [^'"]*['"](\.[^'"]+)['"]/gm)) {
        const target = relative(PUBLIC, join(PUBLIC, name, '..', m[1]!))
        expect({ from: name, import: target, listed: names.has(target) }).toEqual({ from: name, import: target, listed: true })
      }
    }
  })

  test('no asset from elsewhere: no absolute http(s) URL in the UI', () => {
    for (const name of uiAssets.names()) {
      const src = readFileSync(join(PUBLIC, name), 'utf8')
      expect({ name, urls: src.match(/(?:src|href)=["']?(?:https?:)?\/\/[^"' >]+/g) ?? [] }).toEqual({ name, urls: [] })
      expect({ name, imports: src.match(/(?:import|from)\s*\(?\s*['"](?:https?:)?\/\/[^'"]+/g) ?? [] }).toEqual({ name, imports: [] })
    }
  })
})
