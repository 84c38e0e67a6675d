/** Data movement: MOV MOVZX MOVSX XCHG XADD CMPXCHG CMPXCHG8B BSWAP CBW.. XLAT, LAHF SAHF, CLC.. STD. */
import { CASE_FLAGS, CF, DATA_ADDR, DATA_SIZE, DF, OF, ZF } from '../format.js';
import { type CaseBuilder, type FamilyDef, type Width, le32, modrm, rmOperand, rmValue } from './core.js';
import { RULE_ARITH } from './alu.js';

const NOFLAGS = 'SDM: no flags affected';
const osz = (w: Width) => (w === 16 ? [0x66] : []);
const wtag = (w: Width) => (w === 8 ? '' : ` (o${w})`);
const lock = (b: CaseBuilder, isMem: boolean) => (isMem && b.rng.bool(0.15) ? [0xf0] : []);

/** An r/m-and-reg family with no flag effects, e.g. MOV Ev,Gv. */
function eg(name: string, opc: number[], regW: Width, rmW: Width, prefixW: Width, count = 150, lockable = false, rule = NOFLAGS): FamilyDef {
  return {
    name, group: 'data', flagsRule: rule, count,
    gen(b) {
      const reg = b.rng.int(8);
      b.setW(regW, reg, b.rng.value(regW));
      const rm = rmOperand(b, rmW, b.rng.value(rmW), b.rng.bool());
      b.prefixes(...osz(prefixW), ...(lockable ? lock(b, rm.isMem) : []));
      b.emit(...opc, ...rm.bytes(reg));
      if (rule === NOFLAGS) b.unaffected = CASE_FLAGS;
    },
  };
}

