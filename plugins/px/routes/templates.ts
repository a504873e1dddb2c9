/**
 * GET /px/templates: container templates on a host (volume ids that work as
 * `image_id`), optionally with what `pveam available` offers. One host
 * command (ProxmoxClient.templateListing).
 * POST /px/templates/download: `pveam download <storage> <template>`, as an
 * operation (`px.template.download`) once the storage has been checked.
 */
import type { PluginContext } from '../../../src/plugins/types.ts'
import { splitContent, toTemplateEntry } from '../convert.ts'
import { PROBE_TIMEOUT, type AvailableEntry, type PxSchemas } from '../schemas.ts'

const DOWNLOAD_KIND = 'px.template.download'

type Zone = ReturnType<PluginContext['zones']['resolve']>
type Op = Parameters<Parameters<PluginContext['ops']['run']>[2]>[0]

/**
 * `pveam download`, run detached on the host under a job name the operation
 * records first (its lines go to the operation log as wget prints them);
 * `resume` follows the job an earlier LWS process started. Then the check
 * that the file arrived: `pveam download` exits 0 even when its task failed
 * (no "upid_exit" handler, pve-manager `PVE/CLI/pveam.pm`), so only a file on
 * the storage proves the download.
 */
async function download(ctx: PluginContext, h: Zone, node: string, storage: string, template: string, op: Op, resume: boolean) {
  const job = `${op.id}-download`
  if (!resume) await op.plan({ type: 'template', id: `${storage}:vztmpl/${template}`, action: 'download', ...ctx.placementOf(h), job })
  op.progress({ done: 0, step: `pveam download ${storage} ${template}` })
  const out = op.logWriter()
  let got
  try {
    // A cancel stops pveam on the host (op.signal).
    got = await h.pve.downloadTemplate(storage, template, {
      timeoutMs: ctx.config.taskTimeoutMs,
      signal: op.signal,
      detach: { name: job, resume, onOutput: (text) => out.write(text) },
    })
  } finally {
    out.flush()
  }
  const { volid, output, alreadyPresent } = got
  op.progress({ done: 1, step: `check ${volid} on storage '${storage}'` })
  const file = (await h.pve.storageContent(storage, 'vztmpl')).find((x) => x.volid === volid)
  if (!file) {
    throw new ctx.errors.CommandError(h.label, ['pveam', 'download', storage, template], output, `pveam download reported success, but ${volid} is not on storage '${storage}'`, 0)
  }
  return {
    region: h.zone.region,
    az: h.zone.az,
    host: h.zone.host,
    node,
    storage,
    template,
    image_id: volid,
    size_bytes: file.size,
    already_present: alreadyPresent,
    output,
  }
}

export function templatesRoutes(ctx: PluginContext, s: PxSchemas) {
  const { errors } = ctx
  // After a restart: follow the download the previous process started, then check it as usual.
  ctx.ops.onRecovery(DOWNLOAD_KIND, async (rec, op) => {
    const job = rec.planned.find((p) => p.type === 'template' && p.job)
    const storage = rec.resources.storages?.[0]
    const template = rec.resources.templates?.[0]
    if (!job || !storage || !template) throw new errors.InternalError('LWS stopped before the download started')
    const h = ctx.zones.resolve(rec.region ?? undefined, rec.az ?? undefined)
    return download(ctx, h, await h.pve.node(), storage, template, op, true)
  })
  return new ctx.Elysia({ name: 'px-templates' })
    .get(
      '/px/templates',
      async ({ query }) => {
        const h = ctx.zones.resolve(query.region, query.az)
        // A host that has not answered lately must answer within the probe deadline (502/504 quickly).
        const pve = h.pve.with({ reachMs: PROBE_TIMEOUT.default })
        const listing = await pve.templateListing({ storage: query.storage, available: query.available === true, section: query.section })
        const node = await pve.node()
        const offered = listing.available
        const templates = listing.templates.map(toTemplateEntry)
        const where = { region: h.zone.region, az: h.zone.az, host: h.zone.host, node }
        if (!offered) return { ...where, templates }
        const available = offered.map(
          (a): AvailableEntry => ({
            section: a.section,
            template: a.template,
            arch: a.arch ?? null,
            downloaded: templates.filter((t) => t.name === a.template).map((t) => t.image_id),
          }),
        )
        return { ...where, templates, available }
      },
      {
        query: s.TemplatesQuery,
        response: { 200: s.TemplatesResponse, ...ctx.schemas.errorResponses(400, 401, 404, 500, 502, 504) },
        detail: {
          tags: ['px'],
          summary: 'List container templates',
          description:
            'Templates on every active storage that holds `vztmpl` (or only on `storage`), as volume ids usable directly as `image_id`. With `available=true`, also what `pveam available` offers (`section` narrows it); an empty list there usually means the host never ran `pveam update`.',
        },
      },
    )
    .post(
      '/px/templates/download',
      async (c) => {
        const { body } = c
        const h = ctx.zones.resolve(body.region, body.az)
        // The storage check doubles as the reachability check: 502/504 quickly, before the download is sent.
        const pve = h.pve.with({ reachMs: PROBE_TIMEOUT.default })
        const [node, storages] = await Promise.all([pve.node(), pve.storages()])
        // pveam would say "does not support templates" as a bare 500; say it as a client error, with the choices.
        const store = storages.find((x) => x.storage === body.storage)
        const holding = storages.filter((x) => splitContent(x.content).includes('vztmpl')).map((x) => x.storage)
        if (!store) {
          throw new errors.NotFoundError(`storage '${body.storage}' does not exist on ${h.label} (storages holding templates: ${holding.join(', ') || 'none'})`, 'STORAGE_NOT_FOUND')
        }
        if (!splitContent(store.content).includes('vztmpl')) {
          throw new errors.BadRequestError(
            `storage: '${body.storage}' does not hold templates (content: ${store.content || 'none'}); use one of: ${holding.join(', ') || 'none'}`,
          )
        }
        if (store.enabled === 0 || store.active !== 1) {
          throw new errors.ConflictError(`storage '${body.storage}' is ${store.enabled === 0 ? 'disabled' : 'not active'} on ${h.label}`)
        }
        const spec = { kind: DOWNLOAD_KIND, ...ctx.placementOf(h), resources: { storages: [body.storage], templates: [body.template] }, total: 2 }
        return ctx.ops.run(c, spec, (op) => download(ctx, h, node, body.storage, body.template, op, false))
      },
      {
        body: s.DownloadBody,
        response: { 200: s.DownloadResponse, ...ctx.ops.responses(), ...ctx.schemas.errorResponses(400, 401, 404, 409, 500, 502, 504) },
        detail: {
          tags: ['px'],
          summary: 'Download a container template',
          description:
            'Runs `pveam download <storage> <template>` (a name from `GET /px/templates?available=true`) and checks that the file arrived, since pveam exits 0 even when the download failed. Answers with the new `image_id`. ' +
            'The storage is checked first (400/404/409 at once); the download runs as an operation (`px.template.download`; header `LWS-Operation`, `Prefer: respond-async` → 202). Cancelling it stops `pveam` on the host.',
        },
      },
    )
}
