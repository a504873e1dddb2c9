/**
 * POST /lxc/instances/{instance_id}/app/run — `docker run <docker_command...>`
 * inside a container. Each element of `docker_command` is one argument of a
 * fixed script (`"$@"`, ProxmoxClient.execScript) and reaches docker byte for
 * byte, never re-split and never interpreted by a shell. It runs as an
 * operation (`app.run`): its log holds docker's output, not its arguments.
 */
import { randomBytes } from 'node:crypto'
import { refusalOf, runIn, withoutMarkers } from '../container.ts'
import type { AppContext } from '../context.ts'
import { MARK, runScript } from '../shell.ts'

const DEFAULT_TIMEOUT_S = 120
const TRUNCATED_DOC = 'stdout or stderr exceeded api.max_output_bytes; the rest was dropped'

export function runSchemas(c: AppContext) {
  const { t, s } = c
  const body = t.Object({
    docker_command: t.Array(t.String({ maxLength: 8192 }), {
      minItems: 1,
      maxItems: 256,
      description: 'Arguments after `docker run`, one element per argument (never split, never shell-interpreted)',
      examples: [['-d', '-p', '80:80', 'nginx']],
    }),
    timeout: t.Optional(t.Integer({ minimum: 1, maximum: 3600, description: `Seconds before the command is killed (default ${DEFAULT_TIMEOUT_S}) → 504` })),
    ...s.zoneBody,
  })
  const response = t.Object(
    {
      ...s.placement,
      container_id: t.Union([t.String(), t.Null()], { description: 'Full id of the new Docker container (null if docker created none)' }),
      output: t.String({ description: 'What `docker run` printed on stdout (with -d: the id)' }),
      stderr: t.String({ description: 'Its stderr (warnings)' }),
      exit_code: t.Integer(),
      truncated: t.Boolean({ description: TRUNCATED_DOC }),
      duration_ms: t.Number(),
    },
    { title: 'AppRunResult' },
  )
  const failed = t.Object(
    {
      error: t.String({ description: '"Command exited with status N"' }),
      details: t.String({ description: 'Docker’s stderr' }),
      return_code: t.Integer({ description: 'Docker’s exit code (125: docker run itself failed; else the container’s)' }),
      code: t.String({ description: 'COMMAND_EXIT_NONZERO: docker ran and exited non-zero; HOST_COMMAND_FAILED: pct failed on the host' }),
      instance_id: t.Optional(t.String()),
      container_id: t.Optional(t.Union([t.String(), t.Null()])),
      stdout: t.Optional(t.String()),
      stderr: t.Optional(t.String()),
      exit_code: t.Optional(t.Integer()),
      truncated: t.Optional(t.Boolean({ description: TRUNCATED_DOC })),
    },
    { title: 'AppRunFailure' },
  )
  return { body, response, failed }
}

/** Splits the `LWS_CID <id>` line the script appends to stderr. */
export function splitCid(stderr: string): { stderr: string; cid: string | null } {
  const m = new RegExp(`\\n?${MARK.cid} ([0-9a-f]{12,64})\\n?$`).exec(stderr)
  if (!m) return { stderr, cid: null }
  return { stderr: stderr.slice(0, m.index), cid: m[1]! }
}

export function runRoute(c: AppContext) {
  const sch = runSchemas(c)
  const E = c.errors

  /** `docker run` exited non-zero: 500 COMMAND_EXIT_NONZERO with its streams, exit code and the container it made (if any). */
  const runFailed = (instanceId: string, containerId: string | null, stdout: string, stderr: string, exitCode: number, truncated: boolean) =>
    new E.CommandExitError(stdout, stderr, exitCode, truncated, stderr.trim() || stdout.trim() || `docker run exited with code ${exitCode}`, {
      instance_id: instanceId,
      container_id: containerId,
    })

  return new c.Elysia({ name: 'app-run' }).use(c.instance).post(
    '/lxc/instances/:instance_id/app/run',
    async (ctx) => {
      const { zone, vmid: id, body } = ctx
      body.docker_command.forEach((a, i) => {
        if (a.includes('\0')) throw new E.BadRequestError(`docker_command[${i}]: contains a NUL byte`)
      })
      return c.ops.run(ctx, { kind: 'app.run', ...c.placementOf(zone), resources: { instances: [id] } }, async (op) => {
        const cidFile = `/tmp/lws-run-${randomBytes(8).toString('hex')}.cid`
        const t0 = performance.now()
        // The arguments stay out of the log (they may carry secrets, `-e PASSWORD=...`); the output goes in.
        op.progress({ step: 'docker run' })
        const r = await runIn(c, zone, id, runScript(body.docker_command, cidFile), { timeoutMs: (body.timeout ?? DEFAULT_TIMEOUT_S) * 1000, signal: op.signal })
        op.throwIfCancelled()
        const { stderr, cid } = splitCid(r.stderr)
        const truncated = c.proxmox.wasTruncated(r)
        if (r.stdout.trim()) op.log(r.stdout)
        if (stderr.trim()) op.log(withoutMarkers(stderr))
        op.log(`docker run exited with code ${r.exitCode}${cid ? ` (container ${cid.slice(0, 12)})` : ''}`)
        if (r.exitCode !== 0) {
          const refusal = refusalOf(c, id, r) // docker missing → 409
          if (refusal) throw refusal
          throw runFailed(id, cid, r.stdout, withoutMarkers(stderr), r.exitCode, truncated)
        }
        return {
          instance_id: id,
          ...c.placementOf(zone),
          container_id: cid,
          output: r.stdout,
          stderr,
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
      response: { 200: sch.response, ...c.ops.responses(), ...c.s.errors(400, 401, 404, 409, 502, 504), 500: sch.failed },
      detail: {
        tags: ['app'],
        summary: 'Run a Docker container',
        description:
          'Runs `docker run <docker_command...>` inside the LXC container, e.g. `["-d", "-p", "80:80", "nginx"]`. Every element is passed as exactly one argument. ' +
          'Answers with the new container’s id and docker’s output. Docker’s own failure → 500 `COMMAND_EXIT_NONZERO` with its stderr in `details` and its exit code in `return_code`; ' +
          'docker not installed → 409; container stopped → 409; unknown container → 404. ' +
          'stdout and stderr are each kept up to `api.max_output_bytes`; the rest is dropped and `truncated` is true. ' +
          'Runs as an operation (`app.run`; header `LWS-Operation`, `Prefer: respond-async` → 202); cancelling it stops the command.',
      },
    },
  )
}
