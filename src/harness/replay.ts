import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { IoBus } from '../cpu/buses.js';
import type { Clock, Timer } from '../machine/clock.js';
import type { Machine, MachineHooks, MmioBus } from '../machine/machine.js';
import type { Outcome } from '../machine/outcome.js';
import type { SerialInputSource, SerialReceiver } from '../machine/serial-input.js';
import { readImageFile, SymbolTable } from '../loader/index.js';
import { EVENT, EVENT_NAMES, type TraceEvent } from '../trace/schema.js';
import { TraceReader, TraceError } from '../trace/reader.js';
import { initZstd } from '../trace/zstd.js';
import { ConsoleLog } from './console-log.js';
import { describeEip, describeWhen } from './describe.js';
import { EventRing } from './event-ring.js';
import { formatEvent } from './events-text.js';
import { boardEventKind, sha256Hex } from './record.js';
import { bootGuest, driveToOutcome } from './run.js';

/** Events shown before a divergence. */
const MATCHED_CONTEXT = 20;

/** Where an event sits in the trace: chunk sequence number and index within the chunk. */
export interface TracePosition {
  chunk: number;
  index: number;
}

/**
 * The recorded event stream as replay consumes it: a cursor over the trace, chunk by chunk, that
 * knows the position of each event.
 */
class ExpectedStream {
  private chunk = 0;
  private events: TraceEvent[] = [];
  private index = 0;
  consumed = 0;

  constructor(private readonly reader: TraceReader) {
    this.load();
  }

  private load(): void {
    while (this.index >= this.events.length && this.chunk < this.reader.chunks.length) {
      this.events = this.reader.readChunk(this.reader.chunks[this.chunk].seq);
      this.index = 0;
      this.chunk++;
    }
  }

  peek(): TraceEvent | null {
    this.load();
    return this.index < this.events.length ? this.events[this.index] : null;
  }

  position(): TracePosition {
    return { chunk: this.reader.chunks[Math.max(0, this.chunk - 1)]?.seq ?? 0, index: this.index };
  }

  next(): void {
    this.index++;
    this.consumed++;
  }
}

/** Feeds recorded serial input bytes at their recorded icounts (not the paced schedule). */
class ReplaySerialInput implements SerialInputSource {
  private readonly queue: { icount: number; byte: number }[] = [];
  private timer: Timer | null = null;
  private rx: SerialReceiver | null = null;
  /** Set when the UART refused a recorded byte: the run has diverged. */
  onRefused: (icount: number, byte: number) => void = () => {};

  attach(clock: Clock, rx: SerialReceiver): void {
    this.rx = rx;
    this.timer = clock.createTimer('serial-in.replay', () => this.tick());
    this.rearm();
  }

  schedule(icount: number, byte: number): void {
    this.queue.push({ icount, byte });
    if (this.queue.length === 1) this.rearm();
  }

  private rearm(): void {
    if (this.timer !== null && this.queue.length > 0 && !this.timer.armed) this.timer.arm(this.queue[0].icount);
  }

  private tick(): void {
    const e = this.queue.shift()!;
    if (!this.rx!.receive(e.byte)) this.onRefused(e.icount, e.byte);
    this.rearm();
  }

  remaining(): number {
    return this.queue.length;
  }
}

export interface ReplayOptions {
  /** Stop at the recorded panic (the run ends there anyway; this also trims the budget to it). */
  untilPanic?: boolean;
  /** The image to use when the trace does not embed one (checked against its sha256). */
  image?: string;
  onConsole?: (byte: number) => void;
  onSlice?: (m: Machine) => void;
}

export type ReplayStatus = 'match' | 'diverged' | 'end-of-trace';

export interface Divergence {
  icount: number;
  eip: number;
  expected: TraceEvent | null;
  actual: TraceEvent | null;
  /** The last matching events before the divergence, oldest first. */
  lastMatched: TraceEvent[];
  message: string;
}

export interface ReplayResult {
  status: ReplayStatus;
  /** The replayed run's outcome (kind 'diverged' when it diverged). */
  outcome: Outcome;
  /** The outcome stored in the trace (null if the recording was cut short). */
  recordedOutcome: Outcome | null;
  divergence: Divergence | null;
  machine: Machine;
  console: ConsoleLog;
  symbols: SymbolTable | null;
  reader: TraceReader;
  /** Events checked against the recording. */
  eventsChecked: number;
  /** The last I/O events before the end (for the panic report). */
  lastEvents: TraceEvent[];
  /** Where the outcome's event sits in the trace. */
  position: TracePosition;
}

