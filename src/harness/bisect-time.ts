import type { SymbolTable } from '../loader/index.js';
import { Machine, machineConfigOf } from '../machine/machine.js';
import { EVENT } from '../trace/schema.js';
import { checkpointFor, restoreCheckpoint, watchedBytesAtCheckpoints } from './checkpoint.js';
import { ConsoleLog } from './console-log.js';
import { ReplaySession, type ReplayOptions } from './replay.js';
import { RunDriver } from './run-driver.js';
import { buildStateReport, type StateReport } from './state-report.js';

/** What to watch: a linear address range (an ELF symbol resolved to its address). */
export interface WatchSpec {
  addr: number;
  size: number;
  /** How the user named it, for reports (`guard`, `guard+0x4`, `0x104000`). */
  label: string;
}

/**
 * Parses `ADDR[:SIZE]` where ADDR is a number (0x..., decimal), SYMBOL or SYMBOL+OFFSET. Without
 * SIZE: the symbol's size when ADDR is exactly a symbol, else 4. Throws Error with a one-line
 * message the CLI shows as is.
 */
export function parseWatch(spec: string, symbols: SymbolTable | null): WatchSpec {
  const m = /^([^:]+?)(?::(\w+))?$/.exec(spec.trim());
  if (m === null) throw new Error(`--watch ${spec}: expected ADDR[:SIZE], e.g. guard:4 or 0x104000:4`);
  const [, where, sizeText] = m;
  let addr: number;
  let defaultSize = 4;
  const num = (s: string): number => (/^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : NaN);
  if (!Number.isNaN(num(where))) {
    addr = num(where);
  } else {
    const sm = /^([A-Za-z_.$][\w.$]*)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(where);
    if (sm === null) throw new Error(`--watch ${spec}: ${where} is neither a number nor SYMBOL[+OFFSET]`);
    if (symbols === null) throw new Error(`--watch ${spec}: the trace has no symbols; give the address as a number`);
    const s = symbols.resolve(sm[1]);
    if (s === null) throw new Error(`--watch ${spec}: no symbol ${sm[1]} in the image`);
    const off = sm[2] === undefined ? 0 : Number(sm[2]);
    addr = s.addr + off;
    if (off === 0 && s.size > 0) defaultSize = s.size;
  }
  const size = sizeText === undefined ? defaultSize : num(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > 4096) throw new Error(`--watch ${spec}: size must be 1..4096 bytes`);
  return { addr: addr >>> 0, size, label: where };
}

export interface WatchHit {
  icount: number;
  eip: number;
  oldBytes: Uint8Array;
  newBytes: Uint8Array;
  /** The machine right after the writing instruction (icount = hit icount + 1). */
  state: StateReport;
}

export interface BisectTimeResult {
  hit: WatchHit | null;
  phys: number;
  /** Checkpoints whose RAM was inspected without executing anything. */
  checkpointsScanned: number;
  /** Where the executed search started (checkpoint index; null = from boot) and how much ran. */
  startCheckpoint: number | null;
  startIcount: number;
  replayedInsns: number;
  session: ReplaySession;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, k) => x === b[k]);
}

