// LWS console entry: API key form, view switching (#hash), 401 banner.
// The key lives in localStorage and travels only in the X-API-Key header.
import { getKey, onKeyChange, onResponse, setKey } from './js/api.js'
import { clear, h, jsonLink } from './js/dom.js'
import { mountResponseLog } from './js/response-log.js'
import { containersView } from './js/views/containers.js'
import { createView } from './js/views/create.js'
import { execView } from './js/views/exec.js'
import { hostsView } from './js/views/hosts.js'
import { operationsView } from './js/views/operations.js'

const main = document.getElementById('main')
const tabs = document.getElementById('tabs')
const banner = document.getElementById('banner')
const keyForm = document.getElementById('key-form')
const keyInput = document.getElementById('api-key')
const keyState = document.getElementById('key-state')
const keyShow = document.getElementById('key-show')

mountResponseLog(document.getElementById('log'))

// Views that need the key load only once one is set.
const needsKey = new Set(['containers', 'create', 'hosts'])
const stale = new Set()
const navigate = (id, args) => {
  pendingArgs = args
  if (location.hash === `#${id}`) showView(id)
  else location.hash = id
}
let pendingArgs

const containers = containersView({ navigate })
const views = [
  containers,
  createView({ navigate, onCreated: () => stale.add('containers') }),
  hostsView(),
  execView({ containers }),
  operationsView(),
]
const byId = new Map(views.map((v) => [v.id, v]))
for (const v of views) {
  v.el.hidden = true
  main.append(v.el)
  tabs.append(h('a', { href: `#${v.id}`, class: 'tab', dataset: { view: v.id }, text: v.title }))
}

function showView(id) {
  const view = byId.get(id) ?? containers
  for (const v of views) v.el.hidden = v !== view
  for (const a of tabs.querySelectorAll('a')) {
    if (a.dataset.view === view.id) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  document.title = `${view.title} — LWS`
  const args = pendingArgs
  pendingArgs = undefined
  if (needsKey.has(view.id) && !getKey()) {
    stale.add(view.id)
    return
  }
  if (stale.has(view.id) && view.refresh) {
    stale.delete(view.id)
    view.refresh()
  } else view.show(args)
}

window.addEventListener('hashchange', () => showView(location.hash.slice(1)))

// --- API key -------------------------------------------------------------
/** not set | saved (not tried yet) | accepted | rejected — from the last authenticated call. */
function renderKeyState(state = getKey() ? 'saved' : 'not set') {
  keyState.textContent = state
  keyState.className = `key-state ${state === 'not set' ? 'missing' : state}`
  keyState.title = state === 'not set' ? '' : 'The key is kept in this browser (localStorage) and sent only in the X-API-Key header.'
  if (state === 'not set') showBanner('info', 'Enter the API key (the X-API-Key value from the server’s config or its start-up output) and press Save.')
}

keyInput.value = getKey()
keyForm.addEventListener('submit', (e) => {
  e.preventDefault()
  setKey(keyInput.value)
})
document.getElementById('key-forget').addEventListener('click', () => {
  keyInput.value = ''
  setKey('')
})
keyShow.addEventListener('click', () => {
  const show = keyInput.type === 'password'
  keyInput.type = show ? 'text' : 'password'
  keyShow.textContent = show ? 'Hide' : 'Show'
  keyShow.setAttribute('aria-pressed', String(show))
})

onKeyChange(() => {
  hideBanner()
  renderKeyState()
  for (const v of views) if (v.refresh) stale.add(v.id)
  showView(location.hash.slice(1))
})

// --- 401 banner ----------------------------------------------------------
function showBanner(kind, text, result) {
  clear(banner, h('span', { class: 'notice-text', text }), result ? jsonLink(result) : null)
  banner.className = `banner ${kind}`
  banner.hidden = false
}
function hideBanner() {
  banner.hidden = true
  clear(banner)
}

onResponse((r) => {
  if (!getKey()) return
  if (r.status === 401) {
    renderKeyState('rejected')
    showBanner('error', `API key rejected (${r.status} ${r.error?.error ?? ''}). Check the key and press Save.`, r)
    return
  }
  // Only an authenticated route proves the key (the docs and /health are public).
  if (r.status && r.status !== 401 && !/^\/api\/v1\/(docs|health)/.test(r.url)) {
    renderKeyState('accepted')
    if (banner.classList.contains('error')) hideBanner()
  }
})

renderKeyState()
if (!location.hash) history.replaceState(null, '', '#containers')
showView(location.hash.slice(1))
