/**
 * Listening sockets and the processes behind them, from `ss -tulnp` (or
 * `netstat -tulnp`, or /proc/net/{tcp,udp}[6] when neither exists).
 */
import { clip, type Finding, type Severity } from './types.ts'

export interface Listener {
  proto: 'tcp' | 'udp'
  /** `0.0.0.0`, `::`, `*`, `127.0.0.1`, ... (brackets and `%iface` removed). */
  address: string
  port: number
  /** Process names and pids, as ss/netstat report them. */
  processes: { name: string; pid: number | null }[]
}

export interface ListenEvidence {
  source: 'ss' | 'netstat' | 'proc' | 'none'
  listeners: Listener[]
  /** pid → command line. */
  cmdlines: Record<number, string>
}

function splitHostPort(s: string): { address: string; port: number } | null {
  const i = s.lastIndexOf(':')
  if (i <= 0) return null
  const port = s.slice(i + 1)
  if (!/^\d{1,5}$/.test(port)) return null
  const address = s.slice(0, i).replace(/^\[(.*)\]$/, '$1').replace(/%[^%]*$/, '')
  return { address, port: Number(port) }
}

function ssProcesses(text: string): Listener['processes'] {
  return [...text.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)].map((m) => ({ name: m[1]!, pid: Number(m[2]) }))
}

function hexAddress(hex: string): string {
  if (hex.length === 8) {
    const b = hex.match(/../g)!.map((x) => parseInt(x, 16)).reverse()
    return b.join('.')
  }
  if (/^0+$/.test(hex)) return '::'
  if (/^0{24}01000000$/i.test(hex)) return '::1'
  if (/^0{16}FFFF0000/i.test(hex)) return `::ffff:${hexAddress(hex.slice(24))}`
  return hex.toLowerCase()
}

export function parseListenSection(lines: string[]): ListenEvidence {
  const ev: ListenEvidence = { source: 'none', listeners: [], cmdlines: {} }
  let mode: 'ss' | 'netstat' | 'proc' | 'cmd' | null = null
  let procProto: 'tcp' | 'udp' = 'tcp'
  for (const line of lines) {
    if (line === '#ss' || line === '#netstat') {
      mode = ev.source = line.slice(1) as 'ss' | 'netstat'
      continue
    }
    const proc = /^#proc \/proc\/net\/(tcp|udp)6?$/.exec(line)
    if (proc) {
      mode = ev.source = 'proc'
      procProto = proc[1] as 'tcp' | 'udp'
      continue
    }
    if (line === '#cmdlines') {
      mode = 'cmd'
      continue
    }
    const f = line.trim().split(/\s+/)
    if (mode === 'ss') {
      // Netid State Recv-Q Send-Q Local Peer [Process]
      if (f.length < 6 || (f[0] !== 'tcp' && f[0] !== 'udp')) continue
      if (f[0] === 'tcp' && f[1] !== 'LISTEN') continue
      const hp = splitHostPort(f[4]!)
      if (hp) ev.listeners.push({ proto: f[0], ...hp, processes: ssProcesses(f.slice(6).join(' ')) })
    } else if (mode === 'netstat') {
      // Proto Recv-Q Send-Q Local Foreign [State] PID/Program
      const proto = f[0]?.replace(/6$/, '')
      if (proto !== 'tcp' && proto !== 'udp') continue
      if (proto === 'tcp' && f[5] !== 'LISTEN') continue
      const hp = splitHostPort(f[3] ?? '')
      const pp = /^(\d+)\/(.+)$/.exec(f[f.length - 1] ?? '')
      if (hp) ev.listeners.push({ proto, ...hp, processes: pp ? [{ name: pp[2]!, pid: Number(pp[1]) }] : [] })
    } else if (mode === 'proc') {
      // sl local_address rem_address st ...
      const m = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(f[1] ?? '')
      if (!m || !/^\d+:$/.test(f[0] ?? '')) continue
      const st = f[3]
      if ((procProto === 'tcp' && st !== '0A') || (procProto === 'udp' && st !== '07')) continue
      ev.listeners.push({ proto: procProto, address: hexAddress(m[1]!), port: parseInt(m[2]!, 16), processes: [] })
    } else if (mode === 'cmd') {
      const m = /^(\d+) (.*)$/.exec(line)
      if (m) ev.cmdlines[Number(m[1])] = m[2]!.trim()
    }
  }
  return ev
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.') || address === 'localhost'
}

/** Plaintext or unauthenticated-by-default services that should not face a network. */
const RISKY: Record<number, string> = {
  21: 'FTP',
  23: 'telnet',
  69: 'TFTP',
  111: 'rpcbind',
  135: 'MS RPC',
  139: 'NetBIOS',
  445: 'SMB',
  512: 'rexec',
  513: 'rlogin',
  514: 'rsh/syslog',
  873: 'rsync',
  2049: 'NFS',
  2375: 'Docker API without TLS',
  3306: 'MySQL',
  5432: 'PostgreSQL',
  5900: 'VNC',
  5984: 'CouchDB',
  6379: 'Redis',
  9200: 'Elasticsearch',
  11211: 'memcached',
  27017: 'MongoDB',
}
/** Ports a server is expected to have open. */
const EXPECTED = new Set([22, 25, 53, 68, 80, 123, 443, 546])

export function listenerFindings(ev: ListenEvidence): Finding[] {
  const groups = new Map<string, Listener[]>()
  for (const l of ev.listeners) {
    const key = `${l.proto}/${l.port}`
    groups.set(key, [...(groups.get(key) ?? []), l])
  }
  const out: Finding[] = []
  for (const [key, ls] of [...groups].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) {
    const { proto, port } = ls[0]!
    const addresses = [...new Set(ls.map((l) => l.address))]
    const exposed = addresses.some((a) => !isLoopback(a))
    const procs = new Map<string, string>()
    for (const l of ls)
      for (const p of l.processes) {
        const cmd = p.pid !== null ? ev.cmdlines[p.pid] : undefined
        procs.set(`${p.name}/${p.pid ?? '?'}`, `${p.name} (pid ${p.pid ?? '?'}${cmd ? `: ${cmd}` : ''})`)
      }
    const who = procs.size ? [...procs.values()].join(', ') : 'process unknown'
    const risky = RISKY[port]
    let severity: Severity = 'info'
    if (exposed) severity = risky ? 'high' : EXPECTED.has(port) ? 'info' : 'low'
    out.push({
      id: `listener:${key}`,
      category: 'listeners',
      title: `${proto.toUpperCase()} port ${port} ${exposed ? 'open to the network' : 'open on loopback only'}${risky ? ` (${risky})` : ''}`,
      severity,
      evidence: clip(`${addresses.map((a) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`)).join(', ')} ← ${who}`),
      remediation: exposed
        ? `Stop the service if it is not needed; otherwise bind it to the addresses that need it and allow the port only from trusted sources in the Proxmox firewall.`
        : 'Reachable only from inside the container; nothing to do unless it is unexpected.',
    })
  }
  return out
}
