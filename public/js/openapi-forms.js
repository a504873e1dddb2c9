// Forms generated from the OpenAPI document: one control per path/query
// parameter and per top-level body property, typed by its JSON schema, plus a
// raw-JSON mode for bodies. New endpoints get a form without changes here.
import { field, h } from './dom.js'

/** Follows a local $ref (#/components/schemas/X). */
export function deref(schema, doc) {
  let s = schema ?? {}
  for (let i = 0; i < 10 && s.$ref; i++) {
    s = s.$ref.startsWith('#/') ? s.$ref.slice(2).split('/').reduce((o, k) => o?.[decodeURIComponent(k.replace(/~1/g, '/').replace(/~0/g, '~'))], doc) ?? {} : {}
  }
  return s
}

// Elysia documents numeric/boolean coercion as an extra string variant
// ({type: string, format: integer}); that variant is never the one to fill in.
const isCoercion = (s) => s.type === 'string' && ['integer', 'numeric', 'number', 'boolean'].includes(s.format)

/** The schema to build a control for: anyOf/oneOf reduced to its first useful variant, nullable types reduced to their type. */
export function primary(schema, doc) {
  let s = deref(schema, doc)
  for (let i = 0; i < 5; i++) {
    const variants = s.anyOf ?? s.oneOf
    if (!variants) break
    const options = variants.map((v) => deref(v, doc)).filter((v) => v.type !== 'null' && !isCoercion(v))
    const pick = options[0] ?? deref(variants[0], doc)
    const { anyOf: _a, oneOf: _o, ...rest } = s
    s = { ...rest, ...pick, description: s.description ?? pick.description }
  }
  if (Array.isArray(s.type)) s = { ...s, type: s.type.find((t) => t !== 'null') ?? 'string' }
  if (!s.type && s.properties) s = { ...s, type: 'object' }
  if (!s.type && s.enum) s = { ...s, type: typeof s.enum[0] }
  return s
}

/** A pattern usable in <input pattern> (compiled with the v flag by browsers), or undefined. */
function htmlPattern(p) {
  if (!p) return undefined
  let src = p
  if (src.startsWith('^')) src = src.slice(1)
  if (src.endsWith('$') && !src.endsWith('\\$')) src = src.slice(0, -1)
  try {
    new RegExp(`^(?:${src})$`, 'v')
    return src
  } catch {
    return undefined
  }
}

const LONG_TEXT = /command|config|compose|script|description|content/i
const SECRET = /password|secret|token/i

/**
 * A labelled control for one value. Returns {el, read, name} where read()
 * gives the typed value, or undefined when left empty; it throws Error with
 * a message naming the field when the input cannot be converted.
 */
