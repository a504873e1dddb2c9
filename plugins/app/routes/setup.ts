/**
 * POST /lxc/instances/{instance_id}/app/setup — install Docker (and compose)
 * in a running container.
 *
 * - Docker already there → its version, nothing changed (idempotent).
 * - Else: the features Docker needs (nesting=1, keyctl=1) are set if missing
 *   and the container is restarted to apply them; then the distribution's
 *   package manager installs Docker and compose, the service is enabled and
 *   started, and `docker version` verifies it.
 * - `dry_run: true` answers with the exact commands without running them.
 * - It runs as an operation (`app.setup`, on the container): `progress` counts
 *   the steps, their commands and output are its log, cancel stops the
 *   current step in the container. The answer is the JSON body (plus
 *   `LWS-Operation`), or 202 with the operation under `Prefer: respond-async`.
 * - `Accept: text/event-stream` (or `stream: true`) streams progress as
 *   Server-Sent Events (`step`, `log`, then `result` or `error`) as the
 *   operation runs; a client that goes away ends only its stream, the
 *   installation goes on (GET /operations/{id} has its outcome).
 */
import type { ZoneHandle } from '../../../src/hosts/registry.ts'
import type { Channel } from '../../../src/http/sse.ts'
import type { HandlerContext, RunSpec } from '../../../src/operations/http.ts'
import type { OpContext } from '../../../src/operations/service.ts'
import type { FeatureOptions } from '../../../src/proxmox/options.ts'
import type { ExecResult } from '../../../src/proxmox/schemas.ts'
import { runIn, streamIn } from '../container.ts'
import type { AppContext } from '../context.ts'
import { SUPPORTED_PACKAGES } from '../schemas.ts'
import { DOCKER_FEATURES, familyOf, installSteps, parseProbe, PROBE_SCRIPT, stepScript, type Probe, type Step } from '../setup-plan.ts'

const MAX_LOG = 512 * 1024

export function setupSchemas(c: AppContext) {
  const { t, s } = c
  const body = t.Object({
    package_name: t.Optional(
      t.String({ maxLength: 200, default: 'docker', description: `What to install; supported: ${SUPPORTED_PACKAGES.join(', ')} (the default)`, examples: ['docker'] }),
    ),
    dry_run: t.Optional(t.Boolean({ default: false, description: 'Only answer with the commands that would run' })),
    stream: t.Optional(t.Boolean({ default: false, description: 'Stream progress as Server-Sent Events (same as `Accept: text/event-stream`)' })),
    ...s.zoneBody,
  })
  const StepResult = t.Object({
    name: t.String(),
    where: t.Union([t.Literal('host'), t.Literal('container')], { description: '`host`: a Proxmox command; `container`: `sh -c` inside the container' }),
    command: t.String({ description: 'The exact command' }),
    exit_code: t.Union([t.Integer(), t.Null()], { description: 'null when not run (dry run)' }),
    duration_ms: t.Union([t.Number(), t.Null()]),
  })
  const response = t.Object(
    {
      ...s.placement,
      package_name: t.String(),
      status: t.Union([t.Literal('already_installed'), t.Literal('installed'), t.Literal('planned')]),
      message: t.String(),
      docker_version: t.Union([t.String(), t.Null()], { description: 'Docker client version in the container' }),
      server_version: t.Union([t.String(), t.Null()], { description: 'Docker engine version, null if the engine does not answer' }),
      compose_version: t.Union([t.String(), t.Null()]),
      os: t.Object({ id: t.String(), version: t.String() }),
      features: t.Record(t.String(), t.String(), { description: 'Container features in effect, e.g. {"nesting":"1","keyctl":"1"}' }),
      features_changed: t.Boolean({ description: 'nesting=1,keyctl=1 were set by this call' }),
      restarted: t.Boolean({ description: 'The container was restarted to apply the features' }),
      steps: t.Array(StepResult),
      output: t.String({ description: 'Installation log (each command, then its output)' }),
      warnings: t.Array(t.String()),
      duration_ms: t.Number(),
    },
    { title: 'AppSetupResult' },
  )
  const failed = t.Object(
    {
      error: t.String(),
      details: t.String({ description: 'The failing step and the end of its output' }),
      return_code: t.Integer({ description: 'Exit code of the failing command' }),
      instance_id: t.Optional(t.String()),
      step: t.Optional(t.String()),
      steps: t.Optional(t.Array(StepResult)),
      output: t.Optional(t.String({ description: 'Installation log up to the failure' })),
    },
    { title: 'AppSetupFailure' },
  )
  return { body, response, failed }
}

type StepResult = { name: string; where: 'host' | 'container'; command: string; exit_code: number | null; duration_ms: number | null }

type Planned = { name: string; where: 'host' | 'container'; command: string; step?: Step }

