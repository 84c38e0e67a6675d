/** PUSH POP (reg, imm, mem), PUSHF POPF, PUSHA POPA, ENTER LEAVE; ESP points into the data area. */
import { CASE_FLAGS, DATA_ADDR, DATA_SIZE, EFLAGS_BASE } from '../format.js';
import { type CaseBuilder, type FamilyDef, type Width, modrm } from './core.js';

const NOFLAGS = 'SDM: no flags affected';
const osz = (w: Width) => (w === 16 ? [0x66] : []);

/** ESP = the data area + an offset in [lo, hi]. */
function setEsp(b: CaseBuilder, lo: number, hi: number): number {
  const p = b.rng.range(lo, hi);
  b.set32(4, DATA_ADDR + p);
  return p;
}

function fam(name: string, count: number, gen: (b: CaseBuilder, i: number) => void, rule = NOFLAGS): FamilyDef {
  return {
    name, group: 'stack', flagsRule: rule, count,
    gen(b, i) {
      b.unaffected = CASE_FLAGS;
      gen(b, i);
    },
  };
}

export function stackFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  for (const w of [32, 16] as const) {
    const s = w / 8;
    out.push(fam(`PUSH r${w} (50+r)`, 150, (b) => {
      setEsp(b, s, DATA_SIZE);
      b.emit(...osz(w), 0x50 + b.rng.int(8)); // 54 pushes ESP as it was before the push
    }));
    out.push(fam(`POP r${w} (58+r)`, 150, (b) => {
      setEsp(b, 0, DATA_SIZE - s);
      b.emit(...osz(w), 0x58 + b.rng.int(8)); // 5C: ESP gets the popped value
    }));
    out.push(fam(`PUSH Iz (68, o${w})`, 100, (b) => {
      setEsp(b, s, DATA_SIZE);
      b.emit(...osz(w), 0x68);
      b.emitImm(w, b.rng.value(w));
    }));
    out.push(fam(`PUSH Ib (6A, sign-extended, o${w})`, 100, (b) => {
      setEsp(b, s, DATA_SIZE);
      b.emit(...osz(w), 0x6a, b.rng.value(8));
    }));
    out.push(fam(`PUSH Ev (FF /6, o${w})`, 200, (b) => {
      const r = b.rng.int(3);
      const p = setEsp(b, s, DATA_SIZE);
      b.prefixes(...osz(w));
      if (r === 0) b.emit(0xff, modrm(3, 6, b.rng.int(8)));
      else if (r === 1) {
        // [ESP+disp8]: the address is computed before ESP is decremented
        const q = b.rng.range(0, DATA_SIZE - s);
        b.emit(0xff, modrm(1, 6, 4), 0x24, (q - p) & 0xff);
      } else {
        const m = b.mem(s);
        b.emit(0xff, ...m.bytes(6));
      }
    }));
    out.push(fam(`POP Ev (8F /0, o${w})`, 200, (b) => {
      const r = b.rng.int(4);
      const p = setEsp(b, 0, DATA_SIZE - s);
      b.prefixes(...osz(w));
      if (r === 0) b.emit(0x8f, modrm(3, 0, b.rng.int(8)));
      else if (r === 1) {
        // SDM: "If the ESP register is used as a base register for addressing a destination operand
        // in memory, the POP instruction computes the effective address of the operand after it
        // increments the ESP register."
        const q = b.rng.range(0, DATA_SIZE - s);
        if (b.rng.bool(0.25) && p + s <= DATA_SIZE - s) b.emit(0x8f, modrm(0, 0, 4), 0x24);
        else b.emit(0x8f, modrm(1, 0, 4), 0x24, (q - p - s) & 0xff);
      } else {
        const m = b.mem(s);
        b.emit(0x8f, ...m.bytes(0));
      }
    }));
    out.push(fam(w === 32 ? 'PUSHFD' : 'PUSHFW', 100, (b) => {
      setEsp(b, s, DATA_SIZE);
      b.emit(...osz(w), 0x9c);
    }));
    out.push(fam(w === 32 ? 'POPFD' : 'POPFW', 150, (b) => {
      // The popped image keeps IF set and TF/AC/NT/ID clear (as the native process needs); the
      // arithmetic flags and DF are random.
      const p = setEsp(b, 0, DATA_SIZE - s);
      b.wr(w, p, EFLAGS_BASE | (b.rng.next() & CASE_FLAGS));
      b.emit(...osz(w), 0x9d);
      b.unaffected = 0;
    }, 'SDM: all flags loaded from the stack (defined)'));
    out.push(fam(w === 32 ? 'PUSHAD' : 'PUSHAW', 100, (b) => {
      setEsp(b, 8 * s, DATA_SIZE);
      b.emit(...osz(w), 0x60);
    }));
    out.push(fam(w === 32 ? 'POPAD' : 'POPAW', 100, (b) => {
      setEsp(b, 0, DATA_SIZE - 8 * s);
      b.emit(...osz(w), 0x61);
    }));
    out.push(fam(`ENTER Iw,Ib (o${w})`, 200, (b, i) => {
      let lvl = i < 40 ? [0, 1, 2, 3, 4, 32, 33, 34][i % 8]! : b.rng.bool(0.85) ? b.rng.int(5) : b.rng.int(256);
      // The level is taken modulo 32; keep the frame inside the data area.
      if ((lvl & 31) > 64 / s - 2) lvl = (lvl & ~31) | (lvl & 7);
      const L = lvl & 31;
      const copies = L > 1 ? L - 1 : 0;
      const pushed = s * (1 + copies + (L > 0 ? 1 : 0));
      setEsp(b, pushed, DATA_SIZE);
      if (copies > 0 || b.rng.bool()) b.set32(5, DATA_ADDR + b.rng.range(s * copies, DATA_SIZE));
      // ENTER faults natively if the final ESP would not be writable, so the frame stays in the mapped region.
      const size = b.rng.pick([0, 4, 8, 0x10, 0x7c0, b.rng.int(0x7c1), b.rng.int(64)]);
      b.emit(...osz(w), 0xc8, size & 0xff, size >>> 8, lvl);
    }));
    out.push(fam(`LEAVE (o${w})`, 150, (b) => {
      b.set32(5, DATA_ADDR + b.rng.range(0, DATA_SIZE - s));
      b.emit(...osz(w), 0xc9);
    }));
  }
  return out;
}
