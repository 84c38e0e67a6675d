import { describe, expect, it } from 'vitest';
import { CmosRtc } from '../../src/devices/cmos-rtc.js';
import { Pic8259 } from '../../src/devices/pic8259.js';
import { Pit8254 } from '../../src/devices/pit8254.js';
import { Uart16550 } from '../../src/devices/uart16550.js';
import { TestBoard } from './helpers.js';

/**
 * The devices wired as on a PC (PIT on IRQ0, COM1 on IRQ4, RTC on IRQ8 through the slave) and a
 * minimal "CPU" that, at each event boundary, takes interrupts the way a guest's handlers would.
 */
function runPc(durationNs: number): string[] {
  const board = new TestBoard();
  const pic = new Pic8259();
  const pit = new Pit8254(board.clock, pic.irqLine(0));
  const out: number[] = [];
  const uart = new Uart16550(board.clock, pic.irqLine(4), { onTransmit: (b) => out.push(b) });
  const rtc = new CmosRtc(board.clock, { epochSeconds: 1_700_000_000, ramBytes: 64 << 20, irq: pic.irqLine(8) });
  for (const d of [pic, pit, uart, rtc]) d.register(board.bus);
  const log: string[] = [];
  const b = board;
  // Guest init: PIC at 0x20/0x28, PIT 1 kHz (mode 2, 1193), RTC 1024 Hz periodic, COM1 RX irq.
  for (const [p, v] of [[0x20, 0x11], [0xa0, 0x11], [0x21, 0x20], [0xa1, 0x28], [0x21, 4], [0xa1, 2], [0x21, 1], [0xa1, 1]]) b.outb(p!, v!);
  b.outb(0x43, 0x34);
  b.outb(0x40, 1193 & 0xff);
  b.outb(0x40, 1193 >> 8);
  b.outb(0x70, 0x0b);
  b.outb(0x71, 0x42);
  b.outb(0x3f9, 0x01);
  b.outb(0x3fc, 0x0b);
  let pending = false;
  pic.onIntrChange = (a) => (pending = a);
  const inputAt = 12_345_678;
  while (b.icount < durationNs) {
    b.runTo(Math.min(durationNs, b.clock.nextDeadline(), b.icount < inputAt ? inputAt : Infinity));
    if (b.icount === inputAt) uart.receive(0x41);
    while (pending) {
      const v = pic.acknowledge();
      log.push(`${b.icount}:${v.toString(16)}`);
      if (v === 0x24) b.outb(0x3f8, b.inb(0x3f8)); // echo the byte
      if (v === 0x28) {
        b.outb(0x70, 0x0c);
        b.inb(0x71);
        b.outb(0xa0, 0x20);
      }
      b.outb(0x20, 0x20);
    }
  }
  log.push(`tx:${out.join(',')}`);
  return log;
}

describe('devices wired as a PC', () => {
  it('delivers PIT, RTC and UART interrupts at the datasheet rates', () => {
    const log = runPc(100_000_000); // 100 ms
    const count = (v: string): number => log.filter((e) => e.endsWith(`:${v}`)).length;
    // PIT: rising edges at pulses 1 + 1193k <= floor(1e8 * 1193182 / 1e9) = 119318: k = 1..100.
    expect(count('20')).toBe(100);
    // RTC: periodic edges at j * 976562.5 ns <= 1e8: j = 1..102.
    expect(count('28')).toBe(102);
    expect(count('24')).toBe(1);
    expect(log.at(-1)).toBe('tx:65');
    expect(log.some((e) => e.endsWith(':27') || e.endsWith(':2f'))).toBe(false); // no spurious
  });

  it('is deterministic', () => {
    expect(runPc(30_000_000)).toEqual(runPc(30_000_000));
  });
});
