/**
 * Regenerates the instruction-reference fixture: builds every family's cases (deterministic: one
 * seeded PRNG per family, so adding a family leaves the others' cases unchanged), runs them natively
 * with native/kref, checks the results for generator mistakes, and writes
 * test/fixtures/reference/instructions.kref.br plus a readable summary (families.md).
 *
 * Run via `make -C test/reference fixtures` (see test/reference/README.md).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CASE_FLAGS, CODE_ADDR, type Columns, DATA_ADDR, DATA_SIZE, EFLAGS_BASE, EXC_STACK_TOP, FLAG_NAMES, FPU_IMAGE_SIZE, FPU_SW,
  type FamilyInfo, FORMAT_VERSION, REGION_ADDR, REGION_SIZE, REG_NAMES, STATUS_COMPLETED, decodeFixture, diffPatch, encodeFixture,
  expandData, expandFpu, flagList, fpuPhysicalOrder,
} from '../format.js';
import { aluFamilies } from './alu.js';
import { bitFamilies } from './bits.js';
import { condFamilies } from './cond.js';
import { CaseBuilder, type FamilyDef, Rng } from './core.js';
import { dataFamilies } from './data.js';
import { leaFamilies } from './lea.js';
import { miscFamilies } from './misc.js';
import { muldivFamilies } from './muldiv.js';
import { shiftFamilies } from './shift.js';
import { stackFamilies } from './stack.js';
import { stringFamilies } from './string.js';
import { x87Families } from './x87.js';

const SEED = 0x4b524546; // "KREF"
const MAX_CODE = 64;
const IN_REC = MAX_CODE + 4 + 32 + 4 + DATA_SIZE + 4 + FPU_IMAGE_SIZE;
const OUT_REC = 5 * 4 + 32 + 4 + DATA_SIZE + 4 + FPU_IMAGE_SIZE;
const ST_OK = 0;
const ST_FAULT = 1;

const here = dirname(fileURLToPath(import.meta.url)); // test/reference/build/gen
const refDir = resolve(here, '../..'); // test/reference
const repo = resolve(refDir, '../..');
const buildDir = join(refDir, 'build');
const fixtureDir = join(repo, 'test/fixtures/reference');

interface GenCase {
  family: number;
  code: number[];
  regs: Uint32Array;
  flags: number;
  seed: number;
  data: Uint8Array;
  defined: number;
  ignoreRegs: number;
  unaffected: number;
  fpu: Uint8Array | null;
  fpuSeed: number;
  fpuUndef: number;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function allFamilies(): FamilyDef[] {
  const fams = [
    ...aluFamilies(), ...shiftFamilies(), ...muldivFamilies(), ...bitFamilies(), ...dataFamilies(), ...condFamilies(),
    ...stringFamilies(), ...leaFamilies(), ...stackFamilies(), ...miscFamilies(), ...x87Families(),
  ];
  const seen = new Set<string>();
  for (const f of fams) {
    if (seen.has(f.name)) throw new Error(`duplicate family name ${f.name}`);
    seen.add(f.name);
  }
  return fams;
}

function buildCases(fams: FamilyDef[]): GenCase[] {
  const cases: GenCase[] = [];
  fams.forEach((f, fi) => {
    const rng = new Rng(fnv1a(f.name) ^ SEED);
    for (let i = 0; i < f.count; i++) {
      const b = new CaseBuilder(rng);
      f.gen(b, i);
      if (b.code.length === 0 || b.code.length > MAX_CODE) throw new Error(`${f.name} #${i}: code length ${b.code.length}`);
      cases.push({
        family: fi, code: b.code, regs: b.regs, flags: b.flags & CASE_FLAGS, seed: b.seed, data: b.data,
        defined: b.defined & CASE_FLAGS, ignoreRegs: b.ignoreRegs, unaffected: b.unaffected & b.defined,
        fpu: b.fpu, fpuSeed: b.fpuSeed, fpuUndef: b.fpuUndef,
      });
    }
  });
  return cases;
}

interface Result {
  status: number; signo: number; trapno: number; err: number; eipOff: number;
  regs: Uint32Array; eflags: number; data: Uint8Array; canaryOk: boolean; fpu: Uint8Array;
}

function runNative(cases: GenCase[]): Result[] {
  const inBuf = Buffer.alloc(IN_REC * cases.length);
  cases.forEach((c, k) => {
    const o = k * IN_REC;
    Buffer.from(c.code).copy(inBuf, o);
    inBuf.writeUInt32LE(c.code.length, o + MAX_CODE);
    for (let r = 0; r < 8; r++) inBuf.writeUInt32LE(c.regs[r]!, o + MAX_CODE + 4 + 4 * r);
    inBuf.writeUInt32LE(EFLAGS_BASE | c.flags, o + MAX_CODE + 36);
    Buffer.from(c.data).copy(inBuf, o + MAX_CODE + 40);
    inBuf.writeUInt32LE(c.fpu ? 1 : 0, o + MAX_CODE + 40 + DATA_SIZE);
    if (c.fpu) Buffer.from(c.fpu).copy(inBuf, o + MAX_CODE + 44 + DATA_SIZE);
  });
  mkdirSync(buildDir, { recursive: true });
  const inPath = join(buildDir, 'cases.bin');
  const outPath = join(buildDir, 'results.bin');
  writeFileSync(inPath, inBuf);
  const kref = join(refDir, 'native/kref');
  const p = spawnSync(kref, [inPath, outPath], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (p.status !== 0) throw new Error(`${kref} failed: status ${p.status} signal ${p.signal}`);
  const outBuf = readFileSync(outPath);
  if (outBuf.length !== OUT_REC * cases.length) throw new Error(`kref wrote ${outBuf.length} bytes, expected ${OUT_REC * cases.length}`);
  return cases.map((_, k) => {
    const o = k * OUT_REC;
    const regs = new Uint32Array(8);
    for (let r = 0; r < 8; r++) regs[r] = outBuf.readUInt32LE(o + 20 + 4 * r);
    return {
      status: outBuf.readUInt32LE(o), signo: outBuf.readUInt32LE(o + 4), trapno: outBuf.readUInt32LE(o + 8),
      err: outBuf.readUInt32LE(o + 12), eipOff: outBuf.readUInt32LE(o + 16), regs,
      eflags: outBuf.readUInt32LE(o + 52), data: new Uint8Array(outBuf.subarray(o + 56, o + 56 + DATA_SIZE)),
      canaryOk: outBuf.readUInt32LE(o + 56 + DATA_SIZE) === 1,
      fpu: new Uint8Array(outBuf.subarray(o + 60 + DATA_SIZE, o + 60 + DATA_SIZE + FPU_IMAGE_SIZE)),
    };
  });
}

const hex = (v: number, n = 8) => (v >>> 0).toString(16).padStart(n, '0');
const bytesHex = (bs: ArrayLike<number>) => Array.from(bs, (x) => hex(x, 2)).join(' ');

/** Fails on anything that means the generator built a bad case; warns where the CPU disagrees with the SDM. */
function check(fams: FamilyDef[], cases: GenCase[], res: Result[]): string[] {
  const errors: string[] = [];
  const warnings = new Map<string, { n: number; flags: number; example: string }>();
  cases.forEach((c, k) => {
    const f = fams[c.family]!;
    const r = res[k]!;
    const where = `${f.name} #${k}: ${bytesHex(c.code)}`;
    if (!r.canaryOk) errors.push(`${where}: touched memory outside the data area`);
    if (r.status === 2) { errors.push(`${where}: timed out`); return; }
    if (f.expectVector !== undefined) {
      if (r.status !== ST_FAULT || r.trapno !== f.expectVector) errors.push(`${where}: expected vector ${f.expectVector}, got status ${r.status} trap ${r.trapno}`);
      else if (r.eipOff !== 0) errors.push(`${where}: fault at offset ${r.eipOff}`);
      else if (r.regs.some((v, g) => v !== c.regs[g])) errors.push(`${where}: registers changed by a faulting instruction`);
    } else if (r.status !== ST_OK) {
      if (r.status !== ST_FAULT || !f.mayFault?.includes(r.trapno)) errors.push(`${where}: unexpected fault signal ${r.signo} trap ${r.trapno} at +${r.eipOff}`);
    } else if (r.eipOff !== c.code.length) errors.push(`${where}: ended at ${r.eipOff}`);
    const changed = ((EFLAGS_BASE | c.flags) ^ r.eflags) & c.unaffected;
    if (changed) {
      const w = warnings.get(f.name) ?? { n: 0, flags: 0, example: where };
      w.n++; w.flags |= changed;
      warnings.set(f.name, w);
    }
  });
  for (const [name, w] of warnings) {
    console.warn(`warning: ${name}: the CPU changed flags the SDM says are unaffected (${flagList(w.flags)}) in ${w.n} cases, e.g. ${w.example}`);
  }
  return errors;
}

