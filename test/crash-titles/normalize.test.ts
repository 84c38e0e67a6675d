import { describe, expect, it } from 'vitest';
import { cleanLine, MAX_TITLE_LENGTH, sanitizeTitle } from '../../src/harness/crash/normalize.js';

describe('sanitizeTitle', () => {
  it.each([
    ['BUG: unable to handle page fault for address: ffffc90000a4e008', 'BUG: unable to handle page fault for address: ADDR'],
    ['kernel BUG at fs/ext4/inode.c:2718', 'kernel BUG at fs/ext4/inode.c:LINE'],
    ['UBSAN: shift-out-of-bounds in net/sched/sch_taprio.c:1212:23', 'UBSAN: shift-out-of-bounds in net/sched/sch_taprio.c:LINE'],
    ['WARNING in skb_warn_bad_offload+0x99/0xb0', 'WARNING in skb_warn_bad_offload'],
    ['at eip=0x001002fa err=0x00000000', 'at eip=ADDR err=ADDR'],
    ['stuck for 22s on CPU#3, pid 123456', 'stuck for 22s on CPU, pid NUM'],
    // Small numbers are meaning, not noise; hex-looking words are words.
    ['kernel panic: timer: tick budget exhausted after 50 ticks', 'kernel panic: timer: tick budget exhausted after 50 ticks'],
    ['a decade of facade', 'a decade of facade'],
    ['guard word clobbered: 0xdeadbeef', 'guard word clobbered: ADDR'],
    ['tabs\tand   runs  of spaces\x00\x1b[31m', 'tabs and runs of spaces'],
  ])('%s', (input, output) => {
    expect(sanitizeTitle(input)).toBe(output);
  });

  it('cuts long titles at a word boundary', () => {
    const t = sanitizeTitle(`kernel panic: ${'word '.repeat(60)}`);
    expect(t.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    expect(t.endsWith('word')).toBe(true);
  });
});

describe('cleanLine', () => {
  it('drops log levels, printk times and caller ids', () => {
    expect(cleanLine('<4>[  118.402331][    T1] Oops: 0000 [#1] SMP').text).toBe('Oops: 0000 [#1] SMP');
  });

  it('flags a timestamp inside a line as two messages merged', () => {
    const c = cleanLine('[ 1.000000] BUG: unable to handle page fault for address: ffff[   33.201231] usb 1-1: found');
    expect(c.merged).toBe(true);
    expect(c.text).not.toContain('33.201231');
  });
});
