/**
 * The streaming answers of the operations API, declared for the OpenAPI
 * document the way src/http/openapi/streams.ts declares the plugins' (that
 * table spreads this one). Event names are the ones streams.ts sends.
 */
import type { StreamForm } from '../http/openapi/streams.ts'

type Schema = Record<string, unknown>
const json = (schema: Schema): Schema => ({ type: 'string', contentMediaType: 'application/json', contentSchema: schema })
const REF = '#/components/schemas/'

export const OPERATION_STREAMS: Readonly<Record<string, StreamForm>> = {
  getOperationLog: {
    when: 'With `follow=true` the lines are streamed instead: the stored ones after `offset` (or after `Last-Event-ID`), then new ones as the operation writes them, then `end`.',
    events: [
      { name: 'message', description: 'One log line (unnamed event: `data:` is its text, `id:` its line number).', data: { type: 'string' } },
      {
        name: 'end',
        description: 'The operation has ended: JSON with its final status and the number of the last line.',
        data: json({
          type: 'object',
          required: ['status', 'lines'],
          additionalProperties: false,
          properties: { status: { $ref: `${REF}Operation/properties/status` }, lines: { type: 'integer' } },
        }),
      },
    ],
  },
  streamEvents: {
    when: 'Unless the client asks for `Accept: application/json` only, the answer is a stream that stays open: stored events after `Last-Event-ID` (or `after`), then live ones; a comment line every 15 s keeps it open.',
    events: [
      {
        name: 'operation',
        description: 'An operation was created, made progress or finished: JSON `{at, action, operation}`; `id:` is the event id.',
        data: json({
          type: 'object',
          required: ['at', 'action', 'operation'],
          additionalProperties: false,
          properties: {
            at: { type: 'string', format: 'date-time' },
            action: { type: 'string', enum: ['created', 'progress', 'finished'] },
            operation: { $ref: `${REF}Operation` },
          },
        }),
      },
      {
        name: 'instance',
        description: 'A container changed state, by LWS or as LWS saw it in a read: JSON `{at, ...}` with the change.',
        data: json({ type: 'object', description: '`at` (date-time) and the fields of the change', additionalProperties: {} }),
      },
    ],
  },
}
