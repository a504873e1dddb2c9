/**
 * The only place in LWS that turns values into shell text. Used by the SSH
 * executor, because sshd hands the command string to the remote login shell,
 * and for the constant words of the batch scripts (src/proxmox/batch.ts),
 * whose request values arrive only as positional arguments.
 * Every argument becomes one single-quoted word; a `'` inside is written as
 * `'\''`, which POSIX shells read back byte-exact (newlines included).
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/

export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('argument contains a NUL byte')
  if (arg !== '' && SAFE.test(arg)) return arg
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

export function shellQuote(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('empty argv')
  return argv.map(quoteArg).join(' ')
}
