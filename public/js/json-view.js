// Formatted, colour-coded JSON as DOM nodes (text only), with a copy button.
import { h } from './dom.js'

const SECRET = /pass(word)?|secret|token|api_?key/i

/** A copy of `value` whose secret-looking fields are masked (for showing request bodies). */
export function maskSecrets(value) {
  if (Array.isArray(value)) return value.map(maskSecrets)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET.test(k) && typeof v === 'string' ? '********' : maskSecrets(v)]))
  }
  return value
}

function token(cls, text) {
  return h('span', { class: `j-${cls}` }, text)
}

function build(value, indent, out) {
  const pad = '  '.repeat(indent)
  if (value === null) out.push(token('null', 'null'))
  else if (typeof value === 'string') out.push(token('str', JSON.stringify(value)))
  else if (typeof value === 'number') out.push(token('num', String(value)))
  else if (typeof value === 'boolean') out.push(token('bool', String(value)))
  else if (Array.isArray(value)) {
    if (value.length === 0) return out.push('[]')
    out.push('[\n')
    value.forEach((v, i) => {
      out.push(pad + '  ')
      build(v, indent + 1, out)
      out.push(i < value.length - 1 ? ',\n' : '\n')
    })
    out.push(pad + ']')
  } else if (typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0) return out.push('{}')
    out.push('{\n')
    entries.forEach(([k, v], i) => {
      out.push(pad + '  ', token('key', JSON.stringify(k)), ': ')
      build(v, indent + 1, out)
      out.push(i < entries.length - 1 ? ',\n' : '\n')
    })
    out.push(pad + '}')
  } else out.push(String(value))
  return out
}

/** <div class="json-view"><button>Copy</button><pre>…</pre></div> */
export function jsonView(value, { copy = true } = {}) {
  const pre = h('pre', { class: 'json', tabindex: '0' }, build(value, 0, []))
  if (!copy) return pre
  const button = h('button', {
    type: 'button',
    class: 'copy small secondary',
    text: 'Copy',
    onclick: async () => {
      const text = JSON.stringify(value, null, 2)
      try {
        await navigator.clipboard.writeText(text)
        button.textContent = 'Copied'
      } catch {
        // Clipboard API needs a secure context; select the text instead.
        getSelection()?.selectAllChildren(pre)
        button.textContent = 'Selected'
      }
      setTimeout(() => (button.textContent = 'Copy'), 1500)
    },
  })
  return h('div', { class: 'json-view' }, button, pre)
}
