/**
 * The opcode table: the single source of truth for decoding (Bochs and v86 keep one list the same
 * way). Rows are named in the Intel manual's operand notation and ordered by encoding, so the SDM's
 * opcode map and this file read alike. Handlers live in ops/*.ts, one file per concern.
 *
 * `null` is an invalid opcode (#UD). An `{ unmodelled }` entry exists on real processors but is not
 * implemented here: executing it ends the run as `unsupported` with the bytes and EIP.
 */
import type { OpcodeTables, TableEntry } from './decoder.js';
import type { Handler, Insn } from './insn.js';
import type { OpRow, Unmodelled } from './opcode-row.js';
import { CS, DS, ES, FS, GS, SS } from './registers.js';
import * as alu from './ops/alu.js';
import * as atomic from './ops/atomic.js';
import * as bcd from './ops/bcd.js';
import * as bits from './ops/bits.js';
import * as ctl from './ops/control.js';
import * as fl from './ops/flag-ops.js';
import * as io from './ops/io.js';
import * as mov from './ops/mov.js';
import * as md from './ops/muldiv.js';
import * as sh from './ops/shift.js';
import * as stk from './ops/stack.js';
import * as str from './ops/string.js';
import * as sys from './ops/system.js';
import * as fa from './fpu/arith.js';
import * as fc from './fpu/compare.js';
import * as fctl from './fpu/control.js';
import * as fls from './fpu/load-store.js';

const NAMES8 = ['ADD', 'OR', 'ADC', 'SBB', 'AND', 'SUB', 'XOR', 'CMP'];
const CC = ['O', 'NO', 'B', 'AE', 'E', 'NE', 'BE', 'A', 'S', 'NS', 'P', 'NP', 'L', 'GE', 'LE', 'G'];
const SHIFTS = ['ROL', 'ROR', 'RCL', 'RCR', 'SHL', 'SHR', 'SAL', 'SAR'];

const one: TableEntry[] = new Array(256).fill(null);
const two: TableEntry[] = new Array(256).fill(null);
const un = (name: string): Unmodelled => ({ unmodelled: name });

// ---- 00-3F: the eight ALU operations in six forms each, plus segment pushes and BCD ----------------
for (let op = 0; op < 8; op++) {
  const b = op << 3;
  const lock = op !== alu.CMP;
  one[b + 0] = { name: `${NAMES8[op]}_EbGb`, modrm: true, byteRegs: true, fixedSize: 1, lock, op, r: alu.aluEbGb_r, m: alu.aluEbGb_m };
  one[b + 1] = { name: `${NAMES8[op]}_EvGv`, modrm: true, lock, op, rw: alu.aluEwGw_r, rd: alu.aluEdGd_r, mw: alu.aluEwGw_m, md: alu.aluEdGd_m };
  one[b + 2] = { name: `${NAMES8[op]}_GbEb`, modrm: true, byteRegs: true, fixedSize: 1, op, r: alu.aluGbEb_r, m: alu.aluGbEb_m };
  one[b + 3] = { name: `${NAMES8[op]}_GvEv`, modrm: true, op, rw: alu.aluGwEw_r, rd: alu.aluGdEd_r, mw: alu.aluGwEw_m, md: alu.aluGdEd_m };
  one[b + 4] = { name: `${NAMES8[op]}_ALIb`, imm: 'Ib', fixedSize: 1, op, h: alu.aluALIb };
  one[b + 5] = { name: `${NAMES8[op]}_eAXIz`, imm: 'Iz', op, w: alu.aluAXIw, d: alu.aluEAXId };
}
one[0x06] = { name: 'PUSH_ES', op: ES, h: stk.pushSreg };
one[0x07] = { name: 'POP_ES', op: ES, h: stk.popSreg };
one[0x0e] = { name: 'PUSH_CS', op: CS, h: stk.pushSreg };
one[0x16] = { name: 'PUSH_SS', op: SS, h: stk.pushSreg };
one[0x17] = { name: 'POP_SS', op: SS, h: stk.popSreg, ends: true }; // interrupt shadow
one[0x1e] = { name: 'PUSH_DS', op: DS, h: stk.pushSreg };
one[0x1f] = { name: 'POP_DS', op: DS, h: stk.popSreg };
one[0x27] = { name: 'DAA', h: bcd.daa };
one[0x2f] = { name: 'DAS', h: bcd.das };
one[0x37] = { name: 'AAA', h: bcd.aaa };
one[0x3f] = { name: 'AAS', h: bcd.aas };

// ---- 40-61: INC/DEC/PUSH/POP reg, PUSHA/POPA -----------------------------------------------------
for (let r = 0; r < 8; r++) {
  one[0x40 + r] = { name: 'INC_Rv', opReg: 'full', op: 0, w: alu.incdecRw, d: alu.incdecRd };
  one[0x48 + r] = { name: 'DEC_Rv', opReg: 'full', op: 1, w: alu.incdecRw, d: alu.incdecRd };
  one[0x50 + r] = { name: 'PUSH_Rv', opReg: 'full', w: stk.pushRw, d: stk.pushRd };
  one[0x58 + r] = { name: 'POP_Rv', opReg: 'full', w: stk.popRw, d: stk.popRd };
}
one[0x60] = { name: 'PUSHA', w: stk.pushaw, d: stk.pushad };
one[0x61] = { name: 'POPA', w: stk.popaw, d: stk.popad };
one[0x62] = { name: 'BOUND_GvMa', modrm: true, m: sys.bound };
one[0x63] = { name: 'ARPL_EwGw', modrm: true, fixedSize: 2, r: sys.arpl_r, m: sys.arpl_m };
one[0x68] = { name: 'PUSH_Iz', imm: 'Iz', w: stk.pushIw, d: stk.pushId };
one[0x69] = { name: 'IMUL_GvEvIz', modrm: true, imm: 'Iz', rw: md.imulGwEwI_r, rd: md.imulGdEdI_r, mw: md.imulGwEwI_m, md: md.imulGdEdI_m };
one[0x6a] = { name: 'PUSH_Ibs', imm: 'Ibs', w: stk.pushIw, d: stk.pushId };
one[0x6b] = { name: 'IMUL_GvEvIbs', modrm: true, imm: 'Ibs', rw: md.imulGwEwI_r, rd: md.imulGdEdI_r, mw: md.imulGwEwI_m, md: md.imulGdEdI_m };
one[0x6c] = { name: 'INSB', fixedSize: 1, h: str.ins };
one[0x6d] = { name: 'INSv', h: str.ins };
one[0x6e] = { name: 'OUTSB', fixedSize: 1, h: str.outs };
one[0x6f] = { name: 'OUTSv', h: str.outs };

