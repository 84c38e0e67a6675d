import { describe, expect, it } from 'vitest';
import { Pit8254 } from '../../src/devices/pit8254.js';
import { icountOfPitTick, RecordingLine, TestBoard } from './helpers.js';

// Expected waveforms and counts from the Intel 8254 datasheet (231164): a count written between
// two CLK pulses is loaded on the next pulse and decremented on each following one; mode 0 OUT
// rises N+1 pulses after the count is written; mode 2 OUT is low for the one pulse where the count
// is 1; mode 3 is high for ceil(N/2) and low for floor(N/2) pulses; read-back status is
// OUT | NULL COUNT | RW1 RW0 M2 M1 M0 BCD. Pulse k of the 1.193182 MHz clock happens at
// ceil(k * 1e9 / 1193182) ns; at 1 ns per instruction that is the icount (icountOfPitTick).

function setup(nsPerInsn = 1) {
  const board = new TestBoard(nsPerInsn);
  const irq0 = new RecordingLine(() => board.icount);
  const pit = new Pit8254(board.clock, irq0);
  pit.register(board.bus);
  const atTick = (k: number): void => board.runTo(icountOfPitTick(k));
  const program = (ch: number, control: number, count?: number): void => {
    board.outb(0x43, (ch << 6) | control);
    if (count === undefined) return;
    const access = (control >> 4) & 3;
    if (access !== 2) board.outb(0x40 + ch, count & 0xff);
    if (access !== 1) board.outb(0x40 + ch, (count >> 8) & 0xff);
  };
  /** Counter latch command, then the two-byte read. */
  const latched = (ch: number): number => {
    board.outb(0x43, ch << 6);
    return board.inb(0x40 + ch) | (board.inb(0x40 + ch) << 8);
  };
  const status = (ch: number): number => {
    board.outb(0x43, 0xe0 | (2 << ch));
    return board.inb(0x40 + ch);
  };
  return { board, irq0, pit, atTick, program, latched, status };
}

describe('8254 mode 2 (rate generator)', () => {
  it('counts N..1, OUT low on the count of 1, reloads every N pulses', () => {
    const { atTick, program, latched, status } = setup();
    program(0, 0x34, 4);
    const counts: number[] = [];
    const outs: boolean[] = [];
    for (let k = 1; k <= 9; k++) {
      atTick(k);
      counts.push(latched(0));
      outs.push((status(0) & 0x80) !== 0);
    }
    expect(counts).toEqual([4, 3, 2, 1, 4, 3, 2, 1, 4]);
    expect(outs).toEqual([true, true, true, false, true, true, true, false, true]);
  });

  it('IRQ0 follows OUT0: a rising edge at every reload, scheduled exactly', () => {
    const { board, irq0, program } = setup();
    program(0, 0x34, 4);
    board.runTo(icountOfPitTick(13));
    expect(irq0.falls).toEqual([4, 8, 12].map(icountOfPitTick));
    expect(irq0.rises).toEqual([0, ...[5, 9, 13].map(icountOfPitTick)]);
  });

  it('100 Hz for 1000 s of virtual time: exact edge count and count read-back, no drift', () => {
    const { board, irq0, program, latched } = setup();
    const n = 11932;
    program(0, 0x34, n);
    board.runTo(1e12); // 1000 s at 1 ns per instruction: 1193182000 pulses
    // Rising edges at pulses 1 + k*n, k >= 1, up to 1193182000.
    const k = Math.floor((1193182000 - 1) / n);
    expect(k).toBe(99998);
    expect(irq0.rises.length).toBe(1 + k);
    expect(irq0.rises.at(-1)).toBe(icountOfPitTick(1 + k * n));
    board.runTo(1e12 + 123_456_789);
    const tick = Number((BigInt(board.icount) * 1193182n) / 1_000_000_000n);
    expect(latched(0)).toBe(n - ((tick - 1) % n));
  });

  it('a new count takes effect at the next reload', () => {
    const { atTick, program, board, status } = setup();
    program(0, 0x34, 10); // loaded at pulse 1; OUT low at 10, reload at 11
    atTick(4);
    board.outb(0x40, 5);
    board.outb(0x40, 0);
    const lows: number[] = [];
    for (let k = 5; k <= 21; k++) {
      atTick(k);
      if (!(status(0) & 0x80)) lows.push(k);
    }
    expect(lows).toEqual([10, 15, 20]);
  });
});

