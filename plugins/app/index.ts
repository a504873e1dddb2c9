/**
 * Docker inside containers: setup, run, compose deploy (with auto-start),
 * logs (with live follow), and a listing of Docker containers and projects.
 */
import { Type as T } from '@sinclair/typebox'
import type { LwsPlugin } from '../../src/plugins/types.ts'
import { appContext } from './context.ts'
import { deployRoute } from './routes/deploy.ts'
import { listRoute } from './routes/list.ts'
import { logsRoute } from './routes/logs.ts'
import { runRoute } from './routes/run.ts'
import { setupRoute } from './routes/setup.ts'

const plugin: LwsPlugin = {
  name: 'app',
  version: '0.1.0',
  hostApi: '^1.1', // ctx.ops (operations) arrived in 1.1
  description: 'Docker inside containers: setup, run, compose deploy, logs',
  configKey: 'app',
  // The same rules appConfig() (config.ts) applies at setup, NUL check included, so validation and setup agree.
  configSchema: T.Object(
    { compose_dir: T.Optional(T.String({ minLength: 1, maxLength: 4096, pattern: '^[^\\u0000]*$' })) },
    { additionalProperties: true },
  ),
  setup(ctx) {
    const c = appContext(ctx)
    return new ctx.Elysia({ name: 'app' })
      .use(setupRoute(c))
      .use(runRoute(c))
      .use(deployRoute(c))
      .use(logsRoute(c))
      .use(listRoute(c))
  },
}

export default plugin
