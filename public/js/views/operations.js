// "All operations": every operation of the OpenAPI document
// (/api/v1/docs/json), grouped by tag, each with a form built from its
// parameters and body schema. Plugins' new routes appear here by themselves.
import { describeError, request } from '../api.js'
import { clear, confirmDialog, h, jsonLink, notice, showError } from '../dom.js'
import { ms } from '../format.js'
import { jsonView } from '../json-view.js'
import { operationForm } from '../openapi-forms.js'
import { loadConfig } from '../zones.js'

const DOC_URL = '/api/v1/docs/json'
const METHODS = ['get', 'post', 'put', 'patch', 'delete']
const DANGEROUS = /terminate|reboot|rollback|destroy|delete/i

/** The path as text with line-break opportunities after each '/'. */
function breakable(path) {
  return path.split('/').flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), `/${part}`]))
}

export function operationsView() {
  const search = h('input', { type: 'search', id: 'ops-search', placeholder: 'Filter operations…', 'aria-label': 'Filter operations', autocomplete: 'off' })
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' })
  const list = h('div', { class: 'ops-list' })
  const el = h(
    'section',
    { class: 'view', id: 'view-operations', 'aria-labelledby': 'ops-title' },
    h(
      'div',
      { class: 'view-head' },
      h('h2', { id: 'ops-title', text: 'All operations' }),
      h('div', { class: 'toolbar' }, search, h('a', { href: '/api/v1/docs', target: '_blank', rel: 'noopener', class: 'button secondary', text: 'Swagger UI' })),
    ),
    h('p', { class: 'muted', text: 'Generated from the OpenAPI document: every route of the core and of each plugin, with a form per operation.' }),
    status,
    list,
  )
  let doc = null
  let suggestions = {}

  async function load() {
    notice(status, 'busy', 'Reading the OpenAPI document…')
    const r = await request('GET', DOC_URL)
    if (!r.ok || !r.body?.paths) return showError(status, r, 'Could not read the OpenAPI document')
    doc = r.body
    clear(status)
    loadSuggestions()
    render()
  }

  /** Region, AZ and size names offered in the forms (needs the key; forms work without them). */
  async function loadSuggestions() {
    const cfg = await loadConfig()
    if (!cfg.ok) return
    suggestions = {
      region: [...new Set(cfg.zones.map((z) => z.region))],
      az: [...new Set(cfg.zones.map((z) => z.az))],
      size: cfg.sizes.map((s) => s.name),
    }
  }

  function operations() {
    const ops = []
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const m of METHODS) if (item[m]) ops.push({ method: m.toUpperCase(), path, op: { ...item[m], parameters: [...(item.parameters ?? []), ...(item[m].parameters ?? [])] } })
    }
    return ops
  }

  function render() {
    const byTag = new Map()
    for (const o of operations()) {
      const tag = o.op.tags?.[0] ?? 'other'
      if (!byTag.has(tag)) byTag.set(tag, [])
      byTag.get(tag).push(o)
    }
    const tagInfo = new Map((doc.tags ?? []).map((t) => [t.name, t.description]))
    clear(
      list,
      [...byTag.entries()].map(([tag, ops]) =>
        h(
          'section',
          { class: 'op-group', dataset: { tag } },
          h('h3', {}, tag, tagInfo.get(tag) ? h('small', { class: 'muted', text: ` — ${tagInfo.get(tag)}` }) : null),
          ops.map(opEntry),
        ),
      ),
    )
    applyFilter()
  }

  function opEntry({ method, path, op }) {
    const details = h(
      'details',
      { class: 'op', dataset: { op: `${method} ${path}`, search: `${method} ${path} ${op.summary ?? ''} ${op.operationId ?? ''}`.toLowerCase() } },
      h(
        'summary',
        {},
        h('span', { class: `method m-${method.toLowerCase()}`, text: method }),
        h('code', { class: 'op-path' }, breakable(path)),
        h('span', { class: 'op-summary', text: op.summary ?? '' }),
      ),
    )
    details.addEventListener('toggle', () => {
      if (details.open && details.childElementCount === 1) details.append(opBody(method, path, op))
    })
    return details
  }

  function opBody(method, path, op) {
    const form = operationForm(path, op, { doc, suggest: (name) => suggestions[name] })
    const out = h('div', { class: 'op-result', 'aria-live': 'polite' })
    const send = h('button', { type: 'submit', class: 'primary', text: `Send ${method}` })
    const f = h(
      'form',
      { class: 'op-body' },
      op.description ? h('p', { class: 'op-desc', text: op.description }) : null,
      form.el,
      h('div', { class: 'form-actions' }, send),
      out,
    )
    f.addEventListener('submit', async (e) => {
      e.preventDefault()
      if (!f.reportValidity()) return
      let req
      try {
        req = form.build()
      } catch (err) {
        return notice(out, 'error', err.message)
      }
      if (method === 'DELETE' || DANGEROUS.test(path)) {
        const ok = await confirmDialog({
          title: `${method} ${req.path}?`,
          body: op.summary ? `${op.summary}. This changes or destroys something on the hosts.` : 'This changes or destroys something on the hosts.',
          confirmLabel: 'Send',
          danger: true,
        })
        if (!ok) return
      }
      send.disabled = true
      notice(out, 'busy', `${method} ${req.path}…`)
      const r = await request(method, req.path, { query: req.query, body: req.body })
      send.disabled = false
      clear(
        out,
        h(
          'div',
          { class: ['notice', r.ok ? 'ok' : 'error'] },
          h('span', { class: 'notice-text', text: r.ok ? `${r.status} OK · ${ms(r.durationMs)}` : `${describeError(r)} · ${ms(r.durationMs)}` }),
          jsonLink(r),
        ),
        r.status ? jsonView(r.body) : null,
      )
    })
    return f
  }

  function applyFilter() {
    const q = search.value.trim().toLowerCase()
    for (const d of list.querySelectorAll('details.op')) d.hidden = q !== '' && !q.split(/\s+/).every((w) => d.dataset.search.includes(w))
    for (const g of list.querySelectorAll('.op-group')) g.hidden = ![...g.querySelectorAll('details.op')].some((d) => !d.hidden)
  }
  search.addEventListener('input', applyFilter)

  return {
    id: 'operations',
    title: 'Operations',
    el,
    show() {
      if (!doc) load()
    },
    refresh() {
      if (!doc) load()
      else loadSuggestions()
    },
  }
}
