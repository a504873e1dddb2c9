// The API paths pvesh can reach (pve-manager `PVE/CLI/pvesh.pm` walks the `PVE/API2.pm` tree):
// method + path template -> handler.
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { ResultKind } from "../format";
import { loadConfig } from "../config";
import { die } from "../errors";
import { TASK_DIR } from "../paths";
import { procStart } from "../lxc";
import type { Prop } from "../schema";
import { upidLogFile } from "../task";
import { vmStatusAll } from "../vmstatus";
import { apiUpdateVm, apiVmConfig, apiVmPending, configGetProps, confToJson, updateProps } from "./config";
import { apiCreate, createProps } from "./create";
import { apiDestroy, destroyProps } from "./destroy";
import { apiClusterStatus, apiNextId, apiNodes, apiNodeStatus, apiResources, apiVersion } from "./node";
import { apiReboot, apiShutdown, apiStart, apiStop, rebootProps, shutdownProps, startProps, stopProps } from "./power";
import { nodeProp, snapnameProp, storageIdProp, vmidProp } from "./props";
import { apiResize, resizeProps } from "./resize";
import { apiDelSnapshot, apiRollback, apiSnapshot, apiSnapshotConfig, apiSnapshotList, apiUpdateSnapshotConfig, delsnapshotProps, rollbackProps, snapshotProps } from "./snapshot";
import { aplDownloadProps, apiAplDownload, apiStorageContent, apiStorageIndex, apiStorageStatus, loadAplInfo, storageIndexProps } from "./storage";

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface Route {
  method: Method;
  path: string;
  props: Record<string, Prop>;
  returns: ResultKind;
  /** worker endpoints return a task result; pvesh prints its UPID */
  worker?: boolean;
  handler: (p: any) => unknown;
}

const N = { node: nodeProp };
const NV = { node: nodeProp, vmid: vmidProp };
const idx = (...names: string[]) => names.map((n) => ({ subdir: n }));

function withStatus(vmid: number): Record<string, unknown> {
  loadConfig(vmid);
  return { ...vmStatusAll(vmid)[0], ha: { managed: 0 } };
}

const UPID_RE = /^UPID:([^:]+):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:]+):([^:]*):([^:]+):$/;

/** A task from its UPID and log file (PVE reads the same: last line = result). */
function taskInfo(upid: string): Record<string, unknown> {
  const m = UPID_RE.exec(upid);
  if (!m) die(`unable to parse worker upid '${upid}'`);
  const file = upidLogFile(upid)!;
  let log: string;
  try {
    log = readFileSync(file, "utf8");
  } catch {
    die("no such task");
  }
  const res: Record<string, unknown> = {
    upid,
    node: m[1],
    pid: parseInt(m[2], 16),
    pstart: parseInt(m[3], 16),
    starttime: parseInt(m[4], 16),
    type: m[5],
    id: m[6],
    user: m[7],
    status: "running",
  };
  const done = /^TASK (OK|WARNINGS: \d+|ERROR: (.*))$/.exec(log.trimEnd().split("\n").pop() ?? "");
  if (done) {
    res.status = "stopped";
    res.exitstatus = done[2] ?? done[1];
    res.endtime = Math.floor(statSync(file).mtimeMs / 1000);
  } else if (procStart(Number(res.pid)) !== res.pstart) {
    res.status = "stopped";
    res.exitstatus = "unexpected status";
  }
  return res;
}

function taskLog(p: { upid: string }): Record<string, unknown>[] {
  taskInfo(p.upid);
  return readFileSync(upidLogFile(p.upid)!, "utf8")
    .replace(/\n$/, "")
    .split("\n")
    .map((t, i) => ({ n: i + 1, t }));
}

