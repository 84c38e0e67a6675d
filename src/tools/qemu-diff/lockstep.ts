/**
 * The lockstep: consumes QEMU's log records in order and keeps our CPU at the same instruction
 * boundary, comparing the state at every boundary. QEMU is the reference for everything outside
 * the CPU: external interrupts are delivered to our CPU exactly where QEMU took them, and port
 * reads, RDTSC and CPUID return what QEMU's CPU got. docs/qemu-diff.md explains the record kinds
 * and the rules (REP iterations, replayed records, the undefined-flag mask).
 */
import type { Cpu } from '../../cpu/cpu.js';
import { ECX, IF } from '../../cpu/registers.js';
import { compareStates, matchesCpu, ourState, sameCoreState, type FieldDiff } from './compare.js';
import { isSelfJump, undefinedEffects } from './flag-mask.js';
import type { OurSide, PortAccess } from './our-side.js';
import type { QRecord, QState } from './qemu-log.js';

const ZF = 0x40;
const VECTOR_NAMES = ['#DE', '#DB', 'NMI', '#BP', '#OF', '#BR', '#UD', '#NM', '#DF', 'CSO', '#TS', '#NP', '#SS', '#GP', '#PF', '15', '#MF', '#AC', '#MC', '#XM'];
const HAS_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);
const ARITH_FLAG_NAMES: [number, string][] = [[0x1, 'CF'], [0x4, 'PF'], [0x10, 'AF'], [0x40, 'ZF'], [0x80, 'SF'], [0x800, 'OF']];

function flagList(bits: number): string[] {
  return ARITH_FLAG_NAMES.filter(([b]) => (bits & b) !== 0).map(([, n]) => n);
}

export function vectorName(v: number): string {
  return v < VECTOR_NAMES.length ? `${VECTOR_NAMES[v]} (vector ${v})` : `vector 0x${v.toString(16)}`;
}

/** One entry of the recent-history ring shown with a mismatch. */
export interface HistoryEntry {
  icount: number;
  eip: number;
  what: string;
}

export interface Mismatch {
  /** One line: what went wrong. */
  what: string;
  /** Our icount before the instruction (instructions retired since the sync point). */
  icount: number;
  /** QEMU log record number of the state compared. */
  record: number;
  /** The instruction (or boundary) where it happened. */
  eip: number;
  /** Up to 15 code bytes at `eip` (CS-relative) when the mismatch was found. */
  bytes: number[];
  /** Field differences (empty when the mismatch is about control flow, e.g. an exception on one side only). */
  diffs: FieldDiff[];
  /** QEMU's state before the instruction, when there is one. */
  before: QState | null;
  /** QEMU's state at the boundary compared, if any. */
  qemu: QState | null;
  ours: QState;
}

export type EndReason =
  | { kind: 'qemu-ended' }
  | { kind: 'halted' }
  | { kind: 'triple-fault' }
  | { kind: 'bound' }
  | { kind: 'mismatch'; mismatch: Mismatch };

export interface LockstepStats {
  /** Instructions our CPU executed in step with QEMU (each state after them compared). */
  insns: number;
  /** Log records consumed. */
  records: number;
  interrupts: number;
  /** Exceptions and software interrupts delivered (on both sides). */
  deliveries: number;
  /** Records QEMU logged for an instruction it did not run then (see docs). */
  replayed: number;
  /** REP string instructions QEMU interrupted between iterations. */
  repSplits: number;
  portIn: number;
  portOut: number;
  /** RDTSC / RDMSR(TSC) / CPUID results taken from QEMU. */
  tscReads: number;
  cpuids: number;
  /** Differences inside the SDM's undefined flags (or undefined destination), taken from QEMU. */
  undefinedDiffs: number;
}

interface LastAction {
  kind: 'sync' | 'insn' | 'delivery' | 'interrupt' | 'rep-split';
  eip: number;
  icount: number;
  ecx: number;
  before: QState | null;
}

const HISTORY = 32;

