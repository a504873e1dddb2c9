/**
 * Schemas shared by the lxc routes. Built from the host's `t` (PluginContext)
 * so validation and the OpenAPI document are the host's own; every value that
 * can reach a command line carries the strict pattern from src/proxmox/ids.ts.
 * The instance id and the region/az fields are the core's (`ctx.schemas`).
 */
import type { PluginContext } from '../../src/plugins/types.ts'

export function lxcSchemas({ t, schemas, ids }: Pick<PluginContext, 't' | 'schemas' | 'ids'>) {
  const P = ids.PATTERNS

  const { InstanceId, InstanceIdParams } = schemas
  // The seed sends ids as strings (`["100","101"]`); integers are accepted too. t.Number with
  // multipleOf, not Elysia's t.Integer: that one also takes any numeric string (`0x64`, `1e3`,
  // ` 100`) and converts it, so a malformed id would act on some other container.
  const InstanceIdInput = t.Union([InstanceId, t.Number({ multipleOf: 1, minimum: 100, maximum: 999_999_999 })])
  const InstanceIds = t.Array(InstanceIdInput, {
    minItems: 1,
    maxItems: 100,
    description: 'Container ids, as strings or integers (1–100; duplicates are ignored)',
    examples: [['100', '101']],
  })
  const zoneBody = schemas.zoneFields

  const SnapshotName = t.String({
    pattern: P.snapshotName,
    description: 'Snapshot name: 2–40 characters, a letter first, then letters, digits, `_` or `-`; `current` and `vzdump` are reserved',
    examples: ['before-update'],
  })

  const Bytes = (description: string) => t.Number({ description: `${description} (bytes)` })
  const UsedMax = (what: string) =>
    t.Object({
      used_bytes: Bytes(`${what} in use`),
      max_bytes: Bytes(`${what} limit`),
    })

  /** Where an instance lives, as in the config. */
  const placement = {
    region: t.String({ description: 'Region of the instance' }),
    az: t.String({ description: 'Availability zone of the instance' }),
  }

  /** A per-instance failure inside a bulk answer, in the seed's error shape plus the HTTP status it would have had alone. */
  const Failure = t.Object(
    {
      instance_id: t.Optional(t.String()),
      status_code: t.Integer({ description: 'HTTP status this failure would have on its own (400, 404, 409, 500, ...)' }),
      error: t.String({ description: 'Short error title' }),
      details: t.String({ description: 'What went wrong' }),
      return_code: t.Integer({ description: 'Exit code of the failed command, or 1' }),
      code: t.String({ description: 'Machine code of the failure (INSTANCE_NOT_FOUND, INSTANCE_LOCKED, HOST_UNREACHABLE, ...), as in the Error schema' }),
    },
    { title: 'LxcFailure' },
  )

  /** One row of a bulk power/scale answer. */
  const ActionResult = t.Object(
    {
      instance_id: t.String(),
      success: t.Boolean(),
      previous_status: t.Optional(t.String({ description: 'running | stopped, before the action' })),
      current_status: t.Optional(t.String({ description: 'running | stopped | terminated, after the action' })),
      message: t.String({ description: 'What happened, e.g. "started" or "already running"' }),
      error: t.Optional(Failure),
    },
    { title: 'LxcActionResult' },
  )

  const BulkResponse = t.Object(
    {
      output: t.String({ description: 'One line per instance, for humans' }),
      results: t.Array(ActionResult),
    },
    { title: 'LxcBulkResponse' },
  )

  return {
    InstanceId,
    InstanceIds,
    InstanceIdParams,
    zoneBody,
    ZoneQuery: schemas.ZoneQuery,
    SnapshotName,
    Bytes,
    UsedMax,
    placement,
    Failure,
    ActionResult,
    BulkResponse,
    errors: schemas.errorResponses,
  }
}

export type LxcSchemas = ReturnType<typeof lxcSchemas>