export function dataFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  // MOV (all forms)
  out.push(eg('MOV Eb,Gb', [0x88], 8, 8, 8, 100));
  out.push(eg('MOV Gb,Eb', [0x8a], 8, 8, 8, 100));
  for (const w of [32, 16] as const) {
    out.push(eg(`MOV Ev,Gv (o${w})`, [0x89], w, w, w, 100));
    out.push(eg(`MOV Gv,Ev (o${w})`, [0x8b], w, w, w, 100));
  }
  for (const w of [8, 32, 16] as const) {
    out.push({
      name: `MOV ${w === 8 ? 'Eb,Ib' : 'Ev,Iz'}${wtag(w)}`, group: 'data', flagsRule: NOFLAGS, count: 100,
      gen(b) {
        const rm = rmOperand(b, w, b.rng.value(w), b.rng.bool());
        b.prefixes(...osz(w));
        b.emit(w === 8 ? 0xc6 : 0xc7, ...rm.bytes(0));
        b.emitImm(w, b.rng.value(w));
        b.unaffected = CASE_FLAGS;
      },
    });
    out.push({
      name: `MOV ${w === 8 ? 'r8,Ib (B0+r)' : `r${w},Iv (B8+r)`}`, group: 'data', flagsRule: NOFLAGS, count: 100,
      gen(b) {
        b.prefixes(...osz(w));
        b.emit((w === 8 ? 0xb0 : 0xb8) + b.rng.int(8));
        b.emitImm(w, b.rng.value(w));
        b.unaffected = CASE_FLAGS;
      },
    });
    out.push({
      name: `MOV ${w === 8 ? 'AL' : w === 16 ? 'AX' : 'EAX'}<->moffs (A0-A3)`, group: 'data', flagsRule: NOFLAGS, count: 100,
      gen(b) {
        const off = b.rng.int(DATA_SIZE - w / 8 + 1);
        b.wr(w, off, b.rng.value(w));
        b.prefixes(...osz(w));
        b.emit((b.rng.bool() ? 0xa0 : 0xa2) + (w === 8 ? 0 : 1), ...le32(DATA_ADDR + off));
        b.unaffected = CASE_FLAGS;
      },
    });
  }

  // MOVZX / MOVSX
  for (const [name, base] of [['MOVZX', 0xb6], ['MOVSX', 0xbe]] as const) {
    for (const [src, srcW] of [['Eb', 8], ['Ew', 16]] as const) {
      for (const w of [32, 16] as const) {
        out.push(eg(`${name} Gv,${src} (o${w})`, [0x0f, base + (srcW === 16 ? 1 : 0)], w, srcW, w, 200));
      }
    }
  }

  // XCHG, XADD
  out.push(eg('XCHG Eb,Gb', [0x86], 8, 8, 8, 200, true));
  for (const w of [32, 16] as const) {
    out.push(eg(`XCHG Ev,Gv (o${w})`, [0x87], w, w, w, 200, true));
    out.push({
      name: `XCHG ${w === 32 ? 'EAX' : 'AX'},r (90+r)`, group: 'data', flagsRule: NOFLAGS, count: 100,
      gen(b) {
        b.prefixes(...osz(w));
        b.emit(0x90 + b.rng.range(1, 7));
        b.unaffected = CASE_FLAGS;
      },
    });
  }
  out.push(eg('XADD Eb,Gb', [0x0f, 0xc0], 8, 8, 8, 200, true, RULE_ARITH));
  for (const w of [32, 16] as const) out.push(eg(`XADD Ev,Gv (o${w})`, [0x0f, 0xc1], w, w, w, 200, true, RULE_ARITH));

  // CMPXCHG: both outcomes. SDM: "The ZF flag is set if the values in the destination operand and
  // register AL, AX, or EAX are equal; otherwise it is cleared. The CF, PF, AF, SF, and OF flags are set
  // according to the results of the comparison operation." All defined.
  for (const w of [8, 32, 16] as const) {
    out.push({
      name: `CMPXCHG ${w === 8 ? 'Eb,Gb' : 'Ev,Gv'}${wtag(w)}`, group: 'data', flagsRule: 'SDM: ZF = equal; CF PF AF SF OF per the comparison (all defined)', count: 250,
      gen(b, i) {
        const reg = b.rng.int(8);
        b.setW(w, reg, b.rng.value(w));
        b.setW(w, 0, b.rng.value(w));
        const useMem = b.rng.bool();
        const rm = rmOperand(b, w, b.rng.value(w), useMem);
        if (i % 2 === 0) {
          b.setW(w, 0, rmValue(b, w, rm));
        }
        b.prefixes(...osz(w), ...lock(b, useMem));
        b.emit(0x0f, w === 8 ? 0xb0 : 0xb1, ...rm.bytes(reg));
      },
    });
  }

  // CMPXCHG8B m64. EBX is an operand here, so the address uses ESI/EDI/EBP or an absolute disp32.
  // SDM: "The ZF flag is set if the destination operand and EDX:EAX are equal; otherwise it is cleared.
  // The CF, PF, AF, SF, and OF flags are unaffected."
  out.push({
    name: 'CMPXCHG8B Mq', group: 'data', flagsRule: 'SDM: ZF = equal; CF PF AF SF OF unaffected', count: 300,
    gen(b, i) {
      const off = b.rng.int(DATA_SIZE - 8 + 1);
      if (i % 2 === 0) { b.set32(0, b.rd(32, off)); b.set32(2, b.rd(32, off + 4)); }
      else if (b.rng.bool()) { b.set32(0, b.rd(32, off)); } // low half equal only
      let rmBytes: number[];
      if (b.rng.bool(0.2)) rmBytes = [modrm(0, 1, 5), ...le32(DATA_ADDR + off)];
      else {
        const base = b.rng.pick([5, 6, 7]);
        const bias = b.rng.int(DATA_SIZE + 1);
        b.set32(base, DATA_ADDR + bias);
        rmBytes = [modrm(1, 1, base), (off - bias) & 0xff];
      }
      b.prefixes(...(b.rng.bool(0.3) ? [0xf0] : []));
      b.emit(0x0f, 0xc7, ...rmBytes);
      b.unaffected = CASE_FLAGS & ~ZF;
    },
  });

  // Sign extension of the accumulator
  const ext = [['CBW', [0x66, 0x98], 8], ['CWDE', [0x98], 16], ['CWD', [0x66, 0x99], 16], ['CDQ', [0x99], 32]] as const;
  for (const [name, bytes, w] of ext) {
    out.push({
      name, group: 'data', flagsRule: NOFLAGS, count: 100,
      gen(b) {
        b.setW(w, 0, b.rng.value(w));
        b.emit(...bytes);
        b.unaffected = CASE_FLAGS;
      },
    });
  }
  out.push({
    name: 'XLAT', group: 'data', flagsRule: NOFLAGS, count: 100,
    gen(b) {
      const al = b.rng.int(256);
      b.setW(8, 0, al);
      b.set32(3, DATA_ADDR + b.rng.int(DATA_SIZE) - al);
      b.emit(0xd7);
      b.unaffected = CASE_FLAGS;
    },
  });

  // Flag transfers and flag instructions
  out.push({
    name: 'LAHF', group: 'flags', flagsRule: NOFLAGS, count: 150,
    gen(b) { b.emit(0x9f); b.unaffected = CASE_FLAGS; },
  });
  out.push({
    // SDM "SAHF": loads SF ZF AF PF CF from AH bits 7 6 4 2 0; OF (and DF) unaffected.
    name: 'SAHF', group: 'flags', flagsRule: 'SDM: SF ZF AF PF CF <- AH; OF unaffected', count: 150,
    gen(b, i) { if (i < 128) b.setW(8, 4, i * 2 + (i & 1)); b.emit(0x9e); b.unaffected = OF | DF; },
  });
  const fl = [['CLC', 0xf8, CF], ['STC', 0xf9, CF], ['CMC', 0xf5, CF], ['CLD', 0xfc, DF], ['STD', 0xfd, DF]] as const;
  for (const [name, opc, flag] of fl) {
    out.push({
      name, group: 'flags', flagsRule: `SDM: only ${flag === CF ? 'CF' : 'DF'} affected`, count: 60,
      gen(b) { b.emit(opc); b.unaffected = CASE_FLAGS & ~flag; },
    });
  }
  return out;
}