// ---- 70-7F: Jcc rel8 ---------------------------------------------------------------------------------
for (let cc = 0; cc < 16; cc++) one[0x70 + cc] = { name: `J${CC[cc]}_Jb`, imm: 'Jb', op: cc, ends: true, w: ctl.jccJw, d: ctl.jccJd };

// ---- 80-8F: group 1, TEST, XCHG, MOV, LEA, POP Ev -------------------------------------------------------
const grp1 = (name: string, imm: 'Ib' | 'Iz' | 'Ibs', byte: boolean): (OpRow | null)[] =>
  NAMES8.map((n, op): OpRow => (byte
    ? { name: `${n}_${name}`, modrm: true, byteRegs: true, fixedSize: 1, imm, lock: op !== alu.CMP, r: alu.aluEbIb_r, m: alu.aluEbIb_m }
    : { name: `${n}_${name}`, modrm: true, imm, lock: op !== alu.CMP, rw: alu.aluEwIw_r, rd: alu.aluEdId_r, mw: alu.aluEwIw_m, md: alu.aluEdId_m }));
one[0x80] = { name: 'GRP1_EbIb', group: grp1('EbIb', 'Ib', true) };
one[0x81] = { name: 'GRP1_EvIz', group: grp1('EvIz', 'Iz', false) };
one[0x82] = { name: 'GRP1_EbIb_alias', group: grp1('EbIb', 'Ib', true) };
one[0x83] = { name: 'GRP1_EvIbs', group: grp1('EvIbs', 'Ibs', false) };
one[0x84] = { name: 'TEST_EbGb', modrm: true, byteRegs: true, fixedSize: 1, r: alu.testEbGb_r, m: alu.testEbGb_m };
one[0x85] = { name: 'TEST_EvGv', modrm: true, rw: alu.testEwGw_r, rd: alu.testEdGd_r, mw: alu.testEwGw_m, md: alu.testEdGd_m };
one[0x86] = { name: 'XCHG_EbGb', modrm: true, byteRegs: true, fixedSize: 1, lock: true, r: mov.xchgEbGb_r, m: mov.xchgEbGb_m };
one[0x87] = { name: 'XCHG_EvGv', modrm: true, lock: true, rw: mov.xchgEwGw_r, rd: mov.xchgEdGd_r, mw: mov.xchgEwGw_m, md: mov.xchgEdGd_m };
one[0x88] = { name: 'MOV_EbGb', modrm: true, byteRegs: true, fixedSize: 1, r: mov.movEbGb_r, m: mov.movEbGb_m };
one[0x89] = { name: 'MOV_EvGv', modrm: true, rw: mov.movEwGw_r, rd: mov.movEdGd_r, mw: mov.movEwGw_m, md: mov.movEdGd_m };
one[0x8a] = { name: 'MOV_GbEb', modrm: true, byteRegs: true, fixedSize: 1, r: mov.movGbEb_r, m: mov.movGbEb_m };
one[0x8b] = { name: 'MOV_GvEv', modrm: true, rw: mov.movGwEw_r, rd: mov.movGdEd_r, mw: mov.movGwEw_m, md: mov.movGdEd_m };
one[0x8c] = { name: 'MOV_EwSw', modrm: true, r: mov.movEwSw_r, m: mov.movEwSw_m };
one[0x8d] = { name: 'LEA_GvM', modrm: true, mw: mov.leaGw, md: mov.leaGd };
one[0x8e] = { name: 'MOV_SwEw', modrm: true, fixedSize: 2, r: mov.movSwEw_r, m: mov.movSwEw_m, ends: true };
one[0x8f] = { name: 'GRP1A', group: [{ name: 'POP_Ev', modrm: true, rw: stk.popEw_r, rd: stk.popEd_r, mw: stk.popEw_m, md: stk.popEd_m }, null, null, null, null, null, null, null] };

// ---- 90-9F -----------------------------------------------------------------------------------------------
one[0x90] = { name: 'NOP', h: mov.nop, repForm: { name: 'PAUSE', h: mov.nop } };
for (let r = 1; r < 8; r++) one[0x90 + r] = { name: 'XCHG_eAXRv', opReg: 'full', w: mov.xchgAXRw, d: mov.xchgEAXRd };
one[0x98] = { name: 'CBW/CWDE', w: mov.cbw, d: mov.cwde };
one[0x99] = { name: 'CWD/CDQ', w: mov.cwd, d: mov.cdq };
one[0x9a] = { name: 'CALL_Ap', imm: 'Ap', ends: true, h: ctl.callAp };
one[0x9b] = { name: 'FWAIT', h: fctl.fwait };
one[0x9c] = { name: 'PUSHF', w: stk.pushfw, d: stk.pushfd };
one[0x9d] = { name: 'POPF', w: stk.popfw, d: stk.popfd, ends: true };
one[0x9e] = { name: 'SAHF', h: mov.sahf };
one[0x9f] = { name: 'LAHF', h: mov.lahf };

