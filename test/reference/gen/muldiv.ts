/** MUL, IMUL (1-, 2-, 3-operand), DIV, IDIV, and the #DE cases of DIV/IDIV. */
import { CASE_FLAGS, CF, DF, EXC_STACK_TOP, OF } from '../format.js';
import { type CaseBuilder, type FamilyDef, type Width, modrm, rmOperand, sx } from './core.js';

// SDM Vol. 2 "MUL": "The OF and CF flags are set to 0 if the upper half of the result is 0; otherwise,
// they are set to 1. The SF, ZF, AF, and PF flags are undefined." "IMUL": "For the one operand form of
// the instruction, the CF and OF flags are set when significant bits are carried into the upper half
// of the result and cleared when the result fits exactly in the lower half of the result. For the two-
// and three-operand forms of the instruction, the CF and OF flags are set when the result must be
// truncated to fit in the destination operand size and cleared when the result fits exactly in the
// destination operand size. The SF, ZF, AF, and PF flags are undefined."
const RULE_MUL = 'SDM: CF OF defined; SF ZF AF PF undefined';
const MUL_DEFINED = CF | OF | DF;
// SDM Vol. 2 "DIV"/"IDIV": "The CF, OF, SF, ZF, AF, and PF flags are undefined."
const RULE_DIV = 'SDM: CF OF SF ZF AF PF undefined';
// A fault leaves the state as it was before the instruction, flags included.
export const RULE_FAULT = 'fault: the instruction has no effect, so every flag is as before (all defined)';

const osz = (w: Width) => (w === 16 ? [0x66] : []);
const wtag = (w: Width) => (w === 8 ? '' : ` (o${w})`);

export function muldivFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  for (const [name, ext] of [['MUL', 4], ['IMUL', 5]] as const) {
    for (const w of [8, 16, 32] as const) {
      out.push({
        name: `${name} ${w === 8 ? 'Eb' : 'Ev'}${wtag(w)}`, group: 'muldiv', flagsRule: RULE_MUL, count: 250,
        gen(b) {
          b.setW(w, 0, b.rng.value(w));
          const rm = rmOperand(b, w, b.rng.value(w), b.rng.bool());
          b.prefixes(...osz(w));
          b.emit(w === 8 ? 0xf6 : 0xf7, ...rm.bytes(ext));
          b.defined = MUL_DEFINED;
        },
      });
    }
  }
  for (const w of [32, 16] as const) {
    const forms = [['Gv,Ev', [0x0f, 0xaf], 0], ['Gv,Ev,Iz', [0x69], w], ['Gv,Ev,Ib', [0x6b], 8]] as const;
    for (const [ops, opc, immW] of forms) {
      out.push({
        name: `IMUL ${ops} (o${w})`, group: 'muldiv', flagsRule: RULE_MUL, count: 250,
        gen(b) {
          const reg = b.rng.int(8);
          b.setW(w, reg, b.rng.value(w));
          const rm = rmOperand(b, w, b.rng.value(w), b.rng.bool());
          b.prefixes(...osz(w));
          b.emit(...opc, ...rm.bytes(reg));
          if (immW) b.emitImm(immW, b.rng.value(immW as Width));
          b.defined = MUL_DEFINED;
        },
      });
    }
  }
  for (const [name, ext] of [['DIV', 6], ['IDIV', 7]] as const) {
    for (const w of [8, 16, 32] as const) {
      out.push({
        name: `${name} ${w === 8 ? 'Eb' : 'Ev'}${wtag(w)}`, group: 'muldiv', flagsRule: RULE_DIV, count: 250,
        gen(b) {
          genDiv(b, ext === 7, w, 'ok');
          b.defined = DF;
        },
      });
    }
  }
  for (const want of ['zero', 'overflow'] as const) {
    out.push({
      name: `DIV/IDIV #DE (${want === 'zero' ? 'divide by zero' : 'quotient overflow'})`, group: 'exception', flagsRule: RULE_FAULT,
      count: 240, expectVector: 0,
      gen(b, i) {
        genDiv(b, i % 2 === 1, ([8, 16, 32] as const)[Math.floor(i / 2) % 3]!, want);
        b.unaffected = CASE_FLAGS;
      },
    });
  }
  return out;
}

type Outcome = 'ok' | 'zero' | 'overflow';

function outcome(signed: boolean, w: number, dividend: bigint, divisor: bigint): Outcome {
  if (divisor === 0n) return 'zero';
  const q = dividend / divisor; // BigInt division truncates toward zero, like the CPU
  if (signed) return q < -(1n << BigInt(w - 1)) || q >= 1n << BigInt(w - 1) ? 'overflow' : 'ok';
  return q >= 1n << BigInt(w) ? 'overflow' : 'ok';
}

