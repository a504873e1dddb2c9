/**
 * Schemas shared by the core routes and all plugins, so every route documents
 * the same error shape and region/az selectors.
 */
import { ERROR_CODES } from '../errors/catalogue.ts'
import { PATTERNS } from '../proxmox/ids.ts'
import { t } from './openapi/typebox.ts'

const errorFields = {
  error: t.String({ description: 'Short error title' }),
  details: t.String({ description: 'What went wrong (naming the field for a bad request); for host commands their stderr' }),
  return_code: t.Integer({ description: 'Exit code of the failed command, or 1' }),
  code: t.Union(
    ERROR_CODES.map((c) => t.Literal(c)),
    { description: 'Stable machine-readable error code (src/errors/catalogue.ts): branch on this, not on the text' },
  ),
}

/** Every error answer: `{error, details, return_code, code}`; the document's `Error` component. */
export const ErrorSchema = t.Object(errorFields, { title: 'Error' })

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad request: a field is invalid or unknown (details name it)',
  401: 'Missing or wrong X-API-Key',
  404: 'Unknown route or resource',
  409: 'Conflict with the resource state (locked, running, exists)',
  408: 'The request body did not arrive in time',
  413: 'Request body too large',
  429: 'Too many failed API keys from this address; see Retry-After',
  500: 'A command on the host failed',
  502: 'The host cannot be reached',
  503: 'This machine is not a Proxmox VE host (PROXMOX_TOOLS_MISSING), or the service is not available',
  504: 'The host did not answer in time',
}

/** Description of an error status in the document. */
export const errorText = (status: number): string => ERROR_TEXT[status] ?? 'Error'

/** `response` entries for the given error statuses: the `Error` shape, described per status. */
export function errorResponses(...codes: number[]) {
  const out: Record<number, typeof ErrorSchema> = {}
  for (const c of codes) out[c] = t.Object(errorFields, { title: 'Error', description: errorText(c) })
  return out
}

export const RegionName = t.String({ pattern: PATTERNS.zoneName, description: 'Region name from the config', examples: ['eu-south-1'] })
export const AzName = t.String({ pattern: PATTERNS.zoneName, description: 'Availability zone name from the config', examples: ['az1'] })

/** `?region=&az=`; both optional (defaults from the config). */
export const ZoneQuery = t.Object({ region: t.Optional(RegionName), az: t.Optional(AzName) })