export class Lockstep {
  private q: QRecord[] = [];
  private h = 0;
  private eof = false;
  private synced = false;
  private comparedSeq = -1;
  private last: LastAction = { kind: 'sync', eip: 0, icount: 0, ecx: 0, before: null };
  readonly stats: LockstepStats = {
    insns: 0, records: 0, interrupts: 0, deliveries: 0, replayed: 0, repSplits: 0, portIn: 0, portOut: 0, tscReads: 0, cpuids: 0, undefinedDiffs: 0,
  };
  readonly history: HistoryEntry[] = [];
  readonly ports: PortAccess[] = [];
  /** What the guest wrote to COM1 (our CPU's OUTs to 0x3F8). */
  readonly console: number[] = [];
  result: EndReason | null = null;
  private readonly cpu: Cpu;
  private dlab = false;
  /** Undefined-flag differences adopted, by instruction and flags ("and: AF" -> count). */
  readonly undefinedKinds = new Map<string, number>();
  /** CPUID results that differed from ours (QEMU's were used). */
  readonly cpuidNotes: string[] = [];
  /** The last debug-exit or pvpanic write our CPU made (how the guest ended). */
  guestSignal: string | null = null;

  constructor(private readonly ours: OurSide, private readonly ram: () => Uint8Array, private readonly maxInsns: number) {
    this.cpu = ours.cpu;
    ours.onPort = (a) => {
      if (a.dir === 'in') this.stats.portIn++;
      else {
        this.stats.portOut++;
        // COM1 data register, unless LCR.DLAB turns it into the divisor latch.
        if (a.port === 0x3fb) this.dlab = (a.value & 0x80) !== 0;
        else if (a.port === 0xf4) this.guestSignal = `isa-debug-exit write ${a.value} (exit(${a.value}))`;
        else if (a.port === 0x505) this.guestSignal = `pvpanic write ${a.value}`;
        else if (a.port === 0x3f8 && !this.dlab) this.console.push(a.value & 0xff);
      }
      this.ports.push(a);
      if (this.ports.length > 2 * HISTORY) this.ports.splice(0, HISTORY);
    };
  }

  /** Adds parsed records and runs as far as they allow. */
  feed(records: QRecord[]): void {
    for (const r of records) this.q.push(r);
    this.advance();
    this.countConsumed();
    if (this.h > 8192) {
      this.q = this.q.slice(this.h);
      this.h = 0;
    }
  }

  /** QEMU's log ended: finish with what is left. */
  finish(): void {
    this.eof = true;
    this.advance();
    this.countConsumed();
    if (this.result === null) this.result = { kind: 'qemu-ended' };
  }

  private countConsumed(): void {
    const q = this.q;
    this.stats.records = this.h < q.length ? q[this.h].seq : q.length > 0 ? q[q.length - 1].seq + 1 : 0;
  }

  /** True while the lockstep wants more records. */
  get running(): boolean {
    return this.result === null;
  }

  private note(what: string): void {
    this.history.push({ icount: this.cpu.icount, eip: this.cpu.eip >>> 0, what });
    if (this.history.length > 2 * HISTORY) this.history.splice(0, HISTORY);
  }

  private end(r: EndReason): void {
    if (this.result === null) this.result = r;
  }

  private mismatch(what: string, qemu: QState | null, diffs: FieldDiff[] = []): void {
    const last = this.last;
    this.end({
      kind: 'mismatch',
      mismatch: { what, icount: last.icount, record: this.q[this.h]?.seq ?? -1, eip: last.eip, bytes: this.ours.codeBytes(last.eip), diffs, before: last.before, qemu, ours: ourState(this.cpu) },
    });
  }

  /** Index of the first record at or after `from` that is not an exception event, or -1 if not known yet. */
  private afterExceptions(from: number): number {
    let j = from;
    while (j < this.q.length) {
      const r = this.q[j];
      if (r.kind === 'event' && !r.hardware) j++;
      else return j;
    }
    return this.eof ? j : -1;
  }

