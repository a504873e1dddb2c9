/**
 * POST /lxc/instances/{instance_id}/app/deploy — compose projects in a container.
 *
 * The compose file comes from `compose_file` (a path on the LWS host inside
 * `app.compose_dir`) or `compose` (the YAML itself). It is parsed and checked
 * before anything is sent, copied on stdin to
 * `/opt/lws/apps/<project>/compose.yaml` in the container and run with compose.
 * `auto_start: true` adds an override that gives every service
 * `restart: unless-stopped`, so Docker starts the app whenever the container
 * (and its Docker service) boots. The change runs as an operation
 * (`app.deploy`), after the input has been checked.
 */
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import type { OpContext } from '../../../src/operations/service.ts'
import { autostartOverride, MAX_COMPOSE_BYTES, projectName, validateCompose, type ComposeSpec } from '../compose.ts'
import { readComposeFile } from '../compose-file.ts'
import { check, runIn, withoutMarkers } from '../container.ts'
import type { AppContext } from '../context.ts'
import { assertName } from '../names.ts'
import { APPS_DIR, AUTOSTART_FILE, COMPOSE_FILE, composeScript, readComposeScript, removeAutostartScript, writeFileScript, type ComposeAction } from '../shell.ts'

const ACTIONS = ['install', 'update', 'start', 'stop', 'remove'] as const
const WRITE_TIMEOUT_MS = 60_000
const COMPOSE_TIMEOUT_MS = 15 * 60_000

export function deploySchemas(c: AppContext) {
  const { t, s } = c
  const body = t.Object({
    action: t.Union(
      ACTIONS.map((a) => t.Literal(a)),
      {
        description:
          '`install`: copy the compose file and `up -d` (409 if the project exists); `update`: optionally replace the file, `pull` then `up -d` (recreates what changed); ' +
          '`start` / `stop`: start or stop its containers; `remove`: `down` and delete its folder',
      },
    ),
    compose_file: t.Optional(
      t.String({ minLength: 1, maxLength: 4096, description: 'Path of a compose file on the LWS host, inside the configured `app.compose_dir` (absolute, or relative to it)', examples: ['/path/to/docker-compose.yml'] }),
    ),
    compose: t.Optional(t.String({ minLength: 1, maxLength: MAX_COMPOSE_BYTES, description: 'The compose YAML itself (instead of compose_file)' })),
    project: t.Optional(s.Project),
    auto_start: t.Optional(t.Boolean({ description: 'Start the app when the container boots (every service gets `restart: unless-stopped`). install: default false; update: unchanged unless given' })),
    pull: t.Optional(t.Boolean({ default: true, description: 'update: pull images first (failures to pull are reported, not fatal)' })),
    remove_volumes: t.Optional(t.Boolean({ default: false, description: 'remove: also delete the project’s named volumes' })),
    timeout: t.Optional(t.Integer({ minimum: 1, maximum: 3600, description: 'Seconds compose may run (default 900) → 504' })),
    ...s.zoneBody,
  })
  const response = t.Object(
    {
      ...s.placement,
      action: t.String(),
      project: t.String(),
      path: t.String({ description: 'Project folder inside the container' }),
      services: t.Array(t.String(), { description: 'Services of the compose file (install/update with a file)' }),
      auto_start: t.Union([t.Boolean(), t.Null()], { description: 'Whether the app starts at boot (null: unchanged / not known)' }),
      output: t.String({ description: 'What compose printed' }),
      duration_ms: t.Number(),
    },
    { title: 'AppDeployResult' },
  )
  return { body, response }
}

type DeployBody = {
  action: (typeof ACTIONS)[number]
  compose_file?: string
  compose?: string
  project?: string
  auto_start?: boolean
  pull?: boolean
  remove_volumes?: boolean
  timeout?: number
}

