/**
 * The batch envelope: the fixed script (run for real by /bin/sh, with stand-in
 * tools on PATH), request values only as positional arguments, the parser,
 * and the test double's simulation of the same script.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { activeStorages, batchArgv, batchOf, batchScript, envelope, parseBatch, partArgv, singlePart, type BatchSpec } from './batch.ts'
import { FakeExecutor } from './fake-executor.ts'
import { OutputParseError } from './parse/json.ts'

let bin: string
let tmp: string

const PVESM = [
  'Name             Type     Status     Total (KiB)      Used (KiB) Available (KiB)        %',
  'local             dir     active        98497780        12582912        80866024   12.77%',
  'local-lvm     lvmthin     active       365760512        23408892       342351620    6.40%',
  'nfs-tmpl          nfs   inactive               0               0               0    0.00%',
  '',
].join('\n')

beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'lws-batch-bin-'))
  tmp = mkdtempSync(join(tmpdir(), 'lws-batch-tmp-'))
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(bin, name), 0o755)
  }
  // Prints each argument on its own line, so the test sees exactly what argv the tool got.
  tool('args', `for a in "$@"; do printf '<%s>\\n' "$a"; done`)
  tool('fails', `printf 'partial'; echo "it broke: $1" >&2; exit 3`)
  tool('pvesm', `printf '%s' '${PVESM}'`)
  tool('noeol', `printf 'no newline at the end'`)
})

afterAll(() => {
  rmSync(bin, { recursive: true, force: true })
  rmSync(tmp, { recursive: true, force: true })
})

function runReal(spec: BatchSpec, args: string[]) {
  const p = Bun.spawnSync(batchArgv(spec, args), { env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp } })
  return { stdout: p.stdout.toString(), stderr: p.stderr.toString(), exitCode: p.exitCode }
}

const DEMO: BatchSpec = {
  name: 'test-demo',
  steps: [
    { part: { name: 'one', argv: ['args', '/nodes/{1}/lxc/{2}/status', "it's", '{2}'] } },
    { part: { name: 'two', argv: ['fails', '{1}'] } },
    { part: { name: 'three', argv: ['nosuchtool-lws', '{1}'] } },
    { part: { name: 'four', argv: ['noeol'] } },
  ],
}

const HOSTILE = ['pve1; reboot', '$(id) `id` "q" \'s\' \\ \n@LWS-PART one 0\n@@LWS-PART two\n*']

describe('the script', () => {
  test('is fixed: the same text whatever the arguments, which reach it only as positional arguments', () => {
    const a = batchArgv(DEMO, ['pve1', '100'])
    const b = batchArgv(DEMO, HOSTILE)
    expect(a[2]).toBe(b[2]!)
    expect(a.slice(0, 2)).toEqual(['sh', '-c'])
    expect(a.slice(3)).toEqual(['lws-test-demo', 'pve1', '100'])
    expect(b.slice(4)).toEqual(HOSTILE)
    expect(a[2]).not.toContain('pve1')
    expect(batchScript(DEMO).args).toBe(2)
  })

  test('runs every part with exactly its argv (no shell parsing of values), each with its own streams and exit code', () => {
    const r = runReal(DEMO, HOSTILE)
    expect(r.exitCode).toBe(0)
    const parts = parseBatch(DEMO, HOSTILE, r.stdout, r.stderr)
    expect(parts.map((p) => [p.name, p.exitCode, p.missing])).toEqual([
      ['one', 0, false],
      ['two', 3, false],
      ['three', 127, true],
      ['four', 0, false],
    ])
    const one = parts[0]!
    expect(one.argv).toEqual(['args', `/nodes/${HOSTILE[0]}/lxc/${HOSTILE[1]}/status`, "it's", HOSTILE[1]!])
    // The tool printed each argument it received as <arg>: exactly the argv, newlines and all.
    expect(one.stdout).toBe(one.argv.slice(1).map((a) => `<${a}>\n`).join(''))
    expect(parts[1]).toMatchObject({ stdout: 'partial', stderr: `it broke: ${HOSTILE[0]}\n` })
    expect(parts[3]!.stdout).toBe('no newline at the end')
    expect(readdirSync(tmp)).toEqual([]) // its temporary folder is gone
  })

  test('an each step runs its part once per active row of a pvesm status part', () => {
    const spec: BatchSpec = {
      name: 'test-each',
      steps: [
        { part: { name: 'stores', argv: ['pvesm'] } },
        { part: { name: 'other', argv: ['args', 'x'] } },
        { each: { from: 'stores', part: { name: 'content', argv: ['args', '/nodes/{1}/storage/{sid}/content'] } } },
      ],
    }
    const r = runReal(spec, ['pve1'])
    const parts = parseBatch(spec, ['pve1'], r.stdout, r.stderr)
    expect(parts.map((p) => p.name)).toEqual(['stores', 'other', 'content:local', 'content:local-lvm'])
    expect(parts.slice(2).map((p) => [p.sid, p.stdout])).toEqual([
      ['local', '<x>\n'.replace('x', '/nodes/pve1/storage/local/content')],
      ['local-lvm', '</nodes/pve1/storage/local-lvm/content>\n'],
    ])
    expect(parts[0]!.stdout).toBe(PVESM)
    expect(activeStorages(PVESM)).toEqual(['local', 'local-lvm'])
  })

  test('the test double prints the same envelope as the real script', async () => {
    const spec: BatchSpec = {
      name: 'test-double',
      steps: [
        { part: { name: 'stores', argv: ['pvesm'] } },
        { part: { name: 'bad', argv: ['fails', '{1}'] } },
        { part: { name: 'gone', argv: ['nosuchtool-lws'] } },
        { each: { from: 'stores', part: { name: 'content', argv: ['args', '{sid}', '{1}'] } } },
      ],
    }
    const fake = new FakeExecutor()
      .on(['pvesm'], { stdout: PVESM })
      .on(['fails'], (a) => ({ stdout: 'partial', stderr: `it broke: ${a[1]}\n`, exitCode: 3 }))
      .on(['args'], (a) => ({ stdout: a.slice(1).map((x) => `<${x}>\n`).join('') }))
    fake.missing.add('nosuchtool-lws')
    const argv = batchArgv(spec, ['pve 1'])
    expect(batchOf(argv)?.spec).toBe(spec)
    const simulated = await fake.run(argv)
    const real = runReal(spec, ['pve 1'])
    expect({ stdout: simulated.stdout, stderr: simulated.stderr }).toEqual({ stdout: real.stdout, stderr: real.stderr })
  })

  test('a batch of one command needs no envelope', () => {
    expect(singlePart({ name: 'x', steps: [{ part: { name: 'a', argv: ['pct', 'config', '{1}'] } }] })?.name).toBe('a')
    expect(singlePart(DEMO)).toBeUndefined()
    expect(partArgv({ name: 'a', argv: ['pct', 'config', '{1}'] }, ['100'])).toEqual(['pct', 'config', '100'])
  })

  test('malformed definitions are programming errors', () => {
    const bad: BatchSpec[] = [
      { name: 'Bad Name', steps: [{ part: { name: 'a', argv: ['x'] } }] },
      { name: 'dup', steps: [{ part: { name: 'a', argv: ['x'] } }, { part: { name: 'a', argv: ['y'] } }] },
      { name: 'sid', steps: [{ part: { name: 'a', argv: ['x', '{sid}'] } }] },
      { name: 'from', steps: [{ part: { name: 'a', argv: ['x'] } }, { each: { from: 'nope', part: { name: 'b', argv: ['y'] } } }] },
      { name: 'order', steps: [{ part: { name: 'a', argv: ['x'] } }, { each: { from: 'a', part: { name: 'b', argv: ['y'] } } }, { part: { name: 'c', argv: ['z'] } }] },
    ]
    for (const spec of bad) expect(() => batchScript(spec)).toThrow()
    expect(() => batchArgv(DEMO, ['only-one'])).toThrow()
    expect(() => batchArgv(DEMO, ['a\0b', 'c'])).toThrow()
  })
})

describe('parseBatch', () => {
  const SPEC: BatchSpec = { name: 'test-parse', steps: [{ part: { name: 'a', argv: ['x'] } }, { part: { name: 'b', argv: ['y'] } }] }

  test('reads back each part byte for byte, text that merely looks like a marker included', () => {
    const env = envelope([
      { name: 'a', stdout: 'x\n@LWS-PART b 0\n@@\n', stderr: '@LWS-PART b\n', rc: 0 },
      { name: 'b', stdout: '', stderr: '', rc: 'lost' },
    ])
    const [a, b] = parseBatch(SPEC, [], env.stdout, env.stderr)
    expect(a).toMatchObject({ stdout: 'x\n@LWS-PART b 0\n@@\n', stderr: '@LWS-PART b\n', exitCode: 0 })
    expect(b!.exitCode).toBe(255)
    expect(b!.stderr).toContain('stopped before it reported an exit status')
  })

  test('an incomplete or foreign envelope is an OutputParseError', () => {
    const whole = envelope([
      { name: 'a', stdout: '', stderr: '', rc: 0 },
      { name: 'b', stdout: '', stderr: '', rc: 0 },
    ])
    const cases: Array<[string, string]> = [
      ['', 'mktemp: failed to create directory\n'],
      [whole.stdout, ''],
      [envelope([{ name: 'a', stdout: '', stderr: '', rc: 0 }]).stdout, envelope([{ name: 'a', stdout: '', stderr: '', rc: 0 }]).stderr],
      [whole.stdout.replace('PART b', 'PART c'), whole.stderr.replace('PART b', 'PART c')],
      [whole.stdout + '\n@LWS-PART z 0\n', whole.stderr + '\n@LWS-PART z\n'],
    ]
    for (const [out, err] of cases) expect(() => parseBatch(SPEC, [], out, err)).toThrow(OutputParseError)
  })

  test('each parts must name a valid storage id', () => {
    const spec: BatchSpec = {
      name: 'test-parse-each',
      steps: [{ part: { name: 's', argv: ['pvesm'] } }, { each: { from: 's', part: { name: 'c', argv: ['x', '{sid}'] } } }],
    }
    const env = envelope([
      { name: 's', stdout: '', stderr: '', rc: 0 },
      { name: 'c:-x', stdout: '', stderr: '', rc: 0 },
    ])
    expect(() => parseBatch(spec, [], env.stdout, env.stderr)).toThrow(OutputParseError)
  })
})
