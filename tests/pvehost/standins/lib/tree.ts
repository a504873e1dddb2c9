// PVE::GuestHelpers::print_snapshot_tree (pve-guest-common `src/PVE/GuestHelpers.pm`).

interface Node {
  name: string;
  parent?: string;
  snaptime?: number;
  description?: string;
  children?: string[];
}

function localTime(epoch: number): string {
  const d = new Date(epoch * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function printSnapshotTree(list: Record<string, unknown>[]): string {
  const snaps = new Map<string, Node>();
  for (const e of list) {
    snaps.set(String(e.name), {
      name: String(e.name),
      parent: e.parent as string | undefined,
      snaptime: e.name === "current" ? undefined : Number(e.snaptime ?? 0),
      description: e.description as string | undefined,
    });
  }
  const roots: string[] = [];
  for (const e of snaps.values()) {
    if (e.parent && snaps.has(e.parent)) (snaps.get(e.parent)!.children ??= []).push(e.name);
    else roots.push(e.name);
  }
  // snaptime order, `current` (no snaptime) last
  const cmp = (a: string, b: string) => {
    const ta = snaps.get(a)!.snaptime;
    const tb = snaps.get(b)!.snaptime;
    if (ta === undefined) return 1;
    if (tb === undefined) return -1;
    return ta - tb;
  };
  let out = "";
  const walk = (prefix: string, name: string) => {
    const e = snaps.get(name)!;
    const description = (e.description || "no-description").split("\n")[0];
    const time = e.snaptime !== undefined ? localTime(e.snaptime) : "";
    const len = Math.max(0, 30 - prefix.length);
    out += `${prefix} ${name.padEnd(len)} ${time.padEnd(23)} ${description}\n`;
    for (const c of [...(e.children ?? [])].sort(cmp)) walk(` ${prefix}`, c);
  };
  for (const r of [...roots].sort(cmp)) walk("`->", r);
  return out;
}
