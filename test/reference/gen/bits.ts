/** BT BTS BTR BTC, BSF BSR, BSWAP, and the BCD adjusts DAA DAS AAA AAS AAM AAD. */
import { AF, CASE_FLAGS, CF, DATA_SIZE, DF, EXC_STACK_TOP, PF, SF, ZF } from '../format.js';
import { type CaseBuilder, type FamilyDef, type Width, rmOperand } from './core.js';
import { RULE_FAULT } from './muldiv.js';

// SDM Vol. 2 "BT/BTS/BTR/BTC": "The CF flag contains the value of the selected bit before it is
// changed. The ZF flag is unaffected. The OF, SF, AF, and PF flags are undefined."
const RULE_BT = 'SDM: CF = selected bit; ZF unaffected; OF SF AF PF undefined';
// SDM Vol. 2 "BSF/BSR": "The ZF flag is set to 1 if the source operand is 0; otherwise, the ZF flag is
// cleared. The CF, OF, SF, AF, and PF flags are undefined." (Destination for a zero source: Intel
// says undefined, AMD says unchanged; the fixture holds what this CPU did and the runner compares it.)
const RULE_BSF = 'SDM: ZF = (source == 0); CF OF SF AF PF undefined';

const osz = (w: Width) => (w === 16 ? [0x66] : []);
const BTOPS = [['BT', 0xa3, 4], ['BTS', 0xab, 5], ['BTR', 0xb3, 6], ['BTC', 0xbb, 7]] as const;

export function bitFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  for (const [name, opc, ext] of BTOPS) {
    for (const w of [32, 16] as const) {
      out.push({
        name: `${name} Ev,Gv (o${w})`, group: 'bits', flagsRule: RULE_BT, count: 250,
        gen(b) {
          const size = w / 8;
          if (b.rng.bool(0.4)) {
            const reg = b.rng.int(8);
            b.setW(w, reg, b.rng.value(32));
            const rm = rmOperand(b, w, b.rng.value(w), false);
            b.prefixes(...osz(w));
            b.emit(0x0f, opc, ...rm.bytes(reg));
          } else {
            // Memory bit string: the offset register selects a unit anywhere in the data area,
            // below (negative offsets) or above the addressed unit.
            let reg: number;
            do reg = b.rng.int(8); while (reg === 3);
            const rel = b.rng.int(DATA_SIZE - size + 1);
            const kmin = Math.ceil(-rel / size);
            const kmax = Math.floor((DATA_SIZE - size - rel) / size);
            const k = b.rng.range(kmin, kmax);
            const off = k * w + b.rng.int(w);
            b.setW(w, reg, off);
            const m = b.mem(size, rel);
            b.prefixes(...osz(w), ...(ext !== 4 && b.rng.bool(0.15) ? [0xf0] : []));
            b.emit(0x0f, opc, ...m.bytes(reg));
          }
          b.defined = CF | ZF | DF;
          b.unaffected |= ZF;
        },
      });
      out.push({
        name: `${name} Ev,Ib (o${w})`, group: 'bits', flagsRule: RULE_BT, count: 200,
        gen(b, i) {
          const rm = rmOperand(b, w, b.rng.value(w), b.rng.bool());
          b.prefixes(...osz(w), ...(ext !== 4 && rm.isMem && b.rng.bool(0.15) ? [0xf0] : []));
          b.emit(0x0f, 0xba, ...rm.bytes(ext));
          b.emit(i < 64 ? i * 4 + (i >> 4) : b.rng.int(256)); // imm8 is taken modulo the width
          b.defined = CF | ZF | DF;
          b.unaffected |= ZF;
        },
      });
    }
  }

  for (const [name, opc] of [['BSF', 0xbc], ['BSR', 0xbd]] as const) {
    for (const w of [32, 16] as const) {
      out.push({
        name: `${name} Gv,Ev (o${w})`, group: 'bits', flagsRule: RULE_BSF, count: 250,
        gen(b) {
          let v: number;
          do {
            const r = b.rng.int(4);
            v = r === 0 ? (1 << b.rng.int(w)) >>> 0 : r === 1 ? b.rng.value(w) : b.rng.next() >>> b.rng.int(32);
            v = w === 16 ? v & 0xffff : v >>> 0;
            if (b.rng.bool(0.3)) v = (v & ~((1 << b.rng.int(w)) - 1)) >>> 0; // clear low bits too
            v = w === 16 ? v & 0xffff : v >>> 0;
          } while (v === 0);
          bsf(b, opc, w, v);
        },
      });
    }
  }
  out.push({
    name: 'BSF/BSR Gv,Ev zero source', group: 'bits', flagsRule: RULE_BSF + '; destination as this CPU leaves it', count: 200,
    gen(b, i) {
      bsf(b, i % 2 === 0 ? 0xbc : 0xbd, (i >> 1) % 2 === 0 ? 32 : 16, 0);
    },
  });

  out.push({
    name: 'BSWAP r32', group: 'bits', flagsRule: 'SDM: no flags affected', count: 150,
    gen(b) {
      b.emit(0x0f, 0xc8 + b.rng.int(8));
      b.unaffected = CASE_FLAGS;
    },
  });
  return out.concat(bcdFamilies());
}

