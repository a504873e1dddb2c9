// Containers view: every container across the AZs (GET /lxc/instances), with
// start / stop / reboot / snapshot / terminate (confirmed) per row or for a
// selection, and a details panel (describe, snapshots).
import { api, describeError } from '../api.js'
import { clear, confirmDialog, h, jsonLink, notice, showError } from '../dom.js'
import { duration, time, usedOf } from '../format.js'
import { containerDetails, snapshotDialog } from './container-details.js'
import { loadConfig } from '../zones.js'

const ACTIONS = {
  start: { label: 'Start', busy: 'starting…' },
  stop: { label: 'Stop', busy: 'stopping…' },
  reboot: { label: 'Reboot', busy: 'rebooting…' },
  terminate: { label: 'Terminate', busy: 'terminating…' },
}

const rowKey = (r) => `${r.region}/${r.az}/${r.instance_id}`

export function containersView({ navigate }) {
  const filter = h('select', { id: 'ct-filter', 'aria-label': 'Availability zones' }, h('option', { value: '' }, 'All AZs'))
  const refreshButton = h('button', { type: 'button', class: 'primary', text: 'Refresh', onclick: () => refresh() })
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' })
  const actionStatus = h('div', { class: 'action-status', 'aria-live': 'polite' })
  const selCount = h('span', { class: 'sel-count' })
  const bulkButtons = Object.entries(ACTIONS).map(([action, a]) =>
    h('button', {
      type: 'button',
      class: ['small', action === 'terminate' ? 'danger-outline' : 'secondary'],
      text: a.label,
      dataset: { bulk: action },
      onclick: () => act(action, selectedRows()),
    }),
  )
  const bulkBar = h('div', { class: 'bulk-bar', hidden: true }, selCount, bulkButtons)
  const selectAll = h('input', { type: 'checkbox', 'aria-label': 'Select all', onchange: () => toggleAll(selectAll.checked) })
  const tbody = h('tbody')
  const table = h(
    'table',
    { class: 'ct-table', id: 'containers-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'sel' }, selectAll),
        ['ID', 'Name', 'Status', 'Zone', 'Memory', 'Disk', 'Actions'].map((t) => h('th', { scope: 'col', text: t })),
      ),
    ),
    tbody,
  )
  const detailsHost = h('div', { class: 'details-host' })
  const el = h(
    'section',
    { class: 'view', id: 'view-containers', 'aria-labelledby': 'containers-title' },
    h(
      'div',
      { class: 'view-head' },
      h('h2', { id: 'containers-title', text: 'Containers' }),
      h(
        'div',
        { class: 'toolbar' },
        filter,
        refreshButton,
        h('button', { type: 'button', class: 'secondary', text: 'New…', onclick: () => navigate('create') }),
      ),
    ),
    status,
    actionStatus,
    bulkBar,
    h('div', { class: 'table-wrap' }, table),
    detailsHost,
  )

  let rows = []
  let loaded = false
  let emptyText = 'Not loaded yet.'
  const selected = new Set()
  const busy = new Map()

  async function fillFilter() {
    const cfg = await loadConfig()
    if (!cfg.ok) return
    const current = filter.value
    const regions = [...new Set(cfg.zones.map((z) => z.region))]
    clear(
      filter,
      h('option', { value: '' }, 'All AZs'),
      regions.map((r) =>
        h(
          'optgroup',
          { label: r },
          h('option', { value: `r:${r}` }, `${r} (all AZs)`),
          cfg.zones.filter((z) => z.region === r).map((z) => h('option', { value: `z:${z.region}/${z.az}` }, `${z.region} / ${z.az}`)),
        ),
      ),
    )
    filter.value = [...filter.options].some((o) => o.value === current) ? current : ''
  }
  filter.addEventListener('change', () => refresh())

  function query() {
    const v = filter.value
    if (v.startsWith('r:')) return { region: v.slice(2) }
    if (v.startsWith('z:')) {
      const [region, az] = v.slice(2).split('/')
      return { region, az }
    }
    return {}
  }

  async function refresh({ quiet = false } = {}) {
    loaded = true
    refreshButton.disabled = true
    if (!quiet) notice(status, 'busy', 'Loading containers…')
    fillFilter()
    const r = await api('GET', '/lxc/instances', { query: query() })
    refreshButton.disabled = false
    if (!r.ok) {
      rows = []
      emptyText = 'The list could not be loaded (see the error above).'
      render()
      return showError(status, r)
    }
    emptyText = 'No containers. Create one with New….'
    rows = (r.body.instances ?? []).slice().sort((a, b) => `${a.region}/${a.az}`.localeCompare(`${b.region}/${b.az}`) || Number(a.instance_id) - Number(b.instance_id))
    for (const k of [...selected]) if (!rows.some((x) => rowKey(x) === k)) selected.delete(k)
    const zoneErrors = r.body.errors ?? []
    const running = rows.filter((x) => x.status === 'running').length
    const summary = `${rows.length} container(s), ${running} running · ${time(new Date())}`
    if (zoneErrors.length) {
      clear(
        status,
        h(
          'div',
          { class: 'notice error' },
          h('span', { class: 'notice-text', text: `${summary} · ${zoneErrors.length} AZ(s) could not be listed:` }),
          jsonLink(r),
          h('ul', {}, zoneErrors.map((e) => h('li', { text: `${e.region} / ${e.az}: ${e.status_code} ${e.error}: ${e.details}` }))),
        ),
      )
    } else notice(status, 'ok', summary, r)
    render()
    syncDetails()
  }

  function selectedRows() {
    return rows.filter((x) => selected.has(rowKey(x)))
  }

  function toggleAll(on) {
    selected.clear()
    if (on) for (const x of rows) selected.add(rowKey(x))
    render()
  }

  function render() {
    clear(tbody)
    if (!rows.length) {
      tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: '8', text: emptyText })))
    }
    for (const x of rows) tbody.append(renderRow(x))
    const n = selected.size
    bulkBar.hidden = n === 0
    selCount.textContent = `${n} selected:`
    selectAll.checked = n > 0 && n === rows.length
    selectAll.indeterminate = n > 0 && n < rows.length
  }

  function renderRow(x) {
    const key = rowKey(x)
    const pending = busy.get(key)
    const isRunning = x.status === 'running'
    const btn = (action, label, opts = {}) =>
      h('button', {
        type: 'button',
        class: ['small', opts.cls ?? 'secondary'],
        text: label,
        disabled: Boolean(pending) || opts.disabled,
        dataset: { action },
        'aria-label': `${label} ${x.instance_id}`,
        onclick: opts.onclick ?? (() => act(action, [x])),
      })
    return h(
      'tr',
      { dataset: { id: x.instance_id, zone: `${x.region}/${x.az}`, status: x.status }, class: pending ? 'busy' : null },
      h(
        'td',
        { class: 'sel' },
        h('input', {
          type: 'checkbox',
          'aria-label': `Select ${x.instance_id}`,
          checked: selected.has(key),
          onchange: (e) => {
            if (e.target.checked) selected.add(key)
            else selected.delete(key)
            render()
          },
        }),
      ),
      h('td', { class: 'id', 'data-label': 'ID', text: x.instance_id }),
      h('td', { class: 'name', 'data-label': 'Name', text: x.hostname }),
      h(
        'td',
        { class: 'status', 'data-label': 'Status' },
        h(
          'div',
          { class: 'cell-stack' },
          h('span', {}, h('span', { class: ['pill', pending ? 'pending' : x.status], text: pending ?? x.status }), x.lock ? h('span', { class: 'pill locked', text: `lock: ${x.lock}` }) : null),
          isRunning && !pending && x.uptime_seconds > 0 ? h('small', { class: 'muted', title: 'uptime', text: `up ${duration(x.uptime_seconds)}` }) : null,
        ),
      ),
      h('td', { 'data-label': 'Zone', text: `${x.region} / ${x.az}` }),
      h('td', { 'data-label': 'Memory', title: `${x.cpus ?? '?'} CPU(s)`, text: usedOf(x.memory?.used_bytes, x.memory?.max_bytes) }),
      h('td', { 'data-label': 'Disk', text: usedOf(x.disk?.used_bytes, x.disk?.max_bytes) }),
      h(
        'td',
        { class: 'actions', 'data-label': 'Actions' },
        h(
          'div',
          { class: 'row-actions' },
          isRunning ? btn('stop', 'Stop') : btn('start', 'Start'),
          btn('reboot', 'Reboot', { disabled: !isRunning }),
          btn('snapshot', 'Snapshot', { onclick: () => snapshot(x) }),
          btn('exec', 'Exec', { disabled: !isRunning, onclick: () => navigate('exec', x) }),
          btn('details', 'Details', { onclick: () => showDetails(x) }),
          btn('terminate', 'Terminate', { cls: 'danger-outline' }),
        ),
      ),
    )
  }

  /** One request per AZ (the API acts on one AZ per call); results reported per container. */
  async function act(action, targets) {
    if (!targets.length) return
    const a = ACTIONS[action]
    if (action === 'terminate') {
      const ok = await confirmDialog({
        title: `Terminate ${targets.length} container(s)?`,
        body: h(
          'div',
          {},
          h('p', { text: 'These containers and their disks will be destroyed. This cannot be undone.' }),
          h('ul', {}, targets.map((x) => h('li', { text: `${x.instance_id} (${x.hostname}) in ${x.region} / ${x.az}` }))),
        ),
        confirmLabel: 'Terminate',
        danger: true,
      })
      if (!ok) return
    }
    const groups = new Map()
    for (const x of targets) {
      const z = `${x.region}/${x.az}`
      if (!groups.has(z)) groups.set(z, { region: x.region, az: x.az, rows: [] })
      groups.get(z).rows.push(x)
      busy.set(rowKey(x), a.busy)
    }
    render()
    notice(actionStatus, 'busy', `${a.label}: ${targets.map((x) => x.instance_id).join(', ')}…`)
    const lines = []
    let failures = 0
    const results = await Promise.all(
      [...groups.values()].map(async (g) => {
        const r = await api('POST', `/lxc/instances/${action}`, { body: { instance_ids: g.rows.map((x) => x.instance_id), region: g.region, az: g.az } })
        for (const x of g.rows) busy.delete(rowKey(x))
        if (!r.ok) {
          failures += g.rows.length
          lines.push({ ok: false, text: `${g.rows.map((x) => x.instance_id).join(', ')} (${g.region}/${g.az}): ${describeError(r)}` })
        } else {
          for (const res of r.body.results ?? []) {
            if (!res.success) failures++
            lines.push({ ok: res.success, text: `${res.instance_id} (${g.region}/${g.az}): ${res.success ? res.message : `failed: ${res.message}`}` })
          }
        }
        return r
      }),
    )
    if (action === 'terminate') for (const x of targets) selected.delete(rowKey(x))
    clear(
      actionStatus,
      h(
        'div',
        { class: ['notice', failures ? 'error' : 'ok'] },
        h('span', { class: 'notice-text', text: `${a.label}: ${failures ? `${failures} failed` : 'done'}` }),
        results.map((r, i) => jsonLink(r, results.length > 1 ? `JSON ${[...groups.keys()][i]}` : 'View JSON')),
        h('ul', { class: 'result-lines' }, lines.map((l) => h('li', { class: l.ok ? 'ok' : 'error', text: l.text }))),
      ),
    )
    await refresh({ quiet: true })
  }

  async function snapshot(x) {
    const r = await snapshotDialog(x)
    if (!r) return
    if (!r.ok) return showError(actionStatus, r, `Snapshot of ${x.instance_id}`)
    notice(actionStatus, 'ok', r.body.output ?? 'snapshot created', r)
    if (details?.key === rowKey(x)) details.reload()
  }

  /** The open details panel: {key, reload}, reloaded after every list refresh and closed when its container is gone. */
  let details = null
  function closeDetails() {
    details = null
    clear(detailsHost)
  }
  function showDetails(x) {
    const d = containerDetails(x, { onClose: closeDetails, onChange: () => refresh({ quiet: true }) })
    details = { key: rowKey(x), reload: d.reload }
    clear(detailsHost, d.el)
    detailsHost.scrollIntoView({ block: 'start', behavior: 'smooth' })
  }
  function syncDetails() {
    if (!details) return
    if (rows.some((x) => rowKey(x) === details.key)) details.reload()
    else closeDetails()
  }

  render()
  return {
    id: 'containers',
    title: 'Containers',
    el,
    show() {
      if (!loaded) refresh()
    },
    refresh,
    rows: () => rows,
    /** Loads the list once (for other views that offer its containers). */
    ensureLoaded: () => (loaded ? Promise.resolve() : refresh()),
  }
}