function hostCpu(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const get = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1] ?? '?';
    return `${get('vendor_id')} ${get('model name')} (family ${get('cpu family')} model ${get('model')} stepping ${get('stepping')})`;
  } catch {
    return 'unknown';
  }
}

function pack(fams: FamilyDef[], cases: GenCase[], res: Result[]): Buffer {
  const n = cases.length;
  const codeTotal = cases.reduce((s, c) => s + c.code.length, 0);
  const patchIn = cases.map((c) => diffPatch(expandData(c.seed), c.data));
  const patchOut = cases.map((c, k) => diffPatch(c.data, res[k]!.data));
  const fpuCases = cases.map((c, k) => ({ c, r: res[k]! })).filter(({ c }) => c.fpu !== null);
  const fpuPatchIn = fpuCases.map(({ c }) => diffPatch(expandFpu(c.fpuSeed), c.fpu!));
  const fpuPatchOut = fpuCases.map(({ c, r }) => diffPatch(fpuPhysicalOrder(c.fpu!), fpuPhysicalOrder(r.fpu)));
  const nf = fpuCases.length;
  const col: Columns = {
    family: new Uint16Array(n), codeLen: new Uint8Array(n), code: new Uint8Array(codeTotal),
    regsIn: new Uint32Array(8 * n), flagsIn: new Uint16Array(n), dataSeed: new Uint32Array(n),
    patchInLen: new Uint16Array(n), patchIn: new Uint8Array(patchIn.reduce((s, p) => s + p.length, 0)),
    defined: new Uint16Array(n), ignoreRegs: new Uint8Array(n), status: new Uint8Array(n), eipOut: new Uint8Array(n),
    regsOutX: new Uint32Array(8 * n), flagsOutX: new Uint32Array(n),
    patchOutLen: new Uint16Array(n), patchOut: new Uint8Array(patchOut.reduce((s, p) => s + p.length, 0)),
    fpuCase: new Uint8Array(n), fpuSeed: new Uint32Array(nf),
    fpuPatchInLen: new Uint16Array(nf), fpuPatchIn: new Uint8Array(fpuPatchIn.reduce((s, p) => s + p.length, 0)),
    fpuPatchOutLen: new Uint16Array(nf), fpuPatchOut: new Uint8Array(fpuPatchOut.reduce((s, p) => s + p.length, 0)),
    fpuUndef: new Uint16Array(nf),
  };
  let fi = 0, fpi = 0, fpo = 0;
  let co = 0, pi = 0, po = 0;
  cases.forEach((c, k) => {
    const r = res[k]!;
    col.family[k] = c.family;
    col.codeLen[k] = c.code.length;
    col.code.set(c.code, co); co += c.code.length;
    for (let g = 0; g < 8; g++) {
      col.regsIn[g * n + k] = c.regs[g]!;
      col.regsOutX[g * n + k] = (c.regs[g]! ^ r.regs[g]!) >>> 0;
    }
    col.flagsIn[k] = c.flags;
    col.dataSeed[k] = c.seed;
    col.patchInLen[k] = patchIn[k]!.length; col.patchIn.set(patchIn[k]!, pi); pi += patchIn[k]!.length;
    col.defined[k] = c.defined;
    col.ignoreRegs[k] = c.ignoreRegs;
    col.status[k] = r.status === ST_OK ? STATUS_COMPLETED : r.trapno;
    col.eipOut[k] = r.eipOff;
    col.flagsOutX[k] = ((EFLAGS_BASE | c.flags) ^ r.eflags) >>> 0;
    col.patchOutLen[k] = patchOut[k]!.length; col.patchOut.set(patchOut[k]!, po); po += patchOut[k]!.length;
    if (c.fpu) {
      col.fpuCase[k] = 1;
      col.fpuSeed[fi] = c.fpuSeed;
      col.fpuUndef[fi] = c.fpuUndef;
      col.fpuPatchInLen[fi] = fpuPatchIn[fi]!.length; col.fpuPatchIn.set(fpuPatchIn[fi]!, fpi); fpi += fpuPatchIn[fi]!.length;
      col.fpuPatchOutLen[fi] = fpuPatchOut[fi]!.length; col.fpuPatchOut.set(fpuPatchOut[fi]!, fpo); fpo += fpuPatchOut[fi]!.length;
      fi++;
    }
  });
  const families: FamilyInfo[] = fams.map((f) => ({ name: f.name, group: f.group, flagsRule: f.flagsRule, expectException: f.expectVector !== undefined }));
  return encodeFixture({
    format: 'kreplay-instruction-reference', version: FORMAT_VERSION, generator: 'test/reference/gen/generate.ts', seed: SEED,
    hostCpu: hostCpu(),
    layout: { codeAddr: CODE_ADDR, dataAddr: DATA_ADDR, dataSize: DATA_SIZE, regionAddr: REGION_ADDR, regionSize: REGION_SIZE, excStackTop: EXC_STACK_TOP, eflagsBase: EFLAGS_BASE },
    caseCount: n, families,
  }, col);
}

