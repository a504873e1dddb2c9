// PVE::Tools::lock_file_full (pve-common `src/PVE/Tools.pm`): flock with timeout, reentrant per process.
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { die, err } from "./errors";

const LOCK_EX = 2;
const LOCK_NB = 4;

let libc: { symbols: { flock: (fd: number, op: number) => number } } | undefined;
function flock(fd: number, op: number): number {
  libc ??= dlopen("libc.so.6", { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } }) as any;
  return libc!.symbols.flock(fd, op);
}

const held = new Map<string, number>();

export async function lockFile<T>(path: string, timeoutSec: number, code: () => Promise<T> | T): Promise<T> {
  if (held.has(path)) return await code();
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "a");
  try {
    if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
      err("trying to acquire lock...\n");
      const deadline = Date.now() + timeoutSec * 1000;
      for (;;) {
        if (Date.now() >= deadline) die(`can't lock file '${path}' - got timeout`);
        await Bun.sleep(20);
        if (flock(fd, LOCK_EX | LOCK_NB) === 0) break;
      }
      err(" OK\n");
    }
    held.set(path, fd);
    try {
      return await code();
    } finally {
      held.delete(path);
    }
  } finally {
    closeSync(fd);
  }
}
