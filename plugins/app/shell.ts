/**
 * The scripts run inside containers, through ProxmoxClient.execScript
 * (`pct exec <vmid> -- sh -c <script> sh <args...>`). Every script is
 * constant text; a value that comes from a request reaches it only as a
 * positional argument (`$1`, `"$@"`), after its name pattern was checked, so
 * it is never parsed as shell code. File contents go in on stdin.
 *
 * Scripts report their own refusals with a marker line on stderr and a fixed
 * exit code (see MARK), so the routes can answer 409/404 instead of 500.
 */

/** A fixed script and the values it takes as `$1`, `$2`, … */
export interface Script {
  script: string
  args: string[]
}

/** Where deployed compose projects live inside a container: `<APPS_DIR>/<project>/compose.yaml`. */
export const APPS_DIR = '/opt/lws/apps'
export const COMPOSE_FILE = 'compose.yaml'
/** Compose override that makes every service `restart: unless-stopped` (auto_start). */
export const AUTOSTART_FILE = 'lws.autostart.yaml'

export const MARK = {
  noDocker: 'LWS_NO_DOCKER',
  noCompose: 'LWS_NO_COMPOSE',
  noProject: 'LWS_NO_PROJECT',
  exists: 'LWS_PROJECT_EXISTS',
  cid: 'LWS_CID',
} as const

const NEED_DOCKER = `command -v docker >/dev/null 2>&1 || { echo ${MARK.noDocker} >&2; exit 127; }`

/** Defines `lws_compose`: the v2 plugin (`docker compose`) if present, else `docker-compose`. */
const PICK_COMPOSE = [
  'if docker compose version >/dev/null 2>&1; then lws_compose() { docker compose "$@"; }',
  'elif command -v docker-compose >/dev/null 2>&1; then lws_compose() { docker-compose "$@"; }',
  `else echo ${MARK.noCompose} >&2; exit 127; fi`,
].join('\n')

const projectDir = (project: string) => `${APPS_DIR}/${project}`

const lines = (...l: string[]) => l.join('\n')

/**
 * `docker run <args...>`: each element one argument (`"$@"`), never re-split.
 * `--cidfile` (a random path in the container's /tmp) tells the new container's
 * id even without `-d`; it is reported on the last stderr line.
 */
export function runScript(args: readonly string[], cidFile: string): Script {
  const script = lines(
    NEED_DOCKER,
    'cid=$1',
    'shift',
    'docker run --cidfile "$cid" "$@"',
    'rc=$?',
    `if [ -s "$cid" ]; then printf '\\n${MARK.cid} %s\\n' "$(cat "$cid")" >&2; fi`,
    'rm -f "$cid"',
    'exit $rc',
  )
  return { script, args: [cidFile, ...args] }
}

/** `docker logs [--tail N] [-f] [--timestamps] <name>`, stdout and stderr merged in order. */
export function logsScript(name: string, opts: { lines: number; follow: boolean; timestamps?: boolean }): Script {
  const args = ['--tail', String(opts.lines)]
  if (opts.follow) args.push('--follow')
  if (opts.timestamps) args.push('--timestamps')
  args.push(name)
  return { script: lines(NEED_DOCKER, 'exec docker logs "$@" 2>&1'), args }
}

/** Prints the container's id if it exists (exit 0), else docker's error (exit 1). */
export function inspectScript(name: string): Script {
  return { script: lines(NEED_DOCKER, `exec docker inspect --type container --format '{{.Id}}' "$1"`), args: [name] }
}

/** JSON fields of one `docker ps` row (constant Go template). */
const PS_FORMAT =
  '{"id":{{json .ID}},"name":{{json .Names}},"image":{{json .Image}},"command":{{json .Command}},' +
  '"state":{{json .State}},"status":{{json .Status}},"ports":{{json .Ports}},"created":{{json .CreatedAt}},' +
  '"project":{{json (.Label "com.docker.compose.project")}},"service":{{json (.Label "com.docker.compose.service")}}}'

export const LIST_SEPARATOR = 'LWS_PROJECTS'

/** Every Docker container (one JSON per line), the separator, then `<project> <auto_start 0|1>` per LWS project folder. */
export function listScript(): Script {
  const script = lines(
    NEED_DOCKER,
    'docker ps --all --no-trunc --format "$1" || exit $?',
    `echo ${LIST_SEPARATOR}`,
    `for d in ${APPS_DIR}/*/; do`,
    `  [ -f "\${d}${COMPOSE_FILE}" ] || continue`,
    '  n=${d%/}; n=${n##*/}; a=0',
    `  [ -f "\${d}${AUTOSTART_FILE}" ] && a=1`,
    '  echo "$n $a"',
    'done',
    'exit 0',
  )
  return { script, args: [PS_FORMAT] }
}

