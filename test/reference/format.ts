/**
 * The instruction-reference fixture: layout constants shared by the generator, the native harness
 * (native/kref.c repeats the addresses) and the vitest runner, plus the file codec.
 *
 * A fixture is one brotli-compressed buffer:
 *   "KREF" | u32 version | u32 headerBytes | header JSON (utf-8) | column bytes, in header.columns order
 * Columns are little-endian typed arrays, one entry per case unless noted. Per-register columns hold
 * all cases of EAX, then all of ECX, ... (column-major compresses far better than per-case records).
 * Outputs are stored XOR the inputs, so the common "unchanged" compresses to runs of zeros.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zc } from 'node:zlib';

export const FORMAT_MAGIC = 'KREF';
/** 2: x87 state columns (fpu*). */
export const FORMAT_VERSION = 2;

// ---- Address layout (identical natively and in the emulator, so absolute addresses in code and
// pointers pushed to memory need no relocation). native/kref.c repeats these numbers.
/** Where the case bytes start. Natively followed by a jump to the epilogue, in the emulator by HLT. */
export const CODE_ADDR = 0x0004_0000;
/** Region filled with CANARY bytes around the data area; a write outside the data area is a bug. */
export const REGION_ADDR = 0x0005_0000;
export const REGION_SIZE = 0x1000;
/** The 64-byte data area that memory operands, string ops and stack ops use. */
export const DATA_ADDR = 0x0005_0800;
export const DATA_SIZE = 64;
/** ESP for families that may raise an exception: the emulator pushes its frame below it. */
export const EXC_STACK_TOP = 0x0005_8000;
/** EFLAGS bits the case does not choose: reserved bit 1 and IF (as the native process has it). */
export const EFLAGS_BASE = 0x202;

/** Byte at REGION_ADDR + i for every region byte outside the data area. */
export function canaryByte(i: number): number {
  return (i * 0x9d + 0x3c) & 0xff;
}

// ---- EFLAGS bits
export const CF = 0x001;
export const PF = 0x004;
export const AF = 0x010;
export const ZF = 0x040;
export const SF = 0x080;
export const DF = 0x400;
export const OF = 0x800;
/** The six arithmetic flags. */
export const ARITH = CF | PF | AF | ZF | SF | OF;
/** Every flag a case chooses and the runner may compare. */
export const CASE_FLAGS = ARITH | DF;

export const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [CF, 'CF'], [PF, 'PF'], [AF, 'AF'], [ZF, 'ZF'], [SF, 'SF'], [DF, 'DF'], [OF, 'OF'],
];

export function flagList(mask: number): string {
  const names = FLAG_NAMES.filter(([bit]) => (mask & bit) !== 0).map(([, n]) => n);
  return names.length === 0 ? '-' : names.join(' ');
}

export const REG_NAMES = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'] as const;

/** Status value of a case that ran to its end; anything else is the exception vector delivered. */
export const STATUS_COMPLETED = 0xff;

/**
 * The initial 64 data bytes before patches: mulberry32 keyed by the case's seed, 16 words, little
 * endian. Storing the 4-byte seed instead of 64 random bytes keeps the fixture small.
 */
export function expandData(seed: number): Uint8Array {
  const out = new Uint8Array(DATA_SIZE);
  let s = seed >>> 0;
  for (let i = 0; i < DATA_SIZE; i += 4) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t = (t ^ (t >>> 14)) >>> 0;
    out[i] = t & 0xff;
    out[i + 1] = (t >>> 8) & 0xff;
    out[i + 2] = (t >>> 16) & 0xff;
    out[i + 3] = t >>> 24;
  }
  return out;
}

// ---- x87 state: an FNSAVE image (32-bit protected-mode layout) -----------------------------------------------

/** Bytes of an FNSAVE image: 28 of environment, then ST(0)..ST(7) at 10 bytes each. */
export const FPU_IMAGE_SIZE = 108;
/** Offsets in the image. */
export const FPU_CW = 0, FPU_SW = 4, FPU_TW = 8, FPU_FIP = 12, FPU_FCS = 16, FPU_FDP = 20, FPU_FDS = 24, FPU_ST = 28;

