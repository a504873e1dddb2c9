/**
 * The TypeBox builder plugins receive as `ctx.t`: Elysia's `t` with one
 * change. Elysia's `t.Integer` is a transform that also accepts a numeric
 * string (`"5"`, and `"0x10"`, `" 1e1"`) anywhere, so a JSON body could send
 * `count: "5"` and the document said `string | integer`. Here `Integer` is
 * TypeBox's own: a JSON integer and nothing else. Query and path values are
 * text by nature; the request contract converts canonical decimal integers
 * for them (request-contract.ts), so `?lines=5` keeps working.
 */
import { Type, type IntegerOptions } from '@sinclair/typebox'
import { t as elysiaT } from 'elysia'

const Integer = (options?: IntegerOptions) => Type.Integer(options)

export const t: typeof elysiaT = Object.assign({}, elysiaT, {
  // Same static type (number); only the schema (and what it accepts) differs.
  Integer: Integer as unknown as typeof elysiaT.Integer,
})
