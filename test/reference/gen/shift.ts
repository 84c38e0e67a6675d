/** ROL ROR RCL RCR SHL SHR SAL SAR (by 1, CL, imm8) and SHLD/SHRD (imm8, CL). */
import { AF, ARITH, CASE_FLAGS, CF, DF, OF } from '../format.js';
import { type CaseBuilder, type FamilyDef, type Width, rmOperand } from './core.js';

// Group-2 /reg order. /6 is the undocumented alias of SHL (SAL is documented as /4); it is kept as its
// own family so a decoder that rejects it shows up by name.
const OPS = ['ROL', 'ROR', 'RCL', 'RCR', 'SHL', 'SHR', 'SAL(/6)', 'SAR'] as const;

// SDM Vol. 2 "RCL/RCR/ROL/ROR": "If the masked count is 0, the flags are not affected. If the masked
// count is 1, then the OF flag is affected, otherwise (masked count is greater than 1) the OF flag is
// undefined. The CF flag is affected when the masked count is non-zero. The SF, ZF, AF, and PF flags
// are always unaffected." (masked = count & 1FH; the MOD 9/17 of RCL/RCR 8/16 does not change it.)
const RULE_ROT = 'SDM: masked count 0: no flags affected; CF affected if masked count != 0; OF defined only for masked count 1; SF ZF AF PF unaffected';
// SDM Vol. 2 "SAL/SAR/SHL/SHR": "The CF flag contains the value of the last bit shifted out of the
// destination operand; it is undefined for SHL and SHR instructions where the count is greater than or
// equal to the size (in bits) of the destination operand. The OF flag is affected only for 1-bit
// shifts; otherwise, it is undefined. The SF, ZF, and PF flags are set according to the result. If the
// count is 0, the flags are not affected. For a non-zero count, the AF flag is undefined."
const RULE_SHIFT = 'SDM: count 0: no flags affected; else SF ZF PF per result, AF undefined, OF defined only for count 1, CF undefined for SHL/SHR when count >= width';

/** Flags the SDM defines for a group-2 op with this raw count (before masking). */
export function shiftDefined(op: number, width: number, count: number): number {
  const c = count & 31;
  if (c === 0) return CASE_FLAGS;
  let undef = 0;
  if (c !== 1) undef |= OF;
  if (op >= 4) {
    undef |= AF;
    if (op !== 7 && c >= width) undef |= CF; // SHL, SHR, SAL(/6); SAR keeps CF defined
  }
  return CASE_FLAGS & ~undef;
}

/** Counts worth testing for `width`, then random ones (mostly below 40, some up to 255). */
function pickCount(b: CaseBuilder, width: number, i: number): number {
  const edges = [...new Set([0, 1, 2, 3, width - 1, width, width + 1, width + 2, 7, 8, 9, 10, 15, 16, 17, 18, 19, 31, 32, 33, 34, 63, 64, 65, 0x80, 0x81, 0xe1, 0xff])];
  if (i < edges.length * 2) return edges[i % edges.length]!;
  return b.rng.bool(0.7) ? b.rng.int(40) : b.rng.int(256);
}

const osz = (w: Width) => (w === 16 ? [0x66] : []);

export function shiftFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  OPS.forEach((name, op) => {
    const rule = op < 4 ? RULE_ROT : RULE_SHIFT;
    const unaff = op < 4 ? ARITH & ~(CF | OF) : 0; // rotates never touch SF ZF AF PF
    for (const w of [8, 16, 32] as const) {
      const ev = w === 8 ? 'Eb' : 'Ev';
      const wt = w === 8 ? '' : ` (o${w})`;
      for (const form of ['1', 'CL', 'Ib'] as const) {
        out.push({
          name: `${name} ${ev},${form}${wt}`, group: 'shift', flagsRule: rule, count: 150,
          gen(b, i) {
            const count = form === '1' ? 1 : pickCount(b, w, i);
            if (form === 'CL') b.setW(8, 1, count);
            const rm = rmOperand(b, w, b.rng.value(w), b.rng.bool());
            if (form === 'CL' && !rm.isMem && rm.rm === 1) b.setW(8, 1, count); // dest is CL/CX/ECX: count = its low byte
            const opc = w === 8 ? [0xd0, 0xd2, 0xc0] : [0xd1, 0xd3, 0xc1];
            b.prefixes(...osz(w));
            b.emit(opc[form === '1' ? 0 : form === 'CL' ? 1 : 2]!, ...rm.bytes(op));
            if (form === 'Ib') b.emit(count);
            b.defined = shiftDefined(op, w, count);
            if ((count & 31) === 0) b.unaffected = CASE_FLAGS;
            else b.unaffected |= unaff;
          },
        });
      }
    }
  });
  return out.concat(shldFamilies());
}

