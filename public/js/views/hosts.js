// Hosts view: every configured AZ with reachability and version
// (GET /px/hosts); per host its resource usage (GET /px/status) and a
// reboot with confirmation (POST /px/reboot).
import { api } from '../api.js'
import { clear, confirmDialog, h, notice, showError } from '../dom.js'
import { bytes, duration, percent, ratio, time, usedOf } from '../format.js'

export function hostsView() {
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' })
  const grid = h('div', { class: 'host-grid' })
  const refreshButton = h('button', { type: 'button', class: 'primary', text: 'Refresh', onclick: () => refresh() })
  const el = h(
    'section',
    { class: 'view', id: 'view-hosts', 'aria-labelledby': 'hosts-title' },
    h('div', { class: 'view-head' }, h('h2', { id: 'hosts-title', text: 'Proxmox hosts' }), h('div', { class: 'toolbar' }, refreshButton)),
    status,
    grid,
  )
  let loaded = false

  async function refresh() {
    refreshButton.disabled = true
    notice(status, 'busy', 'Checking hosts…')
    const r = await api('GET', '/px/hosts')
    refreshButton.disabled = false
    loaded = true
    if (!r.ok) {
      clear(grid)
      return showError(status, r)
    }
    const { hosts = [], total = 0, reachable = 0 } = r.body
    notice(status, reachable === total ? 'ok' : 'error', `${reachable} of ${total} host(s) reachable · checked ${time(new Date())}`, r)
    clear(grid, hosts.map(hostCard))
  }

  function hostCard(x) {
    const detail = h('div', { class: 'host-detail' })
    const where = { region: x.region, az: x.az }
    const statusButton = h('button', { type: 'button', class: 'small', text: 'Status', disabled: !x.reachable, onclick: () => loadStatus() })
    async function loadStatus() {
      statusButton.disabled = true
      notice(detail, 'busy', 'Reading host status…')
      const r = await api('GET', '/px/status', { query: where })
      statusButton.disabled = false
      if (!r.ok) return showError(detail, r)
      clear(detail, statusPanel(r.body))
    }
    async function reboot() {
      const ok = await confirmDialog({
        title: `Reboot ${x.node ?? x.host}?`,
        body: `The Proxmox host of ${x.region} / ${x.az} (${x.host}) will reboot. Every container on it goes down with it.`,
        confirmLabel: 'Reboot host',
        danger: true,
      })
      if (!ok) return
      const r = await api('POST', '/px/reboot', { body: { ...where, confirm: true } })
      if (!r.ok) return showError(detail, r)
      notice(detail, 'ok', r.body.output ?? 'Reboot requested', r)
    }
    const rows = [
      ['Host', `${x.host}${x.auth === 'local' ? ' (local)' : `:${x.ssh_port}`}`],
      ['Node', x.node ?? '–'],
      ['Proxmox VE', x.pve_version ?? '–'],
      ['Kernel', x.kernel ?? '–'],
      ['Round trip', x.rtt_ms === null || x.rtt_ms === undefined ? '–' : `${x.rtt_ms} ms`],
      ['Login', `${x.user} · ${x.auth}${x.host_key_pinned ? ' · host key pinned' : ''}`],
    ]
    return h(
      'article',
      { class: ['card', 'host', x.reachable ? 'up' : 'down'], dataset: { zone: `${x.region}/${x.az}` } },
      h(
        'header',
        { class: 'card-head' },
        h('h3', {}, `${x.region} / ${x.az}`),
        h('span', { class: ['pill', x.reachable ? 'running' : 'stopped'], text: x.reachable ? 'reachable' : 'unreachable' }),
      ),
      h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
      x.error ? h('p', { class: 'notice error', text: x.error }) : null,
      h(
        'div',
        { class: 'card-actions' },
        statusButton,
        h('button', { type: 'button', class: 'small danger-outline', text: 'Reboot…', disabled: !x.reachable, onclick: reboot }),
      ),
      detail,
    )
  }

  return {
    id: 'hosts',
    title: 'Hosts',
    el,
    show() {
      if (!loaded) refresh()
    },
    refresh,
  }
}

function meterRow(label, used, max, text) {
  return h(
    'div',
    { class: 'meter-row' },
    h('span', { class: 'meter-label', text: label }),
    h('meter', { min: '0', max: '1', low: '0.7', high: '0.9', optimum: '0', value: String(ratio(used, max)) }),
    h('span', { class: 'meter-text', text }),
  )
}

function statusPanel(s) {
  const cpuRatio = (s.cpu?.usage_percent ?? 0) / 100
  return h(
    'div',
    { class: 'status-panel' },
    h(
      'div',
      { class: 'meters' },
      h(
        'div',
        { class: 'meter-row' },
        h('span', { class: 'meter-label', text: 'CPU' }),
        h('meter', { min: '0', max: '1', low: '0.7', high: '0.9', optimum: '0', value: String(cpuRatio) }),
        h('span', { class: 'meter-text', text: `${percent(s.cpu?.usage_percent)} of ${s.cpu?.cpus ?? '?'}` }),
      ),
      meterRow('Memory', s.memory?.used_bytes, s.memory?.total_bytes, usedOf(s.memory?.used_bytes, s.memory?.total_bytes)),
      meterRow('Swap', s.swap?.used_bytes, s.swap?.total_bytes, usedOf(s.swap?.used_bytes, s.swap?.total_bytes)),
      meterRow('Root fs', s.rootfs?.used_bytes, s.rootfs?.total_bytes, usedOf(s.rootfs?.used_bytes, s.rootfs?.total_bytes)),
    ),
    h(
      'dl',
      { class: 'kv' },
      h('dt', { text: 'Containers' }),
      h('dd', { text: `${s.containers?.running ?? 0} running / ${s.containers?.total ?? 0}` }),
      h('dt', { text: 'Load' }),
      h('dd', { text: [s.load_average?.last_1m, s.load_average?.last_5m, s.load_average?.last_15m].map((v) => v ?? '–').join(' · ') }),
      h('dt', { text: 'Uptime' }),
      h('dd', { text: duration(s.uptime_seconds) }),
      h('dt', { text: 'CPU model' }),
      h('dd', { text: s.cpu?.model ?? '–' }),
    ),
    s.storage?.length
      ? h(
          'div',
          { class: 'meters' },
          h('h4', { text: 'Storage' }),
          s.storage.map((st) =>
            meterRow(
              `${st.storage}`,
              st.used_bytes,
              st.total_bytes,
              st.total_bytes ? `${usedOf(st.used_bytes, st.total_bytes)} · ${st.type}` : `${st.type}${st.active ? '' : ' (inactive)'} · ${bytes(st.avail_bytes)}`,
            ),
          ),
        )
      : null,
  )
}
