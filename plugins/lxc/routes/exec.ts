/**
 * POST /lxc/instances/{instance_id}/exec — run a shell command inside a
 * container. The command is one argument of `sh -c` inside the container
 * (pct exec ... -- sh -c <command>), so shell syntax works there and never on
 * the host.
 *
 * It runs as an operation (`lxc.exec`) on the container: a caller that
 * disconnects does not stop it (only the operation's signal reaches the
 * command), and cancelling the operation kills the command.
 */
import type { LxcContext } from '../context.ts'

const MAX_COMMAND = 100_000
const TRUNCATED_DOC = 'stdout or stderr exceeded api.max_output_bytes; the rest was dropped'

export function execSchemas(c: LxcContext) {
  const { t, s } = c
  const body = t.Object({
    command: t.String({ minLength: 1, maxLength: MAX_COMMAND, description: 'Shell command, run as `sh -c <command>` inside the container', examples: ['uptime'] }),
    timeout: t.Optional(t.Integer({ minimum: 1, maximum: 3600, description: `Seconds before the command is killed (default api.command_timeout, here ${c.config.commandTimeoutMs / 1000}) → 504` })),
    ...s.zoneBody,
  })
  const response = t.Object(
    {
      instance_id: t.String(),
      ...s.placement,
      output: t.String({ description: 'What the command printed on stdout' }),
      stdout: t.String(),
      stderr: t.String(),
      exit_code: t.Integer({ description: 'Always 0 here; a non-zero exit is a 500 COMMAND_EXIT_NONZERO' }),
      truncated: t.Boolean({ description: TRUNCATED_DOC }),
      duration_ms: t.Number({ description: 'milliseconds' }),
    },
    { title: 'LxcExecResult' },
  )
  const failed = t.Object(
    {
      error: t.String({ description: '"Command exited with status N" (or "Command failed" when pct itself failed on the host)' }),
      details: t.String({ description: 'The command’s output (stdout, then stderr)' }),
      return_code: t.Integer({ description: 'The command’s exit code' }),
      code: t.String({ description: 'COMMAND_EXIT_NONZERO: the command ran and exited non-zero; HOST_COMMAND_FAILED: pct failed on the host' }),
      instance_id: t.Optional(t.String()),
      stdout: t.Optional(t.String()),
      stderr: t.Optional(t.String()),
      exit_code: t.Optional(t.Integer()),
      truncated: t.Optional(t.Boolean({ description: TRUNCATED_DOC })),
    },
    { title: 'LxcExecFailure', description: 'The command exited non-zero (COMMAND_EXIT_NONZERO: stdout/stderr/exit_code set), or pct failed on the host (HOST_COMMAND_FAILED)' },
  )
  return { body, response, failed }
}

export function execRoute(c: LxcContext) {
  const sch = execSchemas(c)
  /** A non-zero exit: the seed's error shape (500, exit code in return_code), plus the command's streams separately. */
  const exitError = (instanceId: string, r: { stdout: string; stderr: string; exitCode: number }, truncated: boolean) => {
    const output = [r.stdout.trimEnd(), r.stderr.trimEnd()].filter(Boolean).join('\n')
    return new c.errors.CommandExitError(r.stdout, r.stderr, r.exitCode, truncated, output || `command exited with code ${r.exitCode}`, { instance_id: instanceId })
  }

  return new c.Elysia({ name: 'lxc-exec' }).use(c.instance).post(
    '/lxc/instances/:instance_id/exec',
    (ctx) => {
      const { zone, vmid: id, body } = ctx
      return c.ops.run(ctx, { kind: 'lxc.exec', ...c.placementOf(zone), resources: { instances: [id] }, mayCancel: true }, async (op) => {
        const t0 = performance.now()
        const r = await zone.pve.exec(id, body.command, { timeoutMs: body.timeout !== undefined ? body.timeout * 1000 : c.config.commandTimeoutMs, signal: op.signal })
        op.throwIfCancelled()
        const truncated = c.proxmox.wasTruncated(r)
        op.log(`exit code ${r.exitCode}; stdout ${r.stdout.length} characters, stderr ${r.stderr.length}${truncated ? ' (truncated)' : ''}`)
        if (r.exitCode !== 0) throw exitError(id, r, truncated)
        return {
          instance_id: id,
          ...c.placementOf(zone),
          output: r.stdout,
          stdout: r.stdout,
          stderr: r.stderr,
          exit_code: r.exitCode,
          truncated,
          duration_ms: Math.round(performance.now() - t0),
        }
      })
    },
    {
      instance: 'body',
      params: c.s.InstanceIdParams,
      body: sch.body,
      response: { 200: sch.response, ...c.ops.responses(), ...c.s.errors(400, 401, 404, 409, 422, 502, 503, 504), 500: sch.failed },
      detail: {
        tags: ['lxc'],
        summary: 'Run a command in a container',
        description:
          'Exit 0 → 200 with the output. A non-zero exit → 500 `COMMAND_EXIT_NONZERO` whose `return_code` is the command’s exit code and whose `details` hold its output. ' +
          'A stopped container → 409 `INSTANCE_NOT_RUNNING`; an unknown one → 404 `INSTANCE_NOT_FOUND`; a command that outlives `timeout` is killed → 504 `HOST_TIMEOUT`. ' +
          'Each of stdout and stderr is kept up to `api.max_output_bytes` (default 8 MiB); beyond that the command runs on, its further output is dropped and `truncated` is true.',
      },
    },
  )
}
