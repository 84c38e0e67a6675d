import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { IoBus } from '../cpu/buses.js';
import { deviceNames, type BoardEvent, type MachineHooks, type MmioBus } from '../machine/machine.js';
import type { Outcome } from '../machine/outcome.js';
import { PacedSerialInput, type SerialInputSource, type SerialReceiver } from '../machine/serial-input.js';
import type { Clock } from '../machine/clock.js';
import { EVENT, outcomeCode } from '../trace/schema.js';
import { TraceWriter } from '../trace/writer.js';
import type { TraceHeaderInput } from '../trace/schema.js';
import { initZstd } from '../trace/zstd.js';
import { TOOL_VERSION } from '../version.js';
import { ConsoleLog } from './console-log.js';
import { bootGuest, DEFAULT_MAX_INSNS, linuxBootOf, type RunOptions, type RunResult } from './run.js';
import { setupSectors } from '../loader/linux-boot.js';
import { RunDriver, SLICE_INSNS } from './run-driver.js';
import { Checkpointer, DEFAULT_CHECKPOINT_INSNS } from './checkpoint.js';

/**
 * A recording ends its current chunk at least this often (in instructions), so a recorder that is
 * killed loses at most this much of the run. Counted in icount, never host time, so chunk
 * boundaries (and the file) are the same on every machine.
 */
export const CHUNK_FLUSH_INSNS = 1 << 26;

export interface RecordOptions extends RunOptions {
  /** Where to write the trace. */
  out: string;
  /** Embed the image in the trace (default true); otherwise store its sha256 and path. */
  embed?: boolean;
  /** zstd level for data frames (1-9). */
  level?: number;
  /** End a chunk at least every this many instructions (default CHUNK_FLUSH_INSNS). */
  chunkFlushInsns?: number;
  /** Write a checkpoint every this many instructions (default DEFAULT_CHECKPOINT_INSNS; 0: none). */
  checkpointEvery?: number;
}

export interface RecordResult extends RunResult {
  events: number;
  bytes: number;
  checkpoints: number;
}

/** Board events as trace events. */
export function boardEventKind(e: BoardEvent): [number, number] {
  switch (e.kind) {
    case 'interrupt': return [EVENT.INTERRUPT, e.vector];
    case 'pvpanic': return [EVENT.PVPANIC, e.bits];
    case 'debug-exit': return [EVENT.DEBUG_EXIT, e.code];
  }
}

/** Where recording hooks send events; the writer is opened once the image and symbols are known. */
interface EventSink {
  append(kind: number, icount: number, addr: number, size: number, value: number, eip: number): void;
}

/**
 * Machine hooks that log every port and MMIO access and every board event into `w`. Writes are
 * logged before the device sees them, so a device signal they cause (pvpanic, debug-exit) follows
 * its port write in the trace.
 */
function recordingHooks(w: EventSink): MachineHooks {
  return {
    wrapIo: (inner: IoBus, ctx): IoBus => ({
      read(port, size) {
        const v = inner.read(port, size);
        w.append(EVENT.PORT_IN, ctx.icount(), port, size, v, ctx.eip());
        return v;
      },
      write(port, size, value) {
        w.append(EVENT.PORT_OUT, ctx.icount(), port, size, value >>> 0, ctx.eip());
        inner.write(port, size, value);
      },
    }),
    wrapMmio: (inner: MmioBus, ctx): MmioBus => ({
      read(addr, size) {
        const v = inner.read(addr, size);
        w.append(EVENT.MMIO_READ, ctx.icount(), addr >>> 0, size, v >>> 0, ctx.eip());
        return v;
      },
      write(addr, size, value) {
        w.append(EVENT.MMIO_WRITE, ctx.icount(), addr >>> 0, size, value >>> 0, ctx.eip());
        inner.write(addr, size, value);
      },
    }),
    onBoardEvent: (e, icount, eip) => {
      const [kind, value] = boardEventKind(e);
      w.append(kind, icount, 0, 0, value >>> 0, eip);
    },
  };
}

/** Wraps an input source so each byte the UART accepts is logged at its icount. */
class RecordingSerialInput implements SerialInputSource {
  constructor(
    private readonly inner: SerialInputSource,
    private readonly w: EventSink,
    private readonly eip: () => number,
  ) {}

  attach(clock: Clock, rx: SerialReceiver): void {
    const w = this.w;
    const eip = this.eip;
    this.inner.attach(clock, {
      receive(byte) {
        const ok = rx.receive(byte);
        if (ok) w.append(EVENT.SERIAL_INPUT, clock.now(), 0, 1, byte, eip());
        return ok;
      },
      acceptsInput: () => rx.acceptsInput(),
      charTimeInsns: () => rx.charTimeInsns(),
    });
  }