// ---- A0-AF: moffs moves and string instructions -----------------------------------------------------
one[0xa0] = { name: 'MOV_ALOb', imm: 'Ob', fixedSize: 1, h: mov.movALOb };
one[0xa1] = { name: 'MOV_eAXOv', imm: 'Ob', w: mov.movAXOw, d: mov.movEAXOd };
one[0xa2] = { name: 'MOV_ObAL', imm: 'Ob', fixedSize: 1, h: mov.movObAL };
one[0xa3] = { name: 'MOV_OveAX', imm: 'Ob', w: mov.movOwAX, d: mov.movOdEAX };
one[0xa4] = { name: 'MOVSB', fixedSize: 1, h: str.movs };
one[0xa5] = { name: 'MOVSv', h: str.movs };
one[0xa6] = { name: 'CMPSB', fixedSize: 1, h: str.cmps };
one[0xa7] = { name: 'CMPSv', h: str.cmps };
one[0xa8] = { name: 'TEST_ALIb', imm: 'Ib', fixedSize: 1, h: alu.testALIb };
one[0xa9] = { name: 'TEST_eAXIz', imm: 'Iz', w: alu.testAXIw, d: alu.testEAXId };
one[0xaa] = { name: 'STOSB', fixedSize: 1, h: str.stos };
one[0xab] = { name: 'STOSv', h: str.stos };
one[0xac] = { name: 'LODSB', fixedSize: 1, h: str.lods };
one[0xad] = { name: 'LODSv', h: str.lods };
one[0xae] = { name: 'SCASB', fixedSize: 1, h: str.scas };
one[0xaf] = { name: 'SCASv', h: str.scas };

// ---- B0-BF: MOV reg, imm -----------------------------------------------------------------------------------
for (let r = 0; r < 8; r++) {
  one[0xb0 + r] = { name: 'MOV_RbIb', opReg: 'byte', imm: 'Ib', fixedSize: 1, h: mov.movRbIb };
  one[0xb8 + r] = { name: 'MOV_RvIz', opReg: 'full', imm: 'Iz', w: mov.movRwIw, d: mov.movRdId };
}

// ---- C0-CF ---------------------------------------------------------------------------------------------------
const grp2 = (form: string, byte: boolean, imm: 'Ib' | undefined, op: number): OpRow[] =>
  SHIFTS.map((n): OpRow => (byte
    ? { name: `${n}_${form}`, modrm: true, byteRegs: true, fixedSize: 1, imm, op, r: sh.grp2Eb_r, m: sh.grp2Eb_m }
    : { name: `${n}_${form}`, modrm: true, imm, op, rw: sh.grp2Ew_r, rd: sh.grp2Ed_r, mw: sh.grp2Ew_m, md: sh.grp2Ed_m }));
one[0xc0] = { name: 'GRP2_EbIb', group: grp2('EbIb', true, 'Ib', sh.COUNT_IMM) };
one[0xc1] = { name: 'GRP2_EvIb', group: grp2('EvIb', false, 'Ib', sh.COUNT_IMM) };
one[0xc2] = { name: 'RET_Iw', imm: 'Iw', ends: true, w: ctl.retIww, d: ctl.retIwd };
one[0xc3] = { name: 'RET', ends: true, w: ctl.retw, d: ctl.retd };
one[0xc4] = { name: 'LES_GvMp', modrm: true, op: ES, m: sys.lxs };
one[0xc5] = { name: 'LDS_GvMp', modrm: true, op: DS, m: sys.lxs };
one[0xc6] = { name: 'GRP11_EbIb', group: [{ name: 'MOV_EbIb', modrm: true, byteRegs: true, fixedSize: 1, imm: 'Ib', r: mov.movEbIb_r, m: mov.movEbIb_m }, null, null, null, null, null, null, null] };
one[0xc7] = { name: 'GRP11_EvIz', group: [{ name: 'MOV_EvIz', modrm: true, imm: 'Iz', rw: mov.movEwIw_r, rd: mov.movEdId_r, mw: mov.movEwIw_m, md: mov.movEdId_m }, null, null, null, null, null, null, null] };
one[0xc8] = { name: 'ENTER_IwIb', imm: 'IwIb', w: stk.enterw, d: stk.enterd };
one[0xc9] = { name: 'LEAVE', w: stk.leavew, d: stk.leaved };
one[0xca] = { name: 'RETF_Iw', imm: 'Iw', ends: true, h: ctl.retfIw };
one[0xcb] = { name: 'RETF', ends: true, w: ctl.retfw, d: ctl.retfd };
one[0xcc] = { name: 'INT3', ends: true, h: ctl.int3 };
one[0xcd] = { name: 'INT_Ib', imm: 'Ib', ends: true, h: ctl.intIb };
one[0xce] = { name: 'INTO', ends: true, h: ctl.into };
one[0xcf] = { name: 'IRET', ends: true, w: ctl.iretw, d: ctl.iretd };

// ---- D0-DF: shifts by 1 and CL, AAM/AAD, XLAT, x87 escapes ---------------------------------------------------
one[0xd0] = { name: 'GRP2_Eb1', group: grp2('Eb1', true, undefined, sh.COUNT_ONE) };
one[0xd1] = { name: 'GRP2_Ev1', group: grp2('Ev1', false, undefined, sh.COUNT_ONE) };
one[0xd2] = { name: 'GRP2_EbCL', group: grp2('EbCL', true, undefined, sh.COUNT_CL) };
one[0xd3] = { name: 'GRP2_EvCL', group: grp2('EvCL', false, undefined, sh.COUNT_CL) };
one[0xd4] = { name: 'AAM_Ib', imm: 'Ib', h: bcd.aam };
one[0xd5] = { name: 'AAD_Ib', imm: 'Ib', h: bcd.aad };
one[0xd6] = null; // SALC is undocumented: #UD here
one[0xd7] = { name: 'XLAT', h: mov.xlat };