/** Finds the guest image for a trace: embedded, or by the recorded path (checked by sha256). */
function imageFor(reader: TraceReader, tracePath: string, override?: string): Uint8Array {
  const h = reader.header;
  const embedded = reader.image();
  if (embedded !== null && override === undefined) return embedded;
  const candidates = override !== undefined
    ? [override]
    : h.image.path === undefined ? [] : isAbsolute(h.image.path) ? [h.image.path] : [resolve(dirname(tracePath), h.image.path), resolve(h.image.path)];
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    throw new TraceError('not-found', `${tracePath}: the trace does not embed its image and ${h.image.path ?? h.image.name} was not found; pass --image FILE`);
  }
  const bytes = readImageFile(path);
  if (sha256Hex(bytes) !== h.image.sha256) {
    throw new TraceError('corrupt', `${path}: this is not the image the trace was recorded with (sha256 differs); pass the original with --image FILE`);
  }
  return bytes;
}

/**
 * Re-executes a recorded guest from the trace alone and checks every output event against the
 * recording (kind, icount, port/address, size, value), feeding recorded inputs at their icounts.
 * The first mismatch stops the run with the outcome `diverged`.
 */
export async function replayTrace(tracePath: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  await initZstd();
  const reader = TraceReader.open(tracePath);
  const h = reader.header;
  const image = imageFor(reader, tracePath, opts.image);
  const symbolsData = reader.symbols();
  const recordedOutcome = (reader.outcome as Outcome | null) ?? null;
  const truncated = reader.recovery !== null;

  const expected = new ExpectedStream(reader);
  const ring = new EventRing(Math.max(MATCHED_CONTEXT, 16));
  const feeder = new ReplaySerialInput();
  let divergence: Divergence | null = null;
  let lastPosition: TracePosition = { chunk: 0, index: 0 };
  let machineRef: Machine | null = null;

  const diverge = (icount: number, eip: number, exp: TraceEvent | null, act: TraceEvent | null, message: string): void => {
    if (divergence !== null) return;
    divergence = { icount, eip, expected: exp, actual: act, lastMatched: ring.toArray().slice(-MATCHED_CONTEXT), message };
    machineRef!.finish({ kind: 'diverged', detail: message, icount, eip });
  };
  // Recorded inputs are scheduled as soon as the cursor reaches them, which is always before
  // their icount: everything recorded before an input happened earlier in the run.
  const takeInputs = (): void => {
    for (let e = expected.peek(); e !== null && e.kind === EVENT.SERIAL_INPUT; e = expected.peek()) {
      feeder.schedule(e.icount, e.value);
      ring.push(e.kind, e.icount, e.addr, e.size, e.value, e.eip);
      expected.next();
    }
  };
  const check = (kind: number, icount: number, addr: number, size: number, value: number, eip: number): void => {
    if (divergence !== null) return;
    takeInputs();
    const e = expected.peek();
    const actual: TraceEvent = { kind, icount, addr, size, value, eip };
    if (e === null) {
      if (!truncated) diverge(icount, eip, null, actual, `the guest made an access the recording does not have (${EVENT_NAMES[kind]}) after its last event`);
      return;
    }
    if (e.kind !== kind || e.icount !== icount || e.addr !== addr || e.size !== size || e.value !== value) {
      diverge(icount, eip, e, actual, 'the guest did something other than what was recorded');
      return;
    }
    lastPosition = expected.position();
    ring.push(kind, icount, addr, size, value, eip);
    expected.next();
    takeInputs();
  };
  feeder.onRefused = (icount, byte) =>
    diverge(icount, machineRef!.cpu.eip >>> 0, { kind: EVENT.SERIAL_INPUT, icount, addr: 0, size: 1, value: byte, eip: 0 }, null, 'the UART refused a recorded serial input byte');

  const hooks: MachineHooks = {
    wrapIo: (inner: IoBus, ctx): IoBus => ({
      read(port, size) {
        const v = inner.read(port, size);
        check(EVENT.PORT_IN, ctx.icount(), port, size, v, ctx.eip());
        return v;
      },
      write(port, size, value) {
        check(EVENT.PORT_OUT, ctx.icount(), port, size, value >>> 0, ctx.eip());
        inner.write(port, size, value);
      },
    }),
    wrapMmio: (inner: MmioBus, ctx): MmioBus => ({
      read(addr, size) {
        const v = inner.read(addr, size);
        check(EVENT.MMIO_READ, ctx.icount(), addr >>> 0, size, v >>> 0, ctx.eip());
        return v;
      },
      write(addr, size, value) {
        check(EVENT.MMIO_WRITE, ctx.icount(), addr >>> 0, size, value >>> 0, ctx.eip());
        inner.write(addr, size, value);
      },
    }),
    onBoardEvent: (e, icount, eip) => {
      const [kind, value] = boardEventKind(e);
      check(kind, icount, 0, 0, value >>> 0, eip);
    },
  };

  // A cut-short recording replays up to its last recovered event; --until-panic stops right after
  // the panicking instruction.
  let budget = h.maxInsns;
  if (truncated) budget = Math.min(budget, reader.recovery!.lastIcount + 1);
  if (opts.untilPanic === true && recordedOutcome?.kind === 'panic') budget = Math.min(budget, recordedOutcome.icount + 1);

  const { machine } = bootGuest({
    image,
    imageName: h.image.name,
    cmdline: h.cmdline,
    machine: { memMiB: h.machine.memMiB, nsPerInsn: h.machine.nsPerInsn, rtcEpoch: h.machine.rtcEpoch },
    serialSource: feeder,
    hooks,
    bootLoaderVersion: h.tool,
  });
  machineRef = machine;
  takeInputs();
  const console = new ConsoleLog();
  let outcome = driveToOutcome(machine, console, { maxInsns: budget, onConsole: opts.onConsole, onSlice: opts.onSlice });
  const symbols = symbolsData === null ? null : SymbolTable.fromData(symbolsData as never);

  let status: ReplayStatus = divergence === null ? 'match' : 'diverged';
  if (status === 'match') {
    if (truncated) status = 'end-of-trace';
    else if (recordedOutcome !== null && !sameOutcome(recordedOutcome, outcome) && !(opts.untilPanic && outcome.kind === 'panic' && sameOutcome(recordedOutcome, outcome))) {
      const message = `the recording ended with ${recordedOutcome.kind} at ${describeWhen(recordedOutcome.icount, h.machine.nsPerInsn)}, the replay with ${outcome.kind} at ${describeWhen(outcome.icount, h.machine.nsPerInsn)}`;
      divergence = { icount: outcome.icount, eip: outcome.eip, expected: null, actual: null, lastMatched: ring.toArray().slice(-MATCHED_CONTEXT), message };
      outcome = { kind: 'diverged', detail: message, icount: outcome.icount, eip: outcome.eip };
      status = 'diverged';
    } else {
      // The OUTCOME event itself closes the stream.
      const last = expected.peek();
      if (last !== null && last.kind === EVENT.OUTCOME) expected.next();
    }
  }
  return {
    status, outcome, recordedOutcome, divergence, machine, console, symbols, reader,
    eventsChecked: expected.consumed, lastEvents: ring.toArray(), position: lastPosition,
  };
}

/** Two outcomes are the same run end: kind, icount, EIP and the kind's own details. */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Text lines describing a divergence (expected vs actual, and the matching events before it). */
export function formatDivergence(d: Divergence, symbols: SymbolTable | null, nsPerInsn: number): string[] {
  const lines = [`diverged at ${describeWhen(d.icount, nsPerInsn)} eip=${describeEip(d.eip, symbols)}: ${d.message}`];
  lines.push(`  expected: ${d.expected === null ? '(nothing: end of recording)' : formatEvent(d.expected, symbols)}`);
  lines.push(`  actual:   ${d.actual === null ? '(nothing)' : formatEvent(d.actual, symbols)}`);
  if (d.lastMatched.length > 0) {
    lines.push(`  last ${d.lastMatched.length} matching events:`);
    for (const e of d.lastMatched) lines.push(`    ${formatEvent(e, symbols)}`);
  }
  return lines;
}
