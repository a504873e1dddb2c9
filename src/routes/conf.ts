/**
 * GET /conf shows the loaded config with secrets masked; POST /conf/validate
 * checks the config file on disk (or a config sent in the body) and lists
 * every problem as `path: message`.
 */
import { Elysia, t } from 'elysia'
import { readFileSync } from 'node:fs'
import { loadedConfigReport, pluginConfigProblems } from '../config/checks.ts'
import { ConfigError, type LwsConfig, parseConfigText, resolveConfig } from '../config/load.ts'
import { maskSecrets } from '../config/mask.ts'
import { errorResponses } from '../http/schemas.ts'
import type { LoadedPlugin, LwsPlugin } from '../plugins/types.ts'

const ValidationResult = t.Object({
  valid: t.Boolean(),
  source: t.String({ description: 'What was validated: the config file path or "(request body)"' }),
  problems: t.Array(t.String(), { description: 'Each problem as `path: message`' }),
  warnings: t.Optional(
    t.Array(t.String(), { description: 'Present when some requests will fail (e.g. no `small` size) or the file is readable by others; `valid` stays true' }),
  ),
})

const BODY = '(request body)'

type Result = { valid: boolean; source: string; problems: string[]; warnings?: string[] }

export interface ConfRoutesOptions {
  /** Plugins whose config sections are checked: every loaded one, also those whose setup failed. */
  plugins?: ReadonlyArray<LwsPlugin | LoadedPlugin>
}

export function confRoutes(config: LwsConfig, opts: ConfRoutesOptions = {}) {
  const plugins = opts.plugins ?? []

  function check(raw: unknown, source: string): Result {
    let loaded: LwsConfig
    try {
      // A config from the body has no file: resolve it as inline, so no file checks run on a made-up path.
      loaded = resolveConfig(raw, source === BODY ? '(inline)' : source, { env: {} })
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      // Core problems stop resolving, but plugin sections can still be judged: list both in one pass.
      return { valid: false, source, problems: [...err.problems, ...pluginConfigProblems(raw, plugins)] }
    }
    const { problems, warnings } = loadedConfigReport(loaded, plugins)
    // Omitted when empty: older clients compare the answer as a whole.
    return { valid: problems.length === 0, source, problems, ...(warnings.length ? { warnings } : {}) }
  }

  function checkText(text: string, source: string): Result {
    try {
      return check(parseConfigText(text, source), source)
    } catch (err) {
      if (err instanceof ConfigError) return { valid: false, source, problems: err.problems }
      throw err
    }
  }

  return new Elysia({ name: 'lws-conf' })
    .get(
      '/conf',
      () => ({ source: config.source, listen: config.listen ?? null, config: maskSecrets(config.raw) as Record<string, unknown> }),
      {
        response: {
          200: t.Object({
            source: t.String(),
            listen: t.Union([t.String(), t.Null()], {
              description: '`host:port` the server is bound to (the port may come from --port, or be random for port 0); null while not listening on a socket',
            }),
            config: t.Record(t.String(), t.Unknown(), { description: 'The loaded config; every secret is masked' }),
          }),
          ...errorResponses(401),
        },
        detail: { tags: ['core'], summary: 'Show the current configuration (secrets masked)' },
      },
    )
    .post(
      '/conf/validate',
      ({ body }) => {
        const given = body?.config
        if (given !== undefined) {
          return typeof given === 'string' ? checkText(given, BODY) : check(given, BODY)
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
          description:
            'Without a body, re-reads and checks the config file the server was started with. Plugin config sections are checked against the loaded plugins’ schemas.',
        },
      },
    )
}