// ---- D8-DF: the x87 escapes (src/cpu/fpu) --------------------------------------------------------------------------
// A memory form (mod != 3) is chosen by ModRM.reg; a register form by reg and then rm (regForms).
// A row without `m` has no memory form (#UD); a null register form is #UD too. The undocumented
// aliases that Intel and AMD processors execute are included (FSTP1, FXCH4, FXCH7, FCOM2, FCOMP3,
// FCOMP5, FSTP8, FSTP9, FFREEP). FISTTP needs SSE3, which CPUID does not advertise: #UD.
const ARITH = ['FADD', 'FMUL', 'FCOM', 'FCOMP', 'FSUB', 'FSUBR', 'FDIV', 'FDIVR'];
const f8 = (row: OpRow): OpRow[] => new Array<OpRow>(8).fill(row);
const freg = (name: string, h: Handler, op?: number): OpRow => (op === undefined ? { name, h } : { name, op, h });
const fmem = (name: string, m: Handler | undefined, regForms: (OpRow | null)[], op?: number): OpRow =>
  ({ name, modrm: true, ...(m === undefined ? {} : { m }), ...(op === undefined ? {} : { op }), regForms });
const unimpl = (name: string): OpRow => freg(name, fctl.unimplemented(name));
const none = [null, null, null, null, null, null, null, null];
/** The arithmetic groups D8 (m32fp), DC (m64fp), DA (m32int), DE (m16int): reg 2/3 compare. */
const arithGroup = (memType: string, arith: Handler, com: Handler, regs: (OpRow | null)[][]): OpRow[] =>
  ARITH.map((n, k) => (k === 2 || k === 3
    ? fmem(`${n.replace('FCOM', memType.endsWith('int') ? 'FICOM' : 'FCOM')}_${memType}`, com, regs[k]!, k - 2)
    : fmem(`${memType.endsWith('int') ? n.replace('F', 'FI') : n}_${memType}`, arith, regs[k]!)));
const stSt = (n: string, h: Handler): OpRow[] => f8(freg(n, h));
one[0xd8] = { name: 'ESC_D8', group: arithGroup('m32fp', fa.arithM32, fc.fcomM32, [
  stSt('FADD_ST0_STi', fa.arithSt0Sti), stSt('FMUL_ST0_STi', fa.arithSt0Sti),
  f8(freg('FCOM_STi', fc.fcomSti, 0)), f8(freg('FCOMP_STi', fc.fcomSti, 1)),
  stSt('FSUB_ST0_STi', fa.arithSt0Sti), stSt('FSUBR_ST0_STi', fa.arithSt0Sti),
  stSt('FDIV_ST0_STi', fa.arithSt0Sti), stSt('FDIVR_ST0_STi', fa.arithSt0Sti)]) };
one[0xd9] = { name: 'ESC_D9', group: [
  fmem('FLD_m32fp', fls.fldM32, f8(freg('FLD_STi', fls.fldSti))),
  fmem('FXCH_STi', undefined, f8(freg('FXCH_STi', fls.fxch))),
  fmem('FST_m32fp', fls.fstM32, [freg('FNOP', fctl.fnop), null, null, null, null, null, null, null]),
  fmem('FSTP_m32fp', fls.fstpM32, f8(freg('FSTP1_STi', fls.fstSti, 2))), // D9 D8+i: undocumented FSTP alias
  fmem('FLDENV_m14/28byte', fctl.fldenv, [freg('FCHS', fa.fchs), freg('FABS', fa.fabs), null, null,
    freg('FTST', fc.ftst), freg('FXAM', fc.fxam), null, null]),
  fmem('FLDCW_m2byte', fctl.fldcw, [freg('FLD1', fls.fldConst, 0), freg('FLDL2T', fls.fldConst, 1), freg('FLDL2E', fls.fldConst, 2),
    freg('FLDPI', fls.fldConst, 3), freg('FLDLG2', fls.fldConst, 4), freg('FLDLN2', fls.fldConst, 5), freg('FLDZ', fls.fldConst, 6), null]),
  fmem('FNSTENV_m14/28byte', fctl.fnstenv, [unimpl('F2XM1'), unimpl('FYL2X'), unimpl('FPTAN'), unimpl('FPATAN'),
    freg('FXTRACT', fa.fxtract), freg('FPREM1', fa.fprem, 1), freg('FDECSTP', fctl.fincstp, 1), freg('FINCSTP', fctl.fincstp, 0)]),
  fmem('FNSTCW_m2byte', fctl.fnstcw, [freg('FPREM', fa.fprem, 0), unimpl('FYL2XP1'), freg('FSQRT', fa.fsqrt), unimpl('FSINCOS'),
    freg('FRNDINT', fa.frndint), freg('FSCALE', fa.fscale), unimpl('FSIN'), unimpl('FCOS')]),
] };
one[0xda] = { name: 'ESC_DA', group: arithGroup('m32int', fa.arithI32, fc.ficomM32, [
  f8(freg('FCMOVB_ST0_STi', fls.fcmov, 2)), f8(freg('FCMOVE_ST0_STi', fls.fcmov, 4)),
  f8(freg('FCMOVBE_ST0_STi', fls.fcmov, 6)), f8(freg('FCMOVU_ST0_STi', fls.fcmov, 10)),
  none, [null, freg('FUCOMPP', fc.fcompp, 2), null, null, null, null, null, null], none, none]) };
one[0xdb] = { name: 'ESC_DB', group: [
  fmem('FILD_m32int', fls.fildM32, f8(freg('FCMOVNB_ST0_STi', fls.fcmov, 3))),
  fmem('FISTTP_m32int', undefined, f8(freg('FCMOVNE_ST0_STi', fls.fcmov, 5))), // FISTTP: SSE3
  fmem('FIST_m32int', fls.fistM32, f8(freg('FCMOVNBE_ST0_STi', fls.fcmov, 7))),
  fmem('FISTP_m32int', fls.fistpM32, f8(freg('FCMOVNU_ST0_STi', fls.fcmov, 11))),
  fmem('(DB /4)', undefined, [freg('FNENI', fctl.fnopLegacy), freg('FNDISI', fctl.fnopLegacy), freg('FNCLEX', fctl.fnclex),
    freg('FNINIT', fctl.fninit), freg('FNSETPM', fctl.fnopLegacy), null, null, null]),
  fmem('FLD_m80fp', fls.fldM80, f8(freg('FUCOMI_ST0_STi', fc.fcomi, 2))),
  fmem('(DB /6)', undefined, f8(freg('FCOMI_ST0_STi', fc.fcomi, 0))),
  fmem('FSTP_m80fp', fls.fstpM80, none),
] };
one[0xdc] = { name: 'ESC_DC', group: arithGroup('m64fp', fa.arithM64, fc.fcomM64, [
  stSt('FADD_STi_ST0', fa.arithStiSt0), stSt('FMUL_STi_ST0', fa.arithStiSt0),
  f8(freg('FCOM2_STi', fc.fcomSti, 0)), f8(freg('FCOMP3_STi', fc.fcomSti, 1)),
  stSt('FSUBR_STi_ST0', fa.arithStiSt0), stSt('FSUB_STi_ST0', fa.arithStiSt0), // DC E0+i is FSUBR: ST(i) = ST(0) - ST(i)
  stSt('FDIVR_STi_ST0', fa.arithStiSt0), stSt('FDIV_STi_ST0', fa.arithStiSt0)]) };
