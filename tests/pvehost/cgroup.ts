/**
 * One cgroup subtree per test host, below the caller's own cgroup in every hierarchy
 * (cgroup v1, hybrid or v2). Everything in the host runs there, so LXC's
 * `lxc.payload.<vmid>` lands below it: containers of different hosts never share a
 * directory, and what a SIGKILLed LXC monitor leaves behind can be removed by stop().
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

interface CgroupMount {
  point: string
  root: string
  v2: boolean
  options: string[]
}

function cgroupMounts(): CgroupMount[] {
  const out: CgroupMount[] = []
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ')
    if (!left || !right) continue
    const f = left.split(' ')
    const [fstype, , superOpts] = right.split(' ')
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue
    out.push({ root: f[3]!, point: f[4]!, v2: fstype === 'cgroup2', options: (superOpts ?? '').split(',') })
  }
  return out
}

/** The caller's cgroup directory in each mounted hierarchy. */
function ownCgroupDirs(): string[] {
  const mounts = cgroupMounts()
  const dirs: string[] = []
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line)
    if (!m) continue
    const controllers = m[1] ? m[1].split(',') : []
    const mount = mounts.find((x) =>
      controllers.length === 0 ? x.v2 : !x.v2 && controllers.every((c) => x.options.includes(c)),
    )
    if (!mount) continue
    let rel = m[2]!
    if (mount.root !== '/' && rel.startsWith(mount.root)) rel = rel.slice(mount.root.length)
    dirs.push(join(mount.point, rel))
  }
  return dirs
}

/** Creates `pvehost-<name>` in every hierarchy where the caller may; returns the directories. */
export function createHostCgroups(name: string): string[] {
  const created: string[] = []
  for (const parent of ownCgroupDirs()) {
    const dir = join(parent, `pvehost-${name}`)
    try {
      mkdirSync(dir, { recursive: true })
      // cgroup v1 cpuset: a new group has no CPUs or memory nodes, and no task may join it.
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const own = join(dir, f)
        if (existsSync(own) && readFileSync(own, 'utf8').trim() === '')
          writeFileSync(own, readFileSync(join(parent, f), 'utf8'))
      }
      created.push(dir)
    } catch {
      // Read-only or delegated-away hierarchy: LXC then uses the caller's cgroup there.
    }
  }
  return created
}

function subtree(dir: string): string[] {
  const out: string[] = []
  let entries: import('node:fs').Dirent[] = []
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return out
  }
  for (const e of entries) if (e.isDirectory()) out.push(...subtree(join(dir, e.name)))
  out.push(dir) // children first: rmdir order
  return out
}

/** Pids in the subtrees (host-side numbers). */
export function cgroupPids(dirs: string[]): number[] {
  const pids = new Set<number>()
  for (const d of dirs.flatMap(subtree)) {
    try {
      for (const p of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (p) pids.add(Number(p))
    } catch {
      // removed meanwhile
    }
  }
  return [...pids]
}

/** Kills whatever is still in the subtrees, then removes them. Only ever our own cgroups. */
export async function removeHostCgroups(dirs: string[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    for (const pid of cgroupPids(dirs)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    let left = 0
    for (const d of dirs.flatMap(subtree)) {
      try {
        rmdirSync(d)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') left++
      }
    }
    if (left === 0) return
    if (Date.now() > deadline) throw new Error(`pvehost: cannot remove cgroups ${dirs.join(' ')}`)
    await Bun.sleep(20)
  }
}
