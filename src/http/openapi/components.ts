/**
 * Names and closed value sets of the document's component schemas.
 *
 * Every schema a plugin gives a `title` becomes a component of that name
 * (document.ts); the main resources get the plain names clients expect
 * instead of the plugin-prefixed titles. Closed sets: values the plugin
 * schemas only describe in words (`running | stopped`) but that come from a
 * fixed set (Proxmox's container states, Docker's, pveam's sections, the
 * error catalogue); the document states them as enums. A test checks that
 * every entry still finds its property, so a renamed plugin field fails
 * loudly instead of silently losing its enum.
 */
import { ERROR_CODES } from '../../errors/catalogue.ts'
import { TEMPLATE_SECTIONS } from '../../proxmox/options.ts'

/** Plugin title → component name. */
export const SCHEMA_NAMES: Readonly<Record<string, string>> = {
  LxcInstance: 'Instance',
  LxcInstanceRow: 'InstanceSummary',
  LxcCreatedInstance: 'CreatedInstance',
  LxcResources: 'InstanceResources',
  LxcExecResult: 'ExecResult',
  LxcSnapshot: 'Snapshot',
  PxHost: 'Host',
  PxStatus: 'HostStatus',
  PxStorage: 'Storage',
  PxTemplate: 'Template',
  PxAvailableTemplate: 'AvailableTemplate',
}

/** Proxmox's LXC states (`pct status`, `pvesh .../status/current`). */
const CONTAINER_STATES = ['running', 'stopped']
/** Docker's container states (`docker ps --format json`, `.State`). */
const DOCKER_STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']

/** `Component.property[.property…]` → its values. */
export const CLOSED_SETS: Readonly<Record<string, readonly string[]>> = {
  'Instance.status': CONTAINER_STATES,
  'InstanceSummary.status': CONTAINER_STATES,
  'CreatedInstance.status': CONTAINER_STATES,
  'InstanceResources.status': CONTAINER_STATES,
  'LxcSnapshotAction.status': CONTAINER_STATES,
  'LxcActionResult.previous_status': CONTAINER_STATES,
  'LxcActionResult.current_status': [...CONTAINER_STATES, 'terminated'],
  'LxcScaleResult.previous_status': CONTAINER_STATES,
  'LxcScaleResult.current_status': CONTAINER_STATES,
  'AppDockerContainer.state': DOCKER_STATES,
  'AvailableTemplate.section': TEMPLATE_SECTIONS,
  'Host.error_code': ERROR_CODES,
}
