/**
 * Example third-party plugin. Copy this folder into `plugins_dir` (default
 * ./plugins.d next to the config) and restart LWS: GET /api/v1/hello appears,
 * protected by the API key and listed in /api/v1/docs.
 *
 * Everything comes from the context; the only import is type-only (erased),
 * so the plugin needs no node_modules and works with the compiled binary.
 */
import type { LwsPlugin } from '../../../src/plugins/types.ts'

const hello: LwsPlugin = {
  name: 'hello',
  version: '1.0.0',
  // Host API versions this plugin works with (semver range; see src/plugins/host-api.ts).
  hostApi: '^1.0',
  description: 'Example third-party plugin',
  setup({ Elysia, t, schemas }) {
    return new Elysia({ name: 'hello' }).get(
      '/hello',
      ({ query }) => ({ message: `Hello, ${query.name ?? 'world'}!` }),
      {
        query: t.Object({ name: t.Optional(t.String({ maxLength: 64, pattern: '^[A-Za-z0-9 _-]*$' })) }),
        response: { 200: t.Object({ message: t.String() }), ...schemas.errorResponses(400, 401) },
        detail: { tags: ['hello'], summary: 'Say hello (example plugin)' },
      },
    )
  },
}

export default hello
