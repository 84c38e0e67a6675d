/** ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT in every encoding form and width. */
import { AF, CASE_FLAGS, CF } from '../format.js';
import { type CaseBuilder, type FamilyDef, type Width, rmOperand } from './core.js';

const ALU = ['ADD', 'OR', 'ADC', 'SBB', 'AND', 'SUB', 'XOR', 'CMP'] as const;

// SDM Vol. 2, ADD/ADC/SUB/SBB/CMP/NEG "Flags Affected": "The OF, SF, ZF, AF, CF, and PF flags are set
// according to the result." All six defined.
export const RULE_ARITH = 'SDM: OF SF ZF AF CF PF set according to the result (all defined)';
// SDM Vol. 2, AND/OR/XOR/TEST: "The OF and CF flags are cleared; the SF, ZF, and PF flags are set
// according to the result. The state of the AF flag is undefined."
export const RULE_LOGIC = 'SDM: OF CF cleared; SF ZF PF per result; AF undefined';
const RULE_INCDEC = 'SDM INC/DEC: CF not affected; OF SF ZF AF PF per result (all defined)';
const RULE_NOT = 'SDM NOT: no flags affected';

const isLogic = (k: number) => k === 1 || k === 4 || k === 6;
const aluRule = (k: number) => (isLogic(k) ? RULE_LOGIC : RULE_ARITH);
const aluDefined = (k: number) => (isLogic(k) ? CASE_FLAGS & ~AF : CASE_FLAGS);

/** Memory-destination forms sometimes carry LOCK (legal there; CMP and TEST are not lockable). */
function lockPrefix(b: CaseBuilder, lockable: boolean, isMem: boolean): number[] {
  return lockable && isMem && b.rng.bool(0.15) ? [0xf0] : [];
}

const osz = (w: Width) => (w === 16 ? [0x66] : []);
const wtag = (w: Width) => (w === 8 ? '' : ` (o${w})`);

/** op r/m, reg (toReg = false) or op reg, r/m (toReg = true). */
function formEG(name: string, k: number, opcode: number, width: Width, toReg: boolean, defined: number, lockable: boolean): FamilyDef {
  const ops = width === 8 ? (toReg ? 'Gb,Eb' : 'Eb,Gb') : toReg ? 'Gv,Ev' : 'Ev,Gv';
  return {
    name: `${name} ${ops}${wtag(width)}`, group: 'alu', flagsRule: k < 0 ? RULE_LOGIC : aluRule(k), count: 200,
    gen(b) {
      const reg = b.rng.int(8);
      b.setW(width, reg, b.rng.value(width));
      const rm = rmOperand(b, width, b.rng.value(width), b.rng.bool());
      b.prefixes(...osz(width), ...lockPrefix(b, lockable && !toReg, rm.isMem));
      b.emit(opcode, ...rm.bytes(reg));
      b.defined = defined;
    },
  };
}

/** op AL/AX/EAX, imm (the short accumulator forms). */
function formAcc(name: string, opcode: number, width: Width, defined: number, rule: string): FamilyDef {
  const ops = width === 8 ? 'AL,Ib' : width === 16 ? 'AX,Iw' : 'EAX,Id';
  return {
    name: `${name} ${ops}`, group: 'alu', flagsRule: rule, count: 150,
    gen(b) {
      b.setW(width, 0, b.rng.value(width));
      b.prefixes(...osz(width));
      b.emit(opcode);
      b.emitImm(width, b.rng.value(width));
      b.defined = defined;
    },
  };
}

/** Group-1 immediate forms 80/81/82/83 /k (and F6/F7 /0 TEST). immWidth 8 with width > 8 = sign-extended imm8. */
function formImm(name: string, opcode: number, ext: number, width: Width, immWidth: Width, defined: number, rule: string, lockable: boolean, count = 200): FamilyDef {
  const ops = width === 8 ? 'Eb,Ib' : immWidth === 8 ? 'Ev,Ib' : 'Ev,Iz';
  return {
    name: `${name} ${ops}${wtag(width)}${opcode === 0x82 ? ' [82]' : ''}`, group: 'alu', flagsRule: rule, count,
    gen(b) {
      const rm = rmOperand(b, width, b.rng.value(width), b.rng.bool());
      b.prefixes(...osz(width), ...lockPrefix(b, lockable, rm.isMem));
      b.emit(opcode, ...rm.bytes(ext));
      b.emitImm(immWidth, b.rng.value(immWidth));
      b.defined = defined;
    },
  };
}

