/**
 * Maps regions/AZs from the config to executors (one pooled connection per
 * AZ) and Proxmox clients. The only place that decides local vs SSH.
 */
import type { LwsConfig, Zone } from '../config/load.ts'
import { BadRequestError, NotFoundError } from '../errors/catalogue.ts'
import type { Executor } from '../exec/executor.ts'
import { LocalExecutor } from '../exec/local.ts'
import { LoggedExecutor } from '../exec/logged.ts'
import { defaultShareLimits, SharedExecutor } from '../exec/shares.ts'
import { SingleFlightExecutor } from '../exec/single-flight.ts'
import { SshExecutor } from '../exec/ssh.ts'
import type { Logger } from '../log.ts'
import { type LwsMetrics, recordSingleFlightHit, registerPoolStats } from '../metrics/metrics.ts'
import { matches } from '../proxmox/ids.ts'
import { ProxmoxClient } from '../proxmox/client.ts'

export interface ZoneHandle {
  readonly zone: Zone
  /** `region/az`, used in logs and errors. */
  readonly label: string
  readonly exec: Executor
  /** The AZ's channels and their shares (metrics, tests). */
  readonly channels: SharedExecutor
  readonly pve: ProxmoxClient
}

/** SSH channels one AZ's connection carries at once: below sshd's MaxSessions (10 by default). */
export const CHANNELS_PER_AZ = 8

export type ExecutorFactory = (zone: Zone, label: string) => Executor

export function defaultExecutorFactory(config: LwsConfig, log: Logger): ExecutorFactory {
  return (zone, label) => {
    if (zone.local) return new LocalExecutor(label, config.commandTimeoutMs, config.maxOutputBytes)
    return new SshExecutor(
      label,
      { host: zone.host, port: zone.port, user: zone.user, password: zone.password, keyFile: zone.keyFile, fingerprint: zone.fingerprint },
      {
        // One more than the shares hand out: the channel that kills a stopped command never waits behind them.
        maxChannels: CHANNELS_PER_AZ + 1,
        defaultTimeoutMs: config.commandTimeoutMs,
        defaultMaxOutputBytes: config.maxOutputBytes,
        onHostKey: zone.fingerprint
          ? undefined
          : (fp) => log.debug('ssh host key not pinned', { az: label, fingerprint: fp }),
      },
    )
  }
}

export class ZoneRegistry {
  private readonly handles: ZoneHandle[]

  constructor(
    private readonly config: LwsConfig,
    log: Logger,
    factory: ExecutorFactory = defaultExecutorFactory(config, log),
    metrics?: LwsMetrics,
  ) {
    this.handles = config.zones.map((zone) => {
      const label = `${zone.region}/${zone.az}`
      // Outermost first: identical reads join one run before any channel is taken; each run takes a
      // channel of its share; only runs that reach the host are logged.
      const transport = factory(zone, label)
      const channels = new SharedExecutor(new LoggedExecutor(transport, log, metrics), defaultShareLimits(CHANNELS_PER_AZ), config.commandTimeoutMs)
      const exec = new SingleFlightExecutor(channels, () => recordSingleFlightHit(metrics, label))
      registerPoolStats(metrics, label, () => ({
        ...channels.channels.stats(),
        // The first connection is no reconnect.
        reconnects: transport instanceof SshExecutor ? Math.max(0, transport.connectCount - 1) : 0,
      }))
      return { zone, label, exec, channels, pve: new ProxmoxClient(exec, { az: label, node: zone.node }) }
    })
  }

  regions(): string[] {
    return [...new Set(this.handles.map((h) => h.zone.region))]
  }

  private checkName(kind: 'region' | 'az', value: string): void {
    if (!matches('zoneName', value)) throw new BadRequestError(`${kind}: invalid name`, 'VALIDATION_FAILED')
  }

  /** Every AZ, or those of one region (unknown region → 404 listing the known ones). */
  list(region?: string): ZoneHandle[] {
    if (region === undefined || region === '') return [...this.handles]
    this.checkName('region', region)
    const found = this.handles.filter((h) => h.zone.region === region)
    if (!found.length) throw new NotFoundError(`unknown region '${region}' (known: ${this.regions().join(', ')})`, 'ZONE_NOT_FOUND')
    return found
  }

  /** One AZ; missing region/az fall back to default_region/default_az. */
  resolve(region?: string, az?: string): ZoneHandle {
    const r = region || (az ? undefined : this.config.defaultRegion)
    if (r) this.checkName('region', r)
    if (az) this.checkName('az', az)
    const candidates = r ? this.list(r) : this.handles
    if (!az) {
      const fallback = r === this.config.defaultRegion ? this.config.defaultAz : candidates[0]!.zone.az
      return candidates.find((h) => h.zone.az === fallback) ?? candidates[0]!
    }
    const matchesAz = candidates.filter((h) => h.zone.az === az)
    if (matchesAz.length === 1) return matchesAz[0]!
    if (matchesAz.length > 1) {
      throw new BadRequestError(`az '${az}' exists in several regions (${matchesAz.map((h) => h.zone.region).join(', ')}); name the region`, 'ZONE_AMBIGUOUS')
    }
    const known = candidates.map((h) => h.zone.az).join(', ')
    throw new NotFoundError(`unknown availability zone '${az}'${r ? ` in region '${r}'` : ''} (known: ${known})`, 'ZONE_NOT_FOUND')
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.exec.close()))
  }
}
