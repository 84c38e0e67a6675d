import { describe, expect, it } from 'vitest';
import { daysFromCivil } from '../../src/devices/calendar.js';
import { CmosRtc } from '../../src/devices/cmos-rtc.js';
import { RecordingLine, TestBoard } from './helpers.js';

// Expected register values from the Motorola MC146818A datasheet: BCD/binary (register B DM),
// 12-hour format with bit 7 = PM, day of week 1-7 with Sunday = 1, register A UIP/DV/RS, register B
// SET/PIE/AIE/UIE, register C flags cleared on read, register D VRT. Dates are independent
// calendar facts (2024-02-29 is a Thursday, 2024-03-01 a Friday). Memory-size bytes as QEMU's
// pc_cmos_init lays them out.

const LEAP_DAY_2358 = 1709251198; // 2024-02-29 23:59:58 UTC, a Thursday
const Y2K_MINUS_1 = 946684799; // 1999-12-31 23:59:59 UTC, a Friday
const S = 1_000_000_000; // instructions per virtual second at 1 ns per instruction

function setup(epochSeconds = LEAP_DAY_2358, ramBytes = 128 << 20) {
  const board = new TestBoard();
  const irq = new RecordingLine(() => board.icount);
  const rtc = new CmosRtc(board.clock, { epochSeconds, ramBytes, irq });
  rtc.register(board.bus);
  const rd = (i: number): number => (board.outb(0x70, i), board.inb(0x71));
  const wr = (i: number, v: number): void => (board.outb(0x70, i), board.outb(0x71, v));
  const time = (): number[] => [0, 2, 4, 6, 7, 8, 9, 0x32].map(rd);
  return { board, irq, rtc, rd, wr, time };
}

describe('MC146818 time and date registers', () => {
  it('BCD, 24-hour (register B = 0x02, the BIOS default)', () => {
    const { time } = setup();
    // sec, min, hour, day of week (Thursday = 5), date, month, year, century
    expect(time()).toEqual([0x58, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24, 0x20]);
  });

  it('advances with virtual time across a leap-day midnight', () => {
    const { board, time } = setup();
    board.runTo(2 * S - 1);
    expect(time()[0]).toBe(0x59);
    board.runTo(2 * S);
    expect(time()).toEqual([0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24, 0x20]); // Friday 1 March
  });

  it('binary mode (register B bit 2)', () => {
    const { time, wr } = setup();
    wr(0x0b, 0x06);
    expect(time()).toEqual([58, 59, 23, 5, 29, 2, 24, 20]);
  });

  it('12-hour mode: bit 7 is PM, midnight is 12 AM', () => {
    const { board, rd, wr } = setup();
    wr(0x0b, 0x00); // BCD, 12-hour
    expect(rd(4)).toBe(0x91); // 23h = 11 PM
    wr(0x0b, 0x04); // binary, 12-hour
    expect(rd(4)).toBe(0x8b);
    board.runTo(2 * S);
    expect(rd(4)).toBe(12); // 00h = 12 AM
  });

  it('century and year roll over at Y2K', () => {
    const { board, time } = setup(Y2K_MINUS_1);
    expect(time()).toEqual([0x59, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99, 0x19]);
    board.runTo(S);
    expect(time()).toEqual([0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20]); // Saturday
  });

  it('daysFromCivil matches known dates', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2024, 2, 29) * 86400).toBe(LEAP_DAY_2358 - (23 * 3600 + 59 * 60 + 58));
    expect(daysFromCivil(2038, 1, 19) * 86400 + 3 * 3600 + 14 * 60 + 7).toBe(2147483647);
  });
});

