// Details of one container: status and configuration
// (GET /lxc/instances/{id}), snapshots (list, create, roll back, delete) and
// live resource usage (GET /lxc/instances/{id}/resources).
import { api } from '../api.js'
import { clear, confirmDialog, field, h, notice, openDialog, showError } from '../dom.js'
import { bytes, duration, percent, usedOf } from '../format.js'

const SNAPSHOT_NAME = /^[A-Za-z][A-Za-z0-9_-]{1,39}$/

function defaultSnapshotName() {
  const d = new Date()
  const p = (n) => String(n).padStart(2, '0')
  return `snap-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`
}

/** Asks for a name and description, then creates the snapshot. Resolves to the result, or null when cancelled. */
export async function snapshotDialog(x) {
  const name = h('input', { type: 'text', value: defaultSnapshotName(), required: true, maxlength: '40', autocomplete: 'off', name: 'snapshot_name' })
  const description = h('input', { type: 'text', maxlength: '8192', autocomplete: 'off', name: 'description' })
  const values = await openDialog({
    title: `Snapshot of ${x.instance_id} (${x.hostname})`,
    body: h(
      'div',
      { class: 'form-grid' },
      field('Name', name, '2–40 characters: a letter, then letters, digits, _ or -'),
      field('Description (optional)', description),
    ),
    confirmLabel: 'Create snapshot',
    validate: () => (SNAPSHOT_NAME.test(name.value) && !['current', 'vzdump'].includes(name.value) ? null : 'Invalid snapshot name.'),
    collect: () => ({ snapshot_name: name.value, description: description.value || undefined }),
  })
  if (!values) return null
  return api('POST', `/lxc/instances/${encodeURIComponent(x.instance_id)}/snapshots`, { body: { ...values, region: x.region, az: x.az } })
}