// SDM Vol. 2 "SHLD/SHRD": "If the count is 1 or greater, the CF flag is filled with the last bit shifted
// out of the destination operand and the SF, ZF, and PF flags are set according to the value of the
// result. For a 1-bit shift, the OF flag is set if a sign change occurred; otherwise, it is cleared.
// For shifts greater than 1 bit, the OF flag is undefined. If a shift occurs, the AF flag is
// undefined. If the count operand is 0, the flags are not affected. If the count is greater than the
// operand size, the flags are undefined." And: "If the count is greater than the operand size, the
// result is undefined." (count = imm8/CL masked to 5 bits.)
const RULE_SHXD = 'SDM: count 0: no flags affected; else CF SF ZF PF defined, AF undefined, OF defined only for count 1; count > width: result and all flags undefined';

export function shxdDefined(width: number, count: number): number {
  const c = count & 31;
  if (c === 0) return CASE_FLAGS;
  if (c > width) return DF;
  return CASE_FLAGS & ~(AF | (c === 1 ? 0 : OF));
}

function shldFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  const ops = [['SHLD', 0xa4], ['SHRD', 0xac]] as const;
  for (const [name, base] of ops) {
    for (const w of [32, 16] as const) {
      for (const form of ['Ib', 'CL'] as const) {
        out.push({
          name: `${name} Ev,Gv,${form} (o${w})`, group: 'shift', flagsRule: RULE_SHXD, count: 200,
          gen(b, i) {
            // 16-bit counts above 16 have undefined results: they get their own family below.
            let count = i < 32 ? i : b.rng.bool(0.8) ? b.rng.int(32) : b.rng.int(256);
            while (w === 16 && (count & 31) > 16) count = b.rng.int(17) + (b.rng.bool(0.3) ? 32 * b.rng.int(8) : 0);
            shxd(b, base, w, form, count, b.rng.bool());
          },
        });
      }
    }
  }
  out.push({
    name: 'SHLD/SHRD Ev,Gv (o16, count 17..31: result undefined)', group: 'shift', flagsRule: RULE_SHXD, count: 150,
    gen(b) {
      const count = b.rng.range(17, 31) + (b.rng.bool(0.3) ? 32 * b.rng.int(8) : 0);
      const [, base] = b.rng.pick(ops);
      const rm = shxd(b, base, 16, b.rng.bool() ? 'Ib' : 'CL', count, false);
      b.ignoreRegs = 1 << rm;
    },
  });
  return out;
}

/** Emits SHLD/SHRD; returns the destination register (or -1 for memory). */
function shxd(b: CaseBuilder, base: number, w: 16 | 32, form: 'Ib' | 'CL', count: number, useMem: boolean): number {
  const reg = b.rng.int(8);
  b.setW(w, reg, b.rng.value(w));
  if (form === 'CL') b.setW(8, 1, count);
  const rm = rmOperand(b, w, b.rng.value(w), useMem);
  // When CL's register is also an operand, the count is what that register holds.
  if (form === 'CL' && (reg === 1 || rm.rm === 1)) b.setW(8, 1, count);
  b.prefixes(...osz(w));
  b.emit(0x0f, base + (form === 'CL' ? 1 : 0), ...rm.bytes(reg));
  if (form === 'Ib') b.emit(count);
  b.defined = shxdDefined(w, count);
  if ((count & 31) === 0) b.unaffected = CASE_FLAGS;
  return rm.rm;
}
