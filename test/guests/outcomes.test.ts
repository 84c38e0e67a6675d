import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kreplay, repo } from '../helpers/cli.js';

// guests/outcomes ends in the way its command line (mode=...) asks. Each mode's console under
// QEMU is in guests/outcomes/expected-qemu/<mode>.txt (QEMU's exit status in status.txt), made
// by `make -C guests expected`. Where QEMU goes on past the terminal action (it models SSE, and
// only logs pvpanic CRASH_LOADED), our console must be QEMU's up to the line announcing that
// action; otherwise it must be all of QEMU's. (x87 used to be such a mode; the CPU models the FPU
// now, so mode=x87 runs to the same exit(0) as under QEMU.)

const IMAGE = 'guests/outcomes/outcomes.elf';
const AT = String.raw`at insn \d+ \([\d.]+ [mnu]?s\) eip=0x[0-9a-f]{8}`;

interface Case {
  mode: string;
  exit: number;
  outcome: RegExp;
  /** 'all': the whole QEMU console; a number: only QEMU's first n lines (QEMU runs on). */
  console: 'all' | number;
  args?: string[];
  /** QEMU's exit status and run-qemu outcome for the mode (documents what the reference does). */
  qemu: string;
}

const cases: Case[] = [
  { mode: 'triple', exit: 4, outcome: new RegExp(`^triple-fault: .* ${AT} <do_triple\\+0x[0-9a-f]+>`), console: 'all', qemu: '0 reset-or-shutdown' },
  { mode: 'halt', exit: 4, outcome: new RegExp(`^halted: HLT with interrupts disabled ${AT} <halt_forever\\+0x[0-9a-f]+>$`), console: 'all', qemu: '124 timeout' },
  { mode: 'reset', exit: 4, outcome: new RegExp(`^reset: requested via i8042 ${AT} <kmain\\+0x[0-9a-f]+>$`), console: 'all', qemu: '0 reset-or-shutdown' },
  { mode: 'reset92', exit: 4, outcome: new RegExp(`^reset: requested via port 0x92 ${AT} <kmain\\+0x[0-9a-f]+>$`), console: 'all', qemu: '0 reset-or-shutdown' },
  { mode: 'spin', exit: 124, args: ['--max-insns', '1000000'], outcome: new RegExp(`^timeout: instruction budget of 1000000 exhausted ${AT} <do_spin>$`), console: 'all', qemu: '124 timeout' },
  { mode: 'exit3', exit: 3, outcome: new RegExp(`^exit: code 3 ${AT} <guest_exit\\+0x[0-9a-f]+>$`), console: 'all', qemu: '7 exit(3)' },
  { mode: 'sse', exit: 4, outcome: new RegExp(`^unsupported: .* ${AT} <do_movaps> bytes=\\[0f 28 c1 `), console: 2, qemu: '1 exit(0)' },
  { mode: 'x87', exit: 0, outcome: new RegExp(`^exit: code 0 ${AT} <guest_exit\\+0x[0-9a-f]+>$`), console: 'all', qemu: '1 exit(0)' },
  { mode: 'pvpanic-crash', exit: 1, outcome: new RegExp(`^panic: CRASH_LOADED ${AT} <kmain\\+0x[0-9a-f]+>$`), console: 2, qemu: '9 exit(4)' },
  {
    mode: 'ud', exit: 1, console: 'all', qemu: '1 panic',
    outcome: new RegExp(`^panic: PANICKED ${AT} <panic\\+0x[0-9a-f]+>: Kernel panic - not syncing: unhandled exception 6 \\(#UD invalid opcode\\) at eip=0x[0-9a-f]{8}`),
  },
];

const qemuStatus = new Map(readFileSync(repo('guests/outcomes/expected-qemu/status.txt'), 'utf8').trim().split('\n')
  .map((l) => { const [mode, ...rest] = l.split(' '); return [mode, rest.join(' ')] as const; }));

function qemuConsole(mode: string, lines: 'all' | number): string {
  const text = readFileSync(repo(`guests/outcomes/expected-qemu/${mode}.txt`), 'latin1');
  if (lines === 'all') return text;
  return text.split('\n').slice(0, lines).map((l) => `${l}\n`).join('');
}

describe('outcomes: how each kind of ending is reported', () => {
  it.each(cases)('mode=$mode', (c) => {
    const r = kreplay(['run', IMAGE, '--append', `mode=${c.mode}`, ...(c.args ?? [])], { timeoutMs: 60_000 });
    const outcome = r.stderr.split('\n').find((l) => /^[a-z-]+: /.test(l)) ?? '';
    expect(outcome).toMatch(c.outcome);
    expect(r.status).toBe(c.exit);
    expect(r.stdout).toBe(qemuConsole(c.mode, c.console));
  });

  it.each(cases)('mode=$mode: record, then replay to the same outcome', (c) => {
    const dir = mkdtempSync(join(tmpdir(), 'kreplay-outcomes-'));
    try {
      const trace = join(dir, `${c.mode}.zst`);
      const rec = kreplay(['record', '-o', trace, IMAGE, '--append', `mode=${c.mode}`, ...(c.args ?? [])], { timeoutMs: 60_000 });
      const rep = kreplay(['replay', trace], { timeoutMs: 60_000 });
      expect(rep.stderr).toMatch(/^replay matches the recording: \d+ events checked$/m);
      expect(rep.status).toBe(c.exit);
      expect(rec.status).toBe(c.exit);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the QEMU reference ends each mode as recorded (SSE and x87 just run there)', () => {
    for (const c of cases) expect(`${c.mode} ${qemuStatus.get(c.mode)}`).toBe(`${c.mode} ${c.qemu}`);
  });
});