/** A markdown table: per family, cases, flag masks and what the CPU did with the undefined flags. */
function summary(fams: FamilyDef[], cases: GenCase[], res: Result[], fixtureBytes: number): string {
  const lines = [
    '# Instruction reference fixture: families',
    '',
    `Generated by \`make -C test/reference fixtures\`; do not edit. Recorded natively on: ${hostCpu()}.`,
    `${cases.length} cases in ${fams.length} families; fixture ${fixtureBytes} bytes.`,
    '',
    '"Undefined" lists flags the SDM leaves undefined for at least one case of the family (never compared);',
    '"hardware" says what this CPU did with them: for each, how often it came out set / differed from its input.',
    '',
    '| family | cases | defined (compared) | undefined | hardware, undefined flags | SDM rule |',
    '| --- | ---: | --- | --- | --- | --- |',
  ];
  const byFam = new Map<number, number[]>();
  cases.forEach((c, k) => { const a = byFam.get(c.family) ?? []; a.push(k); byFam.set(c.family, a); });
  fams.forEach((f, fi) => {
    const ks = byFam.get(fi) ?? [];
    let always = CASE_FLAGS, some = 0;
    for (const k of ks) { always &= cases[k]!.defined; some |= CASE_FLAGS & ~cases[k]!.defined; }
    const hw: string[] = [];
    for (const [bit, nm] of FLAG_NAMES) {
      if (!(some & bit)) continue;
      let n = 0, set = 0, diff = 0;
      for (const k of ks) {
        if (cases[k]!.defined & bit) continue;
        n++;
        if (res[k]!.eflags & bit) set++;
        if ((res[k]!.eflags ^ cases[k]!.flags) & bit) diff++;
      }
      hw.push(`${nm} ${set}/${diff} of ${n}`);
    }
    lines.push(`| ${f.name} | ${ks.length} | ${always === CASE_FLAGS ? 'all' : flagList(always)}${some & always ? '' : ''} | ${flagList(some)} | ${hw.join(', ') || '-'} | ${f.flagsRule} |`);
  });
  lines.push('', '## x87 families', '',
    'The final x87 state (FNSAVE image) is compared byte for byte, except the CS/DS selectors of the pointers, the status',
    'word bits listed here (SDM: undefined for the instruction) and, for cases that fault, the pointer fields. "hardware" says',
    'what this CPU did with the uncompared condition codes: how often each came out set / differed from its input.', '',
    '| family | cases | faults | SW bits not compared | hardware, uncompared bits |', '| --- | ---: | ---: | --- | --- |');
  const CC: [number, string][] = [[0x100, 'C0'], [0x200, 'C1'], [0x400, 'C2'], [0x4000, 'C3']];
  fams.forEach((f, fi) => {
    const ks = (byFam.get(fi) ?? []).filter((k) => cases[k]!.fpu !== null);
    if (ks.length === 0) return;
    const undef = ks.reduce((m, k) => m | cases[k]!.fpuUndef, 0);
    const faults = ks.filter((k) => res[k]!.status !== 0).length;
    const hw = CC.filter(([bit]) => undef & bit).map(([bit, nm]) => {
      let set = 0, diff = 0;
      for (const k of ks) {
        const swIn = cases[k]!.fpu![FPU_SW]! | (cases[k]!.fpu![FPU_SW + 1]! << 8);
        const swOut = res[k]!.fpu[FPU_SW]! | (res[k]!.fpu[FPU_SW + 1]! << 8);
        if (swOut & bit) set++;
        if ((swIn ^ swOut) & bit) diff++;
      }
      return `${nm} ${set}/${diff}`;
    });
    lines.push(`| ${f.name} | ${ks.length} | ${faults} | ${CC.filter(([bit]) => undef & bit).map(([, nm]) => nm).join(' ') || '-'} | ${hw.join(', ') || '-'} |`);
  });
  return lines.join('\n') + '\n';
}