describe('MC146818 register A, B, C, D', () => {
  it('UIP is set during the last 244 us before each update', () => {
    const { board, rd } = setup(Y2K_MINUS_1);
    expect(rd(0x0a)).toBe(0x26);
    board.runTo(999_755_859); // 1 s - 244.140625 us is 999755859.375 ns
    expect(rd(0x0a)).toBe(0x26);
    board.runTo(999_755_860);
    expect(rd(0x0a)).toBe(0xa6);
    expect(rd(0)).toBe(0x59); // the update has not happened yet
    board.runTo(S);
    expect(rd(0x0a)).toBe(0x26);
    expect(rd(0)).toBe(0x00);
  });

  it('register D reads VRT; C and D ignore writes', () => {
    const { rd, wr } = setup();
    expect(rd(0x0d)).toBe(0x80);
    wr(0x0d, 0x00);
    wr(0x0c, 0xff);
    expect(rd(0x0d)).toBe(0x80);
    expect(rd(0x0c)).toBe(0x00);
  });

  it('flags are set whether or not enabled, without IRQF; reading C clears them', () => {
    const { board, rd, irq } = setup();
    board.runTo(1.5 * S);
    expect(rd(0x0c)).toBe(0x50); // PF (1024 Hz rate selected) | UF
    expect(rd(0x0c)).toBe(0x00);
    expect(irq.rises).toEqual([]);
  });

  it('SET halts updates so the time can be written, and clears UIE', () => {
    const { board, rd, wr, time } = setup();
    wr(0x0b, 0x92); // SET | UIE | 24h
    expect(rd(0x0b)).toBe(0x82);
    wr(0, 0x30);
    wr(2, 0x15);
    wr(4, 0x10);
    wr(7, 0x15);
    wr(8, 0x06);
    wr(9, 0x25);
    board.runTo(5.25 * S);
    expect(time().slice(0, 3)).toEqual([0x30, 0x15, 0x10]);
    wr(0x0b, 0x02);
    // The divider chain kept running: the next update is at the next whole virtual second.
    board.runTo(6 * S - 1);
    expect(rd(0)).toBe(0x30);
    board.runTo(6 * S);
    expect(time()).toEqual([0x31, 0x15, 0x10, 0x05, 0x15, 0x06, 0x25, 0x20]);
  });

  it('a time write while running keeps the update phase', () => {
    const { board, rd, wr } = setup();
    board.runTo(S / 2);
    wr(0, 0x10);
    expect(rd(0)).toBe(0x10);
    board.runTo(S);
    expect(rd(0)).toBe(0x11);
  });

  it('divider reset (DV = 11x) stops the clock; release makes the first update 500 ms later', () => {
    const { board, rd, wr } = setup();
    wr(0x0a, 0x76);
    board.runTo(10.3 * S);
    expect(rd(0)).toBe(0x58);
    wr(0x0a, 0x26);
    board.runTo(10.8 * S - 1);
    expect(rd(0)).toBe(0x58);
    board.runTo(10.8 * S);
    expect(rd(0)).toBe(0x59);
  });
});

describe('MC146818 interrupts on IRQ8', () => {
  it('periodic interrupt at 1024 Hz: one per 976.5625 us', () => {
    const { board, rd, wr, irq } = setup();
    wr(0x0b, 0x42); // PIE | 24h
    expect(irq.level).toBe(false);
    while (board.icount < S) {
      board.runTo(Math.min(S, board.clock.nextDeadline()));
      if (irq.level) expect(rd(0x0c) & 0xc0).toBe(0xc0);
    }
    expect(irq.rises.length).toBe(1024);
    expect(irq.rises[0]).toBe(976_563);
    expect(irq.rises[1]).toBe(1_953_125);
  });

  it('periodic rate 15 is 2 Hz', () => {
    const { board, rd, wr, irq } = setup();
    wr(0x0a, 0x2f);
    wr(0x0b, 0x42);
    board.runTo(S / 2 - 1);
    expect(irq.level).toBe(false);
    board.runTo(S / 2);
    expect(irq.level).toBe(true);
    expect(rd(0x0c)).toBe(0xc0);
    expect(irq.level).toBe(false);
  });

  it('update-ended interrupt once per second, held until C is read', () => {
    const { board, rd, wr, irq } = setup();
    wr(0x0a, 0x20); // no periodic rate
    wr(0x0b, 0x12); // UIE | 24h
    board.runTo(S - 1);
    expect(irq.level).toBe(false);
    board.runTo(S);
    expect(irq.level).toBe(true);
    board.runTo(1.7 * S);
    expect(rd(0x0c)).toBe(0x90);
    expect(irq.level).toBe(false);
    board.runTo(2 * S);
    expect(irq.rises).toEqual([S, 2 * S]);
  });

  it('alarm interrupt when sec/min/hour match, with "don\'t care" values', () => {
    const { board, rd, wr, irq } = setup();
    wr(0x0a, 0x20);
    wr(1, 0x01); // 00:00:01, three seconds after 23:59:58
    wr(3, 0x00);
    wr(5, 0x00);
    wr(0x0b, 0x22); // AIE | 24h
    board.runTo(3 * S - 1);
    expect(irq.level).toBe(false);
    board.runTo(3 * S);
    expect(irq.level).toBe(true);
    expect(rd(0x0c)).toBe(0xb0); // IRQF | AF | UF (UF set but not enabled)
    wr(1, 0xff); // every second
    wr(3, 0xc0);
    wr(5, 0xc0);
    board.runTo(4 * S);
    expect(irq.level).toBe(true);
    expect(irq.rises).toEqual([3 * S, 4 * S]);
  });

  it('enabling an interrupt whose flag is already set raises IRQ8 at once', () => {
    const { board, wr, irq } = setup();
    board.runTo(1.2 * S);
    wr(0x0b, 0x12);
    expect(irq.level).toBe(true);
    expect(irq.rises).toEqual([1.2 * S]);
  });
});

