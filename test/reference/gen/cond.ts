/** SETcc, CMOVcc, Jcc (taken and not taken), JCXZ/JECXZ, LOOP/LOOPE/LOOPNE. */
import { CASE_FLAGS, CF, DF } from '../format.js';
import { CC_NAMES, type CaseBuilder, type FamilyDef, le32, rmOperand } from './core.js';

const NOFLAGS = 'SDM: no flags affected';

/** `mov eax, imm32`: the instruction a branch skips, so taken vs not taken shows in EAX. */
function movEax(b: CaseBuilder): number[] {
  let v: number;
  do v = b.rng.next(); while (v === b.get32(0));
  return [0xb8, ...le32(v)];
}

export function condFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  CC_NAMES.forEach((cc, n) => {
    out.push({
      name: `SET${cc} Eb`, group: 'cond', flagsRule: NOFLAGS, count: 120,
      gen(b) {
        const rm = rmOperand(b, 8, b.rng.value(8), b.rng.bool());
        b.emit(0x0f, 0x90 + n, ...rm.bytes(b.rng.bool(0.8) ? 0 : b.rng.int(8))); // reg field is ignored
        b.unaffected = CASE_FLAGS;
      },
    });
    out.push({
      name: `CMOV${cc} Gv,Ev`, group: 'cond', flagsRule: NOFLAGS, count: 160,
      gen(b) {
        const w = b.rng.bool() ? 32 : 16;
        const reg = b.rng.int(8);
        const rm = rmOperand(b, w, b.rng.value(w), b.rng.bool());
        if (w === 16) b.emit(0x66);
        b.emit(0x0f, 0x40 + n, ...rm.bytes(reg));
        b.unaffected = CASE_FLAGS;
      },
    });
    out.push({
      name: `J${cc} (rel8 and rel32)`, group: 'cond', flagsRule: NOFLAGS, count: 120,
      gen(b) {
        const skip = movEax(b);
        if (b.rng.bool()) b.emit(0x70 + n, skip.length);
        else b.emit(0x0f, 0x80 + n, ...le32(skip.length));
        b.emit(...skip);
        b.unaffected = CASE_FLAGS;
      },
    });
  });

  out.push({
    name: 'JECXZ/JCXZ rel8', group: 'cond', flagsRule: NOFLAGS, count: 150,
    gen(b) {
      const a16 = b.rng.bool(0.3); // 67 prefix: JCXZ tests CX
      const r = b.rng.int(4);
      if (r === 0) b.set32(1, 0);
      else if (r === 1) b.set32(1, a16 ? (b.rng.next() & 0xffff0000) >>> 0 : b.rng.int(0x10000) << 16);
      const skip = movEax(b);
      if (a16) b.emit(0x67);
      b.emit(0xe3, skip.length, ...skip);
      b.unaffected = CASE_FLAGS;
    },
  });
  const loops = [['LOOPNE', 0xe0], ['LOOPE', 0xe1], ['LOOP', 0xe2]] as const;
  for (const [name, opc] of loops) {
    out.push({
      name: `${name} rel8`, group: 'cond', flagsRule: NOFLAGS, count: 150,
      gen(b, i) {
        const a16 = b.rng.bool(0.3); // 67 prefix: decrements and tests CX
        if (i % 3 === 2) {
          // A real loop: inc edx / dec esi / loop back, ECX 1..8 (or CX with upper bits set).
          const c = b.rng.range(1, 8);
          b.set32(1, a16 ? ((b.rng.next() & 0xffff0000) | c) >>> 0 : c);
          const body = b.rng.bool() ? [0x42] : [0x4e, 0x42];
          b.emit(...body);
          if (a16) b.emit(0x67);
          b.emit(opc, (-(body.length + 2 + (a16 ? 1 : 0))) & 0xff);
          b.unaffected = CF | DF; // INC/DEC in the body leave CF alone
          return;
        } else {
          const c = b.rng.pick([0, 1, 2, 0x10000, 0x10001, b.rng.next()]);
          b.set32(1, c);
          const skip = movEax(b);
          if (a16) b.emit(0x67);
          b.emit(opc, skip.length, ...skip);
        }
        b.unaffected = CASE_FLAGS;
      },
    });
  }
  return out;
}
