/**
 * The plugin contract (src/plugins/types.ts) holds: built-in plugins reach
 * the core only through PluginContext. Any import of src/ or of another
 * plugin that survives type erasure (`import { x }`, `import * as`,
 * `export ... from`, side-effect and dynamic imports) fails here; `import
 * type` and `import { type X }` are erased and fine. Tests beside the code
 * (`*.test.ts`) may import anything.
 *
 * Third-party plugins (the example, the test fixtures) are loaded by the
 * compiled binary without node_modules, so they may import nothing at run
 * time but node: built-ins and their own files.
 */
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

const ROOT = resolve(import.meta.dir, '../..')
const transpiler = new Bun.Transpiler({ loader: 'ts' })

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full))
    else if (/\.(ts|js|mjs)$/.test(name) && !/\.test\.(ts|js|mjs)$/.test(name)) out.push(full)
  }
  return out
}

/** Specifiers of the imports that remain after type erasure. */
function runtimeImports(file: string): string[] {
  return transpiler.scanImports(readFileSync(file, 'utf8')).map((i) => i.path)
}

const rel = (p: string) => relative(ROOT, p).split(sep).join('/')

describe('built-in plugins use only the plugin context', () => {
  const files = sourceFiles(join(ROOT, 'plugins'))

  test('the walk finds every plugin', () => {
    for (const p of ['lxc', 'px', 'app', 'sec']) expect(files.some((f) => rel(f).startsWith(`plugins/${p}/`)), p).toBe(true)
  })

  test('no run-time import of src/ (only `import type`)', () => {
    const found: string[] = []
    for (const file of files) {
      for (const spec of runtimeImports(file)) {
        if (!spec.startsWith('.')) continue
        const target = rel(resolve(dirname(file), spec))
        if (target.startsWith('src/')) found.push(`${rel(file)} -> ${target}`)
      }
    }
    expect(found).toEqual([])
  })

  test('no run-time import of another plugin (plugins/index.ts, the list of built-ins, excepted)', () => {
    const found: string[] = []
    for (const file of files) {
      const own = rel(file).split('/')[1]
      if (rel(file) === 'plugins/index.ts') continue
      for (const spec of runtimeImports(file)) {
        if (!spec.startsWith('.')) continue
        const target = rel(resolve(dirname(file), spec))
        if (target.startsWith('plugins/') && target.split('/')[1] !== own) found.push(`${rel(file)} -> ${target}`)
      }
    }
    expect(found).toEqual([])
  })

  test('the checker sees through the forms an import can take', () => {
    const code = [
      "import type { A } from '../../src/a.ts'",
      "import { type B } from '../../src/b.ts'",
      "import { C } from '../../src/c.ts'",
      "import * as D from '../../src/d.ts'",
      "import '../../src/e.ts'",
      "export { F } from '../../src/f.ts'",
      "export type { G } from '../../src/g.ts'",
      "const h = await import('../../src/h.ts')",
      'console.log(C, D, h)',
    ].join('\n')
    expect(transpiler.scanImports(code).map((i) => i.path.replace('../../src/', ''))).toEqual(['c.ts', 'd.ts', 'e.ts', 'f.ts', 'h.ts'])
  })
})

describe('third-party plugins import nothing at run time', () => {
  for (const dir of ['examples/plugins', 'tests/fixtures/plugins.d']) {
    test(dir, () => {
      const found: string[] = []
      for (const file of sourceFiles(join(ROOT, dir))) {
        for (const spec of runtimeImports(file)) {
          // Its own files: relative, and not above the file's folder.
          const own = spec.startsWith('./') && !relative(dirname(file), resolve(dirname(file), spec)).startsWith('..')
          if (!own && !spec.startsWith('node:')) found.push(`${rel(file)} -> ${spec}`)
        }
      }
      expect(found).toEqual([])
    })
  }
})
