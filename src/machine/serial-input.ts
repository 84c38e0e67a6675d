import type { Clock, Timer } from './clock.js';

/** The UART's receive side as an input source sees it. */
export interface SerialReceiver {
  receive(byte: number): boolean;
  acceptsInput(): boolean;
  charTimeInsns(): number;
}

/** Something that delivers serial input bytes to the UART at chosen icounts. */
export interface SerialInputSource {
  /** Starts delivering to `rx`, scheduling itself on `clock`. */
  attach(clock: Clock, rx: SerialReceiver): void;
  /** Bytes not delivered yet. */
  remaining(): number;
}

/**
 * `--serial-in FILE`: feeds the bytes at the line rate the guest programmed, and only while the
 * guest is ready for them, so nothing is lost whatever the guest does:
 *
 * - delivery starts once the guest has enabled receive interrupts (IER bit 0) or polled the line
 *   status register; before that the feeder just waits;
 * - one byte per character time (start + data + parity + stop bits at the programmed divisor),
 *   and only when the receiver has room (FIFO not full, or the holding register empty with FIFOs
 *   off), so the FIFO never overruns.
 *
 * The feeder is one clock timer that re-arms itself every character time while bytes remain, so
 * the schedule is a pure function of the guest's own I/O: the same guest and input always get each
 * byte at the same icount. (A replay does not recompute this: it feeds the recorded icounts.)
 */
export class PacedSerialInput implements SerialInputSource {
  private pos = 0;
  private timer: Timer | null = null;
  private rx: SerialReceiver | null = null;

  constructor(private readonly bytes: Uint8Array) {}

  attach(clock: Clock, rx: SerialReceiver): void {
    this.rx = rx;
    this.timer = clock.createTimer('serial-in.feed', () => this.tick());
    if (this.bytes.length > 0) this.timer.armIn(rx.charTimeInsns());
  }

  private tick(): void {
    const rx = this.rx!;
    if (this.pos < this.bytes.length && rx.acceptsInput() && rx.receive(this.bytes[this.pos])) this.pos++;
    if (this.pos < this.bytes.length) this.timer!.armIn(rx.charTimeInsns());
  }

  remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Keyed state for snapshots. */
  saveState(): { version: 1; pos: number } {
    return { version: 1, pos: this.pos };
  }

  loadState(s: { version: 1; pos: number }): void {
    this.pos = s.pos;
  }
}
