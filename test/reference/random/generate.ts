/**
 * Regenerates the random-case fixture: builds every planned row's cases (catalog.ts), runs them
 * natively with native/krand and under qemu-i386 (the same static binary, QEMU's TCG), checks the
 * native results for generator mistakes, compares QEMU with native, and writes
 *   test/fixtures/reference/random.krnd.br      per-case digests of the native results (fixture.ts)
 *   test/fixtures/reference/random-coverage.md  per-row case counts, outcomes, QEMU agreement, exclusions
 * Run via `make -C test/reference random` (README.md). Needs x86 Linux that runs 32-bit programs,
 * and qemu-i386 (apt-get install qemu-user); KRND_NO_QEMU=1 skips QEMU.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Case } from './case.js';
import { CaseBuilder, RESIDUES, SEED } from './cases.js';
import { catalog, type Planned } from './catalog.js';
import { type HostEnv, RIN_SIZE, ROUT_SIZE, vectorName } from './env.js';
import { encodeRandom, type RandomHeader, VERSION } from './fixture.js';
import { COMPLETED, describeInput, differences, digest, fmix, fold16, inputHash, mix, Outcome, readNative, writeNative } from './outcome.js';
import { COMPLETES } from './case.js';
import { coverageReport, type RowStats } from './report.js';
import { QEMU_KNOWN, QEMU_NOTES, QEMU_X87_NOTE } from './qemu-notes.js';

const CHUNK = 50_000;
const repo = resolve(process.env.KRND_REPO ?? process.cwd());
const refDir = join(repo, 'test/reference');
const buildDir = join(refDir, 'build');
const fixtureDir = join(repo, 'test/fixtures/reference');
const krand = join(refDir, 'native/krand');
const useQemu = !process.env.KRND_NO_QEMU;
/** KRND_SCALE < 1 builds that fraction of every row's cases (trial runs; the output then goes to build/). */
const scale = Number(process.env.KRND_SCALE ?? 1);
const outDir = scale === 1 ? fixtureDir : buildDir;

function hostEnv(cmd: string[]): HostEnv {
  const p = spawnSync(cmd[0]!, [...cmd.slice(1), '--env'], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`${cmd.join(' ')} --env failed: ${p.stderr}`);
  return JSON.parse(p.stdout) as HostEnv;
}

/**
 * Runs `cmd CASES RESULTS`. With `stall` (seconds), the process is killed when its unbuffered
 * output has not grown for that long (qemu-i386 hangs on some cases, out of reach of the
 * harness's own watchdog): that counts as a failure like an abort.
 */
function run(cmd: string[], inPath: string, outPath: string, stall = 0): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(cmd[0]!, [...cmd.slice(1), inPath, outPath, ...(stall ? ['--unbuffered'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let last = -1, since = Date.now();
    const timer = stall ? setInterval(() => {
      let size = 0;
      try { size = statSync(outPath).size; } catch { /* not created yet */ }
      if (size !== last) { last = size; since = Date.now(); } else if (Date.now() - since > stall * 1000) { err += 'no progress: killed'; p.kill('SIGKILL'); }
    }, 500) : null;
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('close', (code) => {
      if (timer) clearInterval(timer);
      if (code === 0) ok(); else fail(new Error(`${cmd.join(' ')} exited with ${code}: ${err}`));
    });
  });
}

/**
 * Runs the cases under QEMU. qemu-i386 aborts on some cases (an assertion in its translator):
 * then the results so far are kept (krand --unbuffered), the case that aborted is marked, and the
 * run resumes after it. Returns the results buffer and the indexes of the cases QEMU aborted on.
 */
async function runQemu(inBuf: Buffer, dir: string): Promise<{ out: Buffer; aborted: Set<number> }> {
  const n = inBuf.length / RIN_SIZE;
  const out = Buffer.alloc(n * ROUT_SIZE);
  const aborted = new Set<number>();
  let at = 0;
  while (at < n) {
    const inPath = join(dir, 'random-qemu-in.bin'), outPath = join(dir, 'random-qemu-out.bin');
    writeFileSync(inPath, inBuf.subarray(at * RIN_SIZE));
    let failed = false;
    try { await run(['qemu-i386', krand], inPath, outPath, 5); } catch { failed = true; }
    const got = readFileSync(outPath);
    const done = Math.floor(got.length / ROUT_SIZE);
    got.copy(out, at * ROUT_SIZE, 0, done * ROUT_SIZE);
    at += done;
    if (failed) { aborted.add(at); at++; } else if (at < n) throw new Error(`qemu-i386 stopped after ${done} cases`);
  }
  return { out, aborted };
}

function hostCpu(): string {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const get = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1] ?? '?';
  return `${get('vendor_id')} ${get('model name')} (family ${get('cpu family')} model ${get('model')} stepping ${get('stepping')})`;
}

/** Linux's signal for each exception vector (arch/x86/kernel/traps.c). */
const SIGNAL_OF: Record<number, number> = { 0: 8, 1: 5, 3: 5, 4: 11, 5: 11, 6: 4, 11: 7, 12: 7, 13: 11, 14: 11, 16: 8, 17: 7 };