export function aluFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  ALU.forEach((name, k) => {
    const d = aluDefined(k);
    const lockable = name !== 'CMP';
    out.push(formEG(name, k, 8 * k, 8, false, d, lockable));
    for (const w of [32, 16] as const) out.push(formEG(name, k, 8 * k + 1, w, false, d, lockable));
    out.push(formEG(name, k, 8 * k + 2, 8, true, d, lockable));
    for (const w of [32, 16] as const) out.push(formEG(name, k, 8 * k + 3, w, true, d, lockable));
    out.push(formAcc(name, 8 * k + 4, 8, d, aluRule(k)));
    for (const w of [32, 16] as const) out.push(formAcc(name, 8 * k + 5, w, d, aluRule(k)));
    out.push(formImm(name, 0x80, k, 8, 8, d, aluRule(k), lockable));
    out.push(formImm(name, 0x82, k, 8, 8, d, aluRule(k), lockable, 60));
    for (const w of [32, 16] as const) out.push(formImm(name, 0x81, k, w, w, d, aluRule(k), lockable));
    for (const w of [32, 16] as const) out.push(formImm(name, 0x83, k, w, 8, d, aluRule(k), lockable));
  });

  const logic = CASE_FLAGS & ~AF;
  out.push(formEG('TEST', -1, 0x84, 8, false, logic, false));
  for (const w of [32, 16] as const) out.push(formEG('TEST', -1, 0x85, w, false, logic, false));
  out.push(formAcc('TEST', 0xa8, 8, logic, RULE_LOGIC));
  for (const w of [32, 16] as const) out.push(formAcc('TEST', 0xa9, w, logic, RULE_LOGIC));
  out.push(formImm('TEST', 0xf6, 0, 8, 8, logic, RULE_LOGIC, false));
  for (const w of [32, 16] as const) out.push(formImm('TEST', 0xf7, 0, w, w, logic, RULE_LOGIC, false));

  // INC/DEC r/m (FE/FF /0 /1), the one-byte 40+r / 48+r forms, NEG (F6/F7 /3), NOT (F6/F7 /2).
  const unary: Array<[string, number, string, number, number]> = [
    ['INC', 0, RULE_INCDEC, CASE_FLAGS, CF],
    ['DEC', 1, RULE_INCDEC, CASE_FLAGS, CF],
  ];
  for (const [name, ext, rule, defined, unaffected] of unary) {
    for (const w of [8, 32, 16] as const) {
      out.push({
        name: `${name} ${w === 8 ? 'Eb' : 'Ev'}${wtag(w)}`, group: 'alu', flagsRule: rule, count: 200,
        gen(b) {
          const rm = rmOperand(b, w, b.rng.value(w), b.rng.bool());
          b.prefixes(...osz(w), ...lockPrefix(b, true, rm.isMem));
          b.emit(w === 8 ? 0xfe : 0xff, ...rm.bytes(ext));
          b.defined = defined;
          b.unaffected |= unaffected;
        },
      });
    }
    for (const w of [32, 16] as const) {
      out.push({
        name: `${name} ${w === 32 ? 'r32' : 'r16'} (${ext === 0 ? '40' : '48'}+r)`, group: 'alu', flagsRule: rule, count: 150,
        gen(b) {
          const r = b.rng.int(8);
          b.setW(w, r, b.rng.value(w));
          b.prefixes(...osz(w));
          b.emit(0x40 + 8 * ext + r);
          b.unaffected |= unaffected;
        },
      });
    }
  }
  for (const [name, ext, rule] of [['NEG', 3, RULE_ARITH], ['NOT', 2, RULE_NOT]] as const) {
    for (const w of [8, 32, 16] as const) {
      out.push({
        name: `${name} ${w === 8 ? 'Eb' : 'Ev'}${wtag(w)}`, group: 'alu', flagsRule: rule, count: 200,
        gen(b) {
          const rm = rmOperand(b, w, b.rng.value(w), b.rng.bool());
          b.prefixes(...osz(w), ...lockPrefix(b, true, rm.isMem));
          b.emit(w === 8 ? 0xf6 : 0xf7, ...rm.bytes(ext));
          if (name === 'NOT') b.unaffected = CASE_FLAGS;
        },
      });
    }
  }
  return out;
}