/**
 * The initial x87 state before patches, as an FNSAVE image: mulberry32 keyed by the case's FPU
 * seed. Edge-weighted: every register holds a value of some class (normal numbers of several
 * magnitudes, doubles, singles, small integers, zeros, infinities, QNaNs, SNaNs, denormals,
 * pseudo-denormals, unnormals, pseudo-NaNs), a quarter of them tagged empty; PC, RC, TOP, the
 * condition codes, the sticky flags and the pointers are random; every exception is masked (so
 * nothing is pending). Generator families patch this (precision, masks, operand values); the
 * patch is stored, not the image.
 */
export function expandFpu(seed: number): Uint8Array {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const img = new Uint8Array(FPU_IMAGE_SIZE);
  const dv = new DataView(img.buffer);
  const pc = [3, 3, 3, 2, 2, 0, 3, 1][next() % 8]!; // 01 is reserved (acts as 64 bits)
  const cw = 0x3f | 0x40 | (pc << 8) | ((next() & 3) << 10) | (next() & 0x1000);
  dv.setUint32(FPU_CW, 0xffff0000 | cw, true);
  const top = next() & 7;
  const sw = (next() & 0x477f) | (top << 11);
  dv.setUint32(FPU_SW, 0xffff0000 | sw, true);
  dv.setUint32(FPU_FIP, next(), true);
  dv.setUint32(FPU_FCS, ((next() & 0x7ff) << 16) | (next() & 0xffff), true);
  dv.setUint32(FPU_FDP, next(), true);
  dv.setUint32(FPU_FDS, 0xffff0000 | (next() & 0xffff), true);
  let tw = 0;
  for (let i = 0; i < 8; i++) {
    randomExtended(next, img, FPU_ST + 10 * i);
    const phys = (top + i) & 7;
    tw |= ((next() & 3) === 0 ? 3 : extendedTag(img, FPU_ST + 10 * i)) << (2 * phys);
  }
  dv.setUint32(FPU_TW, 0xffff0000 | tw, true);
  return img;
}

/**
 * The image with its register area in physical order R0..R7 (FNSAVE stores stack order ST(0)..ST(7),
 * which a push or pop rotates entirely): final states are stored as a patch over the initial state
 * in this order, so a push changes one register's bytes, not eighty. fpuStackOrder undoes it (using
 * the TOP in the image's own status word).
 */
export function fpuPhysicalOrder(img: Uint8Array): Uint8Array {
  const out = img.slice();
  const top = (img[FPU_SW + 1]! >>> 3) & 7;
  for (let i = 0; i < 8; i++) out.set(img.subarray(FPU_ST + 10 * i, FPU_ST + 10 * i + 10), FPU_ST + 10 * ((top + i) & 7));
  return out;
}

export function fpuStackOrder(img: Uint8Array): Uint8Array {
  const out = img.slice();
  const top = (img[FPU_SW + 1]! >>> 3) & 7;
  for (let i = 0; i < 8; i++) out.set(img.subarray(FPU_ST + 10 * ((top + i) & 7), FPU_ST + 10 * ((top + i) & 7) + 10), FPU_ST + 10 * i);
  return out;
}

/** The tag (00 valid, 01 zero, 10 special) FNSAVE computes for the 80-bit value at b[o]. */
export function extendedTag(b: Uint8Array, o: number): number {
  const exp = (b[o + 8]! | (b[o + 9]! << 8)) & 0x7fff;
  const j = b[o + 7]! & 0x80;
  let zero = true;
  for (let k = 0; k < 8; k++) if (b[o + k] !== 0) zero = false;
  if (exp === 0) return zero ? 1 : 2;
  if (exp === 0x7fff || j === 0) return 2;
  return 0;
}

