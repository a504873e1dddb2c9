/**
 * Schemas shared by the core routes and all plugins, so every route documents
 * the same error shape and region/az selectors.
 */
import { t } from 'elysia'
import { PATTERNS } from '../proxmox/ids.ts'

const errorFields = {
  error: t.String({ description: 'Short error title' }),
  details: t.String({ description: 'What went wrong; for host commands their stderr' }),
  return_code: t.Integer({ description: 'Exit code of the failed command, or 1' }),
}

export const ErrorSchema = t.Object(errorFields, { title: 'Error' })

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad request: a field is invalid (details name it)',
  401: 'Missing or wrong X-API-Key',
  404: 'Unknown route or resource',
  409: 'Conflict with the resource state (locked, running, exists)',
  413: 'Request body too large',
  500: 'A command on the host failed',
  502: 'The host cannot be reached',
  504: 'The host did not answer in time',
}

/** `response` entries for the given error statuses. */
export function errorResponses(...codes: number[]) {
  const out: Record<number, typeof ErrorSchema> = {}
  for (const c of codes) out[c] = t.Object(errorFields, { title: 'Error', description: ERROR_TEXT[c] ?? 'Error' })
  return out
}

export const RegionName = t.String({ pattern: PATTERNS.zoneName, description: 'Region name from the config', examples: ['eu-south-1'] })
export const AzName = t.String({ pattern: PATTERNS.zoneName, description: 'Availability zone name from the config', examples: ['az1'] })

/** `?region=&az=`; both optional (defaults from the config). */
export const ZoneQuery = t.Object({ region: t.Optional(RegionName), az: t.Optional(AzName) })
