/**
 * Operations that can answer with a stream instead of JSON. Elysia only sees
 * the JSON schema of these routes (a Response skips it), so the stream forms
 * are declared here, by operationId, with the events the handlers send
 * (plugins/app/routes/setup.ts, plugins/app/stream.ts; a test checks the
 * names against the code).
 */

import { OPERATION_STREAMS } from '../../operations/openapi.ts'

/** A JSON Schema fragment; `$ref`s name components of the document. */
type Schema = Record<string, unknown>

export interface StreamEvent {
  /** The SSE `event:` name; `message` is the unnamed default event. */
  name: string
  description: string
  /** What `data:` carries: text, or JSON of this schema. */
  data: Schema
}

export interface StreamForm {
  /** When the answer is a stream rather than the JSON document. */
  when: string
  /** Server-Sent Events, when the client asks with `Accept: text/event-stream`. */
  events: StreamEvent[]
  /** Also answers as chunked `text/plain` (the raw output) without that Accept. */
  plainText?: string
}

const json = (schema: Schema): Schema => ({ type: 'string', contentMediaType: 'application/json', contentSchema: schema })

/** Inline so the stream's error event need not be an API component of its own. */
const STREAM_ERROR: Schema = {
  type: 'object',
  required: ['status_code', 'error', 'details', 'return_code', 'code'],
  additionalProperties: false,
  properties: {
    status_code: { type: 'integer', description: 'The HTTP status this failure has as a JSON answer' },
    error: { type: 'string' },
    details: { type: 'string' },
    return_code: { type: 'integer' },
    code: { $ref: '#/components/schemas/Error/properties/code' },
  },
}

export const STREAMS: Readonly<Record<string, StreamForm>> = {
  // GET /operations/{id}/log?follow=true and GET /events (src/operations/streams.ts).
  ...OPERATION_STREAMS,
  setupApp: {
    when: 'With `Accept: text/event-stream` or `stream: true` the installation progress is streamed; the installation goes on if the client disconnects.',
    events: [
      {
        name: 'step',
        description: 'A step finished (or, with dry_run, is planned): JSON of one entry of `steps`.',
        data: json({ $ref: '#/components/schemas/AppSetupResult/properties/steps/items' }),
      },
      { name: 'log', description: 'Output of the running step, as it comes (text).', data: { type: 'string' } },
      { name: 'result', description: 'The last event on success: JSON of the JSON answer.', data: json({ $ref: '#/components/schemas/AppSetupResult' }) },
      { name: 'error', description: 'The last event on failure: JSON of an error body plus its HTTP status.', data: json(STREAM_ERROR) },
    ],
  },
  getAppLogs: {
    when: 'With `follow=true` the answer stays open and delivers new log lines until the client disconnects (the remote `docker logs -f` is then killed).',
    events: [
      { name: 'message', description: 'One log line (unnamed event: `data:` only).', data: { type: 'string' } },
      {
        name: 'end',
        description: 'The Docker container stopped and the log ended: JSON with the exit code of `docker logs` (and its stderr, if any).',
        data: json({
          type: 'object',
          required: ['exit_code'],
          additionalProperties: false,
          properties: { exit_code: { type: 'integer' }, stderr: { type: 'string' } },
        }),
      },
    ],
    plainText: 'Without `Accept: text/event-stream`: the log text itself, chunked as it is written.',
  },
}
