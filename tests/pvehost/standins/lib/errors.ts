// Error objects shaped like PVE::Exception (pve-common `src/PVE/Exception.pm`) so their
// stringification matches, on stderr and in task errors.
import { writeSync } from "node:fs";

export class PveError extends Error {
  code?: number;
  errors?: [string, string][];
  usage?: string;
  exitCode: number;
  constructor(msg: string, opts: { code?: number; errors?: [string, string][]; exitCode?: number } = {}) {
    super(msg);
    this.code = opts.code;
    this.errors = opts.errors;
    this.exitCode = opts.exitCode ?? 255;
  }

  // PVE::Exception::stringify: "<code> <msg>", one "<param>: <err>" line per error, then usage.
  render(): string {
    let out = this.code ? `${this.code} ${this.message}` : this.message;
    if (!out.endsWith("\n")) out += "\n";
    for (const [k, v] of this.errors ?? []) out += `${k}: ${v}\n`;
    if (this.usage) {
      out += this.usage;
      if (!out.endsWith("\n")) out += "\n";
    }
    return out;
  }

  isParamError(): boolean {
    return this.code === 400;
  }
}

/** `die "msg\n"` */
export function die(msg: string, exitCode = 255): never {
  throw new PveError(msg.endsWith("\n") ? msg : msg + "\n", { exitCode });
}

/** raise_param_exc({ param => msg, ... }) */
export function paramError(errors: [string, string][] | Record<string, string>): never {
  const list = Array.isArray(errors) ? errors : Object.entries(errors);
  throw new PveError("Parameter verification failed.\n", { code: 400, errors: list });
}

/** raise("msg\n", code => 400) as used for 'not enough arguments' etc. */
export function badRequest(msg: string): never {
  throw new PveError(msg.endsWith("\n") ? msg : msg + "\n", { code: 400 });
}

export function out(s: string): void {
  writeAll(1, s);
}

export function err(s: string): void {
  writeAll(2, s);
}

function writeAll(fd: number, s: string): void {
  const buf = Buffer.from(s, "utf8");
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e: any) {
      if (e?.code === "EAGAIN") continue;
      if (e?.code === "EPIPE") return;
      throw e;
    }
  }
}
