/** NOP forms, #UD cases, and multi-instruction sequences that stress lazy flag evaluation. */
import { CASE_FLAGS, DATA_ADDR, DATA_SIZE, EXC_STACK_TOP } from '../format.js';
import { CC_NAMES, type CaseBuilder, type FamilyDef, le32, modrm } from './core.js';
import { RULE_FAULT } from './muldiv.js';

export function miscFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  out.push({
    name: 'NOP forms (90, 66 90, F3 90, 0F 1F /0 multi-byte)', group: 'misc', flagsRule: 'SDM: no flags affected', count: 200,
    gen(b, i) {
      // The recommended multi-byte NOPs (SDM Table 4-12), then random 0F 1F /0 ModRM forms: NOP Ev
      // does not access memory, so any address is fine.
      const table = [[0x90], [0x66, 0x90], [0xf3, 0x90], [0x0f, 0x1f, 0x00], [0x0f, 0x1f, 0x40, 0x00], [0x0f, 0x1f, 0x44, 0x00, 0x00],
        [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00], [0x0f, 0x1f, 0x80, 0, 0, 0, 0], [0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0],
        [0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0], [0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0]];
      if (i < table.length) b.emit(...table[i]!);
      else {
        if (b.rng.bool(0.3)) b.emit(0x66);
        const mod = b.rng.int(4);
        const rm = b.rng.int(8);
        b.emit(0x0f, 0x1f, modrm(mod, 0, rm));
        if (mod !== 3 && rm === 4) b.emit(b.rng.int(256));
        if (mod === 1) b.emit(b.rng.int(256));
        else if (mod === 2 || (mod === 0 && rm === 5)) b.emit(...le32(b.rng.next()));
        else if (mod === 0 && rm === 4 && (b.code[b.code.length - 1]! & 7) === 5) b.emit(...le32(b.rng.next()));
      }
      b.unaffected = CASE_FLAGS;
    },
  });

  out.push({
    name: '#UD (UD2, LOCK misuse, LEA/CMPXCHG8B with a register operand)', group: 'exception', flagsRule: RULE_FAULT,
    count: 120, expectVector: 6,
    gen(b, i) {
      b.set32(4, EXC_STACK_TOP);
      const r = b.rng.int(8);
      const forms = [
        [0x0f, 0x0b], // UD2
        [0x8d, modrm(3, r, b.rng.int(8))], // LEA with mod = 11
        [0x0f, 0xc7, modrm(3, 1, b.rng.int(8))], // CMPXCHG8B with mod = 11
        [0xf0, 0x01, modrm(3, r, b.rng.int(8))], // LOCK ADD reg, reg
        [0xf0, 0x90], // LOCK NOP
        [0xf0, 0x39, 0x05, ...le32(DATA_ADDR + b.rng.int(DATA_SIZE - 3))], // LOCK CMP [m32], eax: CMP is not lockable
        [0xf0, 0x89, 0x05, ...le32(DATA_ADDR + b.rng.int(DATA_SIZE - 3))], // LOCK MOV
      ];
      b.emit(...forms[i % forms.length]!);
      b.unaffected = CASE_FLAGS;
    },
  });

  out.push(seqFamily());
  return out;
}

/**
 * Random 2..5 instruction sequences over registers, from instructions whose flags are all defined,
 * so the final state is fully defined. They catch lazy-flag bugs that single instructions cannot:
 * INC/DEC keep CF from an older producer, ADC/SBB/SETcc/CMOVcc/Jcc/LAHF consume flags of
 * different producers, SAHF/CLC/STC/CMC overwrite part of a pending result.
 */
function seqFamily(): FamilyDef {
  type Insn = (b: CaseBuilder) => number[];
  const r8 = (b: CaseBuilder) => b.rng.int(8);
  const osz = (b: CaseBuilder, w: number) => (w === 16 ? [0x66] : []);
  const width = (b: CaseBuilder) => b.rng.pick([8, 16, 32] as const);
  const pool: Insn[] = [
    (b) => { const w = width(b); const k = b.rng.pick([0, 2, 3, 5, 7]); return [...osz(b, w), 8 * k + (w === 8 ? 0 : 1), modrm(3, r8(b), r8(b))]; }, // ADD ADC SBB SUB CMP r,r
    (b) => { const w = b.rng.pick([16, 32]); const k = b.rng.pick([0, 2, 3, 5, 7]); return [...osz(b, w), 0x83, modrm(3, k, r8(b)), b.rng.value(8)]; },
    (b) => { const w = width(b); return [...osz(b, w), w === 8 ? 0xfe : 0xff, modrm(3, b.rng.int(2), r8(b))]; }, // INC/DEC
    (b) => { const w = width(b); return [...osz(b, w), w === 8 ? 0xf6 : 0xf7, modrm(3, b.rng.pick([2, 3]), r8(b))]; }, // NOT/NEG
    (b) => { const w = width(b); return [...osz(b, w), w === 8 ? 0xd0 : 0xd1, modrm(3, b.rng.int(4), r8(b))]; }, // ROL ROR RCL RCR by 1
    (b) => [0x0f, 0x90 + b.rng.int(16), modrm(3, 0, r8(b))], // SETcc
    (b) => [0x0f, 0x40 + b.rng.int(16), modrm(3, r8(b), r8(b))], // CMOVcc r32
    (b) => [b.rng.pick([0x9f, 0x9e, 0xf8, 0xf9, 0xf5])], // LAHF SAHF CLC STC CMC
    (b) => [0xb8 + r8(b), ...le32(b.rng.value(32))], // MOV r32, imm32
    (b) => [0x0f, b.rng.pick([0xb1, 0xc1]), modrm(3, r8(b), r8(b))], // CMPXCHG / XADD r32
  ];
  return {
    name: 'sequences (lazy flags across instructions)', group: 'misc', flagsRule: 'all instructions used define every flag they affect', count: 2000,
    gen(b) {
      const n = b.rng.range(2, 5);
      const insns: number[][] = [];
      for (let k = 0; k < n; k++) insns.push(b.rng.pick(pool)(b));
      for (let k = 0; k < n; k++) {
        // Sometimes a Jcc over the instruction.
        if (b.rng.bool(0.2)) b.emit(0x70 + b.rng.int(CC_NAMES.length), insns[k]!.length);
        b.emit(...insns[k]!);
      }
    },
  };
}