/** The value V as the little-endian bytes of a `size`-byte location. */
export function valueBytes(v: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(size * 8, BigInt(v));
  for (let k = 0; k < size; k++) {
    out[k] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** Translates a linear address through the page tables of the trace's last checkpoint. */
function physicalOf(session: ReplaySession, lin: number): number {
  const cps = session.reader.checkpoints;
  if (cps.length === 0) return lin;
  const h = session.header;
  const m = new Machine(machineConfigOf(h.machine));
  restoreCheckpoint(session.reader, cps.length - 1, m, new RunDriver(m, new ConsoleLog()));
  const p = m.cpu.mmu.probe(lin);
  if (p === null) throw new Error(`--watch: 0x${lin.toString(16)} is not mapped in the guest's page tables`);
  return p;
}

/**
 * Finds the first instruction that changes the watched bytes (or, with `value`, that makes them
 * equal it). Checkpoints narrow the search without executing anything: their RAM tells in which
 * interval the bytes first differ between two consecutive checkpoints. Only that interval is
 * replayed, with a write watchpoint on the bytes. A change undone within an earlier interval is not
 * seen that way; `exhaustive` replays from the start instead.
 */
export async function bisectWatch(tracePath: string, watch: WatchSpec, opts: ReplayOptions & { value?: number; exhaustive?: boolean } = {}): Promise<BisectTimeResult> {
  const session = await ReplaySession.open(tracePath, opts);
  const phys = physicalOf(session, watch.addr);
  const target = opts.value === undefined ? null : valueBytes(opts.value, watch.size);
  const isHit = (before: Uint8Array, after: Uint8Array): boolean => (target === null ? !equalBytes(before, after) : equalBytes(after, target) && !equalBytes(before, target));

  let start: number | null = null;
  let scanned = 0;
  if (!opts.exhaustive && session.reader.checkpoints.length > 0) {
    const values = watchedBytesAtCheckpoints(session.reader, phys, watch.size);
    scanned = values.length;
    start = values.length - 1;
    for (let k = 0; k + 1 < values.length; k++) {
      if (isHit(values[k].bytes, values[k + 1].bytes)) {
        start = k;
        break;
      }
    }
  }
  session.start(start);
  const machine = session.machine;
  const ram = machine.memory.ram;
  const read = (): Uint8Array => ram.slice(phys, phys + watch.size);
  const startIcount = machine.cpu.icount;
  let pending: { icount: number; eip: number; old: Uint8Array } | null = null;
  machine.cpu.mmu.watchWrites(phys, watch.size, () => {
    if (pending !== null && pending.icount === machine.cpu.icount) return; // same instruction, more writes
    pending = { icount: machine.cpu.icount, eip: machine.cpu.insnEip >>> 0, old: read() };
    machine.requestPause();
  });
  let hit: WatchHit | null = null;
  for (;;) {
    const out = session.run();
    if (out !== null || pending === null) break;
    const p = pending as { icount: number; eip: number; old: Uint8Array };
    pending = null;
    const now = read();
    if (isHit(p.old, now)) {
      hit = { icount: p.icount, eip: p.eip, oldBytes: p.old, newBytes: now, state: buildStateReport(machine, session.symbols, p.eip) };
      break;
    }
  }
  return { hit, phys, checkpointsScanned: scanned, startCheckpoint: start, startIcount, replayedInsns: machine.cpu.icount - startIcount, session };
}

export interface ConsoleHit {
  icount: number;
  eip: number;
  line: string;
  state: StateReport;
}

/**
 * Finds the first instruction after which the console output matches `re`: the COM1 bytes are
 * read from the trace's recorded port writes (THR at 0x3F8 with LCR.DLAB clear), without
 * executing; the regex is tested against the current line after each byte. Then the replay seeks
 * to just after that write for the report.
 */
export async function bisectConsole(tracePath: string, re: RegExp, opts: ReplayOptions = {}): Promise<{ hit: ConsoleHit | null; session: ReplaySession }> {
  const session = await ReplaySession.open(tracePath, opts);
  let dlab = false;
  let line = '';
  let found: { icount: number; eip: number; line: string } | null = null;
  for (const e of session.reader.events()) {
    if (e.kind !== EVENT.PORT_OUT) continue;
    if (e.addr === 0x3fb) dlab = (e.value & 0x80) !== 0;
    if (e.addr !== 0x3f8 || dlab) continue;
    const ch = e.value & 0xff;
    if (ch === 0x0a || ch === 0x0d) {
      line = '';
      continue;
    }
    line += String.fromCharCode(ch);
    if (re.test(line)) {
      found = { icount: e.icount, eip: e.eip, line };
      break;
    }
  }
  if (found === null) return { hit: null, session };
  session.start(checkpointFor(session.reader, found.icount + 1));
  session.run(found.icount + 1);
  return { hit: { ...found, state: buildStateReport(session.machine, session.symbols, found.eip) }, session };
}