export function deployRoute(c: AppContext) {
  const sch = deploySchemas(c)
  const E = c.errors

  /** The compose text (if any) and the project name, all checked before any command runs. */
  async function resolveInput(body: DeployBody): Promise<{ project: string; text?: string; spec?: ComposeSpec }> {
    if (body.compose_file !== undefined && body.compose !== undefined) throw new E.BadRequestError('give either compose_file or compose, not both')
    if (body.project !== undefined) assertName(c, 'project', body.project, 'project')
    let text: string | undefined
    let path: string | undefined
    let field = 'compose'
    if (body.compose_file !== undefined) {
      const f = await readComposeFile(c, c.cfg.composeDir, body.compose_file)
      text = f.text
      path = f.path
      field = 'compose_file'
    } else if (body.compose !== undefined) text = body.compose
    if (body.action === 'install' && text === undefined) throw new E.BadRequestError('install needs compose_file or compose')
    // start/stop/remove use a given file only to name the project.
    const carriesFile = body.action === 'install' || body.action === 'update'
    const spec = text !== undefined ? validateCompose(c, text, field) : undefined
    const project = assertName(c, 'project', projectName(c, { project: body.project, spec, path }), 'project')
    return { project, text: carriesFile ? text : undefined, spec: carriesFile ? spec : undefined }
  }

  async function write(zone: ZoneHandle, id: string, project: string, file: typeof COMPOSE_FILE | typeof AUTOSTART_FILE, text: string, mode: 'new' | 'existing') {
    const r = await runIn(c, zone, id, writeFileScript(project, file, mode), { stdin: text, timeoutMs: WRITE_TIMEOUT_MS })
    check(c, zone, id, `write ${APPS_DIR}/${project}/${file}`, r, project)
  }

  return new c.Elysia({ name: 'app-deploy' }).use(c.instance).post(
    '/lxc/instances/:instance_id/app/deploy',
    async (ctx) => {
      const { zone, vmid: id, body } = ctx
      // Checked before the operation: a bad file or project is a 400 that sends nothing.
      const { project, text, spec } = await resolveInput(body)
      const action: ComposeAction = body.action
      return c.ops.run(ctx, { kind: 'app.deploy', ...c.placementOf(zone), resources: { instances: [id] } }, (op) => deploy(op, zone, id, body, action, project, text, spec))
    },
    {
      instance: 'body',
      params: c.s.InstanceIdParams,
      body: sch.body,
      response: { 200: sch.response, ...c.ops.responses(), ...c.s.errors(400, 401, 404, 409, 500, 502, 504) },
      detail: {
        tags: ['app'],
        summary: 'Deploy a Docker Compose app',
        description:
          'The compose YAML (`compose_file`: a path inside the configured `app.compose_dir` — anything else → 400; or `compose`: the text) is parsed and checked first ' +
          '(a mapping with `services`, each with an `image`; `build`/`extends`/`include` are refused since only this file is copied) → 400. ' +
          'It is copied to `/opt/lws/apps/<project>/compose.yaml` in the container. The project is `project`, else the file’s `name:`, else the file’s folder/name. ' +
          '`auto_start: true` makes every service `restart: unless-stopped`, so the app starts when the container boots. ' +
          'Unknown project → 404; existing project on install → 409; docker or compose missing → 409; compose failing → 500 with its output. ' +
          'Runs as an operation (`app.deploy`; header `LWS-Operation`, `Prefer: respond-async` → 202; its log holds compose’s output); cancelling it stops compose.',
      },
    },
  )

  /**
   * The deploy itself, as the work of its operation: its steps are the
   * progress, compose's output the log. A cancel stops compose in the
   * container; the short file writes before it run to their end (a file
   * half written is worse than one written), and the next step does not start.
   */
  async function deploy(
    op: OpContext,
    zone: ZoneHandle,
    id: string,
    body: DeployBody,
    action: ComposeAction,
    project: string,
    text: string | undefined,
    spec: ComposeSpec | undefined,
  ) {
    const t0 = performance.now()
    let autoStart: boolean | null = null
    const setAutostart = action === 'install' ? (body.auto_start ?? false) : body.auto_start
    const changesAutostart = setAutostart !== undefined && (action === 'install' || action === 'update') && !(action === 'install' && !setAutostart)
    const total = (text !== undefined && spec ? 1 : 0) + (changesAutostart ? 1 : 0) + 1
    let done = 0
    const begin = (step: string) => {
      op.throwIfCancelled()
      op.progress({ done: done++, total, step })
      op.log(step)
    }

    if (text !== undefined && spec) {
      begin(`write ${APPS_DIR}/${project}/${COMPOSE_FILE}`)
      await write(zone, id, project, COMPOSE_FILE, text, action === 'install' ? 'new' : 'existing')
    }
    if (setAutostart !== undefined && (action === 'install' || action === 'update')) {
      if (setAutostart) {
        begin(`write ${APPS_DIR}/${project}/${AUTOSTART_FILE} (auto_start)`)
        // The override needs the service names: from this request's file, else from the deployed one.
        const services = spec ?? (await deployedSpec(zone, id, project))
        await write(zone, id, project, AUTOSTART_FILE, autostartOverride(services), 'existing')
      } else if (action !== 'install') {
        // (a new project has no override to remove)
        begin('remove the auto_start override')
        check(c, zone, id, 'remove auto_start override', await runIn(c, zone, id, removeAutostartScript(project), { timeoutMs: WRITE_TIMEOUT_MS }), project)
      }
      autoStart = setAutostart
    }

    begin(`compose ${action} (project ${project})`)
    const r = await runIn(c, zone, id, composeScript(project, action, { pull: body.pull, removeVolumes: body.remove_volumes }), {
      timeoutMs: body.timeout ? body.timeout * 1000 : COMPOSE_TIMEOUT_MS,
      signal: op.signal,
    })
    op.throwIfCancelled()
    if (r.stdout.trim()) op.log(r.stdout)
    if (r.stderr.trim()) op.log(withoutMarkers(r.stderr))
    check(c, zone, id, `compose ${action}`, r, project)
    return {
      instance_id: id,
      ...c.placementOf(zone),
      action,
      project,
      path: `${APPS_DIR}/${project}`,
      services: spec?.services ?? [],
      auto_start: action === 'remove' ? false : autoStart,
      output: r.stdout,
      duration_ms: Math.round(performance.now() - t0),
    }
  }

  /** Service names of an already deployed project, read back from the container. */
  async function deployedSpec(zone: ZoneHandle, id: string, project: string): Promise<ComposeSpec> {
    const r = await runIn(c, zone, id, readComposeScript(project), { timeoutMs: WRITE_TIMEOUT_MS })
    check(c, zone, id, 'read compose file', r, project)
    return validateCompose(c, r.stdout, `${APPS_DIR}/${project}/${COMPOSE_FILE}`)
  }
}