describe('8254 mode 3 (square wave)', () => {
  it('even count: high N/2, low N/2, count goes down by 2', () => {
    const { atTick, program, latched, status } = setup();
    program(0, 0x36, 6);
    const counts: number[] = [];
    const outs: number[] = [];
    for (let k = 1; k <= 7; k++) {
      atTick(k);
      counts.push(latched(0));
      outs.push(status(0) >> 7);
    }
    expect(counts).toEqual([6, 4, 2, 6, 4, 2, 6]);
    expect(outs).toEqual([1, 1, 1, 0, 0, 0, 1]);
  });

  it('odd count: loads N-1, high (N+1)/2, low (N-1)/2', () => {
    const { atTick, program, latched, status } = setup();
    program(0, 0x36, 5);
    const counts: number[] = [];
    const outs: number[] = [];
    for (let k = 1; k <= 6; k++) {
      atTick(k);
      counts.push(latched(0));
      outs.push(status(0) >> 7);
    }
    expect(counts).toEqual([4, 2, 0, 4, 2, 4]);
    expect(outs).toEqual([1, 1, 1, 0, 0, 1]);
  });

  it('a new count is loaded at the end of the current half-cycle', () => {
    const { atTick, program, board, status } = setup();
    program(0, 0x36, 10); // high pulses 1-5, low 6-10
    atTick(3);
    board.outb(0x40, 4);
    board.outb(0x40, 0);
    const outs: number[] = [];
    for (let k = 4; k <= 11; k++) {
      atTick(k);
      outs.push(status(0) >> 7);
    }
    // Pulses 4, 5 finish the old high half; at 6 the count 4 is loaded into a low half of 2.
    expect(outs).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
  });
});

describe('8254 modes 0 and 4', () => {
  it('mode 0: OUT low, rises N+1 pulses after the count is written; the count wraps on', () => {
    const { atTick, program, latched, status, irq0, board } = setup();
    program(0, 0x30, 5);
    expect(irq0.level).toBe(false); // the control word drove OUT low
    const counts: number[] = [];
    const outs: number[] = [];
    for (let k = 1; k <= 7; k++) {
      atTick(k);
      counts.push(latched(0));
      outs.push(status(0) >> 7);
    }
    expect(counts).toEqual([5, 4, 3, 2, 1, 0, 0xffff]);
    expect(outs).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect(irq0.rises.at(-1)).toBe(icountOfPitTick(6));
    board.runTo(1e9);
    expect(irq0.rises.at(-1)).toBe(icountOfPitTick(6)); // one-shot: no further edges
  });

  it('mode 0: writing the first byte of a new count stops counting', () => {
    const { atTick, program, latched, board } = setup();
    program(0, 0x30, 100);
    atTick(11);
    board.outb(0x40, 0x10); // LSB only so far
    atTick(30);
    expect(latched(0)).toBe(90);
  });

  it('mode 4: OUT strobes low for one pulse N+1 pulses after the write', () => {
    const { atTick, program, status } = setup();
    program(0, 0x38, 3);
    const outs: number[] = [];
    for (let k = 1; k <= 6; k++) {
      atTick(k);
      outs.push(status(0) >> 7);
    }
    expect(outs).toEqual([1, 1, 1, 0, 1, 1]);
  });
});

describe('8254 latch, read-back and access modes', () => {
  it('a latched count holds until read; a second latch before the read is ignored', () => {
    const { atTick, program, board } = setup();
    program(0, 0x34, 1000);
    atTick(10);
    board.outb(0x43, 0x00);
    atTick(50);
    board.outb(0x43, 0x00); // ignored: the first latch is unread
    expect(board.inb(0x40) | (board.inb(0x40) << 8)).toBe(991);
    board.outb(0x43, 0x00);
    expect(board.inb(0x40) | (board.inb(0x40) << 8)).toBe(951);
  });

  it('read-back status: OUT, null count until the count is loaded, control bits', () => {
    const { atTick, program, status, board } = setup();
    program(0, 0x34);
    expect(status(0)).toBe(0x80 | 0x40 | 0x34);
    board.outb(0x40, 0x10);
    board.outb(0x40, 0x00);
    expect(status(0)).toBe(0xf4); // written, not yet loaded (next pulse)
    atTick(1);
    expect(status(0)).toBe(0xb4);
  });

  it('read-back of count and status: status first, then LSB and MSB', () => {
    const { atTick, program, board } = setup();
    program(0, 0x34, 0x1234);
    atTick(3);
    board.outb(0x43, 0xc2);
    expect(board.inb(0x40)).toBe(0xb4);
    expect(board.inb(0x40) | (board.inb(0x40) << 8)).toBe(0x1232);
  });

  it('read-back latches several counters at once', () => {
    const { atTick, program, board } = setup();
    program(0, 0x34, 500);
    program(1, 0x34, 600);
    atTick(5);
    board.outb(0x43, 0xd6); // latch counts of counters 0 and 1
    atTick(50);
    expect(board.inb(0x40) | (board.inb(0x40) << 8)).toBe(496);
    expect(board.inb(0x41) | (board.inb(0x41) << 8)).toBe(596);
  });

  it('LSB-only and MSB-only access', () => {
    const { atTick, program, board } = setup();
    program(0, 0x14, 0x0a); // LSB only
    program(1, 0x24, 0x0200); // MSB only: 0x02 -> count 0x0200
    atTick(1);
    expect(board.inb(0x40)).toBe(0x0a);
    expect(board.inb(0x41)).toBe(0x02);
    atTick(2);
    board.outb(0x43, 0x40);
    expect(board.inb(0x41)).toBe(0x01); // MSB of 0x01ff
  });

  it('BCD counting: counts in four decades, 0 means 10000', () => {
    const { atTick, program, latched } = setup();
    program(0, 0x35, 0x0100); // BCD 100
    program(1, 0x35, 0x0000); // BCD 0 = 10000
    atTick(1);
    expect(latched(0)).toBe(0x0100);
    expect(latched(1)).toBe(0x0000);
    atTick(2);
    expect(latched(0)).toBe(0x0099);
    expect(latched(1)).toBe(0x9999);
  });
});

