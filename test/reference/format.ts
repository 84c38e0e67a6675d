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
export const FORMAT_VERSION = 1;

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
} as const;
export type ColumnName = keyof typeof COLUMN_TYPES;
export const COLUMN_ORDER = Object.keys(COLUMN_TYPES) as ColumnName[];

export type Columns = { [K in ColumnName]: InstanceType<(typeof COLUMN_TYPES)[K]> };

/** A decoded fixture with per-case accessors. */
export class ReferenceSet {
  readonly codeStart: Uint32Array;
  readonly patchInStart: Uint32Array;
  readonly patchOutStart: Uint32Array;

  constructor(readonly header: FixtureHeader, readonly col: Columns) {
    const n = header.caseCount;
    this.codeStart = prefixSums(col.codeLen, n);
    this.patchInStart = prefixSums(col.patchInLen, n);
    this.patchOutStart = prefixSums(col.patchOutLen, n);
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
