/**
 * BCD adjustments, XLAT, MOV with a memory offset, LEA, CMPXCHG8B, far pointer loads, MOV to and
 * from segment registers, LAR/LSL/VERR/VERW, and the instructions CPL 3 may not execute.
 */
import { AF, BASED_DATA, CASE_FLAGS, CF, DATA_ADDR, DATA_SIZE, DF, LDT, OF, PF, SF, ZF } from '../env.js';
import { COMPLETES, EAX, EBX, ECX, EDX, ESP, le16, le32, S_FS, S_GS, type Width } from '../case.js';
import { mnemonic, type Template } from '../rows.js';
import { prelude, suffix } from './common.js';
import { DATA_BAD, DATA_OK, FAR_OK, LOAD_FAULTS, pickSel, SS_BAD, SS_OK } from './selectors.js';

const UD = 1 << 6, GP = 1 << 13;

/** DAA DAS AAA AAS AAM AAD: random AL/AH and AF/CF (the inputs the SDM algorithms read). */
export const bcd: Template = (g, r) => {
  const m = mnemonic(r.name);
  prelude(g, 0.2);
  // AL often a valid or nearly valid BCD byte
  const al = g.bool(0.5) ? (g.int(10) << 4) | g.int(16) : g.int(256);
  g.setW(8, 0, al);
  const bytes = [...r.bytes];
  if (m === 'AAM' || m === 'AAD') {
    const base = g.bool(0.5) ? 10 : g.bool(0.15) ? 0 : g.int(256);
    bytes.push(base);
    if (m === 'AAM' && base === 0) g.c.outcomes = 1 << 0; // #DE
  }
  g.insn(bytes);
  // SDM: DAA/DAS: OF undefined. AAA/AAS: AF CF set, OF SF ZF PF undefined. AAM/AAD: SF ZF PF set, OF AF CF undefined.
  g.c.defined = m === 'DAA' || m === 'DAS' ? CASE_FLAGS & ~OF : m === 'AAA' || m === 'AAS' ? AF | CF | DF : SF | ZF | PF | DF;
  suffix(g);
};

/** XLAT: AL = [(E)BX + AL] through DS or an override (16-bit addressing: a based segment). */
export const xlat: Template = (g, r) => {
  prelude(g, 0.2);
  const a16 = g.bool(0.25);
  const al = g.int(DATA_SIZE);
  const t = g.int(DATA_SIZE - al);
  g.setW(8, 0, al);
  g.lock(EAX);
  if (a16 || g.bool(0.2)) {
    const fs = g.bool();
    g.c.sel[fs ? S_FS : S_GS] = LDT.based;
    g.prefix(fs ? 0x64 : 0x65);
    g.set32(EBX, a16 ? ((g.rng.next() & 0xffff0000) | (BASED_DATA + t)) >>> 0 : BASED_DATA + t);
  } else g.set32(EBX, DATA_ADDR + t);
  g.lock(EBX);
  if (a16) g.prefix(0x67);
  g.insn([...r.bytes]);
  suffix(g);
};

/** MOV AL/eAX <-> moffs: an absolute offset (32-bit) or a 16-bit one into a based segment. */
export const moffs: Template = (g, r) => {
  prelude(g, 0.2);
  const byte = r.row.fixedSize === 1;
  const w: Width = byte ? 8 : g.vsize();
  const a16 = g.bool(0.3);
  const off = g.int(DATA_SIZE - w / 8 + 1);
  const bytes = [...r.bytes];
  if (a16 || g.bool(0.15)) {
    const fs = g.bool();
    g.c.sel[fs ? S_FS : S_GS] = LDT.based;
    g.prefix(fs ? 0x64 : 0x65);
    if (a16) { g.prefix(0x67); bytes.push(...le16(BASED_DATA + off)); } else bytes.push(...le32(BASED_DATA + off));
  } else {
    if (g.bool(0.1)) g.prefix(g.pick(r.name.startsWith('MOV_O') ? [0x26, 0x36, 0x3e] : [0x26, 0x2e, 0x36, 0x3e]));
    bytes.push(...le32(DATA_ADDR + off));
  }
  if (!byte) g.opsize(w);
  g.insn(bytes);
  suffix(g);
};