one[0xdd] = { name: 'ESC_DD', group: [
  fmem('FLD_m64fp', fls.fldM64, f8(freg('FFREE_STi', fctl.ffree, 0))),
  fmem('FISTTP_m64int', undefined, f8(freg('FXCH4_STi', fls.fxch))), // FISTTP: SSE3
  fmem('FST_m64fp', fls.fstM64, f8(freg('FST_STi', fls.fstSti, 0))),
  fmem('FSTP_m64fp', fls.fstpM64, f8(freg('FSTP_STi', fls.fstSti, 1))),
  fmem('FRSTOR_m94/108byte', fctl.frstor, f8(freg('FUCOM_STi', fc.fcomSti, 2))),
  fmem('FUCOMP_STi', undefined, f8(freg('FUCOMP_STi', fc.fcomSti, 3))),
  fmem('FNSAVE_m94/108byte', fctl.fnsave, none),
  fmem('FNSTSW_m2byte', fctl.fnstswM16, none),
] };
one[0xde] = { name: 'ESC_DE', group: arithGroup('m16int', fa.arithI16, fc.ficomM16, [
  stSt('FADDP_STi_ST0', fa.arithStiSt0Pop), stSt('FMULP_STi_ST0', fa.arithStiSt0Pop),
  f8(freg('FCOMP5_STi', fc.fcomSti, 1)), [null, freg('FCOMPP', fc.fcompp, 0), null, null, null, null, null, null],
  stSt('FSUBRP_STi_ST0', fa.arithStiSt0Pop), stSt('FSUBP_STi_ST0', fa.arithStiSt0Pop),
  stSt('FDIVRP_STi_ST0', fa.arithStiSt0Pop), stSt('FDIVP_STi_ST0', fa.arithStiSt0Pop)]) };
one[0xdf] = { name: 'ESC_DF', group: [
  fmem('FILD_m16int', fls.fildM16, f8(freg('FFREEP_STi', fctl.ffree, 1))),
  fmem('FISTTP_m16int', undefined, f8(freg('FXCH7_STi', fls.fxch))), // FISTTP: SSE3
  fmem('FIST_m16int', fls.fistM16, f8(freg('FSTP8_STi', fls.fstSti, 1))),
  fmem('FISTP_m16int', fls.fistpM16, f8(freg('FSTP9_STi', fls.fstSti, 1))),
  fmem('FBLD_m80bcd', fls.fbldM80, [freg('FNSTSW_AX', fctl.fnstswAx), null, null, null, null, null, null, null]),
  fmem('FILD_m64int', fls.fildM64, f8(freg('FUCOMIP_ST0_STi', fc.fcomi, 3))),
  fmem('FBSTP_m80bcd', fls.fbstpM80, f8(freg('FCOMIP_ST0_STi', fc.fcomi, 1))),
  fmem('FISTP_m64int', fls.fistpM64, none),
] };

// ---- E0-EF: loops, I/O, CALL/JMP ----------------------------------------------------------------------------
one[0xe0] = { name: 'LOOPNE_Jb', imm: 'Jb', ends: true, h: ctl.loopneJb };
one[0xe1] = { name: 'LOOPE_Jb', imm: 'Jb', ends: true, h: ctl.loopeJb };
one[0xe2] = { name: 'LOOP_Jb', imm: 'Jb', ends: true, h: ctl.loopJb };
one[0xe3] = { name: 'JeCXZ_Jb', imm: 'Jb', ends: true, h: ctl.jecxzJb };
one[0xe4] = { name: 'IN_ALIb', imm: 'Ib', h: io.inALIb };
one[0xe5] = { name: 'IN_eAXIb', imm: 'Ib', w: io.inAXIb, d: io.inEAXIb };
one[0xe6] = { name: 'OUT_IbAL', imm: 'Ib', h: io.outIbAL };
one[0xe7] = { name: 'OUT_IbeAX', imm: 'Ib', w: io.outIbAX, d: io.outIbEAX };
one[0xe8] = { name: 'CALL_Jz', imm: 'Jz', ends: true, w: ctl.callJw, d: ctl.callJd };
one[0xe9] = { name: 'JMP_Jz', imm: 'Jz', ends: true, w: ctl.jmpJw, d: ctl.jmpJd };
one[0xea] = { name: 'JMP_Ap', imm: 'Ap', ends: true, h: ctl.jmpAp };
one[0xeb] = { name: 'JMP_Jb', imm: 'Jb', ends: true, w: ctl.jmpJw, d: ctl.jmpJd };
one[0xec] = { name: 'IN_ALDX', h: io.inALDX };
one[0xed] = { name: 'IN_eAXDX', w: io.inAXDX, d: io.inEAXDX };
one[0xee] = { name: 'OUT_DXAL', h: io.outDXAL };
one[0xef] = { name: 'OUT_DXeAX', w: io.outDXAX, d: io.outDXEAX };

