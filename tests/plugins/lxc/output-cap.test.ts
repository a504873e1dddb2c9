/**
 * POST /lxc/instances/{id}/exec with a small api.max_output_bytes, against a
 * real container: the answer says `truncated`, carries at most the cap per
 * stream, stays small however much the command prints, and still reports the
 * command's own exit code.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { IMAGE, lxcEnv, type LxcEnv } from './support.ts'

const CAP = 4096

let env: LxcEnv
let id: string

beforeAll(async () => {
  env = await lxcEnv({ startVmid: 18600, extra: `api:\n  max_output_bytes: ${CAP}\n` })
  const res = await env.post('/lxc/instances', { image_id: IMAGE, hostname: 'cap-box', az: 'az2' })
  if (res.status !== 200) throw new Error(`create failed: ${JSON.stringify(res.body)}`)
  id = res.body.instances[0].instance_id
  env.track('az2', id)
})
afterAll(() => env.close())

/** The raw answer too, to bound its size. */
async function exec(command: string) {
  const res = await env.app.json(`/api/v1/lxc/instances/${id}/exec`, { region: 'eu-central-1', az: 'az2', command })
  const text = await res.text()
  return { status: res.status, text, body: JSON.parse(text) }
}

describe('lxc exec output cap', () => {
  test('50 MB on stdout → 200, truncated, stdout cut at the cap, the command ran to its end', async () => {
    const res = await exec(`head -c 50000000 /dev/zero | tr '\\0' x && echo finished >&2`)
    expect(res.status).toBe(200)
    expect(res.body.truncated).toBe(true)
    expect(res.body.exit_code).toBe(0)
    expect(res.body.stdout).toBe('x'.repeat(CAP))
    expect(res.body.output).toBe('x'.repeat(CAP))
    expect(res.body.stderr).toBe('finished\n')
    // stdout and output each hold one capped copy, plus a little JSON.
    expect(res.text.length).toBeLessThan(3 * CAP + 1000)
  }, 60_000)

  test('small output → truncated: false, output unchanged', async () => {
    const res = await exec('echo hello')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ stdout: 'hello\n', truncated: false, exit_code: 0 })
  })

  test('stderr over the cap is cut on its own', async () => {
    const res = await exec(`head -c 100000 /dev/zero | tr '\\0' e >&2; echo out`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ stdout: 'out\n', truncated: true })
    expect(res.body.stderr).toBe('e'.repeat(CAP))
  })

  test('a non-zero exit after big output → 500 with the real exit code, truncated, bounded body', async () => {
    const res = await exec(`head -c 5000000 /dev/zero | tr '\\0' y; exit 5`)
    expect(res.status).toBe(500)
    expect(res.body).toMatchObject({ error: 'Command exited with status 5', code: 'COMMAND_EXIT_NONZERO', return_code: 5, exit_code: 5, truncated: true, instance_id: id })
    expect(res.body.stdout).toBe('y'.repeat(CAP))
    // details repeats the output once more.
    expect(res.text.length).toBeLessThan(3 * CAP + 1000)
    const plain = await exec('echo nope; exit 2')
    expect(plain.status).toBe(500)
    expect(plain.body).toMatchObject({ return_code: 2, truncated: false })
  })
})