  /**
   * Compares our state with QEMU's record; a difference confined to what the SDM leaves
   * undefined after the last instruction is adopted from QEMU. Returns false on a mismatch.
   */
  private check(rec: QRecord): boolean {
    this.comparedSeq = rec.seq;
    if (matchesCpu(rec.s, this.cpu)) return true;
    const mine = ourState(this.cpu);
    let diffs = compareStates(rec.s, mine);
    // QEMU dumps an exception's state after the fault set CR2, before the delivery.
    if (rec.kind === 'event' && !rec.hardware && rec.vector === 14) diffs = diffs.filter((d) => d.field !== 'cr2');
    if (diffs.length === 0) return true;
    const last = this.last;
    if (last.kind === 'insn') {
      const fx = undefinedEffects(this.ours.codeBytes(last.eip), last.ecx);
      const destName = fx.destReg === null ? null : ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'][fx.destReg];
      const destOk = fx.destReg !== null && (!fx.destOnlyIfZf || (rec.s.eflags & ZF) !== 0);
      const allUndefined = diffs.every((d) => (d.field === 'eflags' && ((d.qemu ^ d.ours) & ~fx.flags) === 0) || (destOk && d.field === destName));
      if (allUndefined) {
        this.stats.undefinedDiffs++;
        const flagDiff = diffs.find((d) => d.field === 'eflags');
        const key = `${fx.mnemonic}: ${[...(flagDiff === undefined ? [] : flagList(flagDiff.qemu ^ flagDiff.ours)), ...(diffs.some((d) => d.field !== 'eflags') ? ['dest'] : [])].join(' ')}`;
        this.undefinedKinds.set(key, (this.undefinedKinds.get(key) ?? 0) + 1);
        for (const d of diffs) {
          if (d.field === 'eflags') this.cpu.setEflags(d.qemu);
          else this.cpu.regs[fx.destReg!] = d.qemu | 0;
        }
        return true;
      }
    }
    const what = last.kind === 'sync' ? 'state differs right after the sync'
      : last.kind === 'insn' ? 'state differs after the instruction'
        : last.kind === 'interrupt' ? 'state differs after delivering an external interrupt'
          : last.kind === 'rep-split' ? 'state differs after the iterations QEMU ran before an interrupt'
            : 'state differs after an exception or software interrupt was delivered';
    this.mismatch(what, rec.s, diffs);
    return false;
  }

  /**
   * Our CPU delivered an exception or software interrupt and QEMU's records from `this.h` up to
   * `chainEnd` are the matching events: check the error code of the last one, consume them.
   * Returns false on a mismatch.
   */
  private consumeDeliveries(chainEnd: number): boolean {
    const lastEv = this.q[chainEnd - 1];
    if (lastEv.kind === 'event' && HAS_ERROR_CODE.has(lastEv.vector) && !lastEv.software) {
      const top = this.ours.stackTop();
      if (top !== null && (top & 0xffff) !== lastEv.errorCode) {
        this.last = { ...this.last, kind: 'delivery' };
        this.mismatch(`${vectorName(lastEv.vector)}: QEMU pushed error code 0x${lastEv.errorCode.toString(16)}, our CPU 0x${top.toString(16)}`, lastEv.s);
        return false;
      }
    }
    const names = this.q.slice(this.h, chainEnd).map((e) => (e.kind === 'event' ? vectorName(e.vector) : '?')).join(' -> ');
    this.note(`delivered ${names}`);
    this.last = { ...this.last, kind: 'delivery' };
    this.stats.deliveries++;
    this.h = chainEnd;
    return true;
  }

  /** Our CPU stopped on its own (triple fault, unsupported instruction): ends the run. */
  private stoppedEnd(post: QRecord | null, chainEnd: number): void {
    const stopped = this.cpu.stopped!;
    if (stopped.kind === 'triple-fault' && (post === null || (chainEnd === this.q.length && this.eof))) {
      this.h = this.q.length;
      this.end({ kind: 'triple-fault' });
    } else if (stopped.kind === 'triple-fault') {
      this.mismatch(`our CPU triple-faulted (${stopped.detail}); QEMU went on`, post?.s ?? null);
    } else {
      this.mismatch(`our CPU stopped: ${stopped.detail}`, post?.s ?? null);
    }
  }

