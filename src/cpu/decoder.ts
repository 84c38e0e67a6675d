import { CpuFault, GP, UD } from './faults.js';
import { Insn, P_ADSIZE, P_LOCK, P_OPSIZE, P_REP, P_REPNE, P_SEG, type Handler } from './insn.js';
import type { OpRow, Unmodelled } from './opcode-row.js';
import { EBP, ESP, reg8Offset, ZERO_REG, DS, SS, EBX, ESI, EDI } from './registers.js';
import type { Cpu } from './cpu.js';

/** The longest legal instruction; anything longer is #GP(0). */
export const MAX_INSN_LEN = 15;

export type TableEntry = OpRow | Unmodelled | null;

/** The decoder's view of the opcode table (built in opcode-table.ts). */
export interface OpcodeTables {
  readonly oneByte: readonly TableEntry[];
  readonly twoByte: readonly TableEntry[];
}

const raiseUD: Handler = () => {
  throw new CpuFault(UD, 0);
};
const raiseGP: Handler = () => {
  throw new CpuFault(GP, 0);
};
const unmodelledHandlers = new Map<string, Handler>();
function unmodelled(name: string): Handler {
  let h = unmodelledHandlers.get(name);
  if (h === undefined) {
    h = (cpu: Cpu) => cpu.unsupported(`${name} is not implemented`);
    unmodelledHandlers.set(name, h);
  }
  return h;
}

const SEG_PREFIX: Record<number, number> = { 0x26: 0, 0x2e: 1, 0x36: 2, 0x3e: 3, 0x64: 4, 0x65: 5 };
/** 16-bit ModRM rm field: base and index registers ([BX+SI], [BX+DI], [BP+SI], ...). */
const RM16_BASE = [EBX, EBX, EBP, EBP, ESI, EDI, EBP, EBX];
const RM16_INDEX = [ESI, EDI, ESI, EDI, ZERO_REG, ZERO_REG, ZERO_REG, ZERO_REG];

/**
 * Decodes the instruction at buf[start] (buf must hold at least 16 readable bytes from start; bytes
 * past the real end of code may be anything) into `i`, and returns its length. The caller checks
 * the length against the bytes that really belong to the instruction stream. Invalid encodings
 * decode to a handler that raises #UD (or #GP for an over-long instruction) when executed, so a
 * block can be decoded ahead of execution without faulting early.
 */
export function decodeInsn(tables: OpcodeTables, buf: Uint8Array, start: number, code32: boolean, i: Insn): number {
  let pos = start;
  let opsize32 = code32;
  let adsize32 = code32;
  let seg = -1;
  let prefixes = 0;
  let b: number;
  for (;;) {
    b = buf[pos++];
    if (b === 0x66) { opsize32 = !code32; prefixes |= P_OPSIZE; }
    else if (b === 0x67) { adsize32 = !code32; prefixes |= P_ADSIZE; }
    else if (b === 0xf0) prefixes |= P_LOCK;
    else if (b === 0xf2) prefixes = (prefixes & ~P_REP) | P_REPNE;
    else if (b === 0xf3) prefixes = (prefixes & ~P_REPNE) | P_REP;
    else if (b in SEG_PREFIX) { seg = SEG_PREFIX[b]; prefixes |= P_SEG; }
    else break;
    if (pos - start >= MAX_INSN_LEN) return fail(i, raiseGP, MAX_INSN_LEN + 1);
  }
  let opcode = b;
  let entry: TableEntry;
  if (b === 0x0f) {
    const b2 = buf[pos++];
    opcode = 0x100 | b2;
    entry = tables.twoByte[b2];
  } else {
    entry = tables.oneByte[b];
  }
  i.opcode = opcode;
  i.prefixes = prefixes;
  i.size = opsize32 ? 4 : 2;
  i.asize = adsize32 ? 32 : 16;
  i.imm = 0;
  i.imm2 = 0;
  i.op = 0;
  i.mem = false;
  i.base = ZERO_REG;
  i.index = ZERO_REG;
  i.scale = 0;
  i.disp = 0;
  i.eaMask = adsize32 ? -1 : 0xffff;
  i.seg = seg >= 0 ? seg : DS;
  i.reg = 0;
  i.rm = 0;
  i.nnn = 0;
  i.modrm = 0;
  if (entry === null || entry === undefined) return fail(i, raiseUD, pos - start);
  if ('unmodelled' in entry) return fail(i, unmodelled(entry.unmodelled), pos - start);

  let row: OpRow = entry;
  if ((prefixes & P_REP) !== 0 && row.repForm !== undefined) row = row.repForm;
  let mod = 3;
  if (row.modrm === true || row.group !== undefined) {
    const modrm = buf[pos++];
    mod = modrm >>> 6;
    const nnn = (modrm >>> 3) & 7;
    const rm = modrm & 7;
    i.nnn = nnn;
    i.modrm = modrm;
    if (row.group !== undefined) {
      const sub = row.group[nnn];
      if (sub === null || sub === undefined) return fail(i, raiseUD, pos - start);
      if ('unmodelled' in sub) return fail(i, unmodelled(sub.unmodelled), pos - start);
      row = sub;
    }
    if (mod === 3 && row.regForms !== undefined) {
      const sub = row.regForms[rm];
      if (sub === null || sub === undefined) return fail(i, raiseUD, pos - start);
      row = sub;
    }
    if (mod === 3) {
      i.rm = row.byteRegs === true || row.byteRm === true ? reg8Offset(rm) : rm;
    } else {
      i.mem = true;
      pos = adsize32 ? decodeEa32(buf, pos, mod, rm, seg, i) : decodeEa16(buf, pos, mod, rm, seg, i);
    }
    i.reg = row.byteRegs === true ? reg8Offset(nnn) : nnn;
  } else if (row.opReg !== undefined) {
    const r = opcode & 7;
    i.reg = row.opReg === 'byte' ? reg8Offset(r) : r;
  }
  if (row.fixedSize !== undefined) i.size = row.fixedSize;
  if (row.op !== undefined) i.op = row.op;

  switch (row.imm) {
    case undefined: break;
    case 'Ib': i.imm = buf[pos++]; break;
    case 'Ibs': case 'Jb': i.imm = (buf[pos++] << 24) >> 24; break;
    case 'Iw': i.imm = buf[pos] | (buf[pos + 1] << 8); pos += 2; break;
    case 'Iz': case 'Jz':
      if (opsize32) { i.imm = read32(buf, pos); pos += 4; }
      else { i.imm = buf[pos] | (buf[pos + 1] << 8); if (row.imm === 'Jz') i.imm = (i.imm << 16) >> 16; pos += 2; }
      break;
    case 'Ap':
      if (opsize32) { i.imm = read32(buf, pos); pos += 4; }
      else { i.imm = buf[pos] | (buf[pos + 1] << 8); pos += 2; }
      i.imm2 = buf[pos] | (buf[pos + 1] << 8);
      pos += 2;
      break;
    case 'Ob':
      i.mem = true;
      if (adsize32) { i.disp = read32(buf, pos); pos += 4; }
      else { i.disp = buf[pos] | (buf[pos + 1] << 8); pos += 2; }
      break;
    case 'IwIb': i.imm = buf[pos] | (buf[pos + 1] << 8); i.imm2 = buf[pos + 2]; pos += 3; break;
  }
  const len = pos - start;
  if (len > MAX_INSN_LEN) return fail(i, raiseGP, len);
  if ((prefixes & P_LOCK) !== 0 && (row.lock !== true || !i.mem)) return fail(i, raiseUD, len);

  const h = pickHandler(row, i.mem, i.size === 2);
  i.exec = h ?? raiseUD;
  i.ends = row.ends === true || h === undefined;
  i.len = len;
  return len;
}

