// Number formatting for humans.
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–'
  let i = 0
  let v = n
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i]}`
}

export function usedOf(used, max) {
  if (typeof max !== 'number' || max <= 0) return bytes(used)
  return `${bytes(used)} / ${bytes(max)}`
}

export function percent(n) {
  return typeof n === 'number' && Number.isFinite(n) ? `${n.toFixed(n < 10 ? 1 : 0)}%` : '–'
}

export function ratio(used, max) {
  return typeof used === 'number' && typeof max === 'number' && max > 0 ? Math.min(1, used / max) : 0
}

export function duration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return '–'
  const s = Math.floor(seconds)
  const d = Math.floor(s / 86400)
  const hrs = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d) return `${d}d ${hrs}h`
  if (hrs) return `${hrs}h ${m}m`
  if (m) return `${m}m ${s % 60}s`
  return `${s}s`
}

export function ms(n) {
  if (typeof n !== 'number') return '–'
  return n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`
}

export function time(d) {
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}
