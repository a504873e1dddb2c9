// `pvesh` stand-in: PVE::CLI::pvesh (pve-manager `PVE/CLI/pvesh.pm`) over the routes in lib/api/routes.ts.
import { findRoute, type Method, type Route } from "./lib/api/routes";
import { checkNode } from "./lib/api/node";
import { type CmdDef, type Params, runCli, type Tool } from "./lib/cli";
import { die, err, PveError } from "./lib/errors";
import { printResult } from "./lib/format";
import { nodename } from "./lib/paths";
import { type Prop, validate } from "./lib/schema";
import type { TaskResult } from "./lib/task";

const METHODS: Record<string, Method> = { get: "GET", set: "PUT", create: "POST", delete: "DELETE" };
const CLS = "PVE::CLI::pvesh";

const formatProps: Record<string, Prop> = {
  "output-format": { type: "string", enum: ["text", "json", "json-pretty", "yaml"], optional: true },
  noborder: { type: "boolean", optional: true },
  noheader: { type: "boolean", optional: true },
  "human-readable": { type: "boolean", optional: true },
  quiet: { type: "boolean", optional: true },
};

const argv = process.argv.slice(2);
let noOutput = false;
while (argv[0] === "--noproxy" || argv[0] === "--nooutput") {
  if (argv.shift() === "--nooutput") noOutput = true;
}

// extract_path_info: an exact verb plus a path selects the endpoint's schema up front.
let pathInfo: { route: Route; uri: Record<string, string> } | undefined;
if (METHODS[argv[0]] && argv[1] !== undefined) {
  pathInfo = findRoute(METHODS[argv[0]], argv[1]);
  if (!pathInfo) {
    err(`No '${argv[0]}' handler defined for '${argv[1]}'\n`);
    process.exit(1);
  }
}

function pathProps(): Record<string, Prop> {
  const props: Record<string, Prop> = {};
  if (pathInfo) for (const [k, v] of Object.entries(pathInfo.route.props)) if (!(k in pathInfo.uri)) props[k] = v;
  return { ...props, api_path: { type: "string" }, noproxy: { type: "boolean", optional: true }, ...formatProps };
}

async function call(verb: string, p: Params): Promise<void> {
  const path: string = p.api_path;
  const found = pathInfo ?? findRoute(METHODS[verb], path);
  if (!found) die(`no '${verb}' handler for '${path}'`);
  const { route, uri } = found;
  const uriErrors = validate(uri, Object.fromEntries(Object.keys(uri).map((k) => [k, route.props[k]])), true);
  if (uriErrors.length) throw new PveError("Parameter verification failed.\n", { code: 400, errors: uriErrors });
  if (uri.node !== undefined) checkNode(uri.node);
  const fmt = { "output-format": p["output-format"], noborder: p.noborder, noheader: p.noheader, quiet: p.quiet || (noOutput ? 1 : 0) };
  const params: Params = {};
  for (const [k, v] of Object.entries(p)) if (!(k in formatProps) && k !== "api_path" && k !== "noproxy") params[k] = v;
  for (const [k, v] of Object.entries(uri)) params[k] = k === "node" ? nodename() : v;
  const data = await route.handler(params);
  if (route.worker) {
    const res = data as TaskResult;
    if (!fmt.quiet) printResult(res.upid, "scalar", fmt);
    return;
  }
  printResult(data, route.returns, fmt);
}

const verbCmd = (verb: string): CmdDef => ({
  cls: CLS,
  args: ["api_path"],
  props: pathProps(),
  formatOptions: true,
  run: async (p) => {
    await call(verb, p);
    return 0;
  },
});

const cmds: Record<string, CmdDef> = {
  get: verbCmd("get"),
  set: verbCmd("set"),
  create: verbCmd("create"),
  delete: verbCmd("delete"),
  ls: { cls: CLS, stubUsage: "<api_path> [OPTIONS] [FORMAT_OPTIONS]" },
  usage: { cls: CLS, stubUsage: "<api_path> [OPTIONS]" },
};

const tool: Tool = { name: "pvesh", cmds };
await runCli(tool, argv);