/** Returns {el, reload}. */
export function containerDetails(x, { onClose, onChange }) {
  const where = { region: x.region, az: x.az }
  const base = `/lxc/instances/${encodeURIComponent(x.instance_id)}`
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' })
  const info = h('div', { class: 'details-info' })
  const snaps = h('div', { class: 'details-snaps' })
  const resources = h('div', { class: 'details-resources' })
  const el = h(
    'section',
    { class: 'card details', id: 'container-details', 'aria-label': `Container ${x.instance_id}` },
    h(
      'header',
      { class: 'card-head' },
      h('h3', {}, `Container ${x.instance_id} — ${x.hostname}`, h('small', { class: 'muted', text: ` ${x.region} / ${x.az}` })),
      h(
        'div',
        { class: 'toolbar' },
        h('button', { type: 'button', class: 'small secondary', text: 'Refresh', onclick: () => load() }),
        h('button', { type: 'button', class: 'small secondary', text: 'Resources', onclick: () => loadResources() }),
        h('button', { type: 'button', class: 'small secondary', text: 'Close', onclick: onClose }),
      ),
    ),
    status,
    info,
    resources,
    snaps,
  )

  async function load() {
    notice(status, 'busy', 'Loading…')
    const [d, s] = await Promise.all([api('GET', base, { query: where }), api('GET', `${base}/snapshots`, { query: where })])
    if (!d.ok) return showError(status, d)
    clear(status)
    clear(info, describe(d.body))
    if (!s.ok) return showError(snaps, s, 'Snapshots')
    clear(snaps, snapshotList(s.body))
  }

  async function loadResources() {
    notice(resources, 'busy', 'Reading resource usage…')
    const r = await api('GET', `${base}/resources`, { query: where })
    if (!r.ok) return showError(resources, r)
    const v = r.body
    clear(
      resources,
      h('h4', { text: 'Resource usage' }),
      h(
        'dl',
        { class: 'kv' },
        [
          ['CPU', `${percent(v.cpu?.usage_percent)} of ${v.cpu?.cpus ?? '?'}`],
          ['Memory', `${usedOf(v.memory?.used_bytes, v.memory?.max_bytes)} (${percent(v.memory?.usage_percent)})`],
          ['Swap', usedOf(v.swap?.used_bytes, v.swap?.max_bytes)],
          ['Disk', `${usedOf(v.disk?.used_bytes, v.disk?.max_bytes)} (${percent(v.disk?.usage_percent)})`],
          ['Network', `in ${bytes(v.network?.in_bytes)} · out ${bytes(v.network?.out_bytes)}`],
          ['Disk I/O', `read ${bytes(v.disk_io?.read_bytes)} · write ${bytes(v.disk_io?.write_bytes)}`],
          ['Sampled', v.sampled_at ?? '–'],
        ].map(([k, val]) => [h('dt', { text: k }), h('dd', { text: val })]),
      ),
    )
  }

  function describe(d) {
    const c = d.config ?? {}
    const nets = (c.net ?? []).map((n) => `${n.id}: ${n.name ?? ''} ${n.ip ?? ''}${n.gw ? ` gw ${n.gw}` : ''}${n.bridge ? ` (${n.bridge})` : ''}`.trim())
    const rows = [
      ['Status', `${d.status}${d.lock ? ` (lock: ${d.lock})` : ''}`],
      ['Size', d.size ?? 'custom'],
      ['Memory', `${c.memory_mb ?? '?'} MiB · swap ${c.swap_mb ?? '?'} MiB`],
      ['CPU', `${c.cores ?? 'all'} cores · limit ${c.cpulimit || 'none'}`],
      ['Root disk', c.rootfs ? `${c.rootfs.volume} (${c.rootfs.size ?? '?'})` : '–'],
      ['Network', nets.join('; ') || '–'],
      ['OS', `${c.ostype ?? '?'} ${c.arch ?? ''}`.trim()],
      ['Uptime', duration(d.uptime_seconds)],
      ['Unprivileged', c.unprivileged ? 'yes' : 'no'],
      ['Tags', (d.tags ?? []).join(', ') || '–'],
    ]
    return h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]))
  }

  function snapshotList(body) {
    const list = body.snapshots ?? []
    const actionStatus = h('div', { 'aria-live': 'polite' })
    const take = h('button', {
      type: 'button',
      class: 'small',
      text: 'Take snapshot',
      onclick: async () => {
        const r = await snapshotDialog(x)
        if (!r) return
        if (!r.ok) return showError(actionStatus, r)
        await load()
      },
    })
    const rollback = async (s) => {
      const ok = await confirmDialog({
        title: `Roll back ${x.instance_id} to '${s.name}'?`,
        body: 'The container is stopped and its state replaced by the snapshot; changes since then are lost.',
        confirmLabel: 'Roll back',
        danger: true,
      })
      if (!ok) return
      notice(actionStatus, 'busy', `Rolling back to '${s.name}'…`)
      const r = await api('POST', `${base}/snapshots/${encodeURIComponent(s.name)}/rollback`, { body: where })
      if (!r.ok) return showError(actionStatus, r)
      // The list refresh reloads this panel too.
      if (onChange) onChange()
      else await load()
    }
    const remove = async (s) => {
      const ok = await confirmDialog({ title: `Delete snapshot '${s.name}'?`, body: 'The snapshot is removed; the container is not changed.', confirmLabel: 'Delete', danger: true })
      if (!ok) return
      notice(actionStatus, 'busy', `Deleting '${s.name}'…`)
      const r = await api('DELETE', `${base}/snapshots/${encodeURIComponent(s.name)}`, { query: where })
      if (!r.ok) return showError(actionStatus, r)
      await load()
    }
    return h(
      'div',
      {},
      h('div', { class: 'sub-head' }, h('h4', { text: `Snapshots (${list.length})` }), take),
      actionStatus,
      list.length
        ? h(
            'ul',
            { class: 'snap-list' },
            list.map((s) =>
              h(
                'li',
                { dataset: { snapshot: s.name } },
                h('span', { class: 'snap-name', text: s.name }),
                s.current ? h('span', { class: 'pill running', text: 'current' }) : null,
                h('span', { class: 'muted', text: ` ${s.created_at ?? ''}${s.description ? ` — ${s.description}` : ''}` }),
                h(
                  'span',
                  { class: 'snap-actions' },
                  h('button', { type: 'button', class: 'small secondary', text: 'Roll back', onclick: () => rollback(s) }),
                  h('button', { type: 'button', class: 'small danger-outline', text: 'Delete', onclick: () => remove(s) }),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted', text: 'No snapshots.' }),
    )
  }

  load()
  return { el, reload: load }
}