/**
 * Writes stdin to `<project dir>/<file>` (atomically: a temporary file, then mv).
 * `mode: 'new'` refuses an existing project; `'existing'` requires one.
 */
export function writeFileScript(project: string, file: typeof COMPOSE_FILE | typeof AUTOSTART_FILE, mode: 'new' | 'existing'): Script {
  const check =
    mode === 'new'
      ? `if [ -e "$d/${COMPOSE_FILE}" ]; then echo ${MARK.exists} >&2; exit 3; fi`
      : `[ -f "$d/${COMPOSE_FILE}" ] || { echo ${MARK.noProject} >&2; exit 4; }`
  const script = lines(NEED_DOCKER, PICK_COMPOSE, 'd=$1', check, 'mkdir -p "$d" || exit 1', `cat > "$d/.${file}.new" && mv -f "$d/.${file}.new" "$d/${file}"`)
  return { script, args: [projectDir(project)] }
}

/** Prints a deployed project's compose file. */
export function readComposeScript(project: string): Script {
  return { script: lines('f=$1', `[ -f "$f" ] || { echo ${MARK.noProject} >&2; exit 4; }`, 'exec cat "$f"'), args: [`${projectDir(project)}/${COMPOSE_FILE}`] }
}

/** Removes the auto_start override of a project (no error when absent). */
export function removeAutostartScript(project: string): Script {
  const script = lines('d=$1', `[ -f "$d/${COMPOSE_FILE}" ] || { echo ${MARK.noProject} >&2; exit 4; }`, `rm -f "$d/${AUTOSTART_FILE}"`)
  return { script, args: [projectDir(project)] }
}

export type ComposeAction = 'install' | 'update' | 'start' | 'stop' | 'remove'

/** Runs compose for an existing project folder; output merged in order. Arguments: the project folder, the project name. */
export function composeScript(project: string, action: ComposeAction, opts: { pull?: boolean; removeVolumes?: boolean } = {}): Script {
  const head = [
    NEED_DOCKER,
    PICK_COMPOSE,
    'd=$1 p=$2',
    `[ -f "$d/${COMPOSE_FILE}" ] || { echo ${MARK.noProject} >&2; exit 4; }`,
    'cd "$d" || exit 1',
    `set -- -p "$p" -f ${COMPOSE_FILE}`,
    `if [ -f ${AUTOSTART_FILE} ]; then set -- "$@" -f ${AUTOSTART_FILE}; fi`,
  ]
  const body: string[] = []
  switch (action) {
    case 'install':
      body.push('lws_compose "$@" up -d --remove-orphans 2>&1')
      break
    case 'update':
      // Pull failures (no registry reachable, local-only images) are reported, not fatal.
      if (opts.pull !== false) body.push('{ lws_compose "$@" pull --ignore-pull-failures 2>&1 || echo "(pull failed with exit code $?; going on with the images present)"; }')
      body.push('lws_compose "$@" up -d --remove-orphans 2>&1')
      break
    case 'start':
      body.push('lws_compose "$@" start 2>&1')
      break
    case 'stop':
      body.push('lws_compose "$@" stop 2>&1')
      break
    case 'remove':
      // A file compose no longer accepts must not block removal: fall back to the project label.
      body.push(
        `{ lws_compose "$@" down --remove-orphans${opts.removeVolumes ? ' --volumes' : ''} 2>&1 || { ` +
          'echo "(compose down failed; removing the project\'s containers by label)"; ' +
          'ids=$(docker ps -aq --filter "label=com.docker.compose.project=$p"); ' +
          'if [ -n "$ids" ]; then docker rm -f $ids 2>&1; fi; }; }',
      )
      body.push('cd / && rm -rf -- "$d"')
      break
  }
  // `set -e` semantics for the body only: stop at the first failing step.
  return { script: lines(...head, body.map((l) => `${l} || exit $?`).join('\n')), args: [projectDir(project), project] }
}

/** The compose command the container has, and whether docker is there at all (markers). */
export function composeProbeScript(): Script {
  return { script: lines(NEED_DOCKER, PICK_COMPOSE, 'lws_compose version 2>&1 | head -n 1'), args: [] }
}