/** LEA: any addressing form with any register values (nothing is accessed); register form: #UD. */
export const lea: Template = (g, r) => {
  prelude(g, 0.2);
  const w = g.vsize();
  g.opsize(w);
  const reg = g.int(8);
  if (g.bool(0.03)) { g.insn([...r.bytes, 0xc0 | (reg << 3) | g.int(8)]); g.c.outcomes = UD; return; }
  if (g.bool(0.1)) g.prefix(g.pick([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]));
  const mod = g.int(3);
  const rm = g.int(8);
  const bytes = [...r.bytes, (mod << 6) | (reg << 3) | rm];
  if (g.bool(0.3)) {
    g.prefix(0x67); // 16-bit addressing
    if (mod === 1) bytes.push(g.int(256));
    else if (mod === 2 || rm === 6) bytes.push(g.int(256), g.int(256));
  } else {
    if (rm === 4) bytes.push(g.int(256));
    const sibBase5 = rm === 4 && (bytes[bytes.length - 1]! & 7) === 5;
    if (mod === 1) bytes.push(g.int(256));
    else if (mod === 2 || (mod === 0 && (rm === 5 || sibBase5))) bytes.push(...le32(g.value(32)));
  }
  g.insn(bytes);
  suffix(g);
};

/** CMPXCHG8B m64: EDX:EAX equal to the operand half the time; register form: #UD. */
export const cmpxchg8b: Template = (g, r) => {
  prelude(g, 0.2);
  if (g.bool(0.03)) { g.insn([...r.bytes, 0xc8 | g.int(8)]); g.c.outcomes = UD; return; }
  const m = g.mem(8, { write: true, avoid: g.bool(0.8) ? 0x0f : 0 });
  if (g.bool(0.5)) { g.setW(32, EAX, g.rd(32, m.off)); g.setW(32, EDX, g.rd(32, m.off + 4)); }
  else if (g.bool(0.3)) g.setW(32, EAX, g.rd(32, m.off));
  if (g.bool(0.2)) g.prefix(0xf0);
  g.memPrefixes(m);
  g.insn([...r.bytes, ...m.bytes(1)]);
  suffix(g); // ZF per the comparison; the other flags unaffected
};

const SEG_OF_LXS: Record<string, 'ES' | 'DS' | 'SS' | 'FS' | 'GS'> = { LES: 'ES', LDS: 'DS', LSS: 'SS', LFS: 'FS', LGS: 'GS' };

/** LDS LES LFS LGS LSS: a far pointer in memory; register form: #UD. */
export const lxs: Template = (g, r) => {
  prelude(g, 0.2);
  const w = g.vsize();
  g.opsize(w);
  const reg = g.freeReg(1 << ESP);
  // The register form is #UD, except that C4 and C5 with mod = 3 are VEX prefixes on a host with AVX.
  if (r.bytes[0] === 0x0f && g.bool(0.03)) { g.insn([...r.bytes, 0xc0 | (reg << 3) | g.int(8)]); g.c.outcomes = UD; return; }
  const m = g.mem(w / 8 + 2, { write: false });
  const seg = SEG_OF_LXS[mnemonic(r.name)]!;
  const sel = seg === 'SS' ? pickSel(g, SS_OK, SS_BAD) : pickSel(g, DATA_OK, DATA_BAD);
  g.wr(w, m.off, g.value(w));
  g.wr(16, m.off + w / 8, sel);
  g.memPrefixes(m);
  g.insn([...r.bytes, ...m.bytes(reg)]);
  g.c.outcomes = COMPLETES | LOAD_FAULTS;
};

/** MOV r/m, Sreg: the six registers hold loadable selectors; Sreg 6 and 7 do not exist (#UD). */
export const movFromSreg: Template = (g, r) => {
  prelude(g, 0.2);
  const sreg = g.int(10) < 9 ? g.int(6) : 6 + g.int(2);
  const w: Width = g.vsize();
  const e = g.rm(w, 0.4, { write: true });
  // Other selectors in the segment registers the memory operand does not use (DS only with an override).
  const used = e.mem ? e.mem.prefixes : [];
  const override = used.some((p) => [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65].includes(p));
  ([[0, 0x26], [1, 0x3e], [2, 0x64], [3, 0x65]] as const).forEach(([k, p]) => {
    if (used.includes(p) || (k === 1 && e.mem && !override)) return;
    if (g.bool(0.5)) g.c.sel[k] = g.pick(DATA_OK);
  });
  if (!e.mem) g.opsize(w); else if (g.bool(0.3)) g.prefix(0x66); // memory: always a 16-bit store
  g.memPrefixes(e.mem);
  g.insn([...r.bytes, ...g.modrm(e, sreg)]);
  g.c.outcomes = sreg >= 6 ? UD : COMPLETES;
};

