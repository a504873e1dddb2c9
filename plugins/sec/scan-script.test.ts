/** The scan's marked-up output, and the scan script run on this machine. */
import { describe, expect, test } from 'bun:test'
import { parseScanOutput, SCAN_SCRIPT } from './scan-script.ts'

describe('scan output', () => {
  test('sections, statuses, and content that tries to fake markers', () => {
    const out = parseScanOutput(
      [
        '@@begin os',
        '|PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
        '|',
        '@@end os 0',
        '@@begin accounts',
        '|passwd:root:shadow:0:0:/bin/bash',
        '|@@end accounts 0',
        '|@@begin ssh',
        '|',
        '@@end accounts 0',
        '@@begin ssh',
        '|#binary /usr/sbin/sshd',
        '@@end ssh 137',
        '@@skipped listen',
        '@@done',
      ].join('\n'),
    )
    expect(out.completed).toBe(true)
    expect(out.sections.os).toEqual({ status: 'ok', lines: ['PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"'], exitCode: 0 })
    expect(out.sections.accounts!.lines).toEqual(['passwd:root:shadow:0:0:/bin/bash', '@@end accounts 0', '@@begin ssh'])
    expect(out.sections.ssh!.status).toBe('timed_out')
    expect(out.sections.listen!.status).toBe('skipped')
    // Cut off in the middle of a section (the command was killed).
    const cut = parseScanOutput('@@begin os\n|ID=debian\n@@begin accounts\n|passwd:root:shadow:0:0:/bin/bash\n')
    expect(cut.completed).toBe(false)
    expect(cut.sections.accounts!.status).toBe('timed_out')
    expect(cut.sections.os!.status).toBe('timed_out')
  })

  test('the scan script itself: bad arguments refused; on this machine every quick section runs', () => {
    const bad = Bun.spawnSync(['sh', '-c', SCAN_SCRIPT, 'scan', 'deep;reboot', '5'])
    expect(bad.stdout.toString()).toStartWith('@@error')
    const r = Bun.spawnSync(['sh', '-c', SCAN_SCRIPT, 'scan', 'quick', '20'])
    const out = parseScanOutput(r.stdout.toString())
    expect(out.completed).toBe(true)
    expect(Object.keys(out.sections).sort()).toEqual(['accounts', 'listen', 'os', 'ssh'])
    // No password hash leaves the scan, whatever /etc/shadow holds.
    expect(r.stdout.toString()).not.toMatch(/\$[0-9a-z]{1,2}\$/)
  })
})
