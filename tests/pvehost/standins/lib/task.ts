// Worker tasks run in the foreground as in PVE's CLI environment (pve-common
// `src/PVE/RESTEnvironment.pm` `fork_worker`): log on stdout (+ task log file), final
// error on stderr, UPID in the format of pve-common `src/PVE/UPID.pm`.
import { spawn } from "bun";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { err, out } from "./errors";
import { FIXTURE_DIR, nodename, TASK_DIR } from "./paths";

export interface TaskResult {
  upid: string;
  /** 'OK', 'WARNINGS: n' or the error text */
  status: string;
  ok: boolean;
}

export class Task {
  warnings = 0;
  constructor(
    readonly upid: string,
    private readonly logFile: string,
    private readonly parent?: Task,
  ) {}

  /** print() inside the worker */
  log(text: string): void {
    if (!text.endsWith("\n")) text += "\n";
    this.write(text);
  }

  /** PVE::RESTEnvironment::log_warn: counted, prefixed with "WARN: " */
  warn(msg: string): void {
    this.warnings++;
    this.log(`WARN: ${msg.replace(/\n$/, "")}`);
  }

  write(text: string): void {
    if (this.parent) this.parent.write(text);
    else out(text);
    try {
      appendFileSync(this.logFile, text);
    } catch {}
  }

  /** run_command with output captured into the task log; dies like PVE on failure. */
  async run(cmd: string[], opts: { errmsg?: string; input?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<void> {
    const proc = spawn(cmd, {
      stdin: opts.input !== undefined ? new TextEncoder().encode(opts.input) : "ignore",
      stdout: "pipe",
      stderr: "pipe",
      cwd: opts.cwd,
      env: opts.env ?? (process.env as Record<string, string>),
    });
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      let buf = "";
      for await (const chunk of stream) {
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          this.log(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      }
      if (buf) this.log(buf);
    };
    await Promise.all([pump(proc.stdout), pump(proc.stderr)]);
    const code = await proc.exited;
    if (code !== 0) {
      const what = `command '${cmd.map(shellQuote).join(" ")}' failed: exit code ${code}`;
      throw new Error(opts.errmsg ? `${opts.errmsg}: ${what}` : what);
    }
  }
}

export function shellQuote(s: string): string {
  return /^[-\w.,/:=@%+]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

let current: Task | undefined;

function procStartTime(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, "0");
}

export function upidLogFile(upid: string): string | undefined {
  const m = /^UPID:[^:]+:[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8,9}:([0-9A-Fa-f]{8}):/.exec(upid);
  return m ? `${TASK_DIR}/${m[1][7]}/${upid}` : undefined;
}

/** A fixture hook: `<type> <id|*> <message>` lines in faults make matching tasks fail. */
function injectedFault(type: string, id: string): string | undefined {
  const file = `${FIXTURE_DIR}/faults`;
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^(\S+)\s+(\S+)\s+(.+)$/.exec(line.trim());
    if (m && m[1] === type && (m[2] === "*" || m[2] === id)) return m[3];
  }
  return undefined;
}

/** fork_worker in a CLI environment: runs `fn` synchronously and reports like tee_worker. */
export async function forkWorker(type: string, id: string | number, fn: (t: Task) => Promise<void>): Promise<TaskResult> {
  const starttime = Math.floor(Date.now() / 1000);
  const upid = `UPID:${nodename()}:${hex8(process.pid)}:${hex8(procStartTime())}:${hex8(starttime)}:${type}:${id}:root@pam:`;
  const logFile = upidLogFile(upid)!;
  try {
    mkdirSync(logFile.slice(0, logFile.lastIndexOf("/")), { recursive: true });
  } catch {}
  const parent = current;
  const task = new Task(upid, logFile, parent);
  current = task;
  let status = "OK";
  try {
    const fault = injectedFault(type, String(id));
    if (fault !== undefined) throw new Error(fault);
    await fn(task);
    if (task.warnings) status = `WARNINGS: ${task.warnings}`;
  } catch (e: any) {
    status = String(e?.message ?? e).replace(/\n+$/, "").replace(/\n/g, " ");
  } finally {
    current = parent;
  }
  const ok = status === "OK" || status.startsWith("WARNINGS: ");
  // A nested worker's stderr is the outer worker's pipe, so its report lands in the outer log.
  const report = (s: string) => (parent ? parent.write(s) : err(s));
  if (!ok) {
    report(`${status}\n`);
    appendLog(logFile, `\nTASK ERROR: ${status}\n`);
  } else if (task.warnings) {
    report(`Task finished with ${task.warnings} warning(s)!\n`);
    appendLog(logFile, `\nTASK WARNINGS: ${task.warnings}\n`);
  } else {
    appendLog(logFile, "TASK OK\n");
  }
  return { upid, status, ok };
}

function appendLog(file: string, text: string): void {
  try {
    appendFileSync(file, text);
  } catch {}
}
