import { describe, expect, it } from 'vitest';
import { Uart16550 } from '../../src/devices/uart16550.js';
import { RecordingLine, TestBoard } from './helpers.js';

// Expected values from the National Semiconductor PC16550D datasheet (register tables, interrupt
// identification priorities, FIFO operation, loopback) and the PC wiring (OUT2 gates the IRQ).

const BASE = 0x3f8;
const RBR = BASE, THR = BASE, IER = BASE + 1, IIR = BASE + 2, FCR = BASE + 2, LCR = BASE + 3;
const MCR = BASE + 4, LSR = BASE + 5, MSR = BASE + 6, SCR = BASE + 7, DLL = BASE, DLM = BASE + 1;

function setup(nsPerInsn = 1) {
  const board = new TestBoard(nsPerInsn);
  const line = new RecordingLine(() => board.icount);
  const sent: number[] = [];
  const uart = new Uart16550(board.clock, line, { onTransmit: (b) => sent.push(b) });
  uart.register(board.bus);
  return { board, line, sent, uart };
}

describe('16550A registers', () => {
  it('reset values (QEMU post-reset: MCR=OUT2) and read-only bits', () => {
    const { board } = setup();
    expect(board.inb(IIR)).toBe(0x01); // no interrupt pending, FIFOs off
    expect(board.inb(LSR)).toBe(0x60); // THRE | TEMT
    expect(board.inb(MSR)).toBe(0xb0); // DCD | DSR | CTS from the (virtual) peer
    expect(board.inb(LCR)).toBe(0x00);
    expect(board.inb(MCR)).toBe(0x08);
    board.outb(IER, 0xff);
    expect(board.inb(IER)).toBe(0x0f); // IER bits 4-7 are always 0
    board.outb(MCR, 0xff);
    expect(board.inb(MCR)).toBe(0x1f); // MCR bits 5-7 are always 0
  });

  it('scratch register holds a byte (the 8250 driver probe)', () => {
    const { board } = setup();
    board.outb(SCR, 0xa5);
    expect(board.inb(SCR)).toBe(0xa5);
    board.outb(SCR, 0x5a);
    expect(board.inb(SCR)).toBe(0x5a);
  });

  it('FCR bit 0 enables the FIFOs: IIR bits 7:6 = 11', () => {
    const { board } = setup();
    board.outb(FCR, 0x01);
    expect(board.inb(IIR)).toBe(0xc1);
    board.outb(FCR, 0x00);
    expect(board.inb(IIR)).toBe(0x01);
  });

  it('DLAB switches ports 0/1 to the divisor latch', () => {
    const { board, sent } = setup();
    board.outb(LCR, 0x80);
    board.outb(DLL, 0x34);
    board.outb(DLM, 0x12);
    expect(board.inb(DLL)).toBe(0x34);
    expect(board.inb(DLM)).toBe(0x12);
    expect(sent).toEqual([]);
    board.outb(LCR, 0x03);
    expect(board.inb(IER)).toBe(0x00);
  });
});

describe('16550A transmit and THRE interrupt', () => {
  it('a THR write reaches the sink at once and leaves THRE|TEMT set', () => {
    const { board, sent } = setup();
    for (const c of 'hi\n') board.outb(THR, c.charCodeAt(0));
    expect(String.fromCharCode(...sent)).toBe('hi\n');
    expect(board.inb(LSR) & 0x60).toBe(0x60);
  });

  it('enabling IER bit 1 while THR is empty raises THRE; reading IIR clears it', () => {
    const { board, line } = setup();
    board.outb(IER, 0x02);
    expect(line.level).toBe(true);
    expect(board.inb(IIR)).toBe(0x02);
    expect(line.level).toBe(false);
    expect(board.inb(IIR)).toBe(0x01);
    // Rewriting IER with bit 1 already set is not a new enable.
    board.outb(IER, 0x02);
    expect(board.inb(IIR)).toBe(0x01);
    // 0 -> 1 again re-arms it (the Linux 8250 THRE test depends on this).
    board.outb(IER, 0x00);
    board.outb(IER, 0x02);
    expect(board.inb(IIR)).toBe(0x02);
  });

  it('writing THR clears THRE and the emptied THR raises it again (a new edge for the PIC)', () => {
    const { board, line } = setup();
    board.outb(IER, 0x02);
    board.inb(IIR);
    board.outb(THR, 0x41);
    expect(line.level).toBe(true);
    expect(line.rises.length).toBe(2);
    expect(board.inb(IIR)).toBe(0x02);
  });

  it('MCR OUT2 gates the interrupt line, not the UART interrupt itself', () => {
    const { board, line } = setup();
    board.outb(MCR, 0x00);
    board.outb(IER, 0x02);
    expect(line.level).toBe(false);
    board.outb(MCR, 0x08);
    expect(line.level).toBe(true);
    expect(board.inb(IIR)).toBe(0x02);
  });
});