describe('8254 counter 2 and port 0x61', () => {
  it('gate from bit 0, OUT2 at bit 5, speaker bit 1 stored, refresh toggles every 15.085 us', () => {
    const { board } = setup();
    expect(board.inb(0x61)).toBe(0x20); // gate off, mode 3 OUT high, refresh phase 0
    board.runTo(15_085);
    expect(board.inb(0x61)).toBe(0x30);
    board.runTo(30_170);
    expect(board.inb(0x61)).toBe(0x20);
    board.outb(0x61, 0x03);
    expect(board.inb(0x61) & 0x0f).toBe(0x03);
  });

  it('mode 0 calibration loop: OUT2 rises N+1 pulses after the count (gate high)', () => {
    const { board, atTick, program } = setup();
    board.outb(0x61, (board.inb(0x61) & ~0x02) | 0x01);
    program(2, 0x30, 100);
    atTick(100);
    expect(board.inb(0x61) & 0x20).toBe(0);
    atTick(101);
    expect(board.inb(0x61) & 0x20).toBe(0x20);
  });

  it('mode 0: GATE low suspends counting', () => {
    const { board, atTick, program, latched } = setup();
    board.outb(0x61, 0x01);
    program(2, 0x30, 100);
    atTick(11);
    board.outb(0x61, 0x00);
    expect(latched(2)).toBe(90);
    atTick(50);
    expect(latched(2)).toBe(90);
    board.outb(0x61, 0x01);
    atTick(60);
    expect(latched(2)).toBe(80);
    atTick(139);
    expect(board.inb(0x61) & 0x20).toBe(0);
    atTick(140);
    expect(board.inb(0x61) & 0x20).toBe(0x20);
  });

  it('modes 2/3: GATE low forces OUT high, GATE rising reloads on the next pulse', () => {
    const { board, atTick, program, latched } = setup();
    board.outb(0x61, 0x01);
    program(2, 0x36, 10); // OUT low during pulses 6-10
    atTick(7);
    expect(board.inb(0x61) & 0x20).toBe(0);
    board.outb(0x61, 0x00);
    expect(board.inb(0x61) & 0x20).toBe(0x20);
    atTick(20);
    board.outb(0x61, 0x01);
    atTick(21);
    expect(latched(2)).toBe(10);
    atTick(26);
    expect(board.inb(0x61) & 0x20).toBe(0);
  });
});

describe('8254 timing robustness and snapshots', () => {
  it('periods shorter than one instruction still move IRQ0 at every instruction', () => {
    const { board, irq0, program } = setup(10_000); // 10 us per instruction
    program(0, 0x34, 5); // 4.19 us period: more than two periods per instruction
    board.runTo(100);
    // Each instruction boundary spans whole periods, so the PIC must see activity at each one:
    // a rising edge, or the fall into a low pulse that ends (rising) at the next.
    const moved = new Set([...irq0.rises, ...irq0.falls]);
    for (let i = 1; i <= 100; i++) expect(moved.has(i)).toBe(true);
    expect(irq0.rises.length).toBeGreaterThan(50);
  });

  it('save/load mid-run continues identically', () => {
    const a = setup();
    a.program(0, 0x36, 1193);
    a.board.outb(0x61, 0x01);
    a.program(2, 0x34, 777);
    a.board.runTo(5_432_109);
    a.board.outb(0x43, 0x00); // a latch pending across the snapshot
    const snap = structuredClone({ pit: a.pit.saveState(), clock: a.board.clock.saveState() });
    const from = a.board.icount;

    const b = setup();
    b.board.icount = from;
    b.pit.loadState(snap.pit);
    b.board.clock.loadState(snap.clock);
    b.irq0.level = a.irq0.level;
    const mark = a.irq0.rises.length;
    for (const x of [a, b]) x.board.runTo(from + 50_000_000);
    expect(b.irq0.rises.slice(1)).toEqual(a.irq0.rises.slice(mark));
    expect(b.board.inb(0x40)).toBe(a.board.inb(0x40));
    expect(b.latched(2)).toBe(a.latched(2));
    expect(b.board.inb(0x61)).toBe(a.board.inb(0x61));
    expect(b.pit.saveState()).toEqual(a.pit.saveState());
  });
});
