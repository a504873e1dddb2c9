/** The in-container scripts (shell.ts, setup-plan.ts) and the parsers of what they print. */
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseList } from './routes/list.ts'
import { splitCid } from './routes/run.ts'
import { familyOf, installSteps, parseProbe } from './setup-plan.ts'
import { composeScript, LIST_SEPARATOR, logsScript, runScript } from './shell.ts'

describe('scripts and parsers', () => {
  test('request values are arguments of constant scripts, never script text', () => {
    const s = runScript(['-d', 'a b', "it's", '$(x)'], '/tmp/lws-run-00.cid')
    expect(s.args).toEqual(['/tmp/lws-run-00.cid', '-d', 'a b', "it's", '$(x)'])
    expect(s.script).toBe(runScript(['other'], '/tmp/lws-run-11.cid').script)
    expect(s.script).toContain('docker run --cidfile "$cid" "$@"')
    expect(logsScript('web.1', { lines: 5, follow: true })).toEqual({ script: expect.stringContaining('exec docker logs "$@" 2>&1'), args: ['--tail', '5', '--follow', 'web.1'] })
    const compose = composeScript('blog', 'update')
    expect(compose.args).toEqual(['/opt/lws/apps/blog', 'blog'])
    expect(compose.script).toContain('set -- -p "$p" -f compose.yaml')
    expect(compose.script).not.toContain('blog')
  })

  test('docker run arguments reach docker one by one, byte for byte (a stand-in docker prints them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lws-app-sh-'))
    try {
      writeFileSync(join(dir, 'docker'), '#!/bin/sh\nfor a in "$@"; do printf \'%s\\0\' "$a"; done\n', { mode: 0o755 })
      const args = ['-d', 'a b', "it's", '$(touch /tmp/lws-app-pwned)', 'new\nline', '', '*', '"q"', '\\']
      const s = runScript(args, join(dir, 'x.cid'))
      const r = Bun.spawnSync(['sh', '-c', s.script, 'sh', ...s.args], { env: { PATH: `${dir}:/usr/bin:/bin` } })
      expect(r.exitCode).toBe(0)
      expect(r.stdout.toString().split('\0').slice(0, -1)).toEqual(['run', '--cidfile', join(dir, 'x.cid'), ...args])
      expect(Bun.spawnSync(['test', '-e', '/tmp/lws-app-pwned']).exitCode).not.toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('the container id line is split off stderr', () => {
    const id = 'a'.repeat(64)
    expect(splitCid(`WARNING: x\n\nLWS_CID ${id}\n`)).toEqual({ stderr: 'WARNING: x\n', cid: id })
    expect(splitCid(`\nLWS_CID ${id}\n`)).toEqual({ stderr: '', cid: id })
    expect(splitCid('boom\n')).toEqual({ stderr: 'boom\n', cid: null })
  })
  test('listing: containers, LWS projects and label-only projects', () => {
    const row = (name: string, project: string, state: string) =>
      JSON.stringify({ id: name, name, image: 'i', command: 'c', state, status: 's', ports: '', created: 't', project, service: project ? 'svc' : '' })
    const out = [row('a', 'p1', 'running'), row('b', 'p2', 'exited'), row('c', '', 'running'), LIST_SEPARATOR, 'p1 1', 'p3 0', 'Bad;Name 1', ''].join('\n')
    const { containers, projects } = parseList(out)
    expect(containers.map((x) => [x.name, x.compose_project])).toEqual([['a', 'p1'], ['b', 'p2'], ['c', null]])
    expect(projects).toEqual([
      { name: 'p1', managed: true, path: '/opt/lws/apps/p1', auto_start: true, services: ['svc'], containers: 1, running: 1 },
      { name: 'p2', managed: false, path: null, auto_start: null, services: ['svc'], containers: 1, running: 0 },
      { name: 'p3', managed: true, path: '/opt/lws/apps/p3', auto_start: false, services: [], containers: 0, running: 0 },
    ])
    expect(parseList(`${LIST_SEPARATOR}\n`)).toEqual({ containers: [], projects: [] })
  })
  test('setup plans: apt for Debian/Ubuntu and derivatives, apk for Alpine, nothing else', () => {
    const p = (os: string) => parseProbe(`docker=0\n${os}`)
    expect(familyOf(p('os_id=debian\nos_version=12'))).toBe('debian')
    expect(familyOf(p('os_id=linuxmint\nos_like=ubuntu debian'))).toBe('debian')
    expect(familyOf(p('os_id=alpine\nos_version=3.20.3'))).toBe('alpine')
    expect(familyOf(p('os_id=fedora'))).toBeUndefined()
    expect(installSteps('alpine').map((s) => s.command).slice(0, 2)).toEqual(['apk update', 'apk add docker docker-cli-compose'])
    expect(installSteps('debian')[1]!.command).toContain('apt-get install -y docker.io "$compose"')
    expect(parseProbe('docker=1\nclient=20.10.24\nserver=\ncompose=1.29.2\nos_id=debian')).toMatchObject({
      docker: true,
      clientVersion: '20.10.24',
      serverVersion: null,
      composeVersion: '1.29.2',
    })
  })
})