/** An edge-weighted random 80-bit value written at b[o] (significand, then sign and exponent). */
export function randomExtended(next: () => number, b: Uint8Array, o: number): void {
  let hi = next() | 0x80000000, lo = next(), exp: number;
  const r = next() % 100;
  if (r < 30) exp = 0x3fff - 24 + (next() % 48); // ordinary numbers around 1
  else if (r < 45) { exp = 0x3fff - 60 + (next() % 120); lo &= 0xfffff800; } // doubles
  else if (r < 53) { exp = 0x3fff - 30 + (next() % 60); hi &= 0xffffff00; lo = 0; } // singles
  else if (r < 61) { const v = 1 + (next() % 1000); const n = Math.clz32(v); exp = 0x3fff + 31 - n; hi = (v << n) >>> 0; lo = 0; } // small integers
  else if (r < 66) { exp = 0; hi = 0; lo = 0; } // zero
  else if (r < 70) { exp = 0x7fff; hi = 0x80000000; lo = 0; } // infinity
  else if (r < 74) { exp = 0x7fff; hi |= 0x40000000; } // QNaN
  else if (r < 77) { exp = 0x7fff; hi &= 0xbfffffff; if (hi === 0x80000000 && lo === 0) lo = 1; } // SNaN
  else if (r < 80) { exp = 0; hi &= 0x7fffffff; } // denormal
  else if (r < 81) { exp = 0; } // pseudo-denormal
  else if (r < 83) { exp = 1 + (next() % 0x7ffe); hi &= 0x7fffffff; } // unnormal
  else if (r < 84) { exp = 0x7fff; hi &= 0x7fffffff; } // pseudo-infinity / pseudo-NaN
  else if (r < 92) {
    // near the ends of the double, single and extended exponent ranges
    const edges = [0x3c01, 0x43fe, 0x3f81, 0x407e, 1, 0x7ffe, 0x3bcd, 0x3f6a];
    exp = edges[next() % edges.length]! + (next() % 5) - 2;
    if ((next() & 1) === 0) lo &= 0xfffff800;
  } else { exp = 0x3fff + (next() % 4); hi = (0x80000000 | ((next() % 8) << 27)) >>> 0; lo = 0; } // ties like 1.5, 2.5
  exp = Math.max(0, Math.min(0x7fff, exp));
  const sign = next() & 0x8000;
  b[o] = lo; b[o + 1] = lo >>> 8; b[o + 2] = lo >>> 16; b[o + 3] = lo >>> 24;
  b[o + 4] = hi; b[o + 5] = hi >>> 8; b[o + 6] = hi >>> 16; b[o + 7] = hi >>> 24;
  b[o + 8] = exp; b[o + 9] = (exp >>> 8) | (sign >>> 8);
}

/** Patch encoding: runs of [offset u8, length u8, ...bytes]. Used for initial and final data. */
export function diffPatch(base: Uint8Array, target: Uint8Array): number[] {
  const out: number[] = [];
  const n = target.length;
  let i = 0;
  while (i < n) {
    if (base[i] === target[i]) { i++; continue; }
    // Extend the run across gaps of up to 2 equal bytes: a new run header costs 2 bytes.
    let last = i;
    for (let j = i + 1; j < n && j - last <= 2; j++) if (base[j] !== target[j]) last = j;
    out.push(i, last + 1 - i);
    for (let k = i; k <= last; k++) out.push(target[k]!);
    i = last + 1;
  }
  return out;
}

export function applyPatch(data: Uint8Array, patch: Uint8Array, start: number, end: number): void {
  let p = start;
  while (p < end) {
    const off = patch[p]!;
    const len = patch[p + 1]!;
    data.set(patch.subarray(p + 2, p + 2 + len), off);
    p += 2 + len;
  }
}

/** One instruction family: the unit the runner reports on. */
export interface FamilyInfo {
  name: string;
  /** Group for the summary (alu, shift, muldiv, ...). */
  group: string;
  /** The Intel SDM flag rule applied to this family's cases (the per-case mask is in `defined`). */
  flagsRule: string;
  /** True if every case of the family is expected to raise an exception. */
  expectException: boolean;
}

export interface FixtureHeader {
  format: 'kreplay-instruction-reference';
  version: number;
  generator: string;
  seed: number;
  /** The CPU the expected results were recorded on (from /proc/cpuinfo). */
  hostCpu: string;
  layout: {
    codeAddr: number; dataAddr: number; dataSize: number; regionAddr: number; regionSize: number;
    excStackTop: number; eflagsBase: number;
  };
  caseCount: number;
  families: FamilyInfo[];
  columns: Array<{ name: ColumnName; bytes: number }>;
}