/** Most specific handler for the decoded form (see OpRow). */
function pickHandler(row: OpRow, mem: boolean, size16: boolean): Handler | undefined {
  if (row.modrm === true || row.group !== undefined) {
    const sized = mem ? (size16 ? row.mw : row.md) : size16 ? row.rw : row.rd;
    if (sized !== undefined) return sized;
    const form = mem ? row.m : row.r;
    if (form !== undefined) return form;
  }
  const bySize = size16 ? row.w : row.d;
  if (bySize !== undefined) return bySize;
  return row.h;
}

function fail(i: Insn, h: Handler, len: number): number {
  i.exec = h;
  i.ends = true;
  i.len = Math.min(len, MAX_INSN_LEN);
  return i.len;
}

function read32(buf: Uint8Array, pos: number): number {
  return buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24);
}

function decodeEa32(buf: Uint8Array, pos: number, mod: number, rm: number, seg: number, i: Insn): number {
  let base = rm;
  let index = ZERO_REG;
  let scale = 0;
  if (rm === 4) {
    const sib = buf[pos++];
    scale = sib >>> 6;
    const idx = (sib >>> 3) & 7;
    index = idx === 4 ? ZERO_REG : idx;
    base = sib & 7;
    if (base === 5 && mod === 0) {
      base = ZERO_REG;
      i.disp = read32(buf, pos);
      pos += 4;
    }
  } else if (rm === 5 && mod === 0) {
    base = ZERO_REG;
    i.disp = read32(buf, pos);
    pos += 4;
  }
  if (mod === 1) i.disp = (buf[pos++] << 24) >> 24;
  else if (mod === 2) { i.disp = read32(buf, pos); pos += 4; }
  i.base = base;
  i.index = index;
  i.scale = index === ZERO_REG ? 0 : scale;
  if (seg < 0) i.seg = base === ESP || base === EBP ? SS : DS;
  return pos;
}

function decodeEa16(buf: Uint8Array, pos: number, mod: number, rm: number, seg: number, i: Insn): number {
  if (mod === 0 && rm === 6) {
    i.base = ZERO_REG;
    i.index = ZERO_REG;
    i.disp = buf[pos] | (buf[pos + 1] << 8);
    pos += 2;
    if (seg < 0) i.seg = DS;
    return pos;
  }
  i.base = RM16_BASE[rm];
  i.index = RM16_INDEX[rm];
  if (mod === 1) i.disp = (buf[pos++] << 24) >> 24;
  else if (mod === 2) { i.disp = ((buf[pos] | (buf[pos + 1] << 8)) << 16) >> 16; pos += 2; }
  if (seg < 0) i.seg = i.base === EBP ? SS : DS;
  return pos;
}
