/**
 * GET /lxc/instances/{instance_id}/app — the container's Docker containers
 * (`docker ps --all`) and compose projects: those deployed by LWS under
 * /opt/lws/apps, and any other project its containers' labels name.
 */
import { check, runIn } from '../container.ts'
import type { AppContext } from '../context.ts'
import { isName } from '../names.ts'
import { APPS_DIR, LIST_SEPARATOR, listScript } from '../shell.ts'

const LIST_TIMEOUT_MS = 60_000

export function listSchemas(c: AppContext) {
  const { t, s } = c
  const DockerContainer = t.Object(
    {
      id: t.String(),
      name: t.String(),
      image: t.String(),
      command: t.String(),
      state: t.String({ description: 'created | running | paused | restarting | exited | dead' }),
      status: t.String({ description: 'As docker ps shows it, e.g. "Up 2 minutes"' }),
      ports: t.String(),
      created: t.String(),
      compose_project: t.Union([t.String(), t.Null()]),
      compose_service: t.Union([t.String(), t.Null()]),
    },
    { title: 'AppDockerContainer' },
  )
  const Project = t.Object(
    {
      name: t.String(),
      managed: t.Boolean({ description: 'Deployed by LWS (has a folder under /opt/lws/apps)' }),
      path: t.Union([t.String(), t.Null()]),
      auto_start: t.Union([t.Boolean(), t.Null()], { description: 'Starts at boot (LWS projects only)' }),
      services: t.Array(t.String(), { description: 'Services that have containers' }),
      containers: t.Integer(),
      running: t.Integer(),
    },
    { title: 'AppComposeProject' },
  )
  const response = t.Object(
    { ...s.placement, containers: t.Array(DockerContainer), projects: t.Array(Project) },
    { title: 'AppList' },
  )
  return { response }
}

const str = (v: unknown) => (typeof v === 'string' ? v : '')

export function parseList(stdout: string) {
  const all = stdout.split('\n')
  const sep = all.indexOf(LIST_SEPARATOR)
  const psLines = sep < 0 ? all : all.slice(0, sep)
  const projLines = sep < 0 ? [] : all.slice(sep + 1)
  const containers: Array<{
    id: string
    name: string
    image: string
    command: string
    state: string
    status: string
    ports: string
    created: string
    compose_project: string | null
    compose_service: string | null
  }> = []
  for (const line of psLines) {
    if (!line.startsWith('{')) continue
    let o: Record<string, unknown>
    try {
      o = JSON.parse(line)
    } catch {
      continue
    }
    containers.push({
      id: str(o.id),
      name: str(o.name),
      image: str(o.image),
      command: str(o.command),
      state: str(o.state),
      status: str(o.status),
      ports: str(o.ports),
      created: str(o.created),
      compose_project: str(o.project) || null,
      compose_service: str(o.service) || null,
    })
  }
  const managed = new Map<string, boolean>()
  for (const line of projLines) {
    const m = /^(\S+) ([01])$/.exec(line.trim())
    if (m && isName('project', m[1])) managed.set(m[1]!, m[2] === '1')
  }
  const names = new Set([...managed.keys(), ...containers.map((x) => x.compose_project).filter((p): p is string => !!p)])
  const projects = [...names].sort().map((name) => {
    const mine = containers.filter((x) => x.compose_project === name)
    return {
      name,
      managed: managed.has(name),
      path: managed.has(name) ? `${APPS_DIR}/${name}` : null,
      auto_start: managed.has(name) ? managed.get(name)! : null,
      services: [...new Set(mine.map((x) => x.compose_service).filter((s): s is string => !!s))].sort(),
      containers: mine.length,
      running: mine.filter((x) => x.state === 'running').length,
    }
  })
  return { containers, projects }
}

export function listRoute(c: AppContext) {
  const sch = listSchemas(c)
  return new c.Elysia({ name: 'app-list' }).use(c.instance).get(
    '/lxc/instances/:instance_id/app',
    async ({ zone, vmid: id }) => {
      const r = check(c, zone, id, 'docker ps', await runIn(c, zone, id, listScript(), { timeoutMs: LIST_TIMEOUT_MS }))
      return { instance_id: id, ...c.placementOf(zone), ...parseList(r.stdout) }
    },
    {
      instance: 'query',
      params: c.s.InstanceIdParams,
      query: c.s.ZoneQuery,
      response: { 200: sch.response, ...c.s.errors(400, 401, 404, 409, 500, 502, 504) },
      detail: {
        tags: ['app'],
        summary: 'List Docker containers and compose projects',
        description: 'Every Docker container in the LXC container (`docker ps --all`) and every compose project: deployed by LWS (`managed`, with `auto_start`) or named by container labels. Docker missing → 409.',
      },
    },
  )
}
