// PVE::CLIHandler + RESTHandler::cli_handler: command resolution, option parsing,
// schema validation and the error/usage output (pve-common `src/PVE/CLIHandler.pm`,
// `src/PVE/RESTHandler.pm`).
import { badRequest, err, out, PveError } from "./errors";
import { getopt, type OptSpec } from "./getopt";
import { parseBoolean, type Prop, validate } from "./schema";

export type Params = Record<string, any>;

export interface CmdDef {
  /** API class name: usage listings are grouped and sorted by it */
  cls: string;
  /** positional parameters, in order ('extra-args' collects the rest) */
  args?: string[];
  props?: Record<string, Prop>;
  /** parameters preset by the CLI (e.g. node) and hidden from options */
  fixed?: Params;
  /** options whose value may be omitted besides booleans (interactive password) */
  optionalValue?: string[];
  formatOptions?: boolean;
  /** commands we only list in usage output: the text after "<tool> <name> " */
  stubUsage?: string;
  /** sub-command groups (e.g. `pvesm scan ...`) are listed before plain commands */
  subgroup?: boolean;
  run?: (p: Params) => Promise<number | void> | number | void;
}

export interface Tool {
  name: string;
  cmds: Record<string, CmdDef>;
}

const helpCmd: CmdDef = {
  cls: "PVE::CLIHandler",
  args: ["extra-args"],
  props: {
    "extra-args": { type: "array", optional: true },
    verbose: { type: "boolean", optional: true },
  },
};

export function usageLine(tool: Tool, name: string, c: CmdDef): string {
  if (c.stubUsage !== undefined) return `${tool.name} ${name} ${c.stubUsage}`;
  const props = c.props ?? {};
  const args = (c.args ?? []).filter((a) => props[a]);
  const parts = args.map((a) => {
    const p = props[a];
    if (typeof p.format === "string" && p.format.includes("-list")) return `{<${a}>}`;
    return p.optional ? `[<${a}>]` : `<${a}>`;
  });
  const optNames = Object.keys(props).filter((k) => !args.includes(k) && !(c.fixed && k in c.fixed)).sort();
  for (const k of optNames) if (!props[k].optional) parts.push(`--${k} <${props[k].typetext ?? props[k].type ?? "string"}>`);
  let line = `${tool.name} ${name} ${parts.join(" ")}`;
  if (optNames.length) line += " [OPTIONS]";
  if (c.formatOptions) line += " [FORMAT_OPTIONS]";
  return line;
}

export function usageListing(tool: Tool): string {
  const cmds: Record<string, CmdDef> = { ...tool.cmds, help: helpCmd };
  const key = (n: string) => `${cmds[n].subgroup ? 0 : 1}\u0000${cmds[n].cls}\u0000${n}`;
  const names = Object.keys(cmds).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  let s = "";
  let prev: string | undefined;
  for (const n of names) {
    if (prev && prev !== cmds[n].cls) s += "\n";
    s += "       " + usageLine(tool, n, cmds[n]) + "\n";
    prev = cmds[n].cls;
  }
  return s;
}

function abort(tool: Tool, reason: string): never {
  err(`ERROR: ${reason}\nUSAGE: ${tool.name} <COMMAND> [ARGS] [OPTIONS]\n\n` + usageListing(tool));
  process.exit(255);
}

export function resolveCommand(cmds: Record<string, unknown>, word: string): string | undefined {
  if (word in cmds) return word;
  const hits = Object.keys(cmds).filter((k) => k.startsWith(word));
  return hits.length === 1 ? hits[0] : undefined;
}

