/**
 * The host API: what a plugin receives (PluginContext and the route options
 * it brings, such as the `instance` macro), versioned on its own, apart from
 * the LWS release.
 *
 * Rule (semver, as `fastify-plugin`'s `fastify: '4.x'` check): a change that
 * removes or changes anything a plugin may use bumps the major version; an
 * addition bumps the minor; a fix that changes nothing a plugin sees bumps
 * the patch. A plugin declares the versions it works with as a semver range
 * in `hostApi` (`'^1.0'`: 1.0 or any later 1.x); the loader refuses, with a
 * PluginFailure naming both, a plugin whose range this host does not satisfy,
 * and one that declares none.
 *
 * Ranges understood: `1.2.3`, `=1.2.3`, `1.2` / `1.2.x` / `1` / `1.x`,
 * `^1.2`, `~1.2`, `>=1.2`, `>1`, `<2`, `<=1.4`, `*`, comparators separated by
 * spaces (all must hold) and alternatives separated by `||`. Pre-release tags
 * are not supported (the host API has none).
 */

/** Version of the host API this build provides. */
/** 1.1: `ops` (changes as tracked operations). 1.2: `ops.onRecovery`, and `detach` on worker-task calls (src/proxmox/jobs.ts). */
export const HOST_API_VERSION = '1.2.0'

type Triple = [number, number, number]
interface Comparator {
  op: '>=' | '<'
  v: Triple
}

const PART = '(0|[1-9]\\d{0,5}|x|X|\\*)'
const PARTIAL = new RegExp(`^${PART}(?:\\.${PART}(?:\\.${PART})?)?$`)
const COMPARATOR = /^(\^|~|>=|<=|>|<|=)?(.+)$/

function parseVersion(text: string): Triple | undefined {
  const m = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/.exec(text)
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

const cmp = (a: Triple, b: Triple) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]

/** One comparator (`^1.2`, `<2`, `1.x`, ...) → the interval it means, as `>=` / `<` bounds. */
function toBounds(token: string): Comparator[] | undefined {
  const m = COMPARATOR.exec(token)
  if (!m) return undefined
  const op = m[1] ?? ''
  const p = PARTIAL.exec(m[2]!)
  if (!p) return undefined
  const raw = [p[1], p[2], p[3]]
  // Parts after the first wildcard are wildcards too (`1.x.3` is `1.x`).
  const firstWild = raw.findIndex((x) => x === undefined || /^[xX*]$/.test(x))
  const n = firstWild === -1 ? 3 : firstWild
  const v = [0, 1, 2].map((i) => (i < n ? Number(raw[i]) : 0)) as Triple
  const bump = (i: number): Triple => (i === 0 ? [v[0] + 1, 0, 0] : i === 1 ? [v[0], v[1] + 1, 0] : [v[0], v[1], v[2] + 1])
  const ge = (t: Triple): Comparator => ({ op: '>=', v: t })
  const lt = (t: Triple): Comparator => ({ op: '<', v: t })
  if (n === 0) return op === '<' || op === '>' ? [lt([0, 0, 0])] : [] // `*`; `<*` / `>*` match nothing
  switch (op) {
    case '':
    case '=':
      return n === 3 ? [ge(v), lt(bump(2))] : [ge(v), lt(bump(n - 1))]
    case '^': {
      // The first non-zero part given is fixed; `^0.0` is 0.0.x, `^0` is 0.x.
      const fixed = v[0] !== 0 || n === 1 ? 0 : v[1] !== 0 || n === 2 ? 1 : 2
      return [ge(v), lt(bump(fixed))]
    }
    case '~':
      return [ge(v), lt(bump(n === 1 ? 0 : 1))]
    case '>=':
      return [ge(v)]
    case '>':
      return [ge(bump(n - 1))]
    case '<':
      return [lt(v)]
    case '<=':
      return [lt(bump(n - 1))]
  }
  return undefined
}

/** The range as alternatives of bound lists, or undefined when it is not a range this host understands. */
function parseRange(range: string): Comparator[][] | undefined {
  if (typeof range !== 'string' || range.length > 200 || range.trim() === '') return undefined
  const sets: Comparator[][] = []
  for (const alt of range.split('||')) {
    // `>= 1.2` is `>=1.2`.
    const tokens = alt.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean)
    if (!tokens.length) return undefined
    const set: Comparator[] = []
    for (const tok of tokens) {
      const b = toBounds(tok)
      if (!b) return undefined
      set.push(...b)
    }
    sets.push(set)
  }
  return sets
}

export function isValidRange(range: unknown): range is string {
  return typeof range === 'string' && parseRange(range) !== undefined
}

/** Does `version` (x.y.z) satisfy `range`? An unparsable range or version satisfies nothing. */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version)
  const sets = parseRange(range)
  if (!v || !sets) return false
  return sets.some((set) => set.every((c) => (c.op === '>=' ? cmp(v, c.v) >= 0 : cmp(v, c.v) < 0)))
}

/**
 * Why a plugin that declares `hostApi` cannot run on this host, or null when
 * it can.
 */
export function hostApiProblem(hostApi: unknown, provided = HOST_API_VERSION): string | null {
  if (hostApi === undefined) {
    return `declares no hostApi: give the host API versions it works with as a semver range, e.g. hostApi: '^${provided.split('.').slice(0, 2).join('.')}' (this LWS provides host API ${provided})`
  }
  if (!isValidRange(hostApi)) return `invalid hostApi ${JSON.stringify(hostApi)} (a semver range, e.g. '^1.0')`
  if (!satisfies(provided, hostApi)) return `needs host API '${hostApi}', but this LWS provides host API ${provided}`
  return null
}