/** MOV Sreg, r/m: ES SS DS FS GS from good and bad selectors; CS and Sreg 6, 7 are #UD. */
export const movToSreg: Template = (g, r) => {
  prelude(g, 0.2);
  const k = g.int(20);
  const sreg = k < 17 ? g.pick([0, 2, 3, 4, 5]) : k < 18 ? 1 : 6 + g.int(2);
  const e = g.rm(16, 0.4, { write: false });
  const sel = sreg === 2 ? pickSel(g, SS_OK, SS_BAD) : pickSel(g, DATA_OK, DATA_BAD);
  g.rmSet(e, sel);
  if (!e.mem && g.bool(0.3)) g.set32(e.reg, ((g.rng.next() & 0xffff0000) | sel) >>> 0);
  if (g.bool(0.2)) g.prefix(0x66);
  g.memPrefixes(e.mem);
  g.insn([...r.bytes, ...g.modrm(e, sreg)]);
  g.c.outcomes = sreg === 1 || sreg >= 6 ? UD : COMPLETES | LOAD_FAULTS;
};

/** Selectors for LAR LSL VERR VERW: every kind the environment has (see selectors.ts). */
const ACCESS_SELS = [...DATA_OK, ...DATA_BAD, ...FAR_OK, LDT.codeNotPresent, LDT.notPresent, 0x2c, 0x3c, 0x14];

/** LAR LSL (GvEw) and VERR VERW (Ew): ZF says whether the selector passed; other flags unaffected. */
export const access: Template = (g, r) => {
  prelude(g, 0.2);
  const m = mnemonic(r.name);
  const verify = m === 'VERR' || m === 'VERW';
  const w: Width = verify ? 16 : g.vsize();
  const e = g.rm(16, 0.4, { write: false });
  g.rmSet(e, g.pick(ACCESS_SELS));
  const reg = verify ? r.ext : g.freeReg();
  if (!verify) {
    g.opsize(w);
    // SDM LAR: "DEST <- access rights AND 00FxFF00H": bits 19:16 are undefined.
    if (m === 'LAR' && w === 32) g.c.regMask[reg] = ~0x000f0000 >>> 0;
  }
  g.memPrefixes(e.mem);
  g.insn([...r.bytes, ...g.modrm(e, reg)]);
  suffix(g);
};

/**
 * Instructions that need CPL 0 (or IOPL 3, or an I/O permission): at CPL 3 every one raises
 * #GP(0) before it does anything, whatever its operands (SDM "Protected Mode Exceptions").
 */
export const privileged: Template = (g, r) => {
  prelude(g, 0.2);
  const m = mnemonic(r.name);
  const bytes = [...r.bytes];
  if (g.bool(0.3)) g.prefix(0x66);
  if (r.row.modrm || r.ext >= 0) {
    if (m === 'MOV') {
      // MOV to/from CRn or DRn: always a register operand; CR0 CR2 CR3 CR4 and DR0..DR7 exist
      const n = r.name.includes('C') ? g.pick([0, 2, 3, 4]) : g.int(8);
      bytes.push(0xc0 | (n << 3) | g.int(8));
    } else {
      const needsMem = !r.hasReg;
      const e = g.rm(16, needsMem ? 1 : 0.5, { write: false });
      g.memPrefixes(e.mem);
      bytes.push(...g.modrm(e, r.ext >= 0 ? r.ext : g.int(8)));
    }
  }
  if (r.row.imm === 'Ib') bytes.push(g.int(256));
  if (/^(INS|OUTS)/.test(m)) {
    if (g.bool(0.5)) { g.prefix(0xf3); g.set32(ECX, 1 + g.int(4)); }
    g.set32(6, DATA_ADDR); g.set32(7, DATA_ADDR);
  }
  if (/^(IN|OUT)/.test(m) && g.bool(0.5)) g.setW(16, EDX, g.pick([0x60, 0x64, 0x80, 0x3f8, 0xcf8, 0xf4, g.int(0x10000)]));
  g.insn(bytes);
  g.c.outcomes = GP;
};


