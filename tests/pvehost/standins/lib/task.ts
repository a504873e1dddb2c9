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
  /** SIGTERM/SIGINT arrived: PVE's handler is `die "received interrupt\n"` (RESTEnvironment.pm fork_worker). */
  interrupted = false;
  private child?: { kill(signal?: number | NodeJS.Signals): void };
  private wake?: () => void;
  private paused = false;
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

  /** The signal handler: stops what the worker waits on, so the next step dies with `received interrupt`. */
  interrupt(): void {
    this.interrupted = true;
    this.child?.kill("SIGTERM");
    this.wake?.();
  }

  private checkInterrupt(): void {
    if (this.interrupted) throw new Error("received interrupt");
  }

  /**
   * Time on demand (TestHost.setDelay('<task type>', seconds[, id])): the
   * worker waits this long, once, at this point; a SIGTERM ends the wait with
   * `received interrupt`, as PVE's handler would.
   */
  async pause(type: string, id: string): Promise<void> {
    if (this.paused) return;
    this.paused = true;
    const secs = taskDelay(type, id);
    if (!secs) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, secs * 1000);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = undefined;
    this.checkInterrupt();
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
    this.child = proc;
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
    this.child = undefined;
    this.checkInterrupt();
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

/** `<seconds> [<id>]` lines in the fixture's delay/<task type>: the first that matches the task's id. */
function taskDelay(type: string, id: string): number {
  const file = `${FIXTURE_DIR}/delay/${type}`;
  if (!existsSync(file)) return 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [secs, match] = line.trim().split(/\s+/);
    if (secs && (!match || match === id)) return Number(secs) || 0;
  }
  return 0;
}

/**
 * fork_worker in a CLI environment: runs `fn` synchronously and reports like
 * tee_worker. SIGTERM/SIGINT interrupt the worker (Task.interrupt). Unless
 * `fn` calls `task.pause` itself, the fixture's delay for the type is taken
 * at the start.
 */
export async function forkWorker(type: string, id: string | number, fn: (t: Task) => Promise<void>, opts: { pausesItself?: boolean } = {}): Promise<TaskResult> {
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
  const onSignal = () => task.interrupt();
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    const fault = injectedFault(type, String(id));
    if (fault !== undefined) throw new Error(fault);
    if (!opts.pausesItself) await task.pause(type, String(id));
    await fn(task);
    if (task.warnings) status = `WARNINGS: ${task.warnings}`;
  } catch (e: any) {
    status = String(e?.message ?? e).replace(/\n+$/, "").replace(/\n/g, " ");
  } finally {
    current = parent;
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
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