/** GET /nodes/{node}/tasks: newest first, like the task index. */
function taskList(p: { vmid?: number | string; limit?: number | string; typefilter?: string; errors?: number; since?: number | string; source?: string }): Record<string, unknown>[] {
  const res: Record<string, unknown>[] = [];
  let dirs: string[] = [];
  try {
    dirs = readdirSync(TASK_DIR);
  } catch {}
  for (const d of dirs) {
    let files: string[] = [];
    try {
      files = readdirSync(`${TASK_DIR}/${d}`);
    } catch {}
    for (const f of files) {
      if (!UPID_RE.test(f)) continue;
      const t = taskInfo(f);
      if (p.vmid !== undefined && t.id !== String(p.vmid)) continue;
      if (p.typefilter && t.type !== p.typefilter) continue;
      if (p.since !== undefined && Number(t.starttime) < Number(p.since)) continue;
      // The list says RUNNING for a live task (pve-manager PVE/API2/Tasks.pm, from the active file).
      if (t.status === "running") t.status = "RUNNING";
      if (t.exitstatus !== undefined) t.status = t.exitstatus;
      delete t.exitstatus;
      if (p.errors && (t.status === "OK" || t.status === "RUNNING")) continue;
      res.push({ ...t, _order: statSync(`${TASK_DIR}/${d}/${f}`).mtimeMs });
    }
  }
  // same-second tasks: fall back to process start, then log write time
  res.sort((a, b) => Number(b.starttime) - Number(a.starttime) || Number(b.pstart) - Number(a.pstart) || Number(b._order) - Number(a._order));
  for (const t of res) delete t._order;
  return res.slice(0, p.limit !== undefined ? Number(p.limit) : 50);
}

