// `pvesm` stand-in (pve-storage `src/PVE/CLI/pvesm.pm`): `status` is emulated, other commands
// only show in usage.
import { apiStorageIndex, printPvesmStatus, storageIndexProps } from "./lib/api/storage";
import { type CmdDef, runCli, type Tool } from "./lib/cli";
import { out } from "./lib/errors";
import { nodename } from "./lib/paths";

const SCAN = "PVE::API2::Storage::Scan";
const CONFIG = "PVE::API2::Storage::Config";
const CONTENT = "PVE::API2::Storage::Content";
const CLI = "PVE::CLI::pvesm";

const cmds: Record<string, CmdDef> = {
  "scan cifs": { cls: SCAN, subgroup: true, stubUsage: "<server> [OPTIONS]" },
  "scan iscsi": { cls: SCAN, subgroup: true, stubUsage: "<portal>" },
  "scan lvm": { cls: SCAN, subgroup: true, stubUsage: "" },
  "scan lvmthin": { cls: SCAN, subgroup: true, stubUsage: "<vg>" },
  "scan nfs": { cls: SCAN, subgroup: true, stubUsage: "<server>" },
  "scan pbs": { cls: SCAN, subgroup: true, stubUsage: "<server> <username> --password <string> [OPTIONS] [FORMAT_OPTIONS]" },
  "scan zfs": { cls: SCAN, subgroup: true, stubUsage: "" },
  add: { cls: CONFIG, stubUsage: "<type> <storage> [OPTIONS]" },
  remove: { cls: CONFIG, stubUsage: "<storage>" },
  set: { cls: CONFIG, stubUsage: "<storage> [OPTIONS]" },
  alloc: { cls: CONTENT, stubUsage: "<storage> <vmid> <filename> <size> [OPTIONS]" },
  free: { cls: CONTENT, stubUsage: "<volume> [OPTIONS]" },
  list: { cls: CONTENT, stubUsage: "<storage> [OPTIONS]" },
  status: {
    cls: "PVE::API2::Storage::Status",
    props: storageIndexProps,
    fixed: { node: nodename() },
    run: (p) => out(printPvesmStatus(apiStorageIndex(p as any))),
  },
  apiinfo: { cls: CLI, stubUsage: "" },
  export: { cls: CLI, stubUsage: "<volume> <format> <filename> [OPTIONS]" },
  extractconfig: { cls: CLI, stubUsage: "<volume>" },
  import: { cls: CLI, stubUsage: "<volume> <format> <filename> [OPTIONS]" },
  path: { cls: CLI, stubUsage: "<volume>" },
  "prune-backups": { cls: CLI, stubUsage: "<storage> [OPTIONS]" },
};

const tool: Tool = { name: "pvesm", cmds };
await runCli(tool, process.argv.slice(2));
