// Create view: POST /lxc/instances with the image picked from the AZ's
// templates (GET /px/templates), a size from the config, count, hostname and
// optional network settings.
import { api } from '../api.js'
import { clear, field, h, jsonLink, notice, showError } from '../dom.js'
import { bytes, ms } from '../format.js'
import { loadConfig, parseZoneKey, sizeLabel, zoneKey, zoneOptions } from '../zones.js'

const HOSTNAME = '[A-Za-z0-9]([A-Za-z0-9\\-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9\\-]*[A-Za-z0-9])?)*'
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
const IPV4 = `(${OCTET}\\.){3}${OCTET}`

export function createView({ navigate, onCreated }) {
  const zone = h('select', { id: 'create-zone', name: 'zone', required: true })
  const image = h('select', { id: 'create-image', name: 'image_id', required: true }, h('option', { value: '' }, 'Choose an AZ first'))
  const reloadImages = h('button', { type: 'button', class: 'small secondary', text: 'Reload', onclick: () => loadTemplates() })
  const size = h('select', { id: 'create-size', name: 'size' })
  const count = h('input', { id: 'create-count', name: 'count', type: 'number', min: '1', max: '50', value: '1', required: true, inputmode: 'numeric' })
  const hostname = h('input', { id: 'create-hostname', name: 'hostname', type: 'text', pattern: HOSTNAME, maxlength: '250', autocomplete: 'off', placeholder: 'web-server' })
  const password = h('input', { id: 'create-password', name: 'password', type: 'password', minlength: '5', autocomplete: 'new-password' })
  const ip = h('input', { id: 'create-ip', name: 'ip', type: 'text', pattern: IPV4, placeholder: '192.168.1.50', autocomplete: 'off', inputmode: 'decimal' })
  const netmask = h('input', { id: 'create-netmask', name: 'netmask', type: 'text', placeholder: '24', autocomplete: 'off' })
  const gateway = h('input', { id: 'create-gateway', name: 'gateway', type: 'text', pattern: IPV4, placeholder: '192.168.1.1', autocomplete: 'off', inputmode: 'decimal' })
  const dns = h('input', { id: 'create-dns', name: 'dns', type: 'text', placeholder: '1.1.1.1', autocomplete: 'off' })
  const dhcp = h('select', { id: 'create-dhcp', name: 'dhcp' }, h('option', { value: '' }, 'default'), h('option', { value: 'true' }, 'yes'), h('option', { value: 'false' }, 'no'))
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Create' })
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' })
  const result = h('div', { class: 'create-result', 'aria-live': 'polite' })

  const form = h(
    'form',
    { id: 'create-form', class: 'card form', novalidate: false },
    h(
      'div',
      { class: 'form-grid' },
      field('Region / AZ', zone),
      field('Image', h('div', { class: 'inline' }, image, reloadImages), 'Templates on the AZ’s host (GET /px/templates)', { full: true }),
      field('Size', size),
      field('Count', count, '1–50; hostnames get -1, -2, … when more than one'),
      field('Hostname', hostname, 'optional; default CT<id>'),
    ),
    h(
      'details',
      { class: 'advanced' },
      h('summary', { text: 'Network and password (optional)' }),
      h(
        'div',
        { class: 'form-grid' },
        field('Root password', password, '5+ characters; never shown again'),
        field('IPv4 address', ip, 'static; empty = DHCP'),
        field('Netmask', netmask, 'prefix length or dotted mask (default 24)'),
        field('Gateway', gateway),
        field('DNS servers', dns, 'space or comma separated'),
        field('DHCP', dhcp),
      ),
    ),
    h('div', { class: 'form-actions' }, submit),
  )

  const el = h(
    'section',
    { class: 'view', id: 'view-create', 'aria-labelledby': 'create-title' },
    h('div', { class: 'view-head' }, h('h2', { id: 'create-title', text: 'Create containers' })),
    status,
    form,
    result,
  )

  let loaded = false

  async function init() {
    loaded = true
    notice(status, 'busy', 'Reading regions and sizes…')
    const cfg = await loadConfig()
    if (!cfg.ok) {
      loaded = false
      return showError(status, cfg.result, 'Could not read the configuration')
    }
    clear(status)
    const def = cfg.zones.find((z) => z.region === cfg.defaultRegion && (!cfg.defaultAz || z.az === cfg.defaultAz)) ?? cfg.zones[0]
    const keep = zone.value
    clear(zone, zoneOptions(cfg.zones, keep || (def ? zoneKey(def) : '')))
    const keepSize = size.value
    clear(
      size,
      cfg.sizes.map((s) => h('option', { value: s.name, selected: s.name === (keepSize || 'small') }, sizeLabel(s))),
    )
    if (!cfg.sizes.length) size.append(h('option', { value: '' }, 'default (small)'))
    await loadTemplates()
  }

  async function loadTemplates() {
    const { region, az } = parseZoneKey(zone.value)
    if (!az) return
    const keep = image.value
    image.disabled = true
    clear(image, h('option', { value: '' }, 'Loading templates…'))
    const r = await api('GET', '/px/templates', { query: { region, az } })
    image.disabled = false
    if (!r.ok) {
      clear(image, h('option', { value: '' }, 'No templates (see error)'))
      return showError(status, r, `Templates of ${region} / ${az}`)
    }
    const list = r.body.templates ?? []
    if (!list.length) {
      clear(image, h('option', { value: '' }, 'No templates on this host'))
      return notice(status, 'error', `No container templates on ${region} / ${az}: download one with POST /px/templates/download (All operations).`, r)
    }
    clear(status)
    clear(
      image,
      list.map((t) => h('option', { value: t.image_id, selected: t.image_id === keep }, `${t.name} (${t.storage}, ${bytes(t.size_bytes)})`)),
    )
  }

  zone.addEventListener('change', () => loadTemplates())

  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    if (!form.reportValidity()) return
    const { region, az } = parseZoneKey(zone.value)
    const body = { image_id: image.value, count: Number(count.value || 1), region, az }
    if (size.value) body.size = size.value
    for (const [k, input] of Object.entries({ hostname, password, ip, gateway, dns })) if (input.value.trim()) body[k] = input.value.trim()
    if (netmask.value.trim()) body.netmask = /^\d+$/.test(netmask.value.trim()) ? Number(netmask.value.trim()) : netmask.value.trim()
    if (dhcp.value) body.dhcp = dhcp.value === 'true'
    submit.disabled = true
    const t0 = performance.now()
    const tick = () => notice(status, 'busy', `Creating ${body.count} container(s) in ${region} / ${az}… ${ms(performance.now() - t0)}`)
    tick()
    const timer = setInterval(tick, 1000)
    const r = await api('POST', '/lxc/instances', { body })
    clearInterval(timer)
    submit.disabled = false
    if (!r.ok) {
      clear(result)
      return showError(status, r, 'Create failed')
    }
    const made = r.body.instances ?? []
    const errors = r.body.errors ?? []
    notice(status, errors.length ? 'error' : 'ok', `Created ${made.length} of ${made.length + errors.length} in ${ms(r.durationMs)}`, r)
    clear(
      result,
      h(
        'div',
        { class: 'card' },
        h('h3', { text: 'Created' }),
        h(
          'ul',
          { class: 'result-lines' },
          made.map((x) => h('li', { class: 'ok', dataset: { id: x.instance_id }, text: `${x.instance_id} ${x.hostname} — ${x.status} in ${x.region} / ${x.az} (${x.size}, ip ${x.ip})` })),
          errors.map((x) => h('li', { class: 'error', text: `${x.hostname ?? x.instance_id ?? ''} failed: ${x.status_code} ${x.error}: ${x.details}` })),
        ),
        h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'secondary', text: 'Show in Containers', onclick: () => navigate('containers') }), jsonLink(r)),
      ),
    )
    onCreated?.()
  })

  return {
    id: 'create',
    title: 'Create',
    el,
    show() {
      if (!loaded) init()
    },
    refresh: init,
  }
}
