// PVE::CLIFormatter::print_api_result (pve-common `src/PVE/CLIFormatter.pm`) for pvesh:
// json, json-pretty, text.
import { out } from "./errors";

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) o[k] = sortKeys((v as any)[k]);
    return o;
  }
  return v;
}

/** JSON::XS canonical pretty: 3-space indent, `"key" : value`. */
function pretty(v: unknown, ind: string): string {
  if (Array.isArray(v)) {
    if (!v.length) return "[]";
    return "[\n" + v.map((x) => ind + "   " + pretty(x, ind + "   ")).join(",\n") + "\n" + ind + "]";
  }
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort();
    if (!keys.length) return "{}";
    return "{\n" + keys.map((k) => `${ind}   ${JSON.stringify(k)} : ${pretty((v as any)[k], ind + "   ")}`).join(",\n") + "\n" + ind + "}";
  }
  return JSON.stringify(v) ?? "null";
}

export interface FormatOpts {
  "output-format"?: string;
  noborder?: boolean | number;
  noheader?: boolean | number;
  quiet?: boolean | number;
}

export type ResultKind = "null" | "scalar" | "object" | "array";

export function printResult(data: unknown, kind: ResultKind, o: FormatOpts, columns?: string[]): void {
  if (o.quiet) return;
  if (kind === "null") return;
  const fmt = o["output-format"] ?? "text";
  if (fmt === "json") return out(JSON.stringify(sortKeys(data)) + "\n");
  if (fmt === "json-pretty") return out(pretty(data, "") + "\n");
  if (fmt === "yaml") return out("---\n" + toYaml(data, "") + "\n");
  if (kind === "object" && data && typeof data === "object") {
    const rows = Object.keys(data)
      .sort()
      .filter((k) => (data as any)[k] !== undefined && (data as any)[k] !== null)
      .map((k) => ({ key: k, value: toText((data as any)[k]) }));
    return printTable(rows, ["key", "value"], o);
  }
  if (kind === "array" && Array.isArray(data)) {
    if (!data.length) return;
    if (typeof data[0] === "object") {
      const cols = columns ?? [...new Set(data.flatMap((d) => Object.keys(d)))].sort();
      const rows = data.map((d) => Object.fromEntries(cols.map((c) => [c, toText(d[c])])));
      const sortKey = cols[0];
      rows.sort((a, b) => (a[sortKey] < b[sortKey] ? -1 : a[sortKey] > b[sortKey] ? 1 : 0));
      return printTable(rows, cols, o);
    }
    return printTable(data.map((v) => ({ value: toText(v) })), ["value"], { ...o, noheader: 1 });
  }
  out(`${data}\n`);
}

function toText(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(sortKeys(v));
  return String(v);
}

function printTable(rows: Record<string, string>[], cols: string[], o: FormatOpts): void {
  const utf8 = /utf-?8/i.test(process.env.LC_ALL || process.env.LC_CTYPE || process.env.LANG || "");
  const border = !o.noborder;
  const header = !o.noheader;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => Math.max(0, ...(r[c] ?? "").split("\n").map((l) => l.length)))));
  const b = { t: "", h: "", m: "", bo: "" };
  const fmtRow = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const w = widths[i];
        const padded = cell.padEnd(w);
        if (!border) return i === cols.length - 1 ? cell : padded + " ";
        const v = utf8 ? "│" : "|";
        return `${v} ${padded} ` + (i === cols.length - 1 ? v : "");
      })
      .join("");
  cols.forEach((_, i) => {
    const w = widths[i];
    const first = i === 0;
    const last = i === cols.length - 1;
    if (utf8) {
      b.t += (first ? "┌─" : "┬─") + "─".repeat(w) + (last ? "─┐" : "─");
      b.h += (first ? "╞═" : "╪═") + "═".repeat(w) + (last ? "═╡" : "═");
      b.m += (first ? "├─" : "┼─") + "─".repeat(w) + (last ? "─┤" : "─");
      b.bo += (first ? "└─" : "┴─") + "─".repeat(w) + (last ? "─┘" : "─");
    } else {
      b.m += "+-" + "-".repeat(w) + (last ? "-+" : "-");
      b.h += "+=" + "=".repeat(w) + (last && !first ? "=+" : "=");
    }
  });
  if (!b.t) b.t = b.m;
  if (!b.bo) b.bo = b.m;
  let s = "";
  if (border) s += b.t + "\n";
  let sep = b.m;
  if (header) {
    s += fmtRow(cols) + "\n";
    sep = b.h;
  }
  rows.forEach((r, i) => {
    if (border && (i !== 0 || header)) {
      s += sep + "\n";
      sep = b.m;
    }
    const lines = cols.map((c) => (r[c] ?? "").split("\n"));
    const height = Math.max(...lines.map((l) => l.length));
    for (let j = 0; j < height; j++) s += fmtRow(lines.map((l) => l[j] ?? "")) + "\n";
  });
  if (border) s += b.bo + "\n";
  out(s);
}

function toYaml(v: unknown, ind: string): string {
  if (Array.isArray(v)) return v.length ? v.map((x) => `${ind}- ${toYaml(x, ind + "  ").trimStart()}`).join("\n") : "[]";
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort();
    if (!keys.length) return "{}";
    return keys
      .map((k) => {
        const x = (v as any)[k];
        return x && typeof x === "object" && Object.keys(x).length ? `${ind}${k}:\n${toYaml(x, ind + "  ")}` : `${ind}${k}: ${toYaml(x, "")}`;
      })
      .join("\n");
  }
  if (typeof v !== "string") return String(v);
  // YAML::XS leaves strings bare unless they would read as something else
  const plain = /^[A-Za-z_/][\w./@:;, +=-]*$/.test(v) && !/^(true|false|yes|no|on|off|null|~)$/i.test(v) && !/[:,] |: |#/.test(v);
  return plain ? v : `'${v.replace(/'/g, "''")}'`;
}
