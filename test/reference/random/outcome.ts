/**
 * The result of running a case (natively, under QEMU or in the emulator) and its digest: a 32-bit
 * hash of exactly what the SDM defines (the masks come from the Case), so that equal digests mean
 * the same defined result. The fixture keeps 16 bits of it per case.
 */
import {
  CASE_FLAGS, DATA_SIZE, ERROR_CODE_VECTORS, RIN, RIN_SIZE, ROUT, ROUT_SIZE, ST_OK, ST_TIMEOUT, SYSTEM_FLAGS, TRAP_VECTORS, vectorName,
} from './env.js';
import type { Case } from './case.js';

/** Outcome.status of a case that ran to its end (any other value is the exception vector). */
export const COMPLETED = 0xff;

export class Outcome {
  status = COMPLETED;
  err = 0;
  cr2 = 0;
  /** The signal a native fault arrived with (0 otherwise). */
  signo = 0;
  /** Final EIP - CODE_ADDR (for an exception: the EIP the exception reported). */
  eipOff = 0;
  readonly regs = new Uint32Array(8);
  eflags = 0;
  /** ES CS SS DS FS GS. */
  readonly sel = new Uint16Array(6);
  readonly data = new Uint8Array(DATA_SIZE);
  readonly fpu = new Uint8Array(108);
  /** Non-empty when the run went wrong in a way no digest describes (timeout, stray write, emulator stop). */
  problem = '';

  copyFrom(o: Outcome): void {
    this.status = o.status; this.err = o.err; this.cr2 = o.cr2; this.signo = o.signo; this.eipOff = o.eipOff;
    this.regs.set(o.regs); this.eflags = o.eflags; this.sel.set(o.sel); this.data.set(o.data); this.fpu.set(o.fpu);
    this.problem = o.problem;
  }
}

/** Reads krand's struct rout at buf[off]. */
export function readNative(buf: Buffer, off: number, o: Outcome): void {
  const st = buf.readUInt32LE(off + ROUT.status);
  o.status = st === ST_OK ? COMPLETED : buf.readUInt32LE(off + ROUT.trapno);
  o.err = buf.readUInt32LE(off + ROUT.err);
  o.cr2 = buf.readUInt32LE(off + ROUT.cr2);
  o.signo = buf.readUInt32LE(off + ROUT.signo);
  o.eipOff = buf.readUInt32LE(off + ROUT.eipOff);
  for (let r = 0; r < 8; r++) o.regs[r] = buf.readUInt32LE(off + ROUT.regs + 4 * r);
  o.eflags = buf.readUInt32LE(off + ROUT.eflags);
  for (let s = 0; s < 6; s++) o.sel[s] = buf.readUInt16LE(off + ROUT.sel + 2 * s);
  o.data.set(buf.subarray(off + ROUT.data, off + ROUT.data + DATA_SIZE));
  o.fpu.set(buf.subarray(off + ROUT.fpu, off + ROUT.fpu + 108));
  o.problem = st === ST_TIMEOUT ? 'timed out' : buf.readUInt32LE(off + ROUT.canaryOk) !== 1 ? 'wrote outside the data area' : '';
}

/** Writes a case as krand's struct rin at buf[off]. */
export function writeNative(c: Case, buf: Buffer, off: number): void {
  buf.fill(0, off, off + RIN_SIZE);
  buf.set(c.code.subarray(0, c.len), off + RIN.code);
  buf.writeUInt32LE(c.len, off + RIN.codeLen);
  for (let r = 0; r < 8; r++) buf.writeUInt32LE(c.regs[r]!, off + RIN.regs + 4 * r);
  buf.writeUInt32LE(c.eflags >>> 0, off + RIN.eflags);
  for (let s = 0; s < 4; s++) buf.writeUInt16LE(c.sel[s]!, off + RIN.sel + 2 * s);
  buf.writeUInt32LE(c.hasFpu ? 1 : 0, off + RIN.hasFpu);
  buf.set(c.data, off + RIN.data);
  if (c.hasFpu) buf.set(c.fpu, off + RIN.fpu);
}
export { ROUT_SIZE, RIN_SIZE };

// ---- hashing -----------------------------------------------------------------------------------------

/** murmur3's 32-bit block step. */
export function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
export function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
function mixBytes(h: number, b: Uint8Array, from: number, to: number): number {
  let k = from;
  for (; k + 4 <= to; k += 4) h = mix(h, b[k]! | (b[k + 1]! << 8) | (b[k + 2]! << 16) | (b[k + 3]! << 24));
  for (; k < to; k++) h = mix(h, b[k]!);
  return h;
}