/** get_options + validate: returns the parameter hash or throws a 400 PveError. */
export function parseParams(c: CmdDef, argv: string[]): Params {
  const props = c.props ?? {};
  const specs: Record<string, OptSpec> = {};
  for (const [k, p] of Object.entries(props)) {
    if (c.fixed && k in c.fixed) continue;
    const isList = (typeof p.format === "string" && p.format.includes("-list")) || p.type === "array";
    specs[k] = { optionalValue: p.type === "boolean" || !!c.optionalValue?.includes(k), array: isList };
  }
  const parsed = getopt(specs, argv);
  if (!parsed) badRequest("unable to parse option");
  const opts: Params = parsed.opts;
  const rest = parsed.rest;
  const argNames = c.args ?? [];
  if (rest.length) {
    for (let i = 0; i < argNames.length; i++) {
      const a = argNames[i];
      if (a === "extra-args") {
        opts[a] = rest.splice(0);
        break;
      }
      if (!rest.length) {
        for (let j = i; j < argNames.length; j++) {
          if (argNames[j] !== "extra-args" && props[argNames[j]] && !props[argNames[j]].optional) badRequest("not enough arguments");
        }
        if (argNames[argNames.length - 1] === "extra-args") opts["extra-args"] = [];
        break;
      }
      opts[a] = rest.shift();
    }
    if (rest.length) badRequest("too many arguments");
  } else {
    for (const a of argNames) {
      if (a === "extra-args") opts[a] = [];
      else if (props[a] && !props[a].optional) badRequest("not enough arguments");
    }
  }
  for (const [k, v] of Object.entries(opts)) {
    const p = props[k];
    if (!p) continue;
    if (p.type === "boolean") {
      if (v === "") opts[k] = 1;
      else {
        const b = parseBoolean(String(v));
        if (b === undefined) badRequest("unable to parse boolean option");
        opts[k] = b;
      }
    } else if (typeof p.format === "string" && p.format.includes("-list") && Array.isArray(v)) {
      opts[k] = v.join(",");
    } else if (Array.isArray(v) && p.type !== "array" && v.length === 1) {
      opts[k] = v[0];
    }
  }
  Object.assign(opts, c.fixed ?? {});
  const errors = validate(opts, props);
  if (errors.length) throw new PveError("Parameter verification failed.\n", { code: 400, errors });
  return opts;
}

export async function runCli(tool: Tool, argv: string[]): Promise<never> {
  let code = 0;
  try {
    if (process.getuid?.() !== 0) throw new PveError("please run as root\n");
    if (!argv.length) abort(tool, "no command specified");
    const all: Record<string, CmdDef> = { ...tool.cmds, help: helpCmd };
    const name = resolveCommand(all, argv[0]);
    if (!name) abort(tool, `unknown command '${tool.name} ${argv[0]}'`);
    const c = all[name];
    if (name === "help") {
      code = runHelp(tool, argv.slice(1));
    } else if (c.stubUsage !== undefined || !c.run) {
      throw new PveError(`command '${tool.name} ${name}' is not emulated by the Proxmox test host\n`);
    } else {
      code = await runCommand(tool, name, c, argv.slice(1));
    }
  } catch (e) {
    code = reportError(e);
  }
  process.exit(code);
}

export async function runCommand(tool: Tool, name: string, c: CmdDef, argv: string[]): Promise<number> {
  try {
    const params = parseParams(c, argv);
    return (await c.run!(params)) ?? 0;
  } catch (e) {
    if (e instanceof PveError && e.isParamError() && !e.usage) e.usage = usageLine(tool, name, c) + "\n";
    throw e;
  }
}

export function reportError(e: unknown): number {
  if (e instanceof PveError) {
    err(e.render());
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  err(msg.endsWith("\n") ? msg : msg + "\n");
  return 255;
}

function runHelp(tool: Tool, argv: string[]): number {
  const p = parseParams(helpCmd, argv);
  const words: string[] = p["extra-args"] ?? [];
  if (!words.length) {
    out(`USAGE: ${tool.name} <COMMAND> [ARGS] [OPTIONS]\n\n` + usageListing(tool));
    return 0;
  }
  const all: Record<string, CmdDef> = { ...tool.cmds, help: helpCmd };
  const name = resolveCommand(all, words[0]);
  if (!name) abort(tool, `unknown command '${words[0]}'`);
  out(`USAGE: ${usageLine(tool, name, all[name])}\n`);
  return 0;
}
