// Exec view: POST /lxc/instances/{id}/exec, showing stdout, stderr and the
// exit code (a non-zero exit is the API's 500 whose body carries the streams).
import { api, describeError } from '../api.js'
import { clear, field, h, jsonLink, notice } from '../dom.js'
import { ms } from '../format.js'
import { loadConfig, parseZoneKey, zoneKey, zoneOptions } from '../zones.js'

export function execView({ containers }) {
  const target = h('select', { id: 'exec-target', 'aria-label': 'Container' })
  const instance = h('input', { id: 'exec-id', type: 'text', required: true, pattern: '[1-9][0-9]{2,8}', inputmode: 'numeric', autocomplete: 'off', placeholder: '100' })
  const zone = h('select', { id: 'exec-zone' })
  const command = h('textarea', { id: 'exec-command', rows: '3', required: true, spellcheck: 'false', autocapitalize: 'off', placeholder: 'uptime' })
  const timeout = h('input', { id: 'exec-timeout', type: 'number', min: '1', max: '3600', placeholder: '60', inputmode: 'numeric' })
  const run = h('button', { type: 'submit', class: 'primary', text: 'Run' })
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' })
  const output = h('div', { class: 'exec-output', id: 'exec-output', 'aria-live': 'polite' })

  const form = h(
    'form',
    { id: 'exec-form', class: 'card form' },
    h(
      'div',
      { class: 'form-grid' },
      field('Container', target, 'running containers from the Containers list'),
      field('Instance id', instance),
      field('Region / AZ', zone),
      field('Command', command, 'run as sh -c <command> inside the container · Ctrl+Enter runs', { full: true }),
      field('Timeout (s)', timeout, 'default 60'),
    ),
    h('div', { class: 'form-actions' }, run),
  )
  const el = h(
    'section',
    { class: 'view', id: 'view-exec', 'aria-labelledby': 'exec-title' },
    h('div', { class: 'view-head' }, h('h2', { id: 'exec-title', text: 'Run a command' })),
    status,
    form,
    output,
  )

  async function fillTargets(preselect) {
    const cfg = await loadConfig()
    const keepZone = preselect ? `${preselect.region}/${preselect.az}` : zone.value
    if (cfg.ok) clear(zone, zoneOptions(cfg.zones, keepZone))
    await containers.ensureLoaded()
    const rows = containers.rows().filter((x) => x.status === 'running')
    clear(
      target,
      h('option', { value: '' }, rows.length ? 'Choose…' : 'No running containers listed'),
      rows.map((x) => h('option', { value: `${x.region}/${x.az}/${x.instance_id}` }, `${x.instance_id} ${x.hostname} (${x.region} / ${x.az})`)),
    )
    if (preselect) {
      target.value = `${preselect.region}/${preselect.az}/${preselect.instance_id}`
      instance.value = preselect.instance_id
      zone.value = zoneKey(preselect)
    }
  }

  target.addEventListener('change', () => {
    const v = target.value
    if (!v) return
    const i = v.lastIndexOf('/')
    instance.value = v.slice(i + 1)
    zone.value = v.slice(0, i)
  })

  command.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault()
      form.requestSubmit()
    }
  })

  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    if (!form.reportValidity()) return
    const { region, az } = parseZoneKey(zone.value)
    const body = { command: command.value, region, az }
    if (timeout.value) body.timeout = Number(timeout.value)
    run.disabled = true
    notice(status, 'busy', `Running in ${instance.value}…`)
    const r = await api('POST', `/lxc/instances/${encodeURIComponent(instance.value.trim())}/exec`, { body })
    run.disabled = false
    // 200, or a 500 that carries the command's own streams: show them the same way.
    const streams = r.ok ? r.body : r.body && typeof r.body === 'object' && 'exit_code' in r.body ? r.body : null
    if (!streams) {
      clear(output)
      return notice(status, 'error', describeError(r), r)
    }
    const exit = r.ok ? streams.exit_code : (streams.exit_code ?? streams.return_code)
    clear(status)
    clear(
      output,
      h(
        'div',
        { class: ['card', 'exec-result', exit === 0 ? 'ok' : 'failed'] },
        h(
          'div',
          { class: 'exec-meta' },
          h('span', { class: ['pill', exit === 0 ? 'running' : 'stopped'], id: 'exec-exit', text: `exit code ${exit}` }),
          h('span', { class: 'muted', text: `${instance.value} · ${r.status} · ${ms(streams.duration_ms ?? r.durationMs)}` }),
          jsonLink(r),
        ),
        h('h4', { text: 'stdout' }),
        h('pre', { class: 'stream stdout', id: 'exec-stdout', text: streams.stdout ?? '' }),
        h('h4', { text: 'stderr' }),
        h('pre', { class: ['stream', 'stderr', streams.stderr ? 'has-text' : null], id: 'exec-stderr', text: streams.stderr ?? '' }),
      ),
    )
  })

  return {
    id: 'exec',
    title: 'Exec',
    el,
    show(args) {
      fillTargets(args)
      if (args) command.focus()
    },
  }
}