// ---- F0-FF ---------------------------------------------------------------------------------------------------------
one[0xf1] = un('INT1 (ICEBP)');
one[0xf4] = { name: 'HLT', ends: true, h: ctl.hlt };
one[0xf5] = { name: 'CMC', h: fl.cmc };
const grp3 = (byte: boolean): OpRow[] => byte
  ? [
    { name: 'TEST_EbIb', modrm: true, byteRegs: true, fixedSize: 1, imm: 'Ib', r: alu.testEbIb_r, m: alu.testEbIb_m },
    { name: 'TEST_EbIb_alias', modrm: true, byteRegs: true, fixedSize: 1, imm: 'Ib', r: alu.testEbIb_r, m: alu.testEbIb_m },
    { name: 'NOT_Eb', modrm: true, byteRegs: true, fixedSize: 1, lock: true, r: alu.notEb_r, m: alu.notEb_m },
    { name: 'NEG_Eb', modrm: true, byteRegs: true, fixedSize: 1, lock: true, r: alu.negEb_r, m: alu.negEb_m },
    { name: 'MUL_Eb', modrm: true, byteRegs: true, fixedSize: 1, r: md.mulEb_r, m: md.mulEb_m },
    { name: 'IMUL_Eb', modrm: true, byteRegs: true, fixedSize: 1, r: md.mulEb_r, m: md.mulEb_m },
    { name: 'DIV_Eb', modrm: true, byteRegs: true, fixedSize: 1, r: md.divEb_r, m: md.divEb_m },
    { name: 'IDIV_Eb', modrm: true, byteRegs: true, fixedSize: 1, r: md.divEb_r, m: md.divEb_m },
  ]
  : [
    { name: 'TEST_EvIz', modrm: true, imm: 'Iz', rw: alu.testEwIw_r, rd: alu.testEdId_r, mw: alu.testEwIw_m, md: alu.testEdId_m },
    { name: 'TEST_EvIz_alias', modrm: true, imm: 'Iz', rw: alu.testEwIw_r, rd: alu.testEdId_r, mw: alu.testEwIw_m, md: alu.testEdId_m },
    { name: 'NOT_Ev', modrm: true, lock: true, rw: alu.notEw_r, rd: alu.notEd_r, mw: alu.notEw_m, md: alu.notEd_m },
    { name: 'NEG_Ev', modrm: true, lock: true, rw: alu.negEw_r, rd: alu.negEd_r, mw: alu.negEw_m, md: alu.negEd_m },
    { name: 'MUL_Ev', modrm: true, rw: md.mulEw_r, rd: md.mulEd_r, mw: md.mulEw_m, md: md.mulEd_m },
    { name: 'IMUL_Ev', modrm: true, rw: md.mulEw_r, rd: md.mulEd_r, mw: md.mulEw_m, md: md.mulEd_m },
    { name: 'DIV_Ev', modrm: true, rw: md.divEw_r, rd: md.divEd_r, mw: md.divEw_m, md: md.divEd_m },
    { name: 'IDIV_Ev', modrm: true, rw: md.divEw_r, rd: md.divEd_r, mw: md.divEw_m, md: md.divEd_m },
  ];
one[0xf6] = { name: 'GRP3_Eb', group: grp3(true) };
one[0xf7] = { name: 'GRP3_Ev', group: grp3(false) };
one[0xf8] = { name: 'CLC', h: fl.clc };
one[0xf9] = { name: 'STC', h: fl.stc };
one[0xfa] = { name: 'CLI', h: fl.cli };
one[0xfb] = { name: 'STI', h: fl.sti, ends: true };
one[0xfc] = { name: 'CLD', h: fl.cld };
one[0xfd] = { name: 'STD', h: fl.std };
one[0xfe] = { name: 'GRP4', group: [
  { name: 'INC_Eb', modrm: true, byteRegs: true, fixedSize: 1, lock: true, r: alu.incdecEb_r, m: alu.incdecEb_m },
  { name: 'DEC_Eb', modrm: true, byteRegs: true, fixedSize: 1, lock: true, r: alu.incdecEb_r, m: alu.incdecEb_m },
  null, null, null, null, null, null] };
one[0xff] = { name: 'GRP5', group: [
  { name: 'INC_Ev', modrm: true, lock: true, rw: alu.incdecEw_r, rd: alu.incdecEd_r, mw: alu.incdecEw_m, md: alu.incdecEd_m },
  { name: 'DEC_Ev', modrm: true, lock: true, rw: alu.incdecEw_r, rd: alu.incdecEd_r, mw: alu.incdecEw_m, md: alu.incdecEd_m },
  { name: 'CALL_Ev', modrm: true, ends: true, rw: ctl.callEw_r, rd: ctl.callEd_r, mw: ctl.callEw_m, md: ctl.callEd_m },
  { name: 'CALLF_Mp', modrm: true, ends: true, m: ctl.callEp },
  { name: 'JMP_Ev', modrm: true, ends: true, rw: ctl.jmpEw_r, rd: ctl.jmpEd_r, mw: ctl.jmpEw_m, md: ctl.jmpEd_m },
  { name: 'JMPF_Mp', modrm: true, ends: true, m: ctl.jmpEp },
  { name: 'PUSH_Ev', modrm: true, rw: stk.pushEw_r, rd: stk.pushEd_r, mw: stk.pushEw_m, md: stk.pushEd_m },
  null] };

// ---- 0F xx: two-byte opcodes ------------------------------------------------------------------------------------------
two[0x00] = { name: 'GRP6', group: [
  { name: 'SLDT_Ew', modrm: true, r: sys.sldt_r, m: sys.sldt_m },
  { name: 'STR_Ew', modrm: true, r: sys.str_r, m: sys.str_m },
  { name: 'LLDT_Ew', modrm: true, ends: true, r: sys.lldt_r, m: sys.lldt_m },
  { name: 'LTR_Ew', modrm: true, r: sys.ltr_r, m: sys.ltr_m },
  { name: 'VERR_Ew', modrm: true, r: sys.verr_r, m: sys.verr_m },
  { name: 'VERW_Ew', modrm: true, r: sys.verw_r, m: sys.verw_m },
  null, null] };