function bigRand(b: CaseBuilder, bits: number): bigint {
  let v = 0n;
  for (let k = 0; k < bits; k += 32) v = (v << 32n) | BigInt(b.rng.next());
  return v & ((1n << BigInt(bits)) - 1n);
}

/** A value in [0, n) for n > 0. */
function bigBelow(b: CaseBuilder, n: bigint): bigint {
  return bigRand(b, n.toString(2).length + 16) % n;
}

/**
 * Sets up a DIV/IDIV of width w whose outcome is `want`: the dividend in AX / DX:AX / EDX:EAX, the
 * divisor in a register or memory. The divisor register may alias the dividend (DIV AH, IDIV EDX),
 * so the outcome is recomputed from the final state and the draw repeated until it matches.
 */
function genDiv(b: CaseBuilder, signed: boolean, w: Width, want: Outcome): void {
  const W = BigInt(w);
  const mask2 = (1n << (2n * W)) - 1n;
  const ext = signed ? 7 : 6;
  b.set32(4, EXC_STACK_TOP); // a fault frame (in the emulator) lands in scratch memory
  for (let tries = 0; tries < 1000; tries++) {
    const useMem = b.rng.bool();
    let rmReg = -1;
    if (!useMem) do rmReg = b.rng.int(8); while (w > 8 && rmReg === 4);
    let d: bigint;
    let dividend: bigint;
    if (want === 'zero') {
      d = 0n;
      dividend = b.rng.bool(0.3) ? BigInt(b.rng.value(w)) : bigRand(b, 2 * w);
    } else {
      d = signed ? BigInt(sx(b.rng.value(w), w)) : BigInt(b.rng.value(w));
      if (d === 0n) d = 1n;
      const ad = d < 0n ? -d : d;
      let q: bigint;
      if (want === 'ok') {
        q = signed ? BigInt(sx(b.rng.value(w), w)) : BigInt(b.rng.value(w));
      } else if (b.rng.bool(0.2)) {
        // the boundary: the smallest overflowing quotient, or the 2w-bit minimum / -1
        q = signed ? (b.rng.bool() ? 1n << (W - 1n) : -(1n << (W - 1n)) - 1n) : 1n << W;
        if (signed && b.rng.bool(0.3)) { d = -1n; q = 1n << (2n * W - 1n); }
      } else {
        const extra = bigRand(b, b.rng.int(w) + 1);
        q = signed ? (b.rng.bool() ? (1n << (W - 1n)) + extra : -(1n << (W - 1n)) - 1n - extra) : (1n << W) + extra;
      }
      let r = bigBelow(b, ad);
      const prod = q * d;
      if (signed && (prod < 0n || (prod === 0n && b.rng.bool()))) r = -r;
      dividend = prod + r;
    }
    if (signed) dividend = dividend & mask2; // two's complement in 2w bits
    if (dividend > mask2 || dividend < 0n) continue;
    // Write dividend, then divisor (which may overwrite part of the dividend).
    if (w === 8) b.setW(16, 0, Number(dividend));
    else {
      b.setW(w, 0, Number(dividend & ((1n << W) - 1n)));
      b.setW(w, 2, Number(dividend >> W));
    }
    const dv = Number(d & ((1n << W) - 1n)) >>> 0;
    let rmBytes: (reg: number) => number[];
    let divisorNow: number;
    if (useMem) {
      const m = b.mem(w / 8);
      b.wr(w, m.off, dv);
      rmBytes = m.bytes;
      divisorNow = dv;
    } else {
      b.setW(w, rmReg, dv);
      rmBytes = (reg) => [modrm(3, reg, rmReg)];
      divisorNow = b.getW(w, rmReg);
    }
    const lo = BigInt(b.getW(w === 8 ? 16 : w, 0));
    let dd = w === 8 ? lo : (BigInt(b.getW(w, 2)) << W) | lo;
    let dz = BigInt(divisorNow);
    if (signed) {
      if (dd >> (2n * W - 1n)) dd -= 1n << (2n * W);
      dz = BigInt(sx(divisorNow, w));
    }
    if (outcome(signed, w, dd, dz) !== want) continue;
    b.prefixes(...osz(w));
    b.emit(w === 8 ? 0xf6 : 0xf7, ...rmBytes(ext));
    return;
  }
  throw new Error(`could not build a ${signed ? 'IDIV' : 'DIV'}${w} case with outcome ${want}`);
}

