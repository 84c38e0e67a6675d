import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { IoBus } from '../cpu/buses.js';
import type { Clock, Timer } from '../machine/clock.js';
import { Machine, machineConfigOf, type MachineHooks, type MmioBus } from '../machine/machine.js';
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
import { bootGuest } from './run.js';
import { RunDriver } from './run-driver.js';
import { restoreCheckpoint } from './checkpoint.js';

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

  constructor(private readonly reader: TraceReader) {}

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

  /** Positions the cursor at event number `n` of the trace (0 = the first). */
  seekToEvent(n: number): void {
    let before = 0;
    let k = 0;
    while (k < this.reader.chunks.length && before + this.reader.chunks[k].count <= n) before += this.reader.chunks[k++].count;
    this.chunk = k;
    this.events = [];
    this.index = 0;
    this.consumed = before;
    if (k < this.reader.chunks.length) {
      this.events = this.reader.readChunk(this.reader.chunks[k].seq);
      this.chunk = k + 1;
      this.index = n - before;
      this.consumed = n;
    }
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
  /** Compile hot blocks (RunOptions.jit): same results, sometimes faster. */
  jit?: boolean;
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
 * A replay in progress: the trace, the machine re-executing it with every event checked, and the
 * cursor over the recorded events. It can start at the beginning or at any checkpoint, run to the
 * outcome or pause at an icount or a watchpoint, and produce the ReplayResult.
 */
export class ReplaySession {
  readonly header: TraceReader['header'];
  readonly symbols: SymbolTable | null;
  readonly recordedOutcome: Outcome | null;
  readonly truncated: boolean;
  readonly budget: number;
  machine!: Machine;
  driver!: RunDriver;
  console = new ConsoleLog();
  divergence: Divergence | null = null;
  lastPosition: TracePosition = { chunk: 0, index: 0 };
  /** Where the run started: null = from boot, else the checkpoint's index. */
  startCheckpoint: number | null = null;
  private stream: ExpectedStream;
  private ring = new EventRing(Math.max(MATCHED_CONTEXT, 16));
  private feeder = new ReplaySerialInput();

  private constructor(
    readonly reader: TraceReader,
    private readonly tracePath: string,
    private readonly opts: ReplayOptions,
  ) {
    this.header = reader.header;
    const data = reader.symbols();
    this.symbols = data === null ? null : SymbolTable.fromData(data as never);
    this.recordedOutcome = (reader.outcome as Outcome | null) ?? null;
    this.truncated = reader.recovery !== null;
    this.stream = new ExpectedStream(reader);
    // A cut-short recording replays up to its last recovered event; --until-panic stops right
    // after the panicking instruction.
    let budget = this.header.maxInsns;
    if (this.truncated) budget = Math.min(budget, reader.recovery!.lastIcount + 1);
    if (opts.untilPanic === true && this.recordedOutcome?.kind === 'panic') budget = Math.min(budget, this.recordedOutcome.icount + 1);
    this.budget = budget;
  }

  static async open(tracePath: string, opts: ReplayOptions = {}): Promise<ReplaySession> {
    await initZstd();
    return new ReplaySession(TraceReader.open(tracePath), tracePath, opts);
  }

  private diverge(icount: number, eip: number, exp: TraceEvent | null, act: TraceEvent | null, message: string): void {
    if (this.divergence !== null) return;
    this.divergence = { icount, eip, expected: exp, actual: act, lastMatched: this.ring.toArray().slice(-MATCHED_CONTEXT), message };
    this.machine.finish({ kind: 'diverged', detail: message, icount, eip });
  }

  /**
   * Recorded inputs are scheduled as soon as the cursor reaches them, which is always before
   * their icount: everything recorded before an input happened earlier in the run.
   */
  private takeInputs(): void {
    for (let e = this.stream.peek(); e !== null && e.kind === EVENT.SERIAL_INPUT; e = this.stream.peek()) {
      this.feeder.schedule(e.icount, e.value);
      this.ring.push(e.kind, e.icount, e.addr, e.size, e.value, e.eip);
      this.stream.next();
    }
  }

  private check(kind: number, icount: number, addr: number, size: number, value: number, eip: number): void {
    if (this.divergence !== null) return;
    this.takeInputs();
    const e = this.stream.peek();
    const actual: TraceEvent = { kind, icount, addr, size, value, eip };
    if (e === null) {
      if (!this.truncated) this.diverge(icount, eip, null, actual, `the guest made an access the recording does not have (${EVENT_NAMES[kind]}) after its last event`);
      return;
    }
    if (e.kind !== kind || e.icount !== icount || e.addr !== addr || e.size !== size || e.value !== value) {
      this.diverge(icount, eip, e, actual, 'the guest did something other than what was recorded');
      return;
    }
    this.lastPosition = this.stream.position();
    this.ring.push(kind, icount, addr, size, value, eip);
    this.stream.next();
    this.takeInputs();
  }

  private hooks(): MachineHooks {
    const check = this.check.bind(this);
    return {
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
  }

  private newDriver(machine: Machine): RunDriver {
    this.console = new ConsoleLog();
    return new RunDriver(machine, this.console, { maxInsns: this.budget, onConsole: this.opts.onConsole, onSlice: this.opts.onSlice });
  }

  /**
   * Builds the machine: booted from the image (checkpoint null) or restored from checkpoint number
   * `checkpoint` (an index into reader.checkpoints), with the event cursor where that state was.
   */
  start(checkpoint: number | null = null): void {
    const h = this.header;
    this.feeder = new ReplaySerialInput();
    this.ring = new EventRing(Math.max(MATCHED_CONTEXT, 16));
    this.divergence = null;
    this.feeder.onRefused = (icount, byte) =>
      this.diverge(icount, this.machine.cpu.eip >>> 0, { kind: EVENT.SERIAL_INPUT, icount, addr: 0, size: 1, value: byte, eip: 0 }, null, 'the UART refused a recorded serial input byte');
    const config = machineConfigOf(h.machine);
    this.startCheckpoint = checkpoint;
    if (checkpoint === null) {
      const image = imageFor(this.reader, this.tracePath, this.opts.image);
      this.machine = bootGuest({
        image, imageName: h.image.name, cmdline: h.cmdline, machine: config,
        serialSource: this.feeder, hooks: this.hooks(), bootLoaderVersion: h.tool, linux: this.linuxInputs(image), jit: this.opts.jit,
      }).machine;
      this.driver = this.newDriver(this.machine);
      this.stream.seekToEvent(0);
    } else {
      this.machine = new Machine(config, this.hooks());
      this.machine.cpu.jit = this.opts.jit ?? false;
      this.feeder.attach(this.machine.clock, this.machine.uart);
      this.driver = this.newDriver(this.machine);
      const p = restoreCheckpoint(this.reader, checkpoint, this.machine, this.driver);
      this.stream.seekToEvent(p.eventIndex);
    }
    this.takeInputs();
  }

  /** The Linux boot inputs recorded with the trace (setup sectors and initrd blobs), if any. */
  private linuxInputs(image: Uint8Array): { setup: Uint8Array; initrd?: Uint8Array } | undefined {
    const linux = (this.header.extra as { linux?: { setupEmbedded: boolean } } | undefined)?.linux;
    if (linux === undefined) return undefined;
    const setup = linux.setupEmbedded ? this.reader.extraBlob('linux-setup') : image;
    if (setup === null) throw new TraceError('corrupt', `${this.tracePath}: the trace says it holds the Linux setup sectors but has none`);
    const initrd = this.reader.extraBlob('initrd') ?? undefined;
    return { setup, initrd };
  }

  /** Runs on: to the outcome (returned) or until icount reaches `pauseAt` or a pause (null). */
  run(pauseAt = Infinity): Outcome | null {
    return this.driver.run(pauseAt);
  }

  /** Events checked so far (from the start of the trace). */
  get eventsChecked(): number {
    return this.stream.consumed;
  }

  /** Compares the replayed outcome with the recording's and assembles the result. */
  result(replayed: Outcome): ReplayResult {
    let outcome = replayed;
    let status: ReplayStatus = this.divergence === null ? 'match' : 'diverged';
    const ns = this.header.machine.nsPerInsn;
    if (status === 'match') {
      const rec = this.recordedOutcome;
      if (this.truncated) status = 'end-of-trace';
      else if (rec !== null && !sameOutcome(rec, outcome)) {
        const message = `the recording ended with ${rec.kind} at ${describeWhen(rec.icount, ns)}, the replay with ${outcome.kind} at ${describeWhen(outcome.icount, ns)}`;
        this.divergence = { icount: outcome.icount, eip: outcome.eip, expected: null, actual: null, lastMatched: this.ring.toArray().slice(-MATCHED_CONTEXT), message };
        outcome = { kind: 'diverged', detail: message, icount: outcome.icount, eip: outcome.eip };
        status = 'diverged';
      } else {
        // The OUTCOME event itself closes the stream.
        const last = this.stream.peek();
        if (last !== null && last.kind === EVENT.OUTCOME) this.stream.next();
      }
    }
    return {
      status, outcome, recordedOutcome: this.recordedOutcome, divergence: this.divergence, machine: this.machine,
      console: this.console, symbols: this.symbols, reader: this.reader, eventsChecked: this.stream.consumed,
      lastEvents: this.ring.toArray(), position: this.lastPosition,
    };
  }
}

/**
 * Re-executes a recorded guest from the trace alone and checks every output event against the
 * recording (kind, icount, port/address, size, value), feeding recorded inputs at their icounts.
 * The first mismatch stops the run with the outcome `diverged`.
 */
export async function replayTrace(tracePath: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const s = await ReplaySession.open(tracePath, opts);
  s.start(null);
  return s.result(s.run()!);
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