export const routes: Route[] = [
  { method: "GET", path: "/version", props: {}, returns: "object", handler: apiVersion },
  { method: "GET", path: "/nodes", props: {}, returns: "array", handler: apiNodes },
  { method: "GET", path: "/nodes/{node}", props: N, returns: "array", handler: () => idx("aplinfo", "lxc", "status", "storage", "tasks", "version") },
  { method: "GET", path: "/nodes/{node}/status", props: N, returns: "object", handler: apiNodeStatus },
  { method: "GET", path: "/nodes/{node}/version", props: N, returns: "object", handler: apiVersion },
  { method: "GET", path: "/cluster/status", props: {}, returns: "array", handler: apiClusterStatus },
  { method: "GET", path: "/cluster/nextid", props: { vmid: { ...vmidProp, optional: true } }, returns: "scalar", handler: apiNextId },
  { method: "GET", path: "/cluster/resources", props: { type: { type: "string", optional: true, enum: ["vm", "storage", "node", "sdn"] } }, returns: "array", handler: apiResources },
  { method: "GET", path: "/nodes/{node}/lxc", props: N, returns: "array", handler: () => vmStatusAll() },
  { method: "POST", path: "/nodes/{node}/lxc", props: createProps, returns: "scalar", worker: true, handler: apiCreate },
  { method: "GET", path: "/nodes/{node}/lxc/{vmid}", props: NV, returns: "array", handler: (p) => (loadConfig(Number(p.vmid)), idx("config", "pending", "status", "snapshot", "resize")) },
  { method: "DELETE", path: "/nodes/{node}/lxc/{vmid}", props: destroyProps, returns: "scalar", worker: true, handler: apiDestroy },
  { method: "GET", path: "/nodes/{node}/lxc/{vmid}/status", props: NV, returns: "array", handler: (p) => (loadConfig(Number(p.vmid)), idx("current", "start", "stop", "shutdown", "reboot")) },
  { method: "GET", path: "/nodes/{node}/lxc/{vmid}/status/current", props: NV, returns: "object", handler: (p) => withStatus(Number(p.vmid)) },
  { method: "POST", path: "/nodes/{node}/lxc/{vmid}/status/start", props: startProps, returns: "scalar", worker: true, handler: apiStart },
  { method: "POST", path: "/nodes/{node}/lxc/{vmid}/status/stop", props: stopProps, returns: "scalar", worker: true, handler: apiStop },
  { method: "POST", path: "/nodes/{node}/lxc/{vmid}/status/shutdown", props: shutdownProps, returns: "scalar", worker: true, handler: apiShutdown },
  { method: "POST", path: "/nodes/{node}/lxc/{vmid}/status/reboot", props: rebootProps, returns: "scalar", worker: true, handler: apiReboot },
  { method: "GET", path: "/nodes/{node}/lxc/{vmid}/config", props: configGetProps, returns: "object", handler: apiVmConfig },
  { method: "PUT", path: "/nodes/{node}/lxc/{vmid}/config", props: updateProps, returns: "null", handler: apiUpdateVm },
  { method: "GET", path: "/nodes/{node}/lxc/{vmid}/pending", props: NV, returns: "array", handler: apiVmPending },
  { method: "PUT", path: "/nodes/{node}/lxc/{vmid}/resize", props: resizeProps, returns: "scalar", worker: true, handler: apiResize },
  { method: "GET", path: "/nodes/{node}/lxc/{vmid}/snapshot", props: NV, returns: "array", handler: apiSnapshotList },
  { method: "POST", path: "/nodes/{node}/lxc/{vmid}/snapshot", props: snapshotProps, returns: "scalar", worker: true, handler: apiSnapshot },
  { method: "GET", path: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}", props: { ...NV, snapname: snapnameProp }, returns: "array", handler: (p) => (apiSnapshotConfig(p as any), [{ cmd: "rollback" }, { cmd: "config" }]) },
  { method: "DELETE", path: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}", props: delsnapshotProps, returns: "scalar", worker: true, handler: apiDelSnapshot },
  { method: "POST", path: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback", props: rollbackProps, returns: "scalar", worker: true, handler: apiRollback },
  {
    method: "GET",
    path: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/config",
    props: { ...NV, snapname: snapnameProp },
    returns: "object",
    handler: (p) => {
      const s = apiSnapshotConfig(p as any);
      return confToJson(s.props, s.lxc);
    },
  },
  { method: "PUT", path: "/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/config", props: { ...NV, snapname: snapnameProp, description: { type: "string", optional: true } }, returns: "null", handler: apiUpdateSnapshotConfig },
  { method: "GET", path: "/nodes/{node}/storage", props: storageIndexProps, returns: "array", handler: apiStorageIndex },
  { method: "GET", path: "/nodes/{node}/storage/{storage}", props: { ...N, storage: storageIdProp }, returns: "array", handler: () => idx("content", "status") },
  { method: "GET", path: "/nodes/{node}/storage/{storage}/status", props: { ...N, storage: storageIdProp }, returns: "object", handler: apiStorageStatus },
  {
    method: "GET",
    path: "/nodes/{node}/storage/{storage}/content",
    props: { ...N, storage: storageIdProp, content: { type: "string", optional: true }, vmid: { ...vmidProp, optional: true } },
    returns: "array",
    handler: apiStorageContent,
  },
  {
    method: "GET",
    path: "/nodes/{node}/tasks",
    props: { ...N, vmid: { ...vmidProp, optional: true }, limit: { type: "integer", minimum: 0, optional: true }, start: { type: "integer", minimum: 0, optional: true }, typefilter: { type: "string", optional: true }, errors: { type: "boolean", optional: true }, since: { type: "integer", optional: true }, userfilter: { type: "string", optional: true }, source: { type: "string", optional: true, enum: ["archive", "active", "all"] } },
    returns: "array",
    handler: taskList,
  },
  { method: "GET", path: "/nodes/{node}/tasks/{upid}/status", props: { ...N, upid: { type: "string" } }, returns: "object", handler: (p) => taskInfo(p.upid) },
  { method: "GET", path: "/nodes/{node}/tasks/{upid}/log", props: { ...N, upid: { type: "string" }, start: { type: "integer", optional: true }, limit: { type: "integer", optional: true } }, returns: "array", handler: taskLog },
  {
    method: "GET",
    path: "/nodes/{node}/aplinfo",
    props: N,
    returns: "array",
    handler: () => (loadAplInfo() ?? []).map((e) => ({ section: e.section, template: e.template, package: e.template.replace(/_.*$/, ""), type: "lxc", os: e.template.split("-")[0], architecture: e.arch ?? "amd64" })),
  },
  { method: "POST", path: "/nodes/{node}/aplinfo", props: aplDownloadProps, returns: "scalar", worker: true, handler: apiAplDownload },
];

/** PVE::API2->find_handler: template match, path parameters extracted. */
export function findRoute(method: Method, path: string): { route: Route; uri: Record<string, string> } | undefined {
  const parts = path.replace(/\/+/g, "/").replace(/^\/|\/$/g, "").split("/").filter(Boolean);
  for (const route of routes) {
    if (route.method !== method) continue;
    const tp = route.path.split("/").filter(Boolean);
    if (tp.length !== parts.length) continue;
    const uri: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < tp.length && ok; i++) {
      const m = /^\{(\w+)\}$/.exec(tp[i]);
      if (m) uri[m[1]] = decodeURIComponent(parts[i]);
      else ok = tp[i] === parts[i];
    }
    if (ok) return { route, uri };
  }
  return undefined;
}

