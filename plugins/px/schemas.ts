/**
 * Request and response schemas of the px routes. Built from the host's `t`
 * (PluginContext) so validation and docs use the host's Elysia; response
 * types are inferred from them with `Static`.
 */
import type { Static, TNumber } from '@sinclair/typebox'
import type { PluginContext } from '../../src/plugins/types.ts'

/** Per-host deadline of the reachability checks, in milliseconds. */
export const PROBE_TIMEOUT = { default: 3000, min: 100, max: 30_000 } as const

export function pxSchemas({ t, schemas, ids, proxmox }: Pick<PluginContext, 't' | 'schemas' | 'ids' | 'proxmox'>) {
  const { RegionName } = schemas
  const { STORAGE_CONTENT_TYPES, TEMPLATE_SECTIONS } = proxmox
  const Bytes = (description: string) => t.Number({ minimum: 0, description: `${description}, bytes` })
  const Percent = (description: string) => t.Number({ minimum: 0, description: `${description}, percent (0–100, 2 decimals)` })

  const TimeoutMs = t.Integer({
    minimum: PROBE_TIMEOUT.min,
    maximum: PROBE_TIMEOUT.max,
    default: PROBE_TIMEOUT.default,
    description: `Per-host deadline of the reachability check, milliseconds (${PROBE_TIMEOUT.min}–${PROBE_TIMEOUT.max}, default ${PROBE_TIMEOUT.default})`,
  })

  const StorageId = t.String({ pattern: ids.PATTERNS.storageId, maxLength: 64, description: 'Proxmox storage id', examples: ['local'] })

  /** Where an answer came from; every per-host response starts with it. */
  const Where = {
    region: t.String({ examples: ['eu-south-1'] }),
    az: t.String({ examples: ['az1'] }),
    host: t.String({ description: 'host name or address from the config', examples: ['192.168.1.10'] }),
    node: t.String({ description: 'Proxmox node name', examples: ['pve1'] }),
  }

  const HostEntry = t.Object(
    {
      region: t.String({ examples: ['eu-south-1'] }),
      az: t.String({ examples: ['az1'] }),
      host: t.String({ description: 'host name or address from the config' }),
      ssh_port: t.Integer({ description: 'SSH port (unused for local zones)' }),
      user: t.String({ description: 'SSH user' }),
      auth: t.Union([t.Literal('local'), t.Literal('key'), t.Literal('password'), t.Literal('key+password')], {
        description: 'How LWS logs in: local (no SSH), key (ssh_key_file), password (ssh_password), or both. Secrets are never shown.',
      }),
      host_key_pinned: t.Boolean({ description: 'ssh_host_fingerprint is configured, so any other host key is refused' }),
      reachable: t.Boolean({ description: 'a command ran on the host within the deadline' }),
      proxmox: t.Union([t.Boolean(), t.Null()], {
        description:
          'the host has the Proxmox VE tools (`pveversion` answered); false: it is not a Proxmox VE host (e.g. a local AZ on another machine), so every Proxmox call on it answers 503 PROXMOX_TOOLS_MISSING; null: not known (unreachable, or the check failed)',
      }),
      node: t.Union([t.String(), t.Null()], { description: 'Proxmox node name; null when unknown' }),
      pve_version: t.Union([t.String(), t.Null()], { description: 'pve-manager version from `pveversion`, e.g. 8.2.4' }),
      pveversion: t.Union([t.String(), t.Null()], { description: 'as Proxmox reports it: pve-manager/<version>/<repoid>' }),
      kernel: t.Union([t.String(), t.Null()], { description: 'running kernel (uname -r), from `pveversion`' }),
      rtt_ms: t.Union([t.Number({ minimum: 0 }), t.Null()], {
        description: 'round-trip time of a no-op command, milliseconds (includes the SSH handshake when no pooled connection was open)',
      }),
      error: t.Union([t.String(), t.Null()], { description: 'why the host is unreachable, or why a check on it failed' }),
      error_code: t.Union([t.String(), t.Null()], {
        description: 'machine code of `error`, as in the Error schema (HOST_UNREACHABLE, HOST_AUTH_FAILED, HOST_TIMEOUT, PROXMOX_TOOLS_MISSING, ...)',
      }),
    },
    { title: 'PxHost' },
  )

  const HostsResponse = t.Object(
    {
      hosts: t.Array(HostEntry, { description: 'every configured AZ (of the region, when filtered), in config order' }),
      total: t.Integer(),
      reachable: t.Integer({ description: 'how many hosts answered' }),
      timeout_ms: t.Integer({ description: 'per-host deadline used, milliseconds' }),
    },
    { title: 'PxHosts' },
  )

  const StorageEntry = t.Object(
    {
      storage: t.String({ examples: ['local-lvm'] }),
      type: t.String({ description: 'dir, lvmthin, zfspool, nfs, ...' }),
      content: t.Array(t.String(), { description: 'content types it holds: rootdir, images, vztmpl, iso, backup, ...' }),
      active: t.Boolean(),
      enabled: t.Boolean(),
      shared: t.Boolean(),
      total_bytes: Bytes('size'),
      used_bytes: Bytes('used'),
      avail_bytes: Bytes('available'),
      used_percent: t.Union([Percent('used / total'), t.Null()], { description: 'null when the storage reports no size (inactive or disabled)' }),
    },
    { title: 'PxStorage' },
  )

  const Usage = <E extends Record<string, TNumber>>(extra: E) =>
    t.Object({
      total_bytes: Bytes('total'),
      used_bytes: Bytes('used'),
      free_bytes: Bytes('free'),
      ...extra,
      used_percent: Percent('used / total'),
    })

  const StatusResponse = t.Object(
    {
      ...Where,
      cpu: t.Object({
        model: t.String(),
        cpus: t.Integer({ description: 'logical CPUs (threads)' }),
        cores: t.Integer({ description: 'physical cores' }),
        sockets: t.Integer(),
        mhz: t.Union([t.Number(), t.Null()], { description: 'clock of the first CPU, MHz' }),
        usage_percent: Percent('CPU usage of the host'),
        usage_source: t.Union([t.Literal('cluster_resources'), t.Literal('loadavg')], {
          description:
            'cluster_resources: the node entry of /cluster/resources (pvestatd samples); loadavg: 1-minute load average / CPUs, capped at 100 (used when the former is unavailable)',
        }),
      }),
      load_average: t.Object({
        last_1m: t.Number(),
        last_5m: t.Number(),
        last_15m: t.Number(),
      }),
      memory: Usage({ available_bytes: Bytes('available to new processes (PVE ≥ 9; else equal to free)') }),
      swap: Usage({}),
      rootfs: Usage({ avail_bytes: Bytes('available to non-root users') }),
      uptime_seconds: t.Integer({ minimum: 0 }),
      kernel: t.String({ description: 'running kernel release, e.g. 6.8.12-4-pve' }),
      kernel_version: t.String({ description: 'full kernel version string' }),
      pve_version: t.String({ description: 'pve-manager version, e.g. 8.2.4' }),
      pveversion: t.String({ description: 'as Proxmox reports it: pve-manager/<version>/<repoid>' }),
      containers: t.Object({
        total: t.Integer(),
        running: t.Integer(),
        stopped: t.Integer({ description: 'every container that is not running' }),
      }),
      storage: t.Array(StorageEntry),
    },
    { title: 'PxStatus' },
  )

  const StorageResponse = t.Object({ ...Where, storages: t.Array(StorageEntry) }, { title: 'PxStorageList' })

  const TemplateEntry = t.Object(
    {
      image_id: t.String({ description: 'volume id; pass it as image_id to POST /lxc/instances', examples: ['local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst'] }),
      storage: t.String(),
      name: t.String({ description: 'file name' }),
      size_bytes: Bytes('file size'),
      format: t.Union([t.String(), t.Null()], { description: 'archive format as Proxmox names it (tgz, tzst, txz, ...)' }),
      created: t.Union([t.Integer(), t.Null()], { description: 'file time, Unix epoch seconds' }),
    },
    { title: 'PxTemplate' },
  )

  const Section = t.Union(TEMPLATE_SECTIONS.map((x) => t.Literal(x)), { description: 'only this section of `pveam available`' })

  const AvailableEntry = t.Object(
    {
      section: t.String({ description: TEMPLATE_SECTIONS.join(' | ') }),
      template: t.String({ description: 'name to pass to POST /px/templates/download' }),
      arch: t.Union([t.String(), t.Null()], { description: 'architecture (pve-manager ≥ 9.2.7 lists it), else null' }),
      downloaded: t.Array(t.String(), { description: 'image_ids of copies already on a storage of this host' }),
    },
    { title: 'PxAvailableTemplate' },
  )

  const TemplatesResponse = t.Object(
    {
      ...Where,
      templates: t.Array(TemplateEntry, { description: 'templates on every active storage that holds vztmpl, sorted by image_id' }),
      available: t.Optional(t.Array(AvailableEntry, { description: 'only with available=true: what `pveam available` offers, by section then name' })),
    },
    { title: 'PxTemplates' },
  )

  const DownloadResponse = t.Object(
    {
      ...Where,
      storage: t.String(),
      template: t.String(),
      image_id: t.String({ description: 'volume id of the downloaded template' }),
      size_bytes: Bytes('file size'),
      already_present: t.Boolean({ description: 'the file was there already with the right checksum; nothing was downloaded' }),
      output: t.String({ description: 'the download task log' }),
    },
    { title: 'PxTemplateDownload' },
  )

  const RebootResponse = t.Object(
    {
      ...Where,
      rebooting: t.Literal(true),
      output: t.String({ description: 'what happened, in words' }),
      requested_at: t.String({ description: 'ISO 8601 time the reboot command was sent' }),
    },
    { title: 'PxReboot' },
  )

  return {
    // requests
    HostsQuery: t.Object({ region: t.Optional(RegionName), timeout_ms: t.Optional(TimeoutMs) }),
    ZoneQuery: t.Object({ ...schemas.zoneFields }),
    StorageQuery: t.Object({
      ...schemas.zoneFields,
      content: t.Optional(
        t.Union(
          STORAGE_CONTENT_TYPES.map((c) => t.Literal(c)),
          { description: 'only storages that hold this content type' },
        ),
      ),
    }),
    TemplatesQuery: t.Object({
      ...schemas.zoneFields,
      storage: t.Optional(StorageId),
      available: t.Optional(t.Boolean({ description: 'also list what `pveam available` offers', default: false })),
      section: t.Optional(Section),
    }),
    DownloadBody: t.Object({
      ...schemas.zoneFields,
      storage: StorageId,
      template: t.String({
        pattern: ids.PATTERNS.templateName,
        maxLength: 255,
        description: 'template name as listed by GET /px/templates?available=true',
        examples: ['debian-12-standard_12.7-1_amd64.tar.zst'],
      }),
    }),
    RebootBody: t.Optional(
      t.Object({
        ...schemas.zoneFields,
        confirm: t.Optional(t.Boolean({ description: 'must be true, or nothing is sent' })),
      }),
    ),
    // responses
    HostEntry,
    HostsResponse,
    StorageEntry,
    StatusResponse,
    StorageResponse,
    TemplateEntry,
    AvailableEntry,
    TemplatesResponse,
    DownloadResponse,
    RebootResponse,
  }
}

export type PxSchemas = ReturnType<typeof pxSchemas>
export type HostEntry = Static<PxSchemas['HostEntry']>
export type StorageEntry = Static<PxSchemas['StorageEntry']>
export type StatusResponse = Static<PxSchemas['StatusResponse']>
export type TemplateEntry = Static<PxSchemas['TemplateEntry']>
export type AvailableEntry = Static<PxSchemas['AvailableEntry']>
