// Minimal console: operations come from the OpenAPI document, so new plugin
// routes appear without changes here. The key lives in localStorage, never in a URL.
const keyInput = document.getElementById('api-key')
const out = document.getElementById('output')
const nav = document.getElementById('ops')
keyInput.value = localStorage.getItem('lws-api-key') ?? ''

document.getElementById('key-form').addEventListener('submit', (e) => {
  e.preventDefault()
  localStorage.setItem('lws-api-key', keyInput.value)
  out.textContent = 'Key saved.'
})

async function call(method, path) {
  const res = await fetch(path, { method, headers: { 'X-API-Key': keyInput.value } })
  const body = await res.json().catch(() => ({}))
  out.className = res.ok ? '' : 'error'
  out.textContent = `${method} ${path} → ${res.status}\n\n` + JSON.stringify(body, null, 2)
}

const spec = await fetch('/api/v1/docs/json').then((r) => r.json()).catch(() => null)
for (const [path, ops] of Object.entries(spec?.paths ?? {})) {
  if (!ops.get || path.includes('{')) continue
  const b = document.createElement('button')
  b.textContent = ops.get.summary ?? path
  b.onclick = () => call('GET', path)
  nav.append(b)
}
