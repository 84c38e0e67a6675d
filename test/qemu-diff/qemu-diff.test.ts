import { describe, expect, it } from 'vitest';
import { runQemuDiff, type QemuDiffOptions, type QemuDiffResult } from '../../src/tools/qemu-diff/diff.js';
import { systestQemuDeviations } from '../../src/tools/qemu-diff/guests.js';
import { findQemuBinary } from '../../src/tools/qemu-diff/qemu-launcher.js';
import { formatReport, passed } from '../../src/tools/qemu-diff/report.js';
import { repo, ROOT } from '../helpers/cli.js';

// The differential tool against the real reference: QEMU (TCG) and our CPU in lockstep on a few
// bundled guests, every state compared after every instruction (docs/qemu-diff.md). Needs
// qemu-system-i386; without it these tests skip (and say so). Each run has a wall-time limit and
// always kills its QEMU.

const qemu = findQemuBinary();
if (qemu === null) {
  console.warn('test/qemu-diff: qemu-system-i386 not found (apt-get install qemu-system-x86, or set QEMU_BIN): skipping the QEMU differential runs');
}

async function diff(image: string, o: Partial<QemuDiffOptions> = {}): Promise<QemuDiffResult> {
  const r = await runQemuDiff({ image: repo(image), qemuBin: qemu!, timeoutMs: 90_000, ...o });
  if (!passed(r.end)) console.log(formatReport(r));
  return r;
}

describe.skipIf(qemu === null)('diff:qemu against QEMU', () => {
  it('hello: every instruction to the exit matches', async () => {
    const r = await diff('guests/hello/hello.elf', { append: 'greeting=hi' });
    expect(r.end).toEqual({ kind: 'qemu-ended' });
    expect(r.qemuStatus).toBe(1);
    expect(r.guestSignal).toBe('isa-debug-exit write 0 (exit(0))');
    expect(r.stats.insns).toBeGreaterThan(5000);
    expect(r.ourConsole).toBe(r.qemuConsole);
    expect(r.ourConsole).toContain(`hello: cmdline='${repo('guests/hello/hello.elf')} greeting=hi'`);
  });

  it('panic-timer: 50 timer interrupts delivered where QEMU took them', async () => {
    const r = await diff('guests/panic-timer/panic-timer.elf');
    expect(r.end).toEqual({ kind: 'qemu-ended' });
    expect(r.stats.interrupts).toBe(50);
    expect(r.guestSignal).toBe('pvpanic write 1');
  });

  it('echo: serial input through the UART interrupt', async () => {
    const r = await diff('guests/echo/echo.elf', { serialIn: Buffer.from('hello\r\ntwo words\nexit\n') });
    expect(r.end).toEqual({ kind: 'qemu-ended' });
    expect(r.stats.interrupts).toBeGreaterThan(0);
    expect(r.ourConsole).toContain('echo: two words\necho: exit\necho: bye\n');
  });

  it('systest: paging, exceptions and rings for the first 1.6 M instructions', async () => {
    const skip = systestQemuDeviations(ROOT);
    expect(skip.length).toBeGreaterThan(0);
    const r = await diff('guests/systest/systest.elf', { append: `skip=${skip.join(',')}`, maxInsns: 1_600_000 });
    expect(r.end).toEqual({ kind: 'bound' });
    expect(r.stats.deliveries).toBeGreaterThan(20);
  });

  it('outcomes mode=triple: both triple-fault', async () => {
    const r = await diff('guests/outcomes/outcomes.elf', { append: 'mode=triple' });
    expect(r.end).toEqual({ kind: 'triple-fault' });
  });

  it('outcomes mode=sse: reports the first difference (an instruction our CPU does not model)', async () => {
    const r = await runQemuDiff({ image: repo('guests/outcomes/outcomes.elf'), append: 'mode=sse', qemuBin: qemu!, timeoutMs: 90_000 });
    expect(r.end.kind).toBe('mismatch');
    if (r.end.kind !== 'mismatch') return;
    expect(r.end.mismatch.what).toMatch(/^our CPU stopped/);
    expect(r.end.mismatch.bytes.slice(0, 3)).toEqual([0x0f, 0x28, 0xc1]);
    const text = formatReport(r);
    expect(text).toContain('movaps xmm0,xmm1');
    expect(text).toContain(`MISMATCH at icount ${r.end.mismatch.icount.toLocaleString('en-US')}`);
  });
});