two[0x01] = { name: 'GRP7', group: [
  { name: 'SGDT_Ms', modrm: true, m: sys.sgdt },
  { name: 'SIDT_Ms', modrm: true, m: sys.sidt },
  { name: 'LGDT_Ms', modrm: true, ends: true, m: sys.lgdt },
  { name: 'LIDT_Ms', modrm: true, m: sys.lidt },
  { name: 'SMSW_Ew', modrm: true, r: sys.smsw_r, m: sys.smsw_m },
  null,
  { name: 'LMSW_Ew', modrm: true, ends: true, r: sys.lmsw_r, m: sys.lmsw_m },
  { name: 'INVLPG_M', modrm: true, ends: true, m: sys.invlpg }] };
two[0x02] = { name: 'LAR_GvEw', modrm: true, op: 0, r: sys.larlsl_r, m: sys.larlsl_m };
two[0x03] = { name: 'LSL_GvEw', modrm: true, op: 1, r: sys.larlsl_r, m: sys.larlsl_m };
two[0x06] = { name: 'CLTS', h: sys.clts };
two[0x08] = { name: 'INVD', h: sys.wbinvd };
two[0x09] = { name: 'WBINVD', h: sys.wbinvd };
two[0x0b] = { name: 'UD2', ends: true, h: sys.ud2 };
// 0F 18-1F: prefetch hints and the multi-byte NOP (0F 1F /0), all NOPs on this CPU.
for (let b = 0x18; b <= 0x1f; b++) two[b] = { name: b === 0x1f ? 'NOP_Ev' : 'HINT_NOP_Ev', modrm: true, r: mov.nop, m: mov.nop };
// MOV to/from control and debug registers: always register operands, whatever mod says.
two[0x20] = { name: 'MOV_RdCd', modrm: true, r: sys.movRdCd, m: sys.movRdCd };
two[0x21] = { name: 'MOV_RdDd', modrm: true, r: sys.movRdDd, m: sys.movRdDd };
two[0x22] = { name: 'MOV_CdRd', modrm: true, ends: true, r: sys.movCdRd, m: sys.movCdRd };
two[0x23] = { name: 'MOV_DdRd', modrm: true, r: sys.movDdRd, m: sys.movDdRd };
two[0x30] = { name: 'WRMSR', h: sys.wrmsr };
two[0x31] = { name: 'RDTSC', h: sys.rdtsc };
two[0x32] = { name: 'RDMSR', h: sys.rdmsr };
// RDPMC, SYSENTER/SYSEXIT: not advertised by CPUID, so #UD (null), as on a CPU without them.
for (let cc = 0; cc < 16; cc++) {
  two[0x40 + cc] = { name: `CMOV${CC[cc]}_GvEv`, modrm: true, op: cc, rw: mov.cmovGwEw_r, rd: mov.cmovGdEd_r, mw: mov.cmovGwEw_m, md: mov.cmovGdEd_m };
  two[0x80 + cc] = { name: `J${CC[cc]}_Jz`, imm: 'Jz', op: cc, ends: true, w: ctl.jccJw, d: ctl.jccJd };
  two[0x90 + cc] = { name: `SET${CC[cc]}_Eb`, modrm: true, byteRegs: true, fixedSize: 1, op: cc, r: mov.setccEb_r, m: mov.setccEb_m };
}
two[0xa0] = { name: 'PUSH_FS', op: FS, h: stk.pushSreg };
two[0xa1] = { name: 'POP_FS', op: FS, h: stk.popSreg };
two[0xa2] = { name: 'CPUID', h: sys.cpuid };
two[0xa3] = { name: 'BT_EvGv', modrm: true, op: bits.BT, rw: bits.btEwGw_r, rd: bits.btEdGd_r, mw: bits.btEwGw_m, md: bits.btEdGd_m };
two[0xa4] = { name: 'SHLD_EvGvIb', modrm: true, imm: 'Ib', op: 0, rw: sh.shxdEwGw_r, rd: sh.shxdEdGd_r, mw: sh.shxdEwGw_m, md: sh.shxdEdGd_m };
two[0xa5] = { name: 'SHLD_EvGvCL', modrm: true, op: 1, rw: sh.shxdEwGw_r, rd: sh.shxdEdGd_r, mw: sh.shxdEwGw_m, md: sh.shxdEdGd_m };
two[0xa8] = { name: 'PUSH_GS', op: GS, h: stk.pushSreg };
two[0xa9] = { name: 'POP_GS', op: GS, h: stk.popSreg };
two[0xab] = { name: 'BTS_EvGv', modrm: true, lock: true, op: bits.BTS, rw: bits.btEwGw_r, rd: bits.btEdGd_r, mw: bits.btEwGw_m, md: bits.btEdGd_m };
two[0xac] = { name: 'SHRD_EvGvIb', modrm: true, imm: 'Ib', op: 2, rw: sh.shxdEwGw_r, rd: sh.shxdEdGd_r, mw: sh.shxdEwGw_m, md: sh.shxdEdGd_m };
two[0xad] = { name: 'SHRD_EvGvCL', modrm: true, op: 3, rw: sh.shxdEwGw_r, rd: sh.shxdEdGd_r, mw: sh.shxdEwGw_m, md: sh.shxdEdGd_m };
two[0xaf] = { name: 'IMUL_GvEv', modrm: true, rw: md.imulGwEw_r, rd: md.imulGdEd_r, mw: md.imulGwEw_m, md: md.imulGdEd_m };
two[0xb0] = { name: 'CMPXCHG_EbGb', modrm: true, byteRegs: true, fixedSize: 1, lock: true, r: atomic.cmpxchgEbGb_r, m: atomic.cmpxchgEbGb_m };
two[0xb1] = { name: 'CMPXCHG_EvGv', modrm: true, lock: true, rw: atomic.cmpxchgEwGw_r, rd: atomic.cmpxchgEdGd_r, mw: atomic.cmpxchgEwGw_m, md: atomic.cmpxchgEdGd_m };
two[0xb2] = { name: 'LSS_GvMp', modrm: true, op: SS, m: sys.lxs, ends: true };
two[0xb3] = { name: 'BTR_EvGv', modrm: true, lock: true, op: bits.BTR, rw: bits.btEwGw_r, rd: bits.btEdGd_r, mw: bits.btEwGw_m, md: bits.btEdGd_m };
two[0xb4] = { name: 'LFS_GvMp', modrm: true, op: FS, m: sys.lxs };
two[0xb5] = { name: 'LGS_GvMp', modrm: true, op: GS, m: sys.lxs };
two[0xb6] = { name: 'MOVZX_GvEb', modrm: true, byteRm: true, rw: mov.movzxGwEb_r, rd: mov.movzxGdEb_r, mw: mov.movzxGwEb_m, md: mov.movzxGdEb_m };
two[0xb7] = { name: 'MOVZX_GvEw', modrm: true, rw: mov.movzxGwEw_r, rd: mov.movzxGdEw_r, mw: mov.movzxGwEw_m, md: mov.movzxGdEw_m };
two[0xb9] = { name: 'UD1', modrm: true, ends: true, h: sys.ud2 };
const bt8: (OpRow | null)[] = [null, null, null, null, ...[bits.BT, bits.BTS, bits.BTR, bits.BTC].map((op, k): OpRow => ({
  name: `${['BT', 'BTS', 'BTR', 'BTC'][k]}_EvIb`, modrm: true, imm: 'Ib', lock: op !== bits.BT, op,
  rw: bits.btEwIb_r, rd: bits.btEdIb_r, mw: bits.btEwIb_m, md: bits.btEdIb_m,
}))];
two[0xba] = { name: 'GRP8', group: bt8 };
two[0xbb] = { name: 'BTC_EvGv', modrm: true, lock: true, op: bits.BTC, rw: bits.btEwGw_r, rd: bits.btEdGd_r, mw: bits.btEwGw_m, md: bits.btEdGd_m };
two[0xbc] = { name: 'BSF_GvEv', modrm: true, op: 0, rw: bits.bsfGwEw_r, rd: bits.bsfGdEd_r, mw: bits.bsfGwEw_m, md: bits.bsfGdEd_m };
two[0xbd] = { name: 'BSR_GvEv', modrm: true, op: 1, rw: bits.bsfGwEw_r, rd: bits.bsfGdEd_r, mw: bits.bsfGwEw_m, md: bits.bsfGdEd_m };
two[0xbe] = { name: 'MOVSX_GvEb', modrm: true, byteRm: true, rw: mov.movsxGwEb_r, rd: mov.movsxGdEb_r, mw: mov.movsxGwEb_m, md: mov.movsxGdEb_m };
two[0xbf] = { name: 'MOVSX_GvEw', modrm: true, rw: mov.movzxGwEw_r, rd: mov.movsxGdEw_r, mw: mov.movzxGwEw_m, md: mov.movsxGdEw_m };
two[0xc0] = { name: 'XADD_EbGb', modrm: true, byteRegs: true, fixedSize: 1, lock: true, r: atomic.xaddEbGb_r, m: atomic.xaddEbGb_m };
two[0xc1] = { name: 'XADD_EvGv', modrm: true, lock: true, rw: atomic.xaddEwGw_r, rd: atomic.xaddEdGd_r, mw: atomic.xaddEwGw_m, md: atomic.xaddEdGd_m };
two[0xc7] = { name: 'GRP9', group: [null, { name: 'CMPXCHG8B_Mq', modrm: true, lock: true, m: atomic.cmpxchg8b }, null, null, null, null, null, null] };
for (let r = 0; r < 8; r++) two[0xc8 + r] = { name: 'BSWAP_Rv', opReg: 'full', w: mov.bswapRw, d: mov.bswapRd };