/** Whether the outcome is a fault (the instruction did not complete: nothing it would change changed). */
export function isFault(status: number): boolean {
  return status !== COMPLETED && (TRAP_VECTORS & (1 << status)) === 0;
}

/** x87 image fields compared (offset, bytes); the status word is masked separately. */
const FPU_ALWAYS: ReadonlyArray<readonly [number, number]> = [[0, 4], [6, 6], [26, 82]]; // CW + reserved; reserved, TW, reserved; reserved + ST(0..7)
const FPU_POINTERS: ReadonlyArray<readonly [number, number]> = [[12, 4], [18, 6]]; // FIP, FOP + FDP (not FCS, FDS)

/** The digest of what the SDM defines of an outcome. */
export function digest(c: Case, o: Outcome): number {
  let h = 0x6b726e64;
  h = mix(h, o.status);
  const fault = isFault(o.status);
  if (o.status !== COMPLETED && (ERROR_CODE_VECTORS & (1 << o.status)) !== 0) h = mix(h, o.status === 14 ? o.cr2 : o.err);
  h = mix(h, o.eipOff);
  for (let r = 0; r < 8; r++) h = mix(h, o.regs[r]! & c.regMask[r]!);
  h = mix(h, o.eflags & (SYSTEM_FLAGS | (fault ? CASE_FLAGS : c.defined & CASE_FLAGS)));
  for (let s = 0; s < 6; s += 2) h = mix(h, o.sel[s]! | (o.sel[s + 1]! << 16));
  h = mixBytes(h, o.data, 0, DATA_SIZE);
  if (c.hasFpu) {
    const f = o.fpu;
    for (const [at, n] of FPU_ALWAYS) h = mixBytes(h, f, at, at + n);
    h = mix(h, (f[4]! | (f[5]! << 8)) & ~c.fpuUndef & 0xffff);
    if (!fault) for (const [at, n] of FPU_POINTERS) h = mixBytes(h, f, at, at + n);
  }
  return fmix(h);
}

/** The 16 bits of a digest the fixture stores per case. */
export const fold16 = (d: number): number => (d ^ (d >>> 16)) & 0xffff;

/** A hash of a case's inputs (the fixture stores one per row slice, to notice a changed generator). */
export function inputHash(h: number, c: Case): number {
  h = mix(h, c.len);
  h = mixBytes(h, c.code, 0, c.len);
  for (let r = 0; r < 8; r++) h = mix(h, c.regs[r]! ^ c.regMask[r]!);
  h = mix(h, c.eflags ^ (c.defined << 12));
  h = mix(h, c.sel[0]! | (c.sel[1]! << 16));
  h = mix(h, c.sel[2]! | (c.sel[3]! << 16));
  h = mixBytes(h, c.data, 0, DATA_SIZE);
  h = mix(h, c.outcomes ^ c.fpuUndef);
  if (c.hasFpu) h = mixBytes(h, c.fpu, 0, 108);
  return h;
}

// ---- reports -----------------------------------------------------------------------------------------

const hex = (v: number, n = 8): string => (v >>> 0).toString(16).padStart(n, '0');
const SEG_NAMES = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];
const REG_NAMES = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
const FLAG_BITS: ReadonlyArray<readonly [number, string]> = [[0x1, 'CF'], [0x4, 'PF'], [0x10, 'AF'], [0x40, 'ZF'], [0x80, 'SF'], [0x100, 'TF'],
  [0x200, 'IF'], [0x400, 'DF'], [0x800, 'OF'], [0x3000, 'IOPL'], [0x4000, 'NT'], [0x20000, 'VM'], [0x40000, 'AC'], [0x80000, 'VIF'], [0x100000, 'VIP'], [0x200000, 'ID']];
export function flagNames(f: number): string {
  const n = FLAG_BITS.filter(([b]) => (f & b) !== 0).map(([, s]) => s);
  return n.length ? n.join(' ') : '-';
}
export function statusText(o: Outcome): string {
  if (o.problem) return o.problem;
  if (o.status === COMPLETED) return 'completed';
  const e = (ERROR_CODE_VECTORS & (1 << o.status)) !== 0 ? (o.status === 14 ? `(cr2=${hex(o.cr2)})` : `(${hex(o.err, 4)})`) : '';
  return `${vectorName(o.status)}${e} at +${o.eipOff}`;
}

