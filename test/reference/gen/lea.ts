/** LEA with every 32-bit ModRM/SIB addressing form, and the 16-bit (67 prefix) forms. */
import { CASE_FLAGS } from '../format.js';
import { type CaseBuilder, type FamilyDef, le16, le32, modrm } from './core.js';

const RULE = 'SDM: no flags affected';

/** ModRM (+SIB) for one 32-bit form, without displacement. */
interface Form32 { mod: number; rm: number; sib?: number }

function forms32(mod: number): Form32[] {
  const out: Form32[] = [];
  for (const rm of [0, 1, 2, 3, 5, 6, 7]) out.push({ mod, rm });
  for (let scale = 0; scale < 4; scale++) {
    for (let index = 0; index < 8; index++) {
      for (let base = 0; base < 8; base++) out.push({ mod, rm: 4, sib: (scale << 6) | (index << 3) | base });
    }
  }
  return out;
}

function disp(b: CaseBuilder, bytes: number): number[] {
  if (bytes === 1) return [b.rng.pick([0, 1, 0x7f, 0x80, 0xff, b.rng.int(256), b.rng.int(256)])];
  if (bytes === 2) return le16(b.rng.value(16));
  return le32(b.rng.value(32));
}

function emit32(b: CaseBuilder, f: Form32, reg: number): void {
  b.emit(0x8d, modrm(f.mod, reg, f.rm));
  if (f.sib !== undefined) b.emit(f.sib);
  // mod 00 with rm 101, or SIB base 101: disp32 and no base register
  const dispBytes = f.mod === 1 ? 1 : f.mod === 2 ? 4 : f.rm === 5 || (f.sib !== undefined && (f.sib & 7) === 5) ? 4 : 0;
  if (dispBytes) b.emit(...disp(b, dispBytes));
}

export function leaFamilies(): FamilyDef[] {
  const out: FamilyDef[] = [];
  const names = ['mod 00', 'mod 01, disp8', 'mod 10, disp32'];
  for (let mod = 0; mod < 3; mod++) {
    const forms = forms32(mod);
    out.push({
      name: `LEA r32,m (${names[mod]}, all rm/SIB)`, group: 'lea', flagsRule: RULE, count: forms.length * 2,
      gen(b, i) {
        emit32(b, forms[i % forms.length]!, b.rng.int(8));
        b.unaffected = CASE_FLAGS;
      },
    });
  }
  const all = [0, 1, 2].flatMap(forms32);
  out.push({
    name: 'LEA r16,m (o16)', group: 'lea', flagsRule: RULE, count: 200,
    gen(b) {
      b.emit(0x66);
      emit32(b, b.rng.pick(all), b.rng.int(8));
      b.unaffected = CASE_FLAGS;
    },
  });
  // 16-bit addressing: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP] (disp16 alone for mod 00) [BX]
  for (const [label, pre] of [['r32,m16 (a16)', [0x67]], ['r16,m16 (o16 a16)', [0x66, 0x67]]] as const) {
    out.push({
      name: `LEA ${label}, all 24 forms`, group: 'lea', flagsRule: RULE, count: label.includes('o16') ? 144 : 240,
      gen(b, i) {
        const mod = Math.floor(i / 8) % 3;
        const rm = i % 8;
        b.prefixes(...pre);
        b.emit(0x8d, modrm(mod, b.rng.int(8), rm));
        if (mod === 1) b.emit(...disp(b, 1));
        else if (mod === 2 || rm === 6) b.emit(...disp(b, 2));
        b.unaffected = CASE_FLAGS;
      },
    });
  }
  return out;
}