/**
 * Compares QEMU's outcome with the native one: '' when the digests agree, the name of a known
 * QEMU limitation (QEMU_KNOWN) when the outcomes differ only by it, null for a real disagreement.
 */
function qemuKnown(c: Case, nat: Outcome, q: Outcome, d: number): string | null {
  if (c.qemuSkip) return 'not run under QEMU';
  if (q.problem) return null;
  let note = '';
  if (q.status === 0xffffffff && nat.status !== COMPLETED && SIGNAL_OF[nat.status] === q.signo) { q.status = nat.status; q.err = nat.err; note = 'no trap number'; }
  if (digest(c, q) === d) return note;
  if (nat.status === 16 && q.status === COMPLETED) return '#MF not raised';
  if (nat.status === 6 && q.status !== 6 && lockPrefixed(c)) return 'LOCK accepted';
  const diff = differences(c, nat, q).filter((f) => !/^x87 (FOP|FDP|FIP|reserved)/.test(f));
  if (diff.length === 0) return 'x87 pointers';
  if (diff.length === 1 && /^x87 SW/.test(diff[0]!) && ((nat.fpu[5]! ^ q.fpu[5]!) & ~(c.fpuUndef >>> 8) & 0xff) === 0x02 && nat.fpu[4] === q.fpu[4]) return 'x87 C1';
  if (c.hasFpu) {
    const sw = (o: Outcome) => o.fpu[4]! | (o.fpu[5]! << 8), cw = (o: Outcome) => o.fpu[0]! | (o.fpu[1]! << 8);
    if (((cw(nat) ^ cw(q)) & ~0xe0c0) === 0 && (cw(nat) ^ cw(q)) !== 0) return 'x87 control word';
    if ((sw(nat) & 0x41) === 0x41 && sw(nat) !== sw(q)) return 'x87 stack fault'; // a heuristic: SF and IE are sticky
  }
  return null;
}

/** Whether the tested instruction has a LOCK prefix. */
function lockPrefixed(c: Case): boolean {
  for (let k = c.insnAt; k < c.insnAt + c.insnLen; k++) {
    const b = c.code[k]!;
    if (b === 0xf0) return true;
    if (![0x66, 0x67, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65].includes(b)) return false;
  }
  return false;
}

const allowed = (c: Case, o: Outcome): boolean => (o.status === COMPLETED ? (c.outcomes & COMPLETES) !== 0 : o.status < 31 && (c.outcomes & (1 << o.status)) !== 0);

