// Regions, availability zones and instance sizes, read once from GET /conf
// (secrets masked by the server) and shared by the views. Forgotten when the
// key changes.
import { api, onKeyChange } from './api.js'
import { h } from './dom.js'

let cached = null
onKeyChange(() => (cached = null))

/** Resolves to {ok, result, zones: [{region, az, host}], sizes: [{name, memory, cpulimit, cores, storage}], defaultSize}. */
export function loadConfig(force = false) {
  if (!cached || force) {
    cached = api('GET', '/conf').then((result) => {
      if (!result.ok) {
        cached = null
        return { ok: false, result, zones: [], sizes: [] }
      }
      const cfg = result.body?.config ?? {}
      const zones = []
      for (const [region, r] of Object.entries(cfg.regions ?? {})) {
        for (const [az, z] of Object.entries(r?.availability_zones ?? {})) zones.push({ region, az, host: z?.host ?? '' })
      }
      const sizes = Object.entries(cfg.instance_sizes ?? {}).map(([name, s]) => ({ name, ...s }))
      return { ok: true, result, zones, sizes, defaultRegion: cfg.default_region, defaultAz: cfg.default_az }
    })
  }
  return cached
}

export const zoneKey = (z) => `${z.region}/${z.az}`

export function parseZoneKey(key) {
  const i = key.indexOf('/')
  return i < 0 ? { region: undefined, az: undefined } : { region: key.slice(0, i), az: key.slice(i + 1) }
}

/** <option>s "region / az" with value "region/az". */
export function zoneOptions(zones, selected) {
  return zones.map((z) => h('option', { value: zoneKey(z), selected: zoneKey(z) === selected }, `${z.region} / ${z.az}`))
}

export function sizeLabel(s) {
  const parts = []
  if (s.memory) parts.push(`${s.memory} MiB`)
  if (s.cores) parts.push(`${s.cores} cores`)
  if (s.cpulimit) parts.push(`${s.cpulimit} CPU`)
  if (s.storage) parts.push(String(s.storage))
  return parts.length ? `${s.name} — ${parts.join(' · ')}` : s.name
}
