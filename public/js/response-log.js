// The "Responses" panel: every API call, newest first, with its status,
// timing, request body (secrets masked) and the response as formatted JSON.
import { onResponse } from './api.js'
import { clear, h } from './dom.js'
import { ms, time } from './format.js'
import { jsonView, maskSecrets } from './json-view.js'

const MAX_ENTRIES = 50

export function mountResponseLog(panel) {
  const list = h('ol', { class: 'log-list', reversed: true })
  const count = h('span', { class: 'badge', text: '0' })
  const empty = h('p', { class: 'muted', text: 'Responses of every call appear here.' })
  const entries = new Map()
  panel.append(
    h(
      'div',
      { class: 'log-head' },
      h('h2', {}, 'Responses ', count),
      h('button', {
        type: 'button',
        class: 'small secondary',
        text: 'Clear',
        onclick: () => {
          clear(list)
          entries.clear()
          count.textContent = '0'
          empty.hidden = false
        },
      }),
    ),
    empty,
    list,
  )

  onResponse((r) => {
    empty.hidden = true
    const kind = r.status === 0 ? 'err' : r.ok ? 'ok' : r.status >= 500 ? 'err' : 'warn'
    const item = h(
      'li',
      { class: 'log-entry', dataset: { id: r.id, status: r.status } },
      h(
        'details',
        {},
        h(
          'summary',
          {},
          h('span', { class: `log-status s-${kind}`, text: r.status || 'ERR' }),
          h('span', { class: 'method', text: r.method }),
          h('span', { class: 'url', text: r.url }),
          h('span', { class: 'meta', text: `${ms(r.durationMs)} · ${time(r.at)}` }),
        ),
        r.requestBody !== undefined ? h('div', { class: 'log-section' }, h('h3', { text: 'Request body' }), jsonView(maskSecrets(r.requestBody))) : null,
        h('div', { class: 'log-section' }, h('h3', { text: `Response ${r.status || ''}` }), r.status ? jsonView(r.body) : jsonView(r.error)),
      ),
    )
    list.prepend(item)
    entries.set(r.id, item)
    count.textContent = String(entries.size)
    while (entries.size > MAX_ENTRIES) {
      const [oldest, el] = entries.entries().next().value
      el.remove()
      entries.delete(oldest)
    }
  })

  document.addEventListener('lws:reveal', (e) => {
    const item = entries.get(e.detail)
    if (!item) return
    panel.classList.add('open')
    const details = item.querySelector('details')
    details.open = true
    item.scrollIntoView({ block: 'nearest', behavior: 'smooth' })
    details.querySelector('summary').focus({ preventScroll: true })
  })
}