async function main(): Promise<void> {
  const cat = catalog();
  const { excluded, missing } = cat;
  const planned = cat.planned.map((p) => ({ ...p, count: Math.max(1, Math.round(p.count * scale)) }));
  if (missing.length) throw new Error(`rows with no template and no exclusion: ${missing.map((r) => r.key).join(', ')}`);
  const total = planned.reduce((s, p) => s + p.count, 0);
  console.log(`${total} cases for ${planned.length} rows (${excluded.length} rows excluded)`);
  const env = hostEnv([krand]);
  const qemuVersion = useQemu ? spawnSync('qemu-i386', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]! : 'not run';
  if (useQemu) {
    const qenv = hostEnv(['qemu-i386', krand]);
    if (JSON.stringify(qenv.ldt) !== JSON.stringify(env.ldt)) console.log('note: QEMU installs the LDT without the accessed bits (LAR results differ)');
  }
  mkdirSync(buildDir, { recursive: true });

  const builder = new CaseBuilder();
  const digest16 = new Uint16Array(total);
  const slices = new Uint32Array(planned.length * RESIDUES * 2);
  planned.forEach((_, i) => { for (let j = 0; j < RESIDUES; j++) { slices[(i * RESIDUES + j) * 2] = i; slices[(i * RESIDUES + j) * 2 + 1] = i; } });
  const stats: RowStats[] = planned.map(() => ({ completed: 0, vectors: new Map(), qemuAgree: 0, qemuKnown: new Map(), qemuProblems: 0, nativeUnstable: 0, disagreements: [], fieldCounts: new Map() }));
  const errors: string[] = [];
  const nat = new Outcome(), qem = new Outcome(), alt = new Outcome();

  // The case list in fixture order: [row, k].
  const order: Array<[number, number]> = [];
  planned.forEach((p, i) => { for (let k = 0; k < p.count; k++) order.push([i, k]); });
  const t0 = Date.now();
  for (let start = 0; start < order.length; start += CHUNK) {
    const part = order.slice(start, start + CHUNK);
    const inBuf = Buffer.alloc(part.length * RIN_SIZE);
    const qBufIn = Buffer.alloc(part.length * RIN_SIZE);
    part.forEach(([i, k], n) => {
      const c = builder.build(planned[i]!, k);
      writeNative(c, inBuf, n * RIN_SIZE);
      if (c.qemuSkip) { c.len = 0; c.hasFpu = false; } // QEMU runs an empty case instead
      writeNative(c, qBufIn, n * RIN_SIZE);
    });
    const inPath = join(buildDir, 'random-cases.bin'), natPath = join(buildDir, 'random-native.bin');
    writeFileSync(inPath, inBuf);
    // Three native runs: a few cases (about 1 in 10^6, x87 pointers) come out differently when the
    // kernel switches tasks in the middle of one; the result two runs agree on is kept.
    const natRuns = async (): Promise<Buffer[]> => {
      const bufs: Buffer[] = [];
      for (let n = 0; n < 3; n++) { await run([krand], inPath, natPath); bufs.push(readFileSync(natPath)); }
      return bufs;
    };
    const [nats, q] = await Promise.all([natRuns(), useQemu ? runQemu(qBufIn, buildDir) : Promise.resolve(null)]);
    const natBuf = nats[0]!;
    const qBuf = q?.out ?? null;
    if (natBuf.length !== part.length * ROUT_SIZE) throw new Error(`krand wrote ${natBuf.length} bytes, expected ${part.length * ROUT_SIZE}`);
    part.forEach(([i, k], n) => {
      const p = planned[i]!;
      const c = builder.build(p, k);
      const s = stats[i]!;
      const slot = (i * RESIDUES + (k % RESIDUES)) * 2;
      slices[slot] = inputHash(slices[slot]!, c);
      readNative(natBuf, n * ROUT_SIZE, nat);
      const where = `${p.ref.key} #${k}: ${describeInput(c)}`;
      if (!nat.problem) {
        const d0 = digest(c, nat);
        const others = nats.slice(1).map((b) => { readNative(b, n * ROUT_SIZE, alt); return alt.problem ? -1 : digest(c, alt); });
        if (others[0] !== d0 || others[1] !== d0) {
          s.nativeUnstable++;
          const odd = new Outcome();
          readNative(nats[others[0] !== d0 && others[1] === d0 ? 1 : others[0] === d0 && others[1] !== d0 ? 2 : 0]!, n * ROUT_SIZE, odd);
          const keep = new Outcome();
          readNative(nats[others[0] === others[1] ? 1 : 0]!, n * ROUT_SIZE, keep);
          console.log(`note: ${p.ref.key} #${k}: one of three native runs differed: ${differences(c, keep, odd).join('; ')}`);
          if (others[0] !== d0 && others[0] === others[1]) readNative(nats[1]!, n * ROUT_SIZE, nat);
          else if (others[0] !== d0 && others[1] !== d0) { errors.push(`${where}: three native runs, three results`); return; }
        }
      }
      if (nat.problem) { errors.push(`${where}: ${nat.problem}`); return; }
      if (!allowed(c, nat)) { errors.push(`${where}: unexpected outcome ${nat.status === COMPLETED ? 'completion' : `${vectorName(nat.status)} at +${nat.eipOff} (err ${nat.err.toString(16)})`}`); return; }
      const d = digest(c, nat);
      digest16[start + n] = fold16(d);
      slices[slot + 1] = mix(slices[slot + 1]!, d);
      if (nat.status === COMPLETED) s.completed++;
      else s.vectors.set(nat.status, (s.vectors.get(nat.status) ?? 0) + 1);
      if (qBuf) {
        readNative(qBuf, n * ROUT_SIZE, qem);
        if (q!.aborted.has(n)) qem.problem = 'qemu-i386 aborted or hung';
        if (qem.problem) s.qemuProblems++;
        const known = qemuKnown(c, nat, qem, d);
        if (known === '') s.qemuAgree++;
        else if (known !== null) s.qemuKnown.set(known, (s.qemuKnown.get(known) ?? 0) + 1);
        else {
          const diff = differences(c, nat, qem);
          for (const f of diff) { const key = f.replace(/ expected.*| differ.*|\(expected.*|: .*/, ''); s.fieldCounts.set(key, (s.fieldCounts.get(key) ?? 0) + 1); }
          if (s.disagreements.length < 3) s.disagreements.push({ k, input: describeInput(c), diffs: diff });
        }
      }
    });
    const done = Math.min(start + CHUNK, order.length);
    console.log(`${done}/${order.length} cases (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  for (let k = 0; k < slices.length; k++) slices[k] = fmix(slices[k]!);
  if (errors.length) {
    for (const e of errors.slice(0, 60)) console.error(`error: ${e}`);
    console.error(`${errors.length} errors; fixture not written`);
    process.exit(1);
  }
  const header: RandomHeader = {
    format: 'kreplay-random-instructions', version: VERSION, generator: 'test/reference/random/generate.ts', seed: SEED, residues: RESIDUES,
    hostCpu: hostCpu(), qemu: qemuVersion, env,
    rows: planned.map((p: Planned) => ({ key: p.ref.key, group: p.group, count: p.count })),
    excluded: excluded.map((e) => ({ key: e.ref.key, reason: e.reason })),
    caseCount: total,
  };
  const file = encodeRandom(header, digest16, slices);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'random.krnd.br'), file);
  writeFileSync(join(outDir, 'random-coverage.md'), coverageReport(header, planned, excluded, stats, file.length, useQemu, QEMU_KNOWN, QEMU_NOTES, QEMU_X87_NOTE));
  console.log(`wrote ${join(outDir, 'random.krnd.br')} (${file.length} bytes) and random-coverage.md`);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