function bsf(b: CaseBuilder, opc: number, w: Width, v: number): void {
  const reg = b.rng.int(8);
  const useMem = b.rng.bool();
  const rm = rmOperand(b, w, v, useMem);
  b.prefixes(...osz(w));
  b.emit(0x0f, opc, ...rm.bytes(reg));
  b.defined = ZF | DF;
}

// SDM Vol. 2 "DAA"/"DAS": "The CF and AF flags are set if the adjustment of the value results in a
// decimal carry [borrow] in either digit of the result. The SF, ZF, and PF flags are set according to
// the result. The OF flag is undefined."
const RULE_DAA = 'SDM: CF AF SF ZF PF defined; OF undefined';
// SDM Vol. 2 "AAA"/"AAS": "The AF and CF flags are set to 1 if the adjustment results in a decimal
// carry [borrow]; otherwise they are set to 0. The OF, SF, ZF, and PF flags are undefined."
const RULE_AAA = 'SDM: AF CF defined; OF SF ZF PF undefined';
// SDM Vol. 2 "AAM"/"AAD": "The SF, ZF, and PF flags are set according to the resulting binary value in
// the AL register. The OF, AF, and CF flags are undefined."
const RULE_AAM = 'SDM: SF ZF PF defined; OF AF CF undefined';

function bcdFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  const adj = [['DAA', 0x27, RULE_DAA, CF | AF | SF | ZF | PF | DF], ['DAS', 0x2f, RULE_DAA, CF | AF | SF | ZF | PF | DF],
    ['AAA', 0x37, RULE_AAA, AF | CF | DF], ['AAS', 0x3f, RULE_AAA, AF | CF | DF]] as const;
  for (const [name, opc, rule, defined] of adj) {
    out.push({
      // Exhaustive over AL x AF x CF (the inputs these read); AH and the other flags random.
      name, group: 'bcd', flagsRule: rule, count: 1024,
      gen(b, i) {
        b.setW(8, 0, i & 0xff);
        b.flags = (b.flags & ~(AF | CF)) | (i & 0x100 ? AF : 0) | (i & 0x200 ? CF : 0);
        b.emit(opc);
        b.defined = defined;
      },
    });
  }
  for (const [name, opc] of [['AAM', 0xd4], ['AAD', 0xd5]] as const) {
    out.push({
      name: `${name} (imm8 10)`, group: 'bcd', flagsRule: RULE_AAM, count: 300,
      gen(b, i) {
        if (i < 256) b.setW(8, 0, i);
        b.emit(opc, 10);
        b.defined = SF | ZF | PF | DF;
      },
    });
    out.push({
      name: `${name} (imm8 other than 10)`, group: 'bcd', flagsRule: RULE_AAM, count: 300,
      gen(b, i) {
        let imm = i < 16 ? [1, 2, 3, 7, 8, 9, 11, 15, 16, 0x10, 0x7f, 0x80, 0xfe, 0xff, 100, 255][i]! : b.rng.int(256);
        if (imm === 10 || (name === 'AAM' && imm === 0)) imm = name === 'AAD' && b.rng.bool(0.2) ? 0 : 16;
        b.emit(opc, imm);
        b.defined = SF | ZF | PF | DF;
      },
    });
  }
  out.push({
    name: 'AAM 0 #DE', group: 'exception', flagsRule: RULE_FAULT, count: 60, expectVector: 0,
    gen(b) {
      b.set32(4, EXC_STACK_TOP);
      b.emit(0xd4, 0);
      b.unaffected = CASE_FLAGS;
    },
  });
  return out;
}