describe('16550A receive', () => {
  it('non-FIFO mode: DR set, RBR read clears it, RDA interrupt', () => {
    const { board, uart, line } = setup();
    board.outb(IER, 0x01);
    expect(uart.receive(0x61)).toBe(true);
    expect(board.inb(LSR) & 0x01).toBe(1);
    expect(board.inb(IIR)).toBe(0x04);
    expect(line.level).toBe(true);
    expect(board.inb(RBR)).toBe(0x61);
    expect(board.inb(LSR) & 0x01).toBe(0);
    expect(line.level).toBe(false);
  });

  it('FIFO trigger level 4: RDA only once 4 bytes are waiting, and until it drops below', () => {
    const { board, uart } = setup();
    board.outb(FCR, 0x41); // enable, trigger level 01 = 4 bytes
    board.outb(IER, 0x01);
    for (const b of [1, 2, 3]) uart.receive(b);
    expect(board.inb(IIR)).toBe(0xc1);
    uart.receive(4);
    expect(board.inb(IIR)).toBe(0xc4);
    expect(board.inb(RBR)).toBe(1);
    expect(board.inb(IIR)).toBe(0xc1); // 3 left: below the trigger level
    expect([board.inb(RBR), board.inb(RBR), board.inb(RBR)]).toEqual([2, 3, 4]);
    expect(board.inb(LSR) & 0x01).toBe(0);
  });

  it('character timeout after 4 character times with data below the trigger level', () => {
    const { board, uart, line } = setup();
    board.outb(FCR, 0xc1); // trigger level 14
    board.outb(IER, 0x01);
    uart.receive(0x42);
    const four = 4 * uart.charTimeInsns();
    board.run(four - 1);
    expect(board.inb(IIR)).toBe(0xc1);
    board.run(1);
    expect(board.inb(IIR)).toBe(0xcc);
    expect(line.level).toBe(true);
    expect(board.inb(RBR)).toBe(0x42);
    expect(board.inb(IIR)).toBe(0xc1);
    expect(line.level).toBe(false);
  });

  it('FCR bit 1 clears the RX FIFO', () => {
    const { board, uart } = setup();
    board.outb(FCR, 0x01);
    uart.receive(1);
    uart.receive(2);
    board.outb(FCR, 0x03);
    expect(board.inb(LSR) & 0x01).toBe(0);
  });

  it('overrun without FIFOs: refused unless forced, then OE set and RBR overwritten', () => {
    const { board, uart, line } = setup();
    board.outb(IER, 0x04);
    expect(uart.receive(1)).toBe(true);
    expect(uart.receive(2)).toBe(false);
    expect(board.inb(LSR) & 0x02).toBe(0);
    expect(uart.receive(3, true)).toBe(true);
    expect(board.inb(IIR)).toBe(0x06); // receiver line status
    expect(line.level).toBe(true);
    expect(board.inb(LSR)).toBe(0x63); // DR | OE | THRE | TEMT; the read clears OE
    expect(board.inb(LSR)).toBe(0x61);
    expect(line.level).toBe(false);
    expect(board.inb(RBR)).toBe(3);
  });

  it('overrun with FIFOs: the 17th byte is lost, the FIFO kept', () => {
    const { board, uart } = setup();
    board.outb(FCR, 0x01);
    for (let i = 0; i < 16; i++) expect(uart.receive(i)).toBe(true);
    expect(uart.acceptsInput()).toBe(false);
    expect(uart.receive(99)).toBe(false);
    expect(uart.receive(99, true)).toBe(false);
    expect(board.inb(LSR) & 0x02).toBe(0x02);
    const got: number[] = [];
    while (board.inb(LSR) & 1) got.push(board.inb(RBR));
    expect(got).toEqual([...Array(16).keys()]);
  });

  it('IIR priority: line status > RX data > THRE > modem status', () => {
    const { board, uart } = setup();
    board.outb(MCR, 0x18); // loopback + OUT2: make modem deltas
    board.outb(MCR, 0x08); // leave loopback: MSR deltas latched
    board.outb(IER, 0x0f); // THRE and modem status now pending too
    uart.receive(1);
    uart.receive(2, true);
    expect(board.inb(IIR)).toBe(0x06);
    board.inb(LSR);
    expect(board.inb(IIR)).toBe(0x04);
    board.inb(RBR);
    expect(board.inb(IIR)).toBe(0x02); // THRE outranks modem status
    expect(board.inb(IIR)).toBe(0x00); // that read acknowledged THRE: modem status remains
    board.inb(MSR);
    expect(board.inb(IIR)).toBe(0x01);
  });
});