describe('CMOS RAM and ports', () => {
  it('memory-size bytes for 128 MiB', () => {
    const { rd } = setup(LEAP_DAY_2358, 128 << 20);
    expect([0x15, 0x16].map(rd)).toEqual([0x80, 0x02]); // 640 KiB base memory
    expect([0x17, 0x18, 0x30, 0x31].map(rd)).toEqual([0xff, 0xff, 0xff, 0xff]); // capped at 65535 KiB
    expect([0x34, 0x35].map(rd)).toEqual([0x00, 0x07]); // (128 - 16) MiB / 64 KiB = 1792
  });

  it('memory-size bytes for 32 MiB', () => {
    const { rd } = setup(LEAP_DAY_2358, 32 << 20);
    expect([0x17, 0x18].map(rd)).toEqual([0x00, 0x7c]); // 31744 KiB above 1 MiB
    expect([0x34, 0x35].map(rd)).toEqual([0x00, 0x01]); // 256 x 64 KiB above 16 MiB
  });

  it('index port: write-only (reads 0xff), bit 7 is the NMI mask; RAM bytes read back', () => {
    const { board, rtc, rd, wr } = setup();
    expect(board.inb(0x70)).toBe(0xff);
    board.outb(0x70, 0x8f);
    expect(rtc.nmiDisabled).toBe(true);
    board.outb(0x71, 0x5a);
    expect(rd(0x0f)).toBe(0x5a);
    expect(rtc.nmiDisabled).toBe(false);
    wr(0x40, 0x12);
    expect(rd(0x40)).toBe(0x12);
  });
});

describe('MC146818 snapshots', () => {
  it('save/load with an armed periodic interrupt continues identically', () => {
    const a = setup();
    a.wr(0x0a, 0x23); // 8192 Hz
    a.wr(0x0b, 0x52); // PIE | UIE
    a.wr(0x33, 0x77);
    a.board.runTo(1_234_567);
    const snap = structuredClone({ rtc: a.rtc.saveState(), clock: a.board.clock.saveState() });
    const from = a.board.icount;
    const b = setup(0, 1 << 20);
    b.board.icount = from;
    b.rtc.loadState(snap.rtc);
    b.board.clock.loadState(snap.clock);
    b.irq.level = a.irq.level;
    const mark = a.irq.rises.length;
    const drive = (x: ReturnType<typeof setup>): number[] => {
      const seen: number[] = [];
      while (x.board.icount < from + 2 * S) {
        x.board.runTo(Math.min(from + 2 * S, x.board.clock.nextDeadline()));
        if (x.irq.level) seen.push(x.board.icount, x.rd(0x0c));
      }
      return [...seen, ...x.time(), x.rd(0x33), x.rd(0x0a) & 0x7f];
    };
    expect(drive(b)).toEqual(drive(a));
    expect(b.irq.rises).toEqual(a.irq.rises.slice(mark));
    expect(b.rtc.saveState()).toEqual(a.rtc.saveState());
  });
});
