/** MOVS STOS LODS CMPS SCAS, byte/word/dword, with and without REP/REPE/REPNE, DF = 0 and 1. */
import { CASE_FLAGS, DATA_ADDR, DATA_SIZE, DF } from '../format.js';
import { type CaseBuilder, type FamilyDef, type Width } from './core.js';

const OPS = [
  // name, opcode (byte form), uses ESI, uses EDI, compares
  ['MOVS', 0xa4, true, true, false],
  ['CMPS', 0xa6, true, true, true],
  ['STOS', 0xaa, false, true, false],
  ['LODS', 0xac, true, false, false],
  ['SCAS', 0xae, false, true, true],
] as const;

const SUFFIX: Record<Width, string> = { 8: 'B', 16: 'W', 32: 'D' };

/** A pointer register value such that `n` elements of `size` bytes, walked in direction DF, stay in the data area. */
function pointer(b: CaseBuilder, n: number, size: number, down: boolean): number {
  const span = Math.max(n, 1) * size;
  const lo = down ? span - size : 0;
  const hi = down ? DATA_SIZE - size : DATA_SIZE - span;
  return b.rng.range(lo, hi);
}

export function stringFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  for (const [name, opc, src, dst, cmp] of OPS) {
    const reps: Array<[string, number]> = cmp ? [['', 0], ['REPE ', 0xf3], ['REPNE ', 0xf2]] : [['', 0], ['REP ', 0xf3]];
    for (const w of [8, 16, 32] as const) {
      for (const [repName, rep] of reps) {
        out.push({
          name: `${repName}${name}${SUFFIX[w]}`, group: 'string',
          flagsRule: cmp ? 'SDM: CF OF SF ZF AF PF per the comparison (all defined); none affected when ECX = 0 under REP' : 'SDM: no flags affected',
          count: 150,
          gen(b, i) {
            const s = w / 8;
            const down = i % 2 === 1;
            b.flags = (b.flags & ~DF) | (down ? DF : 0);
            const n = rep ? b.rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8, b.rng.range(1, 8)]) : 1;
            if (rep) b.set32(1, n);
            const step = down ? -s : s;
            const ps = pointer(b, n, s, down);
            const pd = pointer(b, n, s, down);
            if (src) b.set32(6, DATA_ADDR + ps);
            if (dst) b.set32(7, DATA_ADDR + pd);
            if (cmp && n > 0) {
              // Make comparisons succeed for a while so REPE runs past the first element and REPNE
              // stops before the count runs out (random bytes rarely compare equal).
              const acc = b.getW(w, 0);
              const plant = (t: number) => {
                if (src) b.wr(w, ps + t * step, b.rd(w, pd + t * step)); // CMPS: [ESI] = [EDI]
                else b.wr(w, pd + t * step, acc); // SCAS: [EDI] = accumulator
              };
              if (rep === 0xf3 && b.rng.bool(0.7)) for (let t = 0, k = b.rng.range(1, n); t < k; t++) plant(t);
              else if (rep === 0xf2 && b.rng.bool(0.7)) plant(b.rng.int(n));
              else if (rep === 0 && b.rng.bool()) plant(0);
            }
            if (w === 16) b.emit(0x66);
            if (rep) b.emit(rep);
            b.emit(opc + (w === 8 ? 0 : 1));
            if (!cmp || (rep && n === 0)) b.unaffected = CASE_FLAGS;
          },
        });
      }
    }
  }
  return out;
}
