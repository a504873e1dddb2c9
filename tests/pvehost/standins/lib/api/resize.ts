// PVE::API2::LXC::resize_vm (pve-container `src/PVE/API2/LXC.pm`); volume sizes live only in the config here.
import { checkLock, loadConfig, lockConfig, writeConfig } from "../config";
import { mpFormat, rootfsFormat } from "../ctschema";
import { die } from "../errors";
import { formatSize, parsePropertyString, parseSize, printPropertyString, type Prop } from "../schema";
import { forkWorker, type TaskResult } from "../task";
import { digestProp, nodeProp, vmidProp } from "./props";

export const resizeProps: Record<string, Prop> = {
  node: nodeProp,
  vmid: vmidProp,
  disk: { type: "string", enum: ["rootfs", ...Array.from({ length: 256 }, (_, i) => `mp${i}`)] },
  size: { type: "string", pattern: /\+?\d+(\.\d+)?[KMGT]?/ },
  digest: digestProp,
};

export async function apiResize(p: { vmid: number | string; disk: string; size: string; digest?: string }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  const ext = p.size.startsWith("+");
  const request = parseSize(p.size.replace(/^\+/, ""));
  if (request === undefined) die("invalid size string");
  const loadAndCheck = () => {
    const conf = loadConfig(vmid);
    checkLock(conf);
    if (p.digest && p.digest !== conf.digest) die("detected modified configuration - file changed by other user? Try again.");
    const fmt = p.disk === "rootfs" ? rootfsFormat : mpFormat;
    if (!conf.props[p.disk]) die(`unable to parse value of '${p.disk}' - got undefined value`);
    const mp = parsePropertyString(fmt, conf.props[p.disk]);
    const owner = /(?:^|[:/])(?:vm|subvol)-(\d+)-disk-\d+/.exec(mp.volume)?.[1];
    if (owner && Number(owner) !== vmid) die(`can't resize mount point owned by another container (${owner})`);
    const size = mp.size !== undefined ? parseSize(mp.size) : undefined;
    if (size === undefined) die(`Could not determine current size of volume '${mp.volume}'`);
    const newsize = Math.trunc(ext ? size + request : request);
    if (newsize < size) die("unable to shrink disk size");
    if (newsize === size) die("disk is already at specified size");
    return { conf, fmt, mp, newsize };
  };
  loadAndCheck();
  return forkWorker("resize", vmid, () =>
    lockConfig(vmid, () => {
      const { conf, fmt, mp, newsize } = loadAndCheck();
      mp.size = formatSize(newsize);
      conf.props[p.disk] = printPropertyString(fmt, mp);
      writeConfig(conf);
    }),
  );
}