export function control(name, rawSchema, { required = false, doc, suggestions } = {}) {
  const s = primary(rawSchema, doc)
  const id = `f-${Math.random().toString(36).slice(2, 9)}`
  const hintParts = []
  if (s.description) hintParts.push(s.description)
  const example = s.examples?.[0] ?? s.example
  let input
  let read

  if (s.enum) {
    input = h('select', { id, name }, required ? null : h('option', { value: '' }, '(not set)'), s.enum.map((v) => h('option', { value: String(v) }, String(v))))
    read = () => (input.value === '' ? undefined : s.enum.find((v) => String(v) === input.value))
  } else if (s.type === 'boolean') {
    input = h('select', { id, name }, required ? null : h('option', { value: '' }, '(not set)'), h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'))
    if (s.default !== undefined && required) input.value = String(s.default)
    read = () => (input.value === '' ? undefined : input.value === 'true')
  } else if (s.type === 'integer' || s.type === 'number') {
    input = h('input', {
      id,
      name,
      type: 'number',
      step: s.type === 'integer' ? '1' : 'any',
      min: s.minimum,
      max: s.maximum,
      placeholder: example !== undefined ? String(example) : s.default !== undefined ? String(s.default) : undefined,
      inputmode: s.type === 'integer' ? 'numeric' : 'decimal',
    })
    read = () => {
      if (input.value.trim() === '') return undefined
      const n = Number(input.value)
      if (!Number.isFinite(n)) throw new Error(`${name}: not a number`)
      return n
    }
  } else if (s.type === 'array' && isPrimitive(primary(s.items, doc))) {
    const item = primary(s.items, doc)
    input = h('input', { id, name, type: 'text', autocomplete: 'off', placeholder: Array.isArray(example) ? example.join(', ') : 'a, b, c' })
    hintParts.push('comma-separated list')
    read = () => {
      const parts = input.value.split(/[\s,]+/).filter(Boolean)
      if (!parts.length) return undefined
      return parts.map((p) => {
        if (item.type === 'integer' || item.type === 'number') {
          const n = Number(p)
          if (!Number.isFinite(n)) throw new Error(`${name}: '${p}' is not a number`)
          return n
        }
        if (item.type === 'boolean') return p === 'true'
        return p
      })
    }
  } else if (s.type === 'string') {
    const long = LONG_TEXT.test(name) || (s.maxLength ?? 0) > 2000
    const attrs = {
      id,
      name,
      pattern: long ? undefined : htmlPattern(s.pattern),
      maxlength: s.maxLength,
      minlength: s.minLength,
      placeholder: example !== undefined ? String(example) : undefined,
      autocomplete: SECRET.test(name) ? 'new-password' : 'off',
      spellcheck: 'false',
    }
    input = long ? h('textarea', { ...attrs, rows: '3' }) : h('input', { ...attrs, type: SECRET.test(name) ? 'password' : 'text' })
    read = () => (input.value === '' ? undefined : input.value)
  } else {
    // objects, arrays of objects, anything else: JSON text.
    input = h('textarea', { id, name, rows: '4', spellcheck: 'false', class: 'mono', placeholder: example !== undefined ? JSON.stringify(example) : s.type === 'array' ? '[]' : '{}' })
    hintParts.push('JSON')
    read = () => {
      if (input.value.trim() === '') return undefined
      try {
        return JSON.parse(input.value)
      } catch (e) {
        throw new Error(`${name}: invalid JSON (${e.message})`)
      }
    }
  }
  if (required) input.required = true
  let shown = input
  if (suggestions?.length && input.tagName === 'INPUT' && input.type === 'text') {
    const listId = `${id}-list`
    input.setAttribute('list', listId)
    hintParts.unshift(`e.g. ${suggestions.slice(0, 4).join(', ')}`)
    shown = h('span', { class: 'with-list' }, input, h('datalist', { id: listId }, suggestions.map((v) => h('option', { value: v }))))
  }
  const label = h('span', {}, h('code', { text: name }), required ? h('span', { class: 'req', title: 'required', text: ' *' }) : null)
  return { name, el: field(label, shown, hintParts.join(' · ')), read }
}

function isPrimitive(s) {
  return ['string', 'integer', 'number', 'boolean'].includes(s.type) || Boolean(s.enum)
}

/**
 * The form of one operation. Returns {el, build} where build() gives
 * {path, query, body} (body undefined when the operation has none) or throws
 * an Error naming the bad field.
 */
export function operationForm(path, op, { doc, suggest = () => undefined } = {}) {
  const params = (op.parameters ?? []).map((p) => deref(p, doc)).filter((p) => p.in === 'path' || p.in === 'query')
  const paramControls = params.map((p) => ({
    in: p.in,
    c: control(p.name, { description: p.description, ...p.schema }, { required: p.required || p.in === 'path', doc, suggestions: suggest(p.name) }),
  }))
  const bodySchema = primary(op.requestBody?.content?.['application/json']?.schema, doc)
  const hasBody = Boolean(op.requestBody)
  const required = new Set(bodySchema.required ?? [])
  const bodyControls =
    hasBody && bodySchema.type === 'object' && bodySchema.properties
      ? Object.entries(bodySchema.properties).map(([name, sch]) => control(name, sch, { required: required.has(name), doc, suggestions: suggest(name) }))
      : []
  const rawMode = hasBody && !bodyControls.length
  const raw = h('textarea', { class: 'mono raw-body', rows: '6', spellcheck: 'false', name: 'raw-body', 'aria-label': 'JSON body', placeholder: '{}' })
  const rawToggle = h('input', { type: 'checkbox' })
  // A fieldset, so that disabling it (raw JSON mode) also takes its fields out of form validation.
  const fieldsBox = h('fieldset', { class: 'form-grid plain' }, bodyControls.map((c) => c.el))
  const rawBox = h('div', { class: 'raw-box', hidden: !rawMode }, raw)

  const readFields = () => {
    const body = {}
    for (const c of bodyControls) {
      const v = c.read()
      if (v !== undefined) body[c.name] = v
    }
    return body
  }
  rawToggle.addEventListener('change', () => {
    if (rawToggle.checked) {
      try {
        raw.value = JSON.stringify(readFields(), null, 2)
      } catch {
        /* keep what is there */
      }
    }
    fieldsBox.hidden = rawToggle.checked
    fieldsBox.disabled = rawToggle.checked
    rawBox.hidden = !rawToggle.checked
  })

  const el = h(
    'div',
    { class: 'op-form' },
    paramControls.length ? h('fieldset', {}, h('legend', { text: 'Parameters' }), h('div', { class: 'form-grid' }, paramControls.map((p) => p.c.el))) : null,
    hasBody
      ? h(
          'fieldset',
          {},
          h('legend', {}, 'Body ', bodyControls.length ? h('label', { class: 'inline-check' }, rawToggle, ' edit as JSON') : null),
          bodyControls.length ? fieldsBox : null,
          rawBox,
        )
      : null,
  )

  function build() {
    let url = path
    const query = {}
    for (const p of paramControls) {
      const v = p.c.read()
      if (p.in === 'path') {
        if (v === undefined || v === '') throw new Error(`${p.c.name}: required`)
        url = url.replace(`{${p.c.name}}`, encodeURIComponent(String(v)))
      } else if (v !== undefined) query[p.c.name] = Array.isArray(v) ? v.join(',') : v
    }
    let body
    if (hasBody) {
      if (rawMode || rawToggle.checked) {
        const text = raw.value.trim()
        try {
          body = text === '' ? (rawMode ? undefined : {}) : JSON.parse(text)
        } catch (e) {
          throw new Error(`body: invalid JSON (${e.message})`)
        }
      } else body = readFields()
    }
    return { path: url, query, body }
  }

  return { el, build }
}