  remaining(): number {
    return this.inner.remaining();
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The serial-input policy name recorded in trace headers. */
export const SERIAL_POLICY = 'paced-at-line-rate-after-rx-enable';

/**
 * Runs a guest as `runGuest` does and records it: every port/MMIO access, interrupt, serial input
 * byte and device signal, then the outcome as the last event. The trace is self-contained: the
 * machine config, the inputs, the image (unless embed is false) and its symbols.
 */
export async function recordGuest(opts: RecordOptions): Promise<RecordResult> {
  await initZstd();
  const maxInsns = opts.maxInsns ?? DEFAULT_MAX_INSNS;
  const embed = opts.embed ?? true;
  const imageName = opts.imageName ?? 'image';
  // Nothing touches the bus until the run starts, so the writer can open once the loader has
  // produced the symbols the header embeds.
  let writer: TraceWriter | null = null;
  let cpuEip = (): number => 0;
  const sink: EventSink = { append: (k, i, a, s, v, e) => writer!.append(k, i, a, s, v, e) };
  const serialSource = opts.serialIn !== undefined
    ? new RecordingSerialInput(new PacedSerialInput(opts.serialIn), sink, () => cpuEip())
    : undefined;
  const { machine, symbols, entry } = bootGuest({ ...opts, maxInsns, serialSource, hooks: recordingHooks(sink) });
  cpuEip = () => machine.cpu.eip >>> 0;
  const header: TraceHeaderInput = {
    tool: TOOL_VERSION,
    machine: { ...machine.config, devices: deviceNames(machine.config) },
    cmdline: opts.cmdline ?? '',
    maxInsns,
    inputs: { serialIn: opts.serialIn ?? null, policy: SERIAL_POLICY },
    image: {
      name: basename(imageName),
      size: opts.image.length,
      sha256: sha256Hex(opts.image),
      embedded: embed,
      ...(embed ? {} : { path: imageName }),
    },
    symbols: symbols !== null,
    extra: {},
  };
  // A Linux boot also needs the bzImage's setup sectors (when the image is the vmlinux) and the
  // initrd: stored as extra blobs, so the trace stays self-contained.
  const linux = linuxBootOf(opts);
  const extra: Record<string, Uint8Array> = {};
  if (linux !== null) {
    if (linux.setup !== opts.image) extra['linux-setup'] = setupSectors(linux.setup);
    if (linux.initrd !== undefined) extra.initrd = linux.initrd;
    header.extra = { linux: { setupEmbedded: 'linux-setup' in extra, initrd: linux.initrd === undefined ? null : { size: linux.initrd.length, sha256: sha256Hex(linux.initrd) } } };
  }
  writer = TraceWriter.create(opts.out, header, { image: embed ? opts.image : undefined, symbols: symbols?.toData(), extra }, { level: opts.level });
  const w: TraceWriter = writer;
  const console = new ConsoleLog();
  const flushEvery = opts.chunkFlushInsns ?? CHUNK_FLUSH_INSNS;
  let nextFlush = flushEvery;
  let outcome: Outcome;
  let checkpoints: Checkpointer | null = null;
  const checkpointEvery = opts.checkpointEvery ?? DEFAULT_CHECKPOINT_INSNS;
  const driver = new RunDriver(machine, console, {
    maxInsns,
    sliceInsns: checkpointEvery > 0 ? Math.min(SLICE_INSNS, checkpointEvery) : SLICE_INSNS,
    onConsole: opts.onConsole,
    onSlice: (m) => {
      opts.onSlice?.(m);
      if (m.cpu.icount >= nextFlush) {
        w.flushChunk();
        nextFlush = (Math.floor(m.cpu.icount / flushEvery) + 1) * flushEvery;
      }
      checkpoints?.maybeTake();
    },
  });
  checkpoints = new Checkpointer(machine, driver, w, checkpointEvery);
  try {
    checkpoints.maybeTake(); // the start state: replay and seeks can begin without the image
    outcome = driver.run()!;
  } catch (e) {
    // Keep what was recorded: the reader recovers everything up to the last complete chunk.
    w.close();
    throw e;
  }
  // The OUTCOME event closes the stream: at the outcome's icount, or later when the guest ran on
  // after a console panic line (the grace period) and produced events after it.
  w.append(EVENT.OUTCOME, Math.max(outcome.icount, w.lastIcount), 0, 0, outcomeCode(outcome.kind), outcome.eip);
  w.finish(outcome);
  return { outcome, machine, console, symbols, entry, events: w.eventCount, bytes: w.bytesWritten, checkpoints: checkpoints.taken };
}