const COLUMN_TYPES = {
  family: Uint16Array,     // index into header.families
  codeLen: Uint8Array,     // bytes of code per case
  code: Uint8Array,        // concatenated code bytes (not per case)
  regsIn: Uint32Array,     // 8 * caseCount, register-major
  flagsIn: Uint16Array,    // the case's CASE_FLAGS bits; the full EFLAGS is EFLAGS_BASE | flagsIn
  dataSeed: Uint32Array,   // expandData(seed), then the initial patch
  patchInLen: Uint16Array, // bytes of initial patch per case
  patchIn: Uint8Array,     // concatenated
  defined: Uint16Array,    // flags defined by the SDM for this case (subset of CASE_FLAGS); the rest are undefined
  ignoreRegs: Uint8Array,  // bit r: register r's final value is undefined by the SDM (not compared)
  status: Uint8Array,      // STATUS_COMPLETED or the exception vector (native trap number)
  eipOut: Uint8Array,      // final EIP - CODE_ADDR (the faulting instruction's offset for exceptions)
  regsOutX: Uint32Array,   // final register XOR initial, register-major (at the fault for exceptions)
  flagsOutX: Uint32Array,  // final native EFLAGS XOR (EFLAGS_BASE | flagsIn)
  patchOutLen: Uint16Array,// final data as a patch over the initial data
  patchOut: Uint8Array,
  // x87 cases only (fpuCase[i] = 1); the other columns below have one entry per x87 case, in order.
  fpuCase: Uint8Array,     // 1: the case starts from an x87 state (FRSTOR) and its final state is recorded (FNSAVE)
  fpuSeed: Uint32Array,    // expandFpu(seed), then the initial patch
  fpuPatchInLen: Uint16Array,
  fpuPatchIn: Uint8Array,
  fpuPatchOutLen: Uint16Array, // final FNSAVE image as a patch over the initial one, both in physical register order (fpuPhysicalOrder)
  fpuPatchOut: Uint8Array,
  fpuUndef: Uint16Array,   // status word bits the SDM leaves undefined for this case (not compared)
} as const;
export type ColumnName = keyof typeof COLUMN_TYPES;
export const COLUMN_ORDER = Object.keys(COLUMN_TYPES) as ColumnName[];

export type Columns = { [K in ColumnName]: InstanceType<(typeof COLUMN_TYPES)[K]> };

/** A decoded fixture with per-case accessors. */
export class ReferenceSet {
  readonly codeStart: Uint32Array;
  readonly patchInStart: Uint32Array;
  readonly patchOutStart: Uint32Array;
  /** Index of each case among the x87 cases (-1: none). */
  readonly fpuIndex: Int32Array;
  readonly fpuPatchInStart: Uint32Array;
  readonly fpuPatchOutStart: Uint32Array;

