/**
 * GET /conf shows the loaded config with secrets masked; POST /conf/validate
 * checks the config file on disk (or a config sent in the body) and lists
 * every problem as `path: message`.
 */
import { Elysia, t } from 'elysia'
import { readFileSync } from 'node:fs'
import { ConfigError, type LwsConfig, parseConfigText, resolveConfig } from '../config/load.ts'
import { maskSecrets } from '../config/mask.ts'
import { errorResponses } from '../http/schemas.ts'

const ValidationResult = t.Object({
  valid: t.Boolean(),
  source: t.String({ description: 'What was validated: the config file path or "(request body)"' }),
  problems: t.Array(t.String(), { description: 'Each problem as `path: message`' }),
})

function check(raw: unknown, source: string): { valid: boolean; source: string; problems: string[] } {
  try {
    resolveConfig(raw, source, { env: {} })
    return { valid: true, source, problems: [] }
  } catch (err) {
    if (err instanceof ConfigError) return { valid: false, source, problems: err.problems }
    throw err
  }
}

export function confRoutes(config: LwsConfig) {
  return new Elysia({ name: 'lws-conf' })
    .get('/conf', () => ({ source: config.source, config: maskSecrets(config.raw) as Record<string, unknown> }), {
      response: {
        200: t.Object({
          source: t.String(),
          config: t.Record(t.String(), t.Unknown(), { description: 'The loaded config; every secret is masked' }),
        }),
        ...errorResponses(401),
      },
      detail: { tags: ['core'], summary: 'Show the current configuration (secrets masked)' },
    })
    .post(
      '/conf/validate',
      ({ body }) => {
        const given = body?.config
        if (given !== undefined) {
          return typeof given === 'string' ? checkText(given, '(request body)') : check(given, '(request body)')
        }
        if (config.source === '(inline)') return check(config.raw, config.source)
        try {
          return checkText(readFileSync(config.source, 'utf8'), config.source)
        } catch (err) {
          return { valid: false, source: config.source, problems: [`(file): cannot read: ${(err as NodeJS.ErrnoException).code}`] }
        }
      },
      {
        body: t.Optional(
          t.Object({
            config: t.Optional(
              t.Union([t.String({ description: 'YAML text' }), t.Record(t.String(), t.Unknown())], {
                description: 'A config to check instead of the file on disk',
              }),
            ),
          }),
        ),
        response: { 200: ValidationResult, ...errorResponses(400, 401) },
        detail: {
          tags: ['core'],
          summary: 'Validate the configuration',
          description: 'Without a body, re-reads and checks the config file the server was started with.',
        },
      },
    )
}

function checkText(text: string, source: string) {
  try {
    return check(parseConfigText(text, source), source)
  } catch (err) {
    if (err instanceof ConfigError) return { valid: false, source, problems: err.problems }
    throw err
  }
}
