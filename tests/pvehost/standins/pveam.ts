// `pveam` stand-in (pve-manager `PVE/CLI/pveam.pm`, `PVE/APLInfo.pm`): the index comes from
// the fixture's apl-available.txt.
import { nodeProp, storageIdProp } from "./lib/api/props";
import { apiAplDownload, apiTemplateIndex, aplDownloadProps, loadAplInfo } from "./lib/api/storage";
import { type CmdDef, runCli, type Tool } from "./lib/cli";
import { err, out } from "./lib/errors";
import { nodename } from "./lib/paths";
import { readStorageCfg, storageConfig, templateDir } from "./lib/storage";
import { rmSync } from "node:fs";

const CLS = "PVE::CLI::pveam";
const fixed = () => ({ node: nodename() });

const cmds: Record<string, CmdDef> = {
  update: {
    cls: CLS,
    props: {},
    run: () => {
      if (loadAplInfo()) out("update successful\n");
      else err("update failed - see /var/log/pveam.log for details\n");
    },
  },
  download: {
    cls: "PVE::API2::Nodes::Nodeinfo",
    args: ["storage", "template"],
    props: aplDownloadProps,
    fixed: fixed(),
    // no upid_exit handler: exit 0 even when the task failed
    run: async (p) => void (await apiAplDownload(p as any)),
  },
  available: {
    cls: CLS,
    props: { section: { type: "string", optional: true, enum: ["system", "mail", "turnkeylinux"] } },
    run: (p) => {
      const list = loadAplInfo();
      if (!list) {
        err("unable to open file '/var/lib/pve-manager/apl-info/download.proxmox.com' - No such file or directory\n");
        return;
      }
      const sorted = list
        .filter((e) => !p.section || e.section === p.section)
        .sort((a, b) => (a.section < b.section ? -1 : a.section > b.section ? 1 : a.template < b.template ? -1 : a.template > b.template ? 1 : 0));
      out(sorted.map((e) => `${e.section.padEnd(15)} ${e.template}\n`).join(""));
    },
  },
  list: {
    cls: CLS,
    args: ["storage"],
    props: { node: nodeProp, storage: storageIdProp },
    fixed: fixed(),
    run: (p) => {
      const list = apiTemplateIndex(p as any);
      let s = `${"NAME".padEnd(60)} ${"SIZE".padEnd(6)}\n`;
      for (const r of list) s += `${r.volid.padEnd(60)} ${(r.size / 1048576).toFixed(2).padEnd(4)}MB\n`;
      out(s);
    },
  },
  remove: {
    cls: CLS,
    args: ["template_path"],
    props: { node: nodeProp, template_path: { type: "string", maxLength: 255 } },
    fixed: fixed(),
    run: (p) => {
      const m = /^([^:]+):vztmpl\/(.+)$/.exec(p.template_path);
      if (!m) throw new Error(`unable to parse volume ID '${p.template_path}'\n`);
      rmSync(`${templateDir(storageConfig(readStorageCfg(), m[1]))}/${m[2]}`, { force: true });
    },
  },
};

const tool: Tool = { name: "pveam", cmds };
await runCli(tool, process.argv.slice(2));