/** Where a running setup reports: the operation (progress, log) and, for a streamed answer, its events. */
interface Reporter {
  /** Step `done + 1` of `total` begins. */
  step(p: Planned, done: number, total: number): void
  /** Output (commands and what they printed), in chunks that may split lines. */
  log(text: string): void
  /** The end of a step's output: a partial last line becomes a log line. */
  flush(): void
}

/** `Prefer: respond-async` (RFC 7240; several preferences may share a header). */
const prefersAsync = (request: Request) =>
  (request.headers.get('prefer') ?? '')
    .split(/[,;]/)
    .some((p) => p.trim().toLowerCase() === 'respond-async')

export function setupRoute(c: AppContext) {
  const sch = setupSchemas(c)
  const E = c.errors
  const { SSE_HEADERS, sseEvent, drain, wantsEventStream } = c.sse

  class SetupFailedError extends E.LwsError {
    constructor(
      readonly instanceId: string,
      readonly step: string,
      readonly exitCode: number,
      readonly steps: StepResult[],
      readonly output: string,
      tail: string,
    ) {
      super(500, 'Setup failed', `step '${step}' failed with exit code ${exitCode}${tail ? `:\n${tail}` : ''}`, exitCode === 0 ? 1 : exitCode)
    }

    override toBody() {
      return { ...super.toBody(), instance_id: this.instanceId, step: this.step, steps: this.steps, output: this.output }
    }
  }

  /** The reporter of an operation; with `events`, every step and output chunk is also an SSE event. */
  function reporterOf(op: OpContext, events?: Channel<Uint8Array>): Reporter {
    const writer = op.logWriter()
    return {
      step(p, done, total) {
        op.progress({ done, total, step: p.name })
        events?.send(sseEvent(JSON.stringify(p), 'step'))
      },
      log(text) {
        writer.write(text)
        events?.send(sseEvent(text.replace(/\n$/, ''), 'log'))
      },
      flush: () => writer.flush(),
    }
  }

  /**
   * The installation, as the work of its operation. `streamed`: step output
   * is read as it comes (the stream share), for an SSE answer; otherwise each
   * step runs as one command (the long share) and its output is logged at its end.
   */
  async function perform(op: OpContext, zone: ZoneHandle, id: string, pkg: string, dryRun: boolean, report: Reporter, streamed: boolean) {
    // One budget for the whole installation (api.task_timeout), not one per step: the client waits for all of them.
    const budget = new c.time.Deadline(c.config.taskTimeoutMs)
    const { signal } = op
    // Reads stop on cancel through the view; commands in the container through `signal`.
    const pve = zone.pve.with({ signal })
    op.progress({ step: 'check the container and what is installed' })
    const st = await pve.containerStatus(id)
    if (st.status !== 'running') throw new E.ConflictError(`container ${id} is ${st.status}; start it first`)

    const probeNow = async (): Promise<Probe> => parseProbe((await runIn(c, zone, id, PROBE_SCRIPT, { timeoutMs: c.config.commandTimeoutMs, signal })).stdout)
    const [probe, cfg] = await Promise.all([probeNow(), pve.containerConfig(id, { current: true })])
    op.throwIfCancelled()
    const features = { ...(cfg.features ?? {}) }
    const featuresOk = Object.entries(DOCKER_FEATURES).every(([k, v]) => features[k] === v)
    const warnings: string[] = []
    const base = {
      instance_id: id,
      ...c.placementOf(zone),
      package_name: pkg,
      os: { id: probe.os.id, version: probe.os.version },
    }

    if (probe.docker) {
      if (!featuresOk) warnings.push(`container features nesting=1,keyctl=1 are not in effect (${JSON.stringify(features)}); Docker containers may fail to start`)
      if (!probe.serverVersion) warnings.push('the Docker engine does not answer (is the docker service running?)')
      if (!probe.composeVersion) warnings.push('docker compose is not installed; app/deploy needs it')
      return {
        ...base,
        status: 'already_installed' as const,
        message: `docker ${probe.clientVersion ?? '(unknown version)'} is already installed; nothing was changed`,
        docker_version: probe.clientVersion,
        server_version: probe.serverVersion,
        compose_version: probe.composeVersion,
        features,
        features_changed: false,
        restarted: false,
        steps: [],
        output: '',
        warnings,
        duration_ms: budget.elapsedMs(),
      }
    }

    const family = familyOf(probe)
    if (!family) {
      throw new E.ConflictError(
        `cannot install docker in container ${id}: distribution '${probe.os.id || 'unknown'}' is not supported (supported: Debian/Ubuntu with apt, Alpine with apk)`,
      )
    }
    const wanted: FeatureOptions = { nesting: true, keyctl: true }
    for (const k of ['fuse', 'mknod', 'force_rw_sys'] as const) if (features[k] !== undefined) wanted[k] = features[k] === '1'
    if (features.mount) wanted.mount = features.mount.split(';').filter(Boolean)
    const featureText = c.proxmox.featuresText(wanted)
    const plan: Planned[] = []
    if (!featuresOk) {
      plan.push({ name: 'set the container features Docker needs', where: 'host', command: `pct set ${id} --features ${featureText}` })
      plan.push({ name: 'restart the container to apply them', where: 'host', command: `pct reboot ${id}` })
    }
    for (const step of installSteps(family)) plan.push({ name: step.name, where: 'container', command: step.command, step })

    if (dryRun) {
      return {
        ...base,
        status: 'planned' as const,
        message: `dry run: docker is not installed; these ${plan.length} commands would run`,
        docker_version: null,
        server_version: null,
        compose_version: null,
        features,
        features_changed: false,
        restarted: false,
        steps: plan.map((p) => ({ name: p.name, where: p.where, command: p.command, exit_code: null, duration_ms: null })),
        output: '',
        warnings,
        duration_ms: budget.elapsedMs(),
      }
    }

    const steps: StepResult[] = []
    let output = ''
    const log = (text: string) => {
      if (output.length < MAX_LOG) output += text
      report.log(text)
    }
    const begin = (p: Planned) => {
      // A step that has not started yet is not started after a cancel (pct set and pct reboot take no signal: they run to their end).
      op.throwIfCancelled()
      report.flush()
      report.step(p, steps.length, plan.length)
      log(`${p.where === 'host' ? '[host] ' : ''}$ ${p.command.replaceAll('\n', '\n  ')}\n`)
    }

    let restarted = false
    if (!featuresOk) {
      const [set, reboot] = plan
      begin(set!)
      let s0 = performance.now()
      await zone.pve.setConfig(id, { features: wanted })
      steps.push({ ...set!, exit_code: 0, duration_ms: Math.round(performance.now() - s0) })
      begin(reboot!)
      s0 = performance.now()
      log(await zone.pve.reboot(id))
      steps.push({ ...reboot!, exit_code: 0, duration_ms: Math.round(performance.now() - s0) })
      restarted = true
      for (const [k, v] of Object.entries(DOCKER_FEATURES)) features[k] = v
    }

    for (const p of plan.filter((x) => x.step)) {
      const step = p.step!
      begin(p)
      const s0 = performance.now()
      const left = budget.leftMs(1)
      const r = await (streamed ? runStreamed(zone, id, stepScript(step), left, log, signal) : runIn(c, zone, id, stepScript(step), { timeoutMs: left, signal })).catch((e) => {
        op.throwIfCancelled()
        if (!(e instanceof E.HostTimeoutError)) throw e
        throw new E.LwsError(504, 'Host timeout', `${zone.label}: app setup did not finish within api.task_timeout (${c.config.taskTimeoutMs / 1000} s); step '${step.name}' was stopped`, 1)
      })
      // Stopped by a cancel: its exit code says nothing about the step.
      op.throwIfCancelled()
      if (!streamed) log(r.stdout)
      if (r.stderr.trim()) log(r.stderr)
      report.flush()
      steps.push({ name: p.name, where: p.where, command: p.command, exit_code: r.exitCode, duration_ms: Math.round(performance.now() - s0) })
      if (r.exitCode !== 0) {
        if (step.fatal) {
          const tail = (r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n').slice(-4000)
          throw new SetupFailedError(id, step.name, r.exitCode, steps, output, tail)
        }
        warnings.push(`step '${step.name}' failed with exit code ${r.exitCode} (see output)`)
      }
    }

    op.progress({ done: steps.length, step: 'check the installation' })
    const after = await probeNow()
    if (!after.docker) throw new SetupFailedError(id, 'verify', 1, steps, output, 'docker is still not found after the installation')
    return {
      ...base,
      status: 'installed' as const,
      message: `docker ${after.clientVersion ?? ''} installed${restarted ? '; the container was restarted to apply features nesting=1,keyctl=1' : ''}`,
      docker_version: after.clientVersion,
      server_version: after.serverVersion,
      compose_version: after.composeVersion,
      features,
      features_changed: restarted,
      restarted,
      steps,
      output,
      warnings,
      duration_ms: budget.elapsedMs(),
    }
  }

  /** A step through the streaming executor: its output reaches `onText` as it comes. */
  async function runStreamed(zone: ZoneHandle, id: string, script: string, timeoutMs: number, onText: (t: string) => void, signal: AbortSignal): Promise<ExecResult> {
    const h = await streamIn(c, zone, id, script, signal)
    const limit = c.time.timer(timeoutMs, () => h.kill())
    const stderr = drain(h.stderr)
    const decoder = new TextDecoder()
    let stdout = ''
    try {
      for await (const chunk of h.stdout) {
        const text = decoder.decode(chunk, { stream: true })
        if (stdout.length < MAX_LOG) stdout += text
        onText(text)
      }
    } finally {
      limit.cancel()
    }
    const exitCode = await h.exited
    if (limit.fired) throw new E.HostTimeoutError(zone.label, timeoutMs)
    return { stdout, stderr: await stderr, exitCode }
  }

  /**
   * The SSE answer: the operation's steps and output as events while it
   * runs, then `result` or `error`. Answers once the operation is accepted
   * (its id is the `LWS-Operation` header); a client that goes away ends its
   * stream, not the operation. Errors before that (a malformed
   * Idempotency-Key, LWS shutting down) are the usual JSON errors.
   */
  async function streamed(ctx: HandlerContext, spec: RunSpec, run: (op: OpContext, events: Channel<Uint8Array>) => Promise<unknown>): Promise<Response> {
    const events = c.sse.channel<Uint8Array>()
    const headers: Record<string, string> = {}
    let accepted!: () => void
    const known = new Promise<void>((resolve) => (accepted = resolve))
    // ops.run names the operation in a header as soon as it is accepted: that is when the stream can start.
    const set: HandlerContext['set'] = {
      headers: new Proxy(headers, {
        set(target, name, value) {
          target[String(name)] = String(value)
          if (name === 'lws-operation') accepted()
          return true
        },
      }),
    }
    const answer = c.ops.run({ request: ctx.request, body: ctx.body, set }, spec, (op) => run(op, events))
    answer
      .then(
        (result) => {
          // 202: the wait ended because the client left; there is no one to tell.
          if (set.status !== 202) events.send(sseEvent(JSON.stringify(result), 'result'))
        },
        (e) => {
          const err = e instanceof E.LwsError ? e : new E.InternalError()
          if (!(e instanceof E.LwsError)) c.log.error('app setup failed', { error: String((e as Error)?.message ?? e) })
          events.send(sseEvent(JSON.stringify({ status_code: err.status, ...err.toBody() }), 'error'))
        },
      )
      .finally(() => events.close())
    await Promise.race([known, answer])
    return new Response(c.sse.streamBody(events), { headers: { ...SSE_HEADERS, ...headers } })
  }

  return new c.Elysia({ name: 'app-setup' }).use(c.instance).post(
    '/lxc/instances/:instance_id/app/setup',
    async (ctx) => {
      const { zone, vmid: id, body, request } = ctx
      const pkg = body.package_name ?? 'docker'
      if (!(SUPPORTED_PACKAGES as readonly string[]).includes(pkg)) {
        throw new E.BadRequestError(`package_name: ${JSON.stringify(pkg.slice(0, 60))} is not supported (supported: ${SUPPORTED_PACKAGES.join(', ')})`)
      }
      const dryRun = body.dry_run ?? false
      const spec: RunSpec = { kind: 'app.setup', ...c.placementOf(zone), resources: { instances: [id] } }
      // A Response skips response validation; the schema documents the JSON form. Prefer: respond-async wins: 202 with the operation.
      if ((body.stream || wantsEventStream(request)) && !prefersAsync(request)) {
        return (await streamed(ctx, spec, (op, events) => perform(op, zone, id, pkg, dryRun, reporterOf(op, events), true))) as never
      }
      return c.ops.run(ctx, spec, (op) => perform(op, zone, id, pkg, dryRun, reporterOf(op), false))
    },
    {
      instance: 'body',
      params: c.s.InstanceIdParams,
      body: sch.body,
      response: { 200: sch.response, ...c.ops.responses(), ...c.s.errors(400, 401, 404, 409, 502, 504), 500: sch.failed },
      detail: {
        tags: ['app'],
        summary: 'Install Docker in a container',
        description:
          'The container must be running (else 409). If `docker` is already there, its version is reported and nothing changes. ' +
          'Otherwise the features `nesting=1,keyctl=1` are set if missing (the container is restarted to apply them: `restarted: true`), ' +
          'Docker and compose are installed with the container’s package manager (Debian/Ubuntu: apt `docker.io` + compose; Alpine: apk `docker docker-cli-compose`), ' +
          'the service is enabled and started, and `docker version` verifies it. The answer holds every command with its exit code and the installation log. ' +
          'A failing step → 500 with its exit code and output. `dry_run: true` only lists the commands. ' +
          'With `Accept: text/event-stream` (or `stream: true`) progress is streamed as Server-Sent Events: `step` (JSON), `log` (output lines), then `result` (this answer) or `error` (an error body with `status_code`). ' +
          'It runs as an operation (`app.setup`; header `LWS-Operation`): its `progress` counts the steps and its log holds every command and its output; a client that disconnects does not stop it. ' +
          '`Prefer: respond-async` → 202 with the operation. Cancelling it (DELETE /operations/{id}) stops the running step in the container.',
      },
    },
  )
}
