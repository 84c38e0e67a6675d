/**
 * Runs one reference case in an emulator and compares the outcome with the natively recorded one.
 * The emulator is reached only through CpuLike (the subset of src/cpu/cpu.ts's Cpu the runner
 * needs), so the runner's own checks can be tested with a stand-in (runner-selftest.test.ts).
 */
import type { IoBus, PhysicalMemory } from '../../src/cpu/buses.js';
import {
  CODE_ADDR, CASE_FLAGS, DATA_ADDR, DATA_SIZE, EXC_STACK_TOP, FPU_CW, FPU_FCS, FPU_FIP, FPU_ST,
  FPU_SW, FPU_TW, REGION_ADDR, REGION_SIZE, REG_NAMES, type ReferenceSet, STATUS_COMPLETED, canaryByte, flagList,
} from './format.js';

/** What the runner uses of the CPU (the API of src/cpu/cpu.ts). */
export interface CpuLike {
  readonly regs: Int32Array;
  eip: number;
  icount: number;
  halted: boolean;
  stopped?: unknown;
  resetFlat32(): void;
  setEflags(v: number): void;
  getEflags(): number;
  setIdtr(base: number, limit: number): void;
  setGdtr?(base: number, limit: number): void;
  run(limit: number): void;
  /** CR0 (the runner sets NE, as Linux does for the native process, so x87 errors raise #MF). */
  cr0?: number;
  /** The x87 unit: load and save its state as an FNSAVE image (32-bit protected-mode layout). */
  readonly fpu?: { loadImage(img: Uint8Array): void; saveImage(): Uint8Array };
}
export type MakeCpu = (mem: PhysicalMemory, io: IoBus) => CpuLike;

const CR0_NE = 0x20;

// Emulator-only layout below the case's code (the native process has its own kernel for this).
const GDT_BASE = 0x0800;
const IDT_BASE = 0x1000;
/** Exception vector v's handler is a HLT at STUB_BASE + 4v (padded with HLTs). */
const STUB_BASE = 0x2000;
const SYSTEM_END = 0x3000;
const RAM_SIZE = 1 << 20;
/** Instructions a case may take (the longest REP/LOOP cases need ~30). */
const BUDGET = 5000;
const CODE_AREA = 0x100;
/** Vectors that push an error code (SDM Table 6-1). */
const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17, 21]);

/** The system area (GDT, IDT, handler stubs), built once and copied into RAM before every case. */
function systemImage(): Uint8Array {
  const img = new Uint8Array(SYSTEM_END);
  const dv = new DataView(img.buffer);
  // GDT: null, 0x08 flat 32-bit code, 0x10 flat 32-bit data (the selectors resetFlat32 uses)
  dv.setUint32(GDT_BASE + 8, 0x0000ffff, true); dv.setUint32(GDT_BASE + 12, 0x00cf9a00, true);
  dv.setUint32(GDT_BASE + 16, 0x0000ffff, true); dv.setUint32(GDT_BASE + 20, 0x00cf9200, true);
  for (let v = 0; v < 256; v++) {
    const target = STUB_BASE + 4 * v;
    // 32-bit interrupt gate, present, DPL 0, selector 0x08
    dv.setUint32(IDT_BASE + 8 * v, (0x08 << 16) | (target & 0xffff), true);
    dv.setUint32(IDT_BASE + 8 * v + 4, (target & 0xffff0000) | 0x8e00, true);
  }
  img.fill(0xf4, STUB_BASE, STUB_BASE + 4 * 256);
  return img;
}

export type Outcome =
  | {
    kind: 'completed' | 'exception'; vector: number; regs: Uint32Array; eflags: number; data: Uint8Array; stray: number[]; frame: number[];
    /** The final x87 state (FNSAVE image) of an x87 case, else null. */
    fpu: Uint8Array | null;
  }
  | { kind: 'threw' | 'stopped' | 'no-halt' | 'halted-elsewhere'; detail: string };

/** One emulator plus its RAM; runs cases one after another. */
export class CaseRunner {
  readonly ram = new Uint8Array(RAM_SIZE);
  private readonly system = systemImage();
  private readonly canary = Uint8Array.from({ length: REGION_SIZE }, (_, k) => canaryByte(k));
  private readonly mem: PhysicalMemory = { ram: this.ram, mmioRead: () => 0xffffffff, mmioWrite: () => {} };
  private readonly io: IoBus = { read: () => 0xff, write: () => {} };

  private cpu: CpuLike | null = null;

  /**
   * With `reuse`, one CPU runs every case and resetFlat32() (which drops decoded code) separates
   * them; without, each case gets a new CPU (slower: ~0.7 ms per construction).
   */
  constructor(private readonly makeCpu: MakeCpu, private readonly reuse = true) {}

