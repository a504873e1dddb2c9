/**
 * POST /lxc/instances/{instance_id}/exec — run a shell command inside a
 * container. The command is one argument of `sh -c` inside the container
 * (pct exec ... -- sh -c <command>), so shell syntax works there and never on
 * the host.
 */
import { wasTruncated } from '../../../src/exec/executor.ts'
import { placementOf, type LxcContext } from '../context.ts'

const DEFAULT_TIMEOUT_S = 60
const MAX_COMMAND = 100_000
const TRUNCATED_DOC = 'stdout or stderr exceeded api.max_output_bytes; the rest was dropped'

export function execSchemas(c: LxcContext) {
  const { t, s } = c
  const body = t.Object({
    command: t.String({ minLength: 1, maxLength: MAX_COMMAND, description: 'Shell command, run as `sh -c <command>` inside the container', examples: ['uptime'] }),
    timeout: t.Optional(t.Integer({ minimum: 1, maximum: 3600, description: `Seconds before the command is killed (default ${DEFAULT_TIMEOUT_S}) → 504` })),
    ...s.zoneBody,
  })
  const response = t.Object(
    {
      instance_id: t.String(),
      ...s.placement,
      output: t.String({ description: 'What the command printed on stdout' }),
      stdout: t.String(),
      stderr: t.String(),
      exit_code: t.Integer({ description: 'Always 0 here; a non-zero exit is a 500' }),
      truncated: t.Boolean({ description: TRUNCATED_DOC }),
      duration_ms: t.Number({ description: 'milliseconds' }),
    },
    { title: 'LxcExecResult' },
  )
  const failed = t.Object(
    {
      error: t.String({ description: '"Command failed"' }),
      details: t.String({ description: 'The command’s output (stdout, then stderr)' }),
      return_code: t.Integer({ description: 'The command’s exit code' }),
      instance_id: t.Optional(t.String()),
      stdout: t.Optional(t.String()),
      stderr: t.Optional(t.String()),
      exit_code: t.Optional(t.Integer()),
      truncated: t.Optional(t.Boolean({ description: TRUNCATED_DOC })),
    },
    { title: 'LxcExecFailure', description: 'The command exited non-zero (stdout/stderr/exit_code set), or a host command failed' },
  )
  return { body, response, failed }
}

export function execRoute(c: LxcContext) {
  const sch = execSchemas(c)
  const { LwsError } = c.errors
  /** A non-zero exit: the seed's error shape, plus the command's streams separately. */
  class ExecFailedError extends LwsError {
    constructor(
      readonly instanceId: string,
      readonly stdout: string,
      readonly stderr: string,
      readonly exitCode: number,
      readonly truncated: boolean,
    ) {
      const output = [stdout.trimEnd(), stderr.trimEnd()].filter(Boolean).join('\n')
      super(500, 'Command failed', output || `command exited with code ${exitCode}`, exitCode)
    }

    override toBody() {
      return { ...super.toBody(), instance_id: this.instanceId, stdout: this.stdout, stderr: this.stderr, exit_code: this.exitCode, truncated: this.truncated }
    }
  }

  return new c.Elysia({ name: 'lxc-exec' }).post(
    '/lxc/instances/:instance_id/exec',
    async ({ params, body }) => {
      const zone = c.zones.resolve(body.region, body.az)
      const id = c.ids.assertVmid(params.instance_id)
      const t0 = performance.now()
      const r = await zone.pve.exec(id, body.command, { timeoutMs: (body.timeout ?? DEFAULT_TIMEOUT_S) * 1000 })
      const truncated = wasTruncated(r)
      if (r.exitCode !== 0) throw new ExecFailedError(id, r.stdout, r.stderr, r.exitCode, truncated)
      return {
        instance_id: id,
        ...placementOf(zone),
        output: r.stdout,
        stdout: r.stdout,
        stderr: r.stderr,
        exit_code: r.exitCode,
        truncated,
        duration_ms: Math.round(performance.now() - t0),
      }
    },
    {
      params: c.s.InstanceIdParams,
      body: sch.body,
      response: { 200: sch.response, ...c.s.errors(400, 401, 404, 409, 502, 504), 500: sch.failed },
      detail: {
        tags: ['lxc'],
        summary: 'Run a command in a container',
        description:
          'Exit 0 → 200 with the output. A non-zero exit → 500 whose `return_code` is the command’s exit code and whose `details` hold its output. ' +
          'A stopped container → 409; an unknown one → 404; a command that outlives `timeout` is killed → 504. ' +
          'Each of stdout and stderr is kept up to `api.max_output_bytes` (default 8 MiB); beyond that the command runs on, its further output is dropped and `truncated` is true.',
      },
    },
  )
}