/** The fields in which two outcomes differ, within the case's SDM masks ("" entries never). */
export function differences(c: Case, want: Outcome, got: Outcome): string[] {
  const out: string[] = [];
  if (want.problem || got.problem) return [`expected ${statusText(want)}, got ${statusText(got)}`];
  if (want.status !== got.status || want.eipOff !== got.eipOff) out.push(`expected ${statusText(want)}, got ${statusText(got)}`);
  else if (want.status !== COMPLETED && (ERROR_CODE_VECTORS & (1 << want.status)) !== 0) {
    if (want.status === 14 ? want.cr2 !== got.cr2 : want.err !== got.err) out.push(`expected ${statusText(want)}, got ${statusText(got)}`);
  }
  for (let r = 0; r < 8; r++) {
    const m = c.regMask[r]!;
    if (((want.regs[r]! ^ got.regs[r]!) & m) !== 0) out.push(`${REG_NAMES[r]} expected ${hex(want.regs[r]! & m)} got ${hex(got.regs[r]! & m)}`);
  }
  const fm = SYSTEM_FLAGS | (isFault(want.status) ? CASE_FLAGS : c.defined & CASE_FLAGS);
  const bad = (want.eflags ^ got.eflags) & fm;
  if (bad) out.push(`flags ${flagNames(bad)} differ: expected ${flagNames(want.eflags & fm)} got ${flagNames(got.eflags & fm)}`);
  for (let s = 0; s < 6; s++) if (want.sel[s] !== got.sel[s]) out.push(`${SEG_NAMES[s]} expected ${hex(want.sel[s]!, 4)} got ${hex(got.sel[s]!, 4)}`);
  const d: string[] = [];
  for (let k = 0; k < DATA_SIZE; k++) if (want.data[k] !== got.data[k]) d.push(`+${k}:${hex(want.data[k]!, 2)}/${hex(got.data[k]!, 2)}`);
  if (d.length) out.push(`data (expected/got) ${d.slice(0, 8).join(' ')}${d.length > 8 ? ` (+${d.length - 8} more)` : ''}`);
  if (c.hasFpu) {
    const w16 = (b: Uint8Array, k: number) => b[k]! | (b[k + 1]! << 8);
    const fields: Array<[string, number, number]> = [['CW', 0, 0xffff], ['SW', 4, 0xffff & ~c.fpuUndef], ['TW', 8, 0xffff]];
    if (!isFault(want.status)) fields.push(['FIP', 12, 0xffff], ['FIP+2', 14, 0xffff], ['FOP', 18, 0xffff], ['FDP', 20, 0xffff], ['FDP+2', 22, 0xffff]);
    for (const [n, k, m] of fields) if ((w16(want.fpu, k) ^ w16(got.fpu, k)) & m) out.push(`x87 ${n} expected ${hex(w16(want.fpu, k) & m, 4)} got ${hex(w16(got.fpu, k) & m, 4)}`);
    for (const k of [2, 6, 10, 26]) if (w16(want.fpu, k) !== w16(got.fpu, k)) out.push(`x87 reserved +${k} expected ${hex(w16(want.fpu, k), 4)} got ${hex(w16(got.fpu, k), 4)}`);
    for (let i = 0; i < 8; i++) {
      const a = want.fpu.subarray(28 + 10 * i, 38 + 10 * i), b = got.fpu.subarray(28 + 10 * i, 38 + 10 * i);
      if (a.some((v, j) => v !== b[j])) out.push(`x87 ST(${i}) expected ${ext80(a)} got ${ext80(b)}`);
    }
  }
  return out;
}

function ext80(b: Uint8Array): string {
  return `${hex(b[8]! | (b[9]! << 8), 4)}:${Array.from(b.subarray(0, 8)).reverse().map((v) => hex(v, 2)).join('')}`;
}

/** One line describing a case's input. */
export function describeInput(c: Case): string {
  const bytes = Array.from(c.code.subarray(0, c.len), (b) => hex(b, 2)).join(' ');
  const insn = Array.from(c.code.subarray(c.insnAt, c.insnAt + c.insnLen), (b) => hex(b, 2)).join(' ');
  const regs = REG_NAMES.map((n, r) => `${n}=${hex(c.regs[r]!)}`).join(' ');
  const segs = ['ES', 'DS', 'FS', 'GS'].map((n, s) => `${n}=${hex(c.sel[s]!, 4)}`).join(' ');
  return `[${insn}] in [${bytes}]; ${regs} flags=${flagNames(c.eflags)} ${segs}${c.hasFpu ? ' (x87 state)' : ''}`;
}