function main(): void {
  const fams = allFamilies();
  const cases = buildCases(fams);
  console.log(`generated ${cases.length} cases in ${fams.length} families`);
  const res = runNative(cases);
  const errors = check(fams, cases, res);
  if (errors.length) {
    for (const e of errors.slice(0, 40)) console.error(`error: ${e}`);
    console.error(`${errors.length} errors; fixture not written`);
    process.exit(1);
  }
  const fixture = pack(fams, cases, res);
  // Round-trip check: the reader must reproduce every input and output.
  const ref = decodeFixture(fixture);
  for (let k = 0; k < cases.length; k++) {
    const c = cases[k]!, r = res[k]!;
    const bad = (what: string) => { throw new Error(`round trip: case ${k} ${what}`); };
    if (bytesHex(ref.code(k)) !== bytesHex(c.code)) bad('code');
    for (let g = 0; g < 8; g++) {
      if (ref.regIn(k, g) !== c.regs[g]) bad(`${REG_NAMES[g]} in`);
      if (ref.regOut(k, g) !== r.regs[g]) bad(`${REG_NAMES[g]} out`);
    }
    if (ref.eflagsOut(k) !== r.eflags) bad('eflags');
    if (bytesHex(ref.dataIn(k)) !== bytesHex(c.data)) bad('data in');
    if (bytesHex(ref.dataOut(k)) !== bytesHex(r.data)) bad('data out');
    if (c.fpu) {
      if (bytesHex(ref.fpuIn(k)!) !== bytesHex(c.fpu)) bad('x87 state in');
      if (bytesHex(ref.fpuOut(k)!) !== bytesHex(r.fpu)) bad('x87 state out');
      if (ref.fpuUndef(k) !== c.fpuUndef) bad('x87 undefined bits');
    } else if (ref.fpuIn(k) !== null) bad('x87 state of a non-x87 case');
  }
  mkdirSync(fixtureDir, { recursive: true });
  writeFileSync(join(fixtureDir, 'instructions.kref.br'), fixture);
  writeFileSync(join(fixtureDir, 'families.md'), summary(fams, cases, res, fixture.length));
  console.log(`wrote ${join(fixtureDir, 'instructions.kref.br')} (${fixture.length} bytes)`);
}

main();
