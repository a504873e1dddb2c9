/**
 * Schemas and name patterns shared by the app routes. Built from the host's
 * `t` so validation and the OpenAPI document are the host's own. Every name
 * that reaches a command inside a container has a strict pattern here, and the
 * routes check it again (names.ts) right before building the command. The
 * instance id and the region/az fields are the core's (`ctx.schemas`).
 */
import type { PluginContext } from '../../src/plugins/types.ts'

export const NAME_PATTERNS = {
  /** Compose project: what `docker compose -p` accepts, lower case, ≤ 63 characters. */
  project: '^[a-z0-9][a-z0-9_-]{0,62}$',
  /** Docker container name or (partial) id, as `docker logs` takes it. */
  container: '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$',
  /** Compose service name. */
  service: '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$',
} as const

export const SUPPORTED_PACKAGES = ['docker'] as const

export function appSchemas({ t, schemas }: Pick<PluginContext, 't' | 'schemas'>) {
  const { InstanceId, InstanceIdParams } = schemas
  const zoneBody = schemas.zoneFields
  const placement = {
    instance_id: t.String({ description: 'The LXC container' }),
    region: t.String({ description: 'Region of the container' }),
    az: t.String({ description: 'Availability zone of the container' }),
  }
  const Project = t.String({
    pattern: NAME_PATTERNS.project,
    description: 'Compose project name: lower-case letters, digits, `_` and `-`, up to 63 characters, starting with a letter or digit',
    examples: ['blog'],
  })
  const ContainerName = t.String({
    pattern: NAME_PATTERNS.container,
    description: 'Docker container name or id (letters, digits, `_`, `.`, `-`)',
    examples: ['nginx'],
  })
  return {
    InstanceId,
    InstanceIdParams,
    zoneBody,
    ZoneQuery: schemas.ZoneQuery,
    placement,
    Project,
    ContainerName,
    errors: schemas.errorResponses,
  }
}

export type AppSchemas = ReturnType<typeof appSchemas>