  private advance(): void {
    const cpu = this.cpu;
    const ours = this.ours;
    while (this.result === null) {
      if (this.h >= this.q.length) {
        if (this.eof) this.end({ kind: 'qemu-ended' });
        return;
      }
      const head = this.q[this.h];
      if (!this.synced) {
        if (head.kind !== 'insn') throw new Error('QEMU log: the first record is not an instruction');
        ours.syncFrom(head.s, this.ram());
        this.synced = true;
        this.last = { kind: 'sync', eip: head.s.eip, icount: 0, ecx: 0, before: null };
        this.note('sync');
      }
      if (head.seq !== this.comparedSeq && !this.check(head)) return;

      if (head.kind === 'event' && !head.hardware) {
        // An exception at a boundary, with no record of an instruction before it: QEMU could not
        // fetch the instruction (#PF, #GP on the code segment), so it never logged it.
        const j = this.afterExceptions(this.h + 1);
        if (j < 0) return;
        if (this.stats.insns >= this.maxInsns) {
          this.end({ kind: 'bound' });
          return;
        }
        this.last = { kind: 'insn', eip: cpu.eip >>> 0, icount: cpu.icount, ecx: cpu.regs[ECX], before: head.s };
        const r = ours.step();
        this.stats.insns++;
        if (cpu.stopped !== null) {
          this.stoppedEnd(head, j);
          return;
        }
        if (!r.delivered || r.retired) {
          this.mismatch(`QEMU raised ${vectorName(head.vector)} fetching the instruction at this boundary; our CPU ${r.delivered ? 'also ran an instruction' : 'did not fault'}`, head.s);
          return;
        }
        if (!this.consumeDeliveries(j)) return;
        continue;
      }

      if (head.kind === 'event') {
        const j = this.afterExceptions(this.h + 1);
        if (j < 0) return;
        if (!cpu.interruptible()) {
          this.mismatch(`QEMU took external interrupt 0x${head.vector.toString(16)} here, but our CPU inhibits interrupts at this boundary (IF=${(cpu.flags & IF) !== 0 ? 1 : 0}, STI/MOV SS shadow)`, head.s);
          return;
        }
        this.last = { kind: 'interrupt', eip: cpu.eip >>> 0, icount: cpu.icount, ecx: 0, before: head.s };
        this.note(`external interrupt 0x${head.vector.toString(16)}`);
        ours.interrupt(head.vector);
        this.stats.interrupts++;
        this.h = j;
        continue;
      }

      // An instruction record: the state before QEMU runs the instruction at head.s.eip.
      if (cpu.halted) {
        this.mismatch('QEMU runs an instruction but our CPU is halted', head.s);
        return;
      }
      if (this.stats.insns >= this.maxInsns) {
        this.end({ kind: 'bound' });
        return;
      }
      const cls = ours.classify();
      if (cls.hlt && (cpu.flags & IF) === 0 && cpu.cpl === 0) {
        // HLT with interrupts off: nothing will follow in QEMU's log (no NMIs here), so there is
        // no state after it to wait for.
        this.last = { kind: 'insn', eip: cpu.eip >>> 0, icount: cpu.icount, ecx: cpu.regs[ECX], before: head.s };
        this.note('insn');
        ours.step();
        this.stats.insns++;
        this.h++;
        if (cpu.stopped !== null) this.stoppedEnd(null, -1);
        else if (cpu.halted) this.end({ kind: 'halted' });
        else this.mismatch('our CPU did not halt at HLT', null);
        return;
      }
      if (cls.repString) {
        // One record per iteration: drop the intermediate ones, keep the first.
        while (this.h + 1 < this.q.length) {
          const n = this.q[this.h + 1];
          if (n.kind !== 'insn' || n.s.eip !== head.s.eip || n.s.segs[1].sel !== head.s.segs[1].sel) break;
          this.q[this.h + 1] = head;
          this.h++;
        }
      }
      if (this.h + 1 >= this.q.length && !this.eof) return;
      const post = this.h + 1 < this.q.length ? this.q[this.h + 1] : null;
      const postIsException = post !== null && post.kind === 'event' && !post.hardware;
      let chainEnd = -1;
      if (postIsException) {
        chainEnd = this.afterExceptions(this.h + 2);
        if (chainEnd < 0) return;
      }

      if (cls.repString && post !== null && post.kind === 'event' && post.hardware && post.s.eip === head.s.eip && post.s.segs[1].sel === head.s.segs[1].sel) {
        // QEMU took an interrupt between iterations: run as many as it did, then stand at the
        // instruction again with the remaining count, as the CPU does.
        const c0 = ours.repCount(cls.addr16);
        const c1 = cls.addr16 ? post.s.regs[ECX] & 0xffff : post.s.regs[ECX];
        const done = (c0 - c1) & (cls.addr16 ? 0xffff : 0xffffffff);
        this.h++;
        if (done === 0) {
          this.stats.replayed++;
          continue;
        }
        this.last = { kind: 'rep-split', eip: cpu.eip >>> 0, icount: cpu.icount, ecx: cpu.regs[ECX], before: head.s };
        this.note(`REP string, ${done} of ${c0} iterations before an interrupt`);
        ours.setRepCount(cls.addr16, done);
        const r = ours.step();
        this.stats.insns++;
        this.stats.repSplits++;
        if (r.delivered || cpu.stopped !== null) {
          this.mismatch('our CPU faulted in iterations QEMU completed before an interrupt', post.s);
          return;
        }
        if (ours.repCount(cls.addr16) === 0) {
          ours.setRepCount(cls.addr16, c1);
          cpu.eip = head.s.eip | 0;
        }
        continue;
      }

      if (post !== null && !postIsException && sameCoreState(head.s, post.s) && !isSelfJump(ours.codeBytes(cpu.eip), cpu.eip >>> 0)) {
        // QEMU logged the instruction, then left its block before running it (icount deadline
        // or a pending interrupt) and will log it again: nothing ran.
        this.h++;
        this.stats.replayed++;
        this.comparedSeq = post.seq;
        continue;
      }

      if (cls.portInString) {
        this.mismatch('INS (string input): the port data goes to memory, which QEMU\'s log does not show; the diff tool cannot follow it', post?.s ?? null);
        return;
      }
      if (post !== null) {
        if (cls.portIn) ours.setNextIn(post.s.regs[0]);
        if (cls.rdtsc || (cls.rdmsr && cpu.regs[ECX] === 0x10)) {
          cpu.tscOffset = post.s.regs[2] * 4294967296 + post.s.regs[0] - cpu.icount;
          this.stats.tscReads++;
        }
      }
      this.last = { kind: 'insn', eip: cpu.eip >>> 0, icount: cpu.icount, ecx: cpu.regs[ECX], before: head.s };
      this.note('insn');
      const r = ours.step();
      this.stats.insns++;
      this.h++;

      if (cpu.stopped !== null) {
        this.stoppedEnd(post, chainEnd);
        return;
      }
      if (post === null) {
        this.end({ kind: 'qemu-ended' });
        return;
      }
      if (r.delivered) {
        if (!postIsException) {
          this.mismatch('our CPU delivered an exception or software interrupt after this instruction; QEMU did not', post.s);
          return;
        }
        if (!this.consumeDeliveries(chainEnd)) return;
        continue;
      }
      if (postIsException && post.kind === 'event') {
        // Either this instruction faulted in QEMU only, or it completed and QEMU then failed to
        // fetch the next one (then the event's state is ours, and the next step faults too).
        if (sameCoreState(post.s, ourState(cpu))) continue;
        const err = HAS_ERROR_CODE.has(post.vector) ? ` with error code 0x${post.errorCode.toString(16)}` : '';
        this.mismatch(`QEMU raised ${vectorName(post.vector)}${err} at this instruction; our CPU did not`, post.s);
        return;
      }
      if (cls.cpuid) {
        // QEMU runs with our CPUID identity (cpu-model.ts), but it cannot reproduce every leaf
        // bit for bit: note a difference and go on with QEMU's values.
        this.stats.cpuids++;
        const diff = [0, 3, 1, 2].filter((k) => (cpu.regs[k] >>> 0) !== post.s.regs[k]);
        if (diff.length > 0 && this.cpuidNotes.length < 8) {
          const leaf = head.s.regs[0].toString(16), sub = head.s.regs[1].toString(16);
          this.cpuidNotes.push(`CPUID leaf 0x${leaf}.${sub}: ${diff.map((k) => `${['eax', 'ecx', 'edx', 'ebx'][k]} QEMU 0x${post.s.regs[k].toString(16)} ours 0x${(cpu.regs[k] >>> 0).toString(16)}`).join(', ')}`);
        }
        for (let k = 0; k < 4; k++) cpu.regs[k] = post.s.regs[k] | 0;
      }
    }
  }
}
