/**
 * Storages and container templates: the storage list, a storage's content,
 * every template in one round trip (with what `pveam available` offers, if
 * asked), and `pveam download`.
 *
 * Sources: pve-storage `src/PVE/API2/Storage/Status.pm` (`/nodes/<node>/storage`),
 * `src/PVE/API2/Storage/Content.pm` (`…/storage/<sid>/content`),
 * `src/PVE/CLI/pvesm.pm` (`pvesm status`: `--content` keeps the enabled
 * storages holding that type, one row `<id> <type> <status> …` each);
 * pve-manager `PVE/CLI/pveam.pm` and `PVE/APLInfo.pm` (`pveam available`,
 * `pveam download`).
 */
import type { BatchSpec, Step } from './batch.ts'
import type { StorageId } from './ids.ts'
import { toStorages } from './node.ts'
import { STORAGE_CONTENT_TYPES, TEMPLATE_SECTIONS } from './options.ts'
import { asArray } from './parse/json.ts'
import { toTemplate } from './parse/normalize.ts'
import { parsePveamAvailable } from './parse/pveam.ts'
import { parsePvesmStatus } from './parse/pvesm.ts'
import { partNamed, pveshGetArgv, type CallOptions, type Host } from './run.ts'
import type { AvailableTemplate, Storage, Template } from './schemas.ts'
import { TASK_TIMEOUT } from './tasks.ts'

export type ContentType = (typeof STORAGE_CONTENT_TYPES)[number]
export type TemplateSection = (typeof TEMPLATE_SECTIONS)[number]

const byVolid = (a: Template, b: Template) => a.volid.localeCompare(b.volid)
const toTemplates = (j: unknown): Template[] => asArray(j, 'storage content').map(toTemplate).sort(byVolid)

/** `pvesh get /nodes/<node>/storage`: every storage with its state, sorted by id. */
export async function storages(h: Host, call?: CallOptions): Promise<Storage[]> {
  return h.run.pveshGet(`/nodes/${await h.node()}/storage`, [], toStorages, call)
}

/** `pvesh get /nodes/<node>/storage/<sid>/content --content <type>` → volumes (volid, size, format, ctime). */
export async function storageContent(h: Host, sid: StorageId, content: ContentType = 'vztmpl', call?: CallOptions): Promise<Template[]> {
  return h.run.pveshGet(`/nodes/${await h.node()}/storage/${sid}/content`, ['--content', content], toTemplates, call)
}

/** `pveam available [--section system|mail|turnkeylinux]`; empty when the index was never downloaded (`pveam update`). */
export async function availableTemplates(h: Host, section?: TemplateSection, call?: CallOptions): Promise<AvailableTemplate[]> {
  const argv = ['pveam', 'available', ...(section === undefined ? [] : ['--section', section])]
  const r = await h.run.run(argv, { kind: 'read', call })
  return h.run.parse(argv, () => parsePveamAvailable(r.stdout))
}

/**
 * The batch for a template listing: {1} = node, then {2} = storage (when
 * one is named), then the section (when given).
 */
function listingSpec(storage: boolean, available: boolean, section: boolean): BatchSpec {
  const steps: Step[] = []
  const content = (sid: string) => pveshGetArgv(`/nodes/{1}/storage/${sid}/content`, ['--content', 'vztmpl'])
  if (storage) steps.push({ part: { name: 'content', argv: content('{2}') } })
  else steps.push({ part: { name: 'stores', argv: ['pvesm', 'status', '--content', 'vztmpl'] } })
  if (available) {
    const sectionArg = storage ? '{3}' : '{2}'
    steps.push({ part: { name: 'available', argv: ['pveam', 'available', ...(section ? ['--section', sectionArg] : [])] } })
  }
  if (!storage) steps.push({ each: { from: 'stores', part: { name: 'content', argv: content('{sid}') } } })
  return { name: `templates${storage ? '-storage' : ''}${available ? '-available' : ''}${section ? '-section' : ''}`, steps }
}

const LISTINGS = new Map<string, BatchSpec>()
function listing(storage: boolean, available: boolean, section: boolean): BatchSpec {
  const key = `${storage}/${available}/${section}`
  let spec = LISTINGS.get(key)
  if (!spec) LISTINGS.set(key, (spec = listingSpec(storage, available, section)))
  return spec
}

export interface TemplateListing {
  /** Every template on every active, enabled storage that holds `vztmpl` (or on `storage`), by volid. */
  templates: Template[]
  /** What `pveam available` offers, when asked. */
  available?: AvailableTemplate[]
}

/**
 * GET /px/templates in one round trip: the templates of every storage that
 * holds them (`pvesm status --content vztmpl`, then each active one's
 * content) or of one storage, plus `pveam available` when asked.
 */
export async function templateListing(
  h: Host,
  opts: { storage?: StorageId; available?: boolean; section?: TemplateSection } = {},
  call?: CallOptions,
): Promise<TemplateListing> {
  const node = await h.node()
  const section = opts.available && opts.section !== undefined ? opts.section : undefined
  const spec = listing(opts.storage !== undefined, !!opts.available, section !== undefined)
  const args = [node, ...(opts.storage !== undefined ? [opts.storage] : []), ...(section !== undefined ? [section] : [])]
  const parts = await h.run.batch(spec, args, call)
  let templates: Template[]
  if (opts.storage !== undefined) {
    templates = await h.run.checkJson(partNamed(parts, 'content'), toTemplates, {}, call)
  } else {
    await h.run.checkText(partNamed(parts, 'stores'), parsePvesmStatus, {}, call)
    const lists = []
    for (const p of parts.filter((x) => x.sid !== undefined)) lists.push(await h.run.checkJson(p, toTemplates, {}, call))
    templates = lists.flat().sort(byVolid)
  }
  if (!opts.available) return { templates }
  const available = await h.run.checkText(partNamed(parts, 'available'), parsePveamAvailable, {}, call)
  return { templates, available }
}

/**
 * `pveam download <storage> <template>`. Exits 0 even when the download
 * failed (no "upid_exit" handler, pve-manager `PVE/CLI/pveam.pm`), so stderr
 * decides (errors.ts). Returns the new volid, and whether the file was
 * already there: `PVE/APLInfo.pm` then prints "got correct file already, no
 * need to download".
 */
export async function downloadTemplate(
  h: Host,
  sid: StorageId,
  name: string,
  call?: CallOptions,
): Promise<{ volid: string; output: string; alreadyPresent: boolean }> {
  const r = await h.run.run(['pveam', 'download', sid, name], { kind: 'task', timeoutMs: TASK_TIMEOUT.download, call })
  return { volid: `${sid}:vztmpl/${name}`, output: r.stdout, alreadyPresent: /no need to download/.test(r.stdout) }
}
