/**
 * The operationId of every built-in operation, keyed by `METHOD /path` as the
 * document writes it. Generated clients name their functions after these, so
 * an id is part of the contract: renaming one breaks every client. Verb first,
 * lowerCamelCase. Routes not listed here (third-party plugins) get a name
 * derived from method and path, see `deriveOperationId`.
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  // core
  'GET /api/v1/health': 'getHealth',
  'GET /api/v1/conf': 'getConfig',
  'POST /api/v1/conf/validate': 'validateConfig',
  'GET /api/v1/metrics': 'getMetrics',
  // operations (src/routes/operations.ts, src/routes/events.ts)
  'GET /api/v1/operations': 'listOperations',
  'GET /api/v1/operations/{operation_id}': 'describeOperation',
  'GET /api/v1/operations/{operation_id}/wait': 'waitOperation',
  'GET /api/v1/operations/{operation_id}/log': 'getOperationLog',
  'DELETE /api/v1/operations/{operation_id}': 'cancelOperation',
  'GET /api/v1/events': 'streamEvents',
  // px
  'GET /api/v1/px/hosts': 'listHosts',
  'GET /api/v1/px/status': 'getHostStatus',
  'POST /api/v1/px/reboot': 'rebootHost',
  'GET /api/v1/px/templates': 'listTemplates',
  'POST /api/v1/px/templates/download': 'downloadTemplate',
  'GET /api/v1/px/storage': 'listStorage',
  // lxc
  'GET /api/v1/lxc/instances': 'listInstances',
  'POST /api/v1/lxc/instances': 'createInstances',
  'GET /api/v1/lxc/instances/{instance_id}': 'describeInstance',
  'POST /api/v1/lxc/instances/start': 'startInstances',
  'POST /api/v1/lxc/instances/stop': 'stopInstances',
  'POST /api/v1/lxc/instances/reboot': 'rebootInstances',
  'POST /api/v1/lxc/instances/terminate': 'terminateInstances',
  'POST /api/v1/lxc/instances/scale': 'scaleInstances',
  'POST /api/v1/lxc/instances/{instance_id}/exec': 'execCommand',
  'GET /api/v1/lxc/instances/{instance_id}/snapshots': 'listSnapshots',
  'POST /api/v1/lxc/instances/{instance_id}/snapshots': 'createSnapshot',
  'DELETE /api/v1/lxc/instances/{instance_id}/snapshots/{snapshot_name}': 'deleteSnapshot',
  'POST /api/v1/lxc/instances/{instance_id}/snapshots/{snapshot_name}/rollback': 'rollbackSnapshot',
  'GET /api/v1/lxc/instances/{instance_id}/resources': 'getInstanceResources',
  // app
  'GET /api/v1/lxc/instances/{instance_id}/app': 'listApps',
  'POST /api/v1/lxc/instances/{instance_id}/app/setup': 'setupApp',
  'POST /api/v1/lxc/instances/{instance_id}/app/run': 'runAppContainer',
  'POST /api/v1/lxc/instances/{instance_id}/app/deploy': 'deployApp',
  'GET /api/v1/lxc/instances/{instance_id}/app/logs/{container_name}': 'getAppLogs',
  // sec
  'GET /api/v1/sec/discovery': 'discoverHosts',
  'GET /api/v1/lxc/instances/{instance_id}/sec/scan': 'scanInstance',
}

const camel = (words: string[]) =>
  words
    .filter(Boolean)
    .map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))
    .join('')

/**
 * `GET /api/v1/probe/echo` → `getProbeEcho`, `DELETE /api/v1/x/{id}` →
 * `deleteXById`: the HTTP method as the verb, then the path below /api/v1.
 */
export function deriveOperationId(method: string, path: string): string {
  const words = [method.toLowerCase()]
  for (const segment of path.replace(/^\/api\/v1(?=\/|$)/, '').split('/')) {
    const param = /^\{(.+)\}$/.exec(segment)
    const parts = (param ? param[1]! : segment).split(/[^A-Za-z0-9]+/)
    words.push(...(param ? ['by', ...parts] : parts))
  }
  return camel(words)
}
