// Getopt::Long as configured by PVE::JSONSchema::get_options (pve-common `src/PVE/JSONSchema.pm`):
// prefix `--|-`, `--opt=value`, unique abbreviations, case-insensitive names,
// permuted positionals, `--` ends options. Warnings go to stderr like Perl's `warn`.
import { err } from "./errors";

export interface OptSpec {
  /** value may be omitted (`name:s`): booleans and interactive params */
  optionalValue: boolean;
  /** repeatable (`name=s@`): list formats and arrays */
  array: boolean;
}

export type OptValues = Record<string, string | string[]>;

/** Returns null after printing Getopt's warning when parsing failed. */
export function getopt(
  specs: Record<string, OptSpec>,
  argv: string[],
): { opts: OptValues; rest: string[] } | null {
  const names = Object.keys(specs);
  const lower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const opts: OptValues = {};
  const rest: string[] = [];
  const args = [...argv];
  let ok = true;

  while (args.length) {
    const arg = args.shift()!;
    if (arg === "--") {
      rest.push(...args);
      break;
    }
    const m = /^(--|-)(.+)$/s.exec(arg);
    if (!m) {
      rest.push(arg);
      continue;
    }
    let body = m[2];
    let inline: string | undefined;
    const eq = body.indexOf("=");
    if (eq >= 0) {
      inline = body.slice(eq + 1);
      body = body.slice(0, eq);
    }
    const name = resolveName(body, lower);
    if (name === undefined) {
      err(`Unknown option: ${body.toLowerCase()}\n`);
      ok = false;
      continue;
    }
    if (Array.isArray(name)) {
      err(`Option ${body.toLowerCase()} is ambiguous (${name.join(", ")})\n`);
      ok = false;
      continue;
    }
    const spec = specs[name];
    let value: string;
    if (inline !== undefined) {
      value = inline;
    } else if (spec.optionalValue) {
      // An optional value is only taken when the next word does not look like an option.
      const next = args[0];
      if (next === undefined || next === "--" || /^(--|-).+/s.test(next)) value = "";
      else value = args.shift()!;
    } else {
      if (!args.length) {
        err(`Option ${body.toLowerCase()} requires an argument\n`);
        ok = false;
        continue;
      }
      value = args.shift()!;
    }
    if (spec.array) {
      const prev = opts[name];
      opts[name] = Array.isArray(prev) ? [...prev, value] : [value];
    } else {
      opts[name] = value;
    }
  }
  return ok ? { opts, rest } : null;
}

function resolveName(body: string, lower: Map<string, string>): string | string[] | undefined {
  const key = body.toLowerCase();
  const exact = lower.get(key);
  if (exact) return exact;
  const hits = [...lower.keys()].filter((n) => n.startsWith(key)).map((n) => lower.get(n)!);
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) return hits.sort();
  return undefined;
}