  run(ref: ReferenceSet, i: number): Outcome {
    const ram = this.ram;
    ram.set(this.system, 0);
    const code = ref.code(i);
    ram.fill(0xf4, CODE_ADDR, CODE_ADDR + CODE_AREA);
    ram.set(code, CODE_ADDR);
    ram.set(this.canary, REGION_ADDR);
    ram.set(ref.dataIn(i), DATA_ADDR);

    let cpu: CpuLike;
    try {
      cpu = this.reuse ? (this.cpu ??= this.makeCpu(this.mem, this.io)) : this.makeCpu(this.mem, this.io);
      cpu.resetFlat32();
      cpu.setGdtr?.(GDT_BASE, 0x17);
      cpu.setIdtr(IDT_BASE, 256 * 8 - 1);
      if (cpu.cr0 !== undefined) cpu.cr0 |= CR0_NE;
      for (let r = 0; r < 8; r++) cpu.regs[r] = ref.regIn(i, r) | 0;
      cpu.setEflags(ref.eflagsIn(i));
      const fpuIn = ref.fpuIn(i);
      if (fpuIn !== null) {
        if (!cpu.fpu) return { kind: 'threw', detail: 'the case has x87 state and the CPU has no FPU' };
        cpu.fpu.loadImage(fpuIn);
      }
      cpu.eip = CODE_ADDR;
      cpu.run(cpu.icount + BUDGET);
    } catch (e) {
      return { kind: 'threw', detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
    if (cpu.stopped) return { kind: 'stopped', detail: JSON.stringify(cpu.stopped) };
    const eip = cpu.eip >>> 0;
    if (!cpu.halted) return { kind: 'no-halt', detail: `no HLT within ${BUDGET} instructions, EIP=${hex(eip)}` };

    const regs = new Uint32Array(8);
    for (let r = 0; r < 8; r++) regs[r] = cpu.regs[r]! >>> 0;
    const data = ram.slice(DATA_ADDR, DATA_ADDR + DATA_SIZE);
    const stray: number[] = [];
    // Local copies of the imported constants: vitest's module transform reads every imported binding
    // through a getter, which in this loop cost ~200 us per case (8x the rest of the runner).
    const region = REGION_ADDR, regionSize = REGION_SIZE, dataStart = DATA_ADDR, dataEnd = DATA_ADDR + DATA_SIZE;
    const canary = this.canary;
    for (let k = 0; k < regionSize && stray.length < 8; k++) {
      const a = region + k;
      if (a >= dataStart && a < dataEnd) continue;
      if (ram[a] !== canary[k]) stray.push(a);
    }
    const fpu = ref.fpuIndex[i]! >= 0 && cpu.fpu ? cpu.fpu.saveImage() : null;
    // HLT leaves EIP after itself; accept EIP at the HLT too.
    const end = CODE_ADDR + code.length;
    if (eip === end || eip === end + 1) return { kind: 'completed', vector: -1, regs, eflags: cpu.getEflags(), data, stray, frame: [], fpu };
    if (eip >= STUB_BASE && eip <= STUB_BASE + 4 * 256) {
      const vector = Math.floor((eip - STUB_BASE) / 4);
      const sp = regs[4]!;
      const frame: number[] = [];
      for (let k = 0; k < 5; k++) {
        const a = sp + 4 * k;
        frame.push(a + 4 <= RAM_SIZE ? (ram[a]! | (ram[a + 1]! << 8) | (ram[a + 2]! << 16) | (ram[a + 3]! << 24)) >>> 0 : 0);
      }
      return { kind: 'exception', vector, regs, eflags: cpu.getEflags(), data, stray, frame, fpu };
    }
    return { kind: 'halted-elsewhere', detail: `halted at EIP=${hex(eip)}` };
  }
}

const hex = (v: number, n = 8) => (v >>> 0).toString(16).padStart(n, '0');

/** The differences between an outcome and the recorded one (empty = the case passes). */
export function compare(ref: ReferenceSet, i: number, got: Outcome): string[] {
  const status = ref.col.status[i]!;
  const want = status === STATUS_COMPLETED ? 'completion' : `exception vector ${status}`;
  if ('detail' in got) return [`expected ${want}; ${got.kind}: ${got.detail}`];
  if (got.kind === 'completed' && status !== STATUS_COMPLETED) return [`expected ${want}, ran to completion`];
  if (got.kind === 'exception' && got.vector !== status) return [`expected ${want}, got exception vector ${got.vector}`];

  const out: string[] = [];
  const ignore = ref.col.ignoreRegs[i]!;
  const exc = got.kind === 'exception';
  const frameBytes = exc ? (ERROR_CODE_VECTORS.has(status) ? 16 : 12) : 0;
  for (let r = 0; r < 8; r++) {
    if (ignore & (1 << r)) continue;
    const e = ref.regOut(i, r);
    // At the handler, ESP is below the exception frame the emulator pushed.
    const g = r === 4 ? (got.regs[4]! + frameBytes) >>> 0 : got.regs[r]!;
    if (e !== g) out.push(`${REG_NAMES[r]} expected ${regText(e)} got ${regText(g)}`);
  }
  const defined = ref.col.defined[i]!;
  const wantFlags = ref.eflagsOut(i);
  let gotFlags = got.eflags;
  if (exc) {
    const f = ERROR_CODE_VECTORS.has(status) ? got.frame.slice(1) : got.frame;
    const wantEip = (CODE_ADDR + ref.col.eipOut[i]!) >>> 0;
    if (f[0] !== wantEip) out.push(`frame EIP expected ${hex(wantEip)} got ${hex(f[0]!)}`);
    gotFlags = f[2]!; // the EFLAGS image at the fault (the live IF etc. changed on delivery)
  }
  const bad = (wantFlags ^ gotFlags) & defined & CASE_FLAGS;
  if (bad) out.push(`flags ${flagList(bad)} differ: expected ${flagText(wantFlags, defined)} got ${flagText(gotFlags, defined)}`);
  const wantData = ref.dataOut(i);
  const diffs: string[] = [];
  for (let k = 0; k < DATA_SIZE; k++) if (wantData[k] !== got.data[k]) diffs.push(`+${k}: ${hex(wantData[k]!, 2)}/${hex(got.data[k]!, 2)}`);
  if (diffs.length) out.push(`data (expected/got) ${diffs.slice(0, 8).join(' ')}${diffs.length > 8 ? ` (+${diffs.length - 8} more)` : ''}`);
  if (got.stray.length) out.push(`wrote outside the data area at ${got.stray.map((a) => hex(a)).join(' ')}`);
  const wantFpu = ref.fpuOut(i);
  if (wantFpu !== null) {
    if (got.fpu === null) out.push('no x87 state recorded');
    else out.push(...compareFpu(wantFpu, got.fpu, ref.fpuUndef(i), exc));
  }
  return out;
}

/**
 * Differences between two FNSAVE images, by field. Not compared: the CS and DS selectors of the
 * pointers (the native process runs with Linux's user selectors), the status word bits in
 * `undef`, and for faults the pointer fields (the kernel's signal frame builds them from FXSAVE).
 */
export function compareFpu(want: Uint8Array, got: Uint8Array, undef: number, fault: boolean): string[] {
  if (process.env.KREF_STRICT) undef = 0;
  const out: string[] = [];
  const w16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
  const w32 = (b: Uint8Array, o: number) => (w16(b, o) | (w16(b, o + 2) << 16)) >>> 0;
  const field = (name: string, o: number, size: 2 | 4, mask = size === 2 ? 0xffff : 0xffffffff) => {
    const a = (size === 2 ? w16(want, o) : w32(want, o)) & mask, b = (size === 2 ? w16(got, o) : w32(got, o)) & mask;
    if (a !== b) out.push(`x87 ${name} expected ${hex(a, size * 2)} got ${hex(b, size * 2)}`);
  };
  field('CW', FPU_CW, 2);
  field(`SW${undef ? ` (bits ${hex(undef, 4)} not compared)` : ''}`, FPU_SW, 2, 0xffff & ~undef);
  field('TW', FPU_TW, 2);
  for (const o of [2, 6, 10, 26]) field(`reserved word +${o}`, o, 2);
  if (!fault) {
    field('FIP', FPU_FIP, 4);
    field('FOP', FPU_FCS + 2, 2);
    field('FDP', FPU_FCS + 4, 4);
  }
  for (let k = 0; k < 8; k++) {
    const o = FPU_ST + 10 * k;
    const a = want.subarray(o, o + 10), b = got.subarray(o, o + 10);
    if (a.some((v, j) => v !== b[j])) out.push(`x87 ST(${k}) expected ${ext80(a)} got ${ext80(b)}`);
  }
  return out;
}

/** An 80-bit value as sign/exponent and significand in hex. */
function ext80(b: Uint8Array): string {
  const se = b[8]! | (b[9]! << 8);
  const m = Array.from(b.subarray(0, 8)).reverse().map((v) => hex(v, 2)).join('');
  return `${hex(se, 4)}:${m}`;
}

function regText(v: number): string {
  const d = v - DATA_ADDR;
  if (d >= -0x100 && d <= 0x100) return `${hex(v)} (data${d >= 0 ? '+' : '-'}0x${Math.abs(d).toString(16)})`;
  if (v === EXC_STACK_TOP) return `${hex(v)} (exception stack)`;
  return hex(v);
}

function flagText(v: number, defined: number): string {
  return flagList(v & defined & CASE_FLAGS).replace(/^-$/, 'none set');
}

/** One line describing a case's input, for mismatch reports. */
export function describeCase(ref: ReferenceSet, i: number): string {
  const bytes = Array.from(ref.code(i), (b) => hex(b, 2)).join(' ');
  const regs = REG_NAMES.map((n, r) => `${n}=${regText(ref.regIn(i, r))}`).join(' ');
  return `case ${i} [${bytes}] ${regs} flags=${flagList(ref.col.flagsIn[i]!)}`;
}
