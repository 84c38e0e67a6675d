import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QemuLogParser, type QRecord } from '../../src/tools/qemu-diff/qemu-log.js';
import { repo } from '../helpers/cli.js';

// An excerpt of QEMU 7.2's `-d cpu,int` log (panic-timer and systest): an instruction dump, an
// external interrupt, the handler's first instruction, an SMM notice, a #PF and an INT3.
const LOG = readFileSync(repo('test/fixtures/qemu-diff-cpu-int.log'), 'latin1');

function parse(chunk: number): { records: QRecord[]; unknown: string[] } {
  const p = new QemuLogParser();
  const records: QRecord[] = [];
  for (let k = 0; k < LOG.length; k += chunk) p.feed(LOG.slice(k, k + chunk), records);
  return { records, unknown: p.unknown };
}

describe('QEMU log parser', () => {
  it.each([LOG.length, 4096, 37, 1])('reads the records, in chunks of %i characters', (chunk) => {
    const { records, unknown } = parse(chunk);
    expect(records.map((r) => (r.kind === 'insn' ? `insn ${r.s.eip.toString(16)}` : `${r.hardware ? 'irq' : r.software ? 'int' : 'exc'} ${r.vector} @${r.s.eip.toString(16)}`)))
      .toEqual(['insn 100140', 'irq 32 @100131', 'insn 10027a', 'exc 14 @1045c7', 'int 3 @10432e']);
    expect(unknown).toEqual(['SMM: enter']);
    const first = records[0].s;
    expect(first.regs).toEqual([0x2badb002, 0x00100140, 0x00000511, 0x00009500, 0x00006f08, 0, 0, 0x1000]);
    expect(first.eflags).toBe(6);
    expect(first.segs[1]).toEqual({ sel: 8, base: 0, limit: 0xffffffff, flags: 0x00cf9a00 });
    expect(first.tr).toEqual({ sel: 0, base: 0, limit: 0xffff, flags: 0x8b00 });
    expect([first.gdtBase, first.gdtLimit, first.idtBase, first.idtLimit]).toEqual([0x000cb2b8, 0x27, 0, 0x3ff]);
    expect([first.cr0, first.dr[6], first.dr[7]]).toEqual([0x11, 0xffff0ff0, 0x400]);
    const pf = records[3];
    expect(pf.kind === 'event' && [pf.errorCode, pf.software, pf.s.cr2]).toEqual([0, false, 0x800000]);
  });
});
