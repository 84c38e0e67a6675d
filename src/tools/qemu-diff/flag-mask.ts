/**
 * What the SDM leaves undefined after an instruction: the EFLAGS bits (and, for a few cases, the
 * destination register) that two correct CPUs may set differently. The diff tool ignores a
 * difference inside this mask and copies QEMU's value, so the two runs stay in step. The table
 * follows the SDM's "Flags Affected" section of each instruction (docs/qemu-diff.md lists it).
 */
import { createRequire } from 'node:module';

const iced = createRequire(import.meta.url)('iced-x86') as typeof import('iced-x86');

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const ALL = CF | PF | AF | ZF | SF | OF;

export interface UndefinedEffects {
  /** EFLAGS bits whose value is undefined after this execution of the instruction. */
  flags: number;
  /** The destination GPR (Intel number 0-7) whose value is undefined, if any. */
  destReg: number | null;
  /** When the destination is undefined only for a zero source (BSF/BSR): checked on QEMU's ZF. */
  destOnlyIfZf: boolean;
  /** The instruction, as the report names the rule. */
  mnemonic: string;
}

const NONE: UndefinedEffects = { flags: 0, destReg: null, destOnlyIfZf: false, mnemonic: '' };

/** Intel GPR number of an iced register, for 8/16/32-bit GPRs (AH..BH map to their 32-bit register). */
function gprNumber(r: number): number | null {
  const R = iced.Register;
  if (r >= R.EAX && r <= R.EDI) return r - R.EAX;
  if (r >= R.AX && r <= R.DI) return r - R.AX;
  if (r >= R.AL && r <= R.BH) return (r - R.AL) & 3;
  return null;
}

function operandBits(insn: import('iced-x86').Instruction): number {
  const R = iced.Register;
  if (insn.op0Kind === iced.OpKind.Register) {
    const r = insn.op0Register;
    if (r >= R.EAX && r <= R.EDI) return 32;
    if (r >= R.AX && r <= R.DI) return 16;
    return 8;
  }
  return iced.MemorySizeExt.size(insn.memorySize) * 8;
}

/** Count operand of a shift or rotate: an immediate or CL. */
function countOf(insn: import('iced-x86').Instruction, operand: number, ecx: number): number {
  const kind = insn.opKind(operand);
  if (kind === iced.OpKind.Register) return ecx & 0xff;
  if (kind === iced.OpKind.Immediate8 || kind === iced.OpKind.Immediate8_2nd) return insn.immediate8;
  return 1;
}

/**
 * The undefined effects of the instruction whose bytes start at `bytes[0]`, as executed with
 * ECX = `ecx` before it (shift counts in CL).
 */
export function undefinedEffects(bytes: readonly number[], ecx: number): UndefinedEffects {
  const decoder = new iced.Decoder(32, new Uint8Array(bytes), iced.DecoderOptions.None);
  const insn = decoder.decode();
  try {
    if (insn.isInvalid) return NONE;
    const M = iced.Mnemonic;
    const m = insn.mnemonic;
    const name = iced.Mnemonic[m]?.toLowerCase() ?? '?';
    const fx = (flags: number, destReg: number | null = null, destOnlyIfZf = false): UndefinedEffects => ({ flags, destReg, destOnlyIfZf, mnemonic: name });
    switch (m) {
      case M.Aaa: case M.Aas: return fx(OF | SF | ZF | PF);
      case M.Aam: case M.Aad: return fx(OF | AF | CF);
      case M.Daa: case M.Das: return fx(OF);
      case M.And: case M.Or: case M.Xor: case M.Test: return fx(AF);
      case M.Mul: case M.Imul: return fx(SF | ZF | AF | PF);
      case M.Div: case M.Idiv: return fx(ALL);
      case M.Bt: case M.Bts: case M.Btr: case M.Btc: return fx(OF | SF | AF | PF);
      case M.Bsf: case M.Bsr: {
        const dest = insn.op0Kind === iced.OpKind.Register ? gprNumber(insn.op0Register) : null;
        return fx(CF | OF | SF | AF | PF, dest, true);
      }
      case M.Shl: case M.Sal: case M.Shr: case M.Sar: {
        const count = countOf(insn, 1, ecx) & 0x1f;
        if (count === 0) return NONE;
        let flags = AF;
        if (count > 1) flags |= OF;
        if (count >= operandBits(insn) && (m === M.Shl || m === M.Sal || m === M.Shr)) flags |= CF;
        return fx(flags);
      }
      case M.Rol: case M.Ror: case M.Rcl: case M.Rcr: {
        const count = countOf(insn, 1, ecx) & 0x1f;
        return count > 1 ? fx(OF) : NONE;
      }
      case M.Shld: case M.Shrd: {
        const count = countOf(insn, 2, ecx) & 0x1f;
        if (count === 0) return NONE;
        const bits = operandBits(insn);
        if (count > bits) {
          const dest = insn.op0Kind === iced.OpKind.Register ? gprNumber(insn.op0Register) : null;
          return fx(ALL, dest);
        }
        return fx(count > 1 ? AF | OF : AF);
      }
      default: return NONE;
    }
  } finally {
    insn.free();
    decoder.free();
  }
}

/** Disassembly of one instruction (Intel syntax), for reports. */
export function disassembleOne(bytes: readonly number[], eip: number): { text: string; length: number } {
  const decoder = new iced.Decoder(32, new Uint8Array(bytes), iced.DecoderOptions.None);
  decoder.ip = BigInt(eip >>> 0);
  const formatter = new iced.Formatter(iced.FormatterSyntax.Intel);
  const insn = decoder.decode();
  try {
    return insn.isInvalid ? { text: '(invalid)', length: 1 } : { text: formatter.format(insn), length: insn.length };
  } finally {
    insn.free();
    formatter.free();
    decoder.free();
  }
}

/** A jump to itself (`jmp $`): running it changes nothing, like a record QEMU logs twice. */
export function isSelfJump(bytes: readonly number[], eip: number): boolean {
  if (bytes[0] === 0xeb && bytes[1] === 0xfe) return true;
  const decoder = new iced.Decoder(32, new Uint8Array(bytes), iced.DecoderOptions.None);
  decoder.ip = BigInt(eip >>> 0);
  const insn = decoder.decode();
  try {
    return !insn.isInvalid && insn.isJmpShortOrNear && insn.nearBranch32 === eip >>> 0;
  } finally {
    insn.free();
    decoder.free();
  }
}