describe('16550A loopback', () => {
  it('MSR reflects MCR (CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2): the Linux probe sees 0x90', () => {
    const { board } = setup();
    board.outb(MCR, 0x10 | 0x0a); // LOOP | OUT2 | RTS
    expect(board.inb(MSR) & 0xf0).toBe(0x90);
    board.outb(MCR, 0x10 | 0x05); // LOOP | OUT1 | DTR
    expect(board.inb(MSR) & 0xf0).toBe(0x60);
  });

  it('loopback delta bits: DCTS on RTS change, TERI only on RI trailing edge', () => {
    const { board } = setup();
    board.outb(MCR, 0x10);
    board.inb(MSR);
    board.outb(MCR, 0x12); // RTS on
    expect(board.inb(MSR)).toBe(0x11);
    expect(board.inb(MSR)).toBe(0x10); // deltas cleared by the read
    board.outb(MCR, 0x16); // OUT1 on: RI rises, no TERI
    expect(board.inb(MSR) & 0x0f).toBe(0);
    board.outb(MCR, 0x12); // OUT1 off: RI falls, TERI
    expect(board.inb(MSR) & 0x0f).toBe(0x04);
  });

  it('TX feeds RX, nothing reaches the sink, no IRQ leaves the card', () => {
    const { board, sent, line, uart } = setup();
    board.outb(MCR, 0x18);
    board.outb(IER, 0x01);
    board.outb(THR, 0x55);
    expect(sent).toEqual([]);
    expect(board.inb(IIR)).toBe(0x04);
    expect(line.level).toBe(false);
    expect(uart.receive(1)).toBe(false); // the receiver is off the line
    expect(uart.acceptsInput()).toBe(false);
    expect(board.inb(RBR)).toBe(0x55);
  });
});

describe('16550A line rate', () => {
  it('character time: 1.8432 MHz / 16 / divisor, start + data + parity + stop bits', () => {
    const { board, uart } = setup();
    board.outb(LCR, 0x83);
    board.outb(DLL, 1);
    board.outb(DLM, 0);
    board.outb(LCR, 0x03); // 8N1 at 115200: 10 bits
    expect(uart.charTimeNs()).toBeCloseTo(1e10 / 115200, 6);
    expect(uart.charTimeInsns()).toBe(86806);
    board.outb(LCR, 0x1e); // 7 data, even parity, 2 stop: 11 bits
    expect(uart.charTimeNs()).toBeCloseTo(11e9 / 115200, 6);
    board.outb(LCR, 0x04); // 5 data bits with LCR bit 2: 1.5 stop bits
    expect(uart.charTimeNs()).toBeCloseTo(7.5e9 / 115200, 6);
    board.outb(LCR, 0x83);
    board.outb(DLL, 12); // 9600 baud
    board.outb(LCR, 0x03);
    expect(uart.charTimeNs()).toBeCloseTo(1e10 / 9600, 6);
  });

  it('char time in instructions follows nsPerInsn', () => {
    const { uart } = setup(4);
    // Reset divisor 12 (9600 baud), LCR 0 = 5N1: 7 bits.
    expect(uart.charTimeInsns()).toBe(Math.round(7e9 / 9600 / 4));
  });
});

describe('16550A input pacing', () => {
  it('acceptsInput once the guest enables RX interrupts or polls LSR, while there is room', () => {
    const a = setup();
    expect(a.uart.acceptsInput()).toBe(false);
    a.board.inb(LSR);
    expect(a.uart.acceptsInput()).toBe(true);
    a.uart.receive(1);
    expect(a.uart.acceptsInput()).toBe(false); // holding register full (FIFOs off)
    const b = setup();
    b.board.outb(IER, 0x01);
    expect(b.uart.acceptsInput()).toBe(true);
  });
});

describe('16550A snapshots', () => {
  it('save/load (with a pending character timeout) continues identically', () => {
    const drive = (x: ReturnType<typeof setup>): number[] => {
      const out: number[] = [];
      x.board.run(100);
      out.push(x.board.inb(IIR));
      x.board.run(4 * x.uart.charTimeInsns());
      out.push(x.board.inb(IIR), x.board.inb(RBR), x.board.inb(RBR), x.board.inb(IIR), x.board.inb(LSR));
      return out;
    };
    const a = setup();
    a.board.outb(FCR, 0xc1);
    a.board.outb(IER, 0x03);
    a.uart.receive(7);
    a.uart.receive(8);
    a.board.run(1000);
    const snap = structuredClone({ dev: a.uart.saveState(), clock: a.board.clock.saveState(), icount: a.board.icount });

    const b = setup();
    b.board.icount = snap.icount;
    b.uart.loadState(snap.dev);
    b.board.clock.loadState(snap.clock);
    expect(drive(b)).toEqual(drive(a));
    expect(b.uart.saveState()).toEqual(a.uart.saveState());
  });
});