  constructor(readonly header: FixtureHeader, readonly col: Columns) {
    const n = header.caseCount;
    this.codeStart = prefixSums(col.codeLen, n);
    this.patchInStart = prefixSums(col.patchInLen, n);
    this.patchOutStart = prefixSums(col.patchOutLen, n);
    this.fpuIndex = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) this.fpuIndex[i] = col.fpuCase[i] ? k++ : -1;
    this.fpuPatchInStart = prefixSums(col.fpuPatchInLen, k);
    this.fpuPatchOutStart = prefixSums(col.fpuPatchOutLen, k);
  }

  get count(): number { return this.header.caseCount; }

  code(i: number): Uint8Array {
    const s = this.codeStart[i]!;
    return this.col.code.subarray(s, s + this.col.codeLen[i]!);
  }
  regIn(i: number, r: number): number { return this.col.regsIn[r * this.count + i]!; }
  regOut(i: number, r: number): number { return (this.col.regsIn[r * this.count + i]! ^ this.col.regsOutX[r * this.count + i]!) >>> 0; }
  eflagsIn(i: number): number { return EFLAGS_BASE | this.col.flagsIn[i]!; }
  eflagsOut(i: number): number { return (this.eflagsIn(i) ^ this.col.flagsOutX[i]!) >>> 0; }
  dataIn(i: number): Uint8Array {
    const d = expandData(this.col.dataSeed[i]!);
    applyPatch(d, this.col.patchIn, this.patchInStart[i]!, this.patchInStart[i]! + this.col.patchInLen[i]!);
    return d;
  }
  dataOut(i: number): Uint8Array {
    const d = this.dataIn(i);
    applyPatch(d, this.col.patchOut, this.patchOutStart[i]!, this.patchOutStart[i]! + this.col.patchOutLen[i]!);
    return d;
  }
  /** The initial x87 state (FNSAVE image), or null for a case without one. */
  fpuIn(i: number): Uint8Array | null {
    const k = this.fpuIndex[i]!;
    if (k < 0) return null;
    const d = expandFpu(this.col.fpuSeed[k]!);
    applyPatch(d, this.col.fpuPatchIn, this.fpuPatchInStart[k]!, this.fpuPatchInStart[k]! + this.col.fpuPatchInLen[k]!);
    return d;
  }
  /** The final x87 state the native CPU recorded (at the fault for exceptions). */
  fpuOut(i: number): Uint8Array | null {
    const start = this.fpuIn(i);
    if (start === null) return null;
    const k = this.fpuIndex[i]!;
    const d = fpuPhysicalOrder(start);
    applyPatch(d, this.col.fpuPatchOut, this.fpuPatchOutStart[k]!, this.fpuPatchOutStart[k]! + this.col.fpuPatchOutLen[k]!);
    return fpuStackOrder(d);
  }
  /** Status word bits not compared for this case. */
  fpuUndef(i: number): number {
    const k = this.fpuIndex[i]!;
    return k < 0 ? 0 : this.col.fpuUndef[k]!;
  }
}

function prefixSums(lens: ArrayLike<number>, n: number): Uint32Array {
  const out = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) out[i + 1] = out[i]! + lens[i]!;
  return out;
}

export function encodeFixture(header: Omit<FixtureHeader, 'columns'>, col: Columns): Buffer {
  const parts: Buffer[] = [];
  const columns: FixtureHeader['columns'] = [];
  for (const name of COLUMN_ORDER) {
    const a = col[name];
    const b = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    parts.push(b);
    columns.push({ name, bytes: b.length });
  }
  const json = Buffer.from(JSON.stringify({ ...header, columns }), 'utf8');
  const pre = Buffer.alloc(12);
  pre.write(FORMAT_MAGIC, 0, 'latin1');
  pre.writeUInt32LE(FORMAT_VERSION, 4);
  pre.writeUInt32LE(json.length, 8);
  const raw = Buffer.concat([pre, json, ...parts]);
  return brotliCompressSync(raw, {
    params: {
      [zc.BROTLI_PARAM_QUALITY]: 11,
      [zc.BROTLI_PARAM_LGWIN]: 24,
      [zc.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

export function decodeFixture(file: Uint8Array): ReferenceSet {
  const raw = brotliDecompressSync(file);
  if (raw.toString('latin1', 0, 4) !== FORMAT_MAGIC) throw new Error('not an instruction reference fixture');
  const version = raw.readUInt32LE(4);
  if (version !== FORMAT_VERSION) throw new Error(`fixture version ${version}, this reader knows ${FORMAT_VERSION}`);
  const jsonLen = raw.readUInt32LE(8);
  const header = JSON.parse(raw.toString('utf8', 12, 12 + jsonLen)) as FixtureHeader;
  let off = 12 + jsonLen;
  const col = {} as Record<ColumnName, unknown>;
  for (const { name, bytes } of header.columns) {
    const Ctor = COLUMN_TYPES[name];
    const copy = new Uint8Array(bytes);
    copy.set(raw.subarray(off, off + bytes)); // aligned copy for the typed-array view
    col[name] = new Ctor(copy.buffer, 0, bytes / Ctor.BYTES_PER_ELEMENT);
    off += bytes;
  }
  return new ReferenceSet(header, col as Columns);
}