// MMX/SSE/3DNow! and the rest of the 0F map that real processors have: not modelled (CPUID does not
// advertise them, but a guest built with -msse deserves "unsupported", not a mysterious #UD).
for (const b of [0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
  0x34, 0x35, 0x37, 0x38, 0x3a, 0xa6, 0xa7, 0xaa, 0xae, 0xb8, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0x77]) {
  if (two[b] === null) two[b] = un(`0F ${b.toString(16).padStart(2, '0').toUpperCase()} (MMX/SSE/system extension)`);
}
for (let b = 0x50; b <= 0x7f; b++) if (two[b] === null) two[b] = un(`0F ${b.toString(16).toUpperCase()} (MMX/SSE)`);
for (let b = 0xd0; b <= 0xff; b++) if (two[b] === null) two[b] = un(`0F ${b.toString(16).toUpperCase()} (MMX/SSE)`);

export const OPCODE_TABLES: OpcodeTables = { oneByte: one, twoByte: two };

/** True when a decoded block must end after this instruction. */
export function endsBlock(i: Insn): boolean {
  return i.ends;
}

/** Every row (including group members), for coverage reports and documentation. */
export function allRows(): { opcode: string; row: OpRow }[] {
  const out: { opcode: string; row: OpRow }[] = [];
  const visit = (prefix: string, table: readonly TableEntry[]): void => {
    table.forEach((e, b) => {
      if (e === null || 'unmodelled' in e) return;
      const code = `${prefix}${b.toString(16).padStart(2, '0').toUpperCase()}`;
      if (e.group !== undefined) {
        e.group.forEach((g, n) => {
          if (g === null || 'unmodelled' in g) return;
          if (g.m !== undefined || g.regForms === undefined) out.push({ opcode: `${code} /${n}`, row: g });
          g.regForms?.forEach((r, rm) => { if (r !== null) out.push({ opcode: `${code} ${(0xc0 | (n << 3) | rm).toString(16).toUpperCase()}`, row: r }); });
        });
      } else out.push({ opcode: code, row: e });
    });
  };
  visit('', one);
  visit('0F ', two);
  return out;
}
