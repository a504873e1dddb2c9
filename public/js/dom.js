// DOM helpers. Every value from the API goes in as text (text nodes,
// textContent, attributes): nothing here parses HTML.
import { describeError } from './api.js'

/**
 * h('button', {class: 'x', onclick: fn, type: 'button', dataset: {id: 1}}, 'text', child, [more])
 * Props starting with "on" are listeners; `class`, `text`, `dataset` are special; others are attributes
 * (false/null/undefined leaves the attribute out, true sets it empty).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue
    if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v
    else if (k === 'text') el.textContent = String(v)
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v)
    else if (k === 'value' && 'value' in el) el.value = String(v)
    else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = Boolean(v)
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  return el
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    if (Array.isArray(c)) append(el, c)
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
}

export function clear(el, ...children) {
  el.replaceChildren()
  append(el, children)
  return el
}

/** A small labelled form field: <label><span>text</span>control<small>hint</small></label>. */
export function field(labelText, control, hint, { full = false } = {}) {
  return h('label', { class: ['field', full && 'full'] }, h('span', { class: 'field-label' }, labelText), control, hint ? h('small', { class: 'hint' }, hint) : null)
}

/** A button that shows the response in the log. */
export function jsonLink(result, label = 'View JSON') {
  return h('button', {
    type: 'button',
    class: 'link',
    text: label,
    onclick: () => document.dispatchEvent(new CustomEvent('lws:reveal', { detail: result.id })),
  })
}

/**
 * Shows a message in `el` (role=status): kind is ok | error | info | busy.
 * With a result, an error shows the API's error, and a "View JSON" link is added.
 */
export function notice(el, kind, message, result) {
  const text = kind === 'error' && result?.error && !message ? describeError(result) : message
  clear(el, h('div', { class: `notice ${kind}` }, h('span', { class: 'notice-text' }, text), result ? jsonLink(result) : null))
  return el
}

/** Error from a result, as a notice. */
export function showError(el, result, prefix) {
  return notice(el, 'error', prefix ? `${prefix}: ${describeError(result)}` : describeError(result), result)
}

let dialog
function dialogShell() {
  if (dialog) return dialog
  dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title' })
  document.body.append(dialog)
  return dialog
}

/**
 * Modal dialog. `body` is a node (or text); `fields` are read by `collect()`
 * when the confirm button is pressed. Resolves to collect()'s value, or null when cancelled.
 */
export function openDialog({ title, body, confirmLabel = 'OK', danger = false, collect = () => true, validate }) {
  const d = dialogShell()
  return new Promise((resolve) => {
    const error = h('p', { class: 'dialog-error', role: 'alert' })
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'dialog-title', text: title }),
      typeof body === 'string' ? h('p', { text: body }) : body,
      error,
      h(
        'div',
        { class: 'dialog-buttons' },
        h('button', { type: 'button', class: 'secondary', value: 'cancel', text: 'Cancel', onclick: () => finish(null) }),
        h('button', { type: 'submit', class: danger ? 'danger' : 'primary', value: 'ok', text: confirmLabel }),
      ),
    )
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      const problem = validate?.()
      if (problem) {
        error.textContent = problem
        return
      }
      finish(collect())
    })
    const onCancel = (e) => {
      e.preventDefault()
      finish(null)
    }
    d.addEventListener('cancel', onCancel)
    function finish(value) {
      d.removeEventListener('cancel', onCancel)
      d.close()
      resolve(value)
    }
    clear(d, form)
    d.showModal()
    const first = form.querySelector('input, select, textarea') ?? form.querySelector('button[type=submit]')
    first?.focus()
  })
}

export const confirmDialog = (opts) => openDialog(opts).then((v) => v === true)
