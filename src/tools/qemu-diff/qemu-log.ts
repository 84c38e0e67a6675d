/**
 * Parser of QEMU's per-instruction log (`-d cpu,int` with one instruction per translation block):
 * each instruction is logged as a CPU state dump before it executes, and each interrupt or
 * exception as a header line (`v=20 e=0000 i=0 ...`, after `Servicing hardware INT=0x20` for an
 * external interrupt or `check_exception old: ... new ...` for an exception) followed by a dump
 * of the state before delivery. Only the i386 (32-bit) dump layout is understood.
 */

/** One segment register (or LDTR/TR) as QEMU shows it: selector and hidden descriptor cache. */
export interface QSeg {
  sel: number;
  base: number;
  limit: number;
  /** The descriptor's high dword bits 8-23 (type, S, DPL, P, AVL, L, D/B, G), as QEMU keeps them. */
  flags: number;
}

/** The architectural state in one dump. All numbers are unsigned. */
export interface QState {
  /** EAX ECX EDX EBX ESP EBP ESI EDI (Intel encoding order, like Cpu.regs). */
  regs: number[];
  eip: number;
  eflags: number;
  cpl: number;
  /** Interrupt shadow (STI / MOV SS) in force. */
  inhibit: boolean;
  halted: boolean;
  /** ES CS SS DS FS GS (Sreg encoding order, like Cpu.segSel). */
  segs: QSeg[];
  ldt: QSeg;
  tr: QSeg;
  gdtBase: number;
  gdtLimit: number;
  idtBase: number;
  idtLimit: number;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  dr: number[];
}

/** A log record: the state before an instruction, or an interrupt/exception about to be delivered. */
export type QRecord =
  | { kind: 'insn'; seq: number; s: QState }
  | {
    kind: 'event';
    seq: number;
    vector: number;
    errorCode: number;
    /** INT n / INT3 / INTO (QEMU's i=1). */
    software: boolean;
    /** An external interrupt (`Servicing hardware INT`). */
    hardware: boolean;
    /** State before delivery (for an exception: rolled back to the faulting instruction). */
    s: QState;
  };

/** The n hex digits at text[at..]: the dump's fixed columns. */
function hex(text: string, at: number, n = 8): number {
  let v = 0;
  for (let k = at; k < at + n; k++) {
    const c = text.charCodeAt(k);
    const d = c <= 57 ? c - 48 : (c | 32) - 87;
    if (d < 0 || d > 15) throw new Error(`QEMU log: bad hex digit in '${text.slice(at - 4, text.indexOf('\n', at))}'`);
    v = v * 16 + d;
  }
  return v;
}

function seg(text: string, p: number): QSeg {
  // "ES =0010 00000000 ffffffff 00cf9300 DPL=0 DS   [-WA]"
  return { sel: hex(text, p + 4, 4), base: hex(text, p + 9), limit: hex(text, p + 18), flags: hex(text, p + 27) };
}

/** The four characters at text[p..] as one number (line tags such as "EAX="). */
function tag4(text: string, p: number): number {
  return (text.charCodeAt(p) << 24) | (text.charCodeAt(p + 1) << 16) | (text.charCodeAt(p + 2) << 8) | text.charCodeAt(p + 3);
}
const tag = (s: string): number => tag4(s, 0);
const T_EAX = tag('EAX='), T_ESI = tag('ESI='), T_EIP = tag('EIP='), T_LDT = tag('LDT='), T_TR = tag('TR =');
const T_GDT = tag('GDT='), T_IDT = tag('IDT='), T_CR0 = tag('CR0='), T_DR0 = tag('DR0='), T_DR6 = tag('DR6=');
const T_CCS = tag('CCS='), T_EFER = tag('EFER');
const SEG_TAGS = ['ES =', 'CS =', 'SS =', 'DS =', 'FS =', 'GS ='].map(tag);

function blankState(): QState {
  const z: QSeg = { sel: 0, base: 0, limit: 0, flags: 0 };
  return {
    regs: [0, 0, 0, 0, 0, 0, 0, 0], eip: 0, eflags: 0, cpl: 0, inhibit: false, halted: false,
    segs: [z, z, z, z, z, z], ldt: z, tr: z, gdtBase: 0, gdtLimit: 0, idtBase: 0, idtLimit: 0,
    cr0: 0, cr2: 0, cr3: 0, cr4: 0, dr: [0, 0, 0, 0, 0, 0, 0, 0],
  };
}

const EVENT = /^\s*\d+: v=([0-9a-f]+) e=([0-9a-f]+) i=(\d)/;

/**
 * Incremental parser: feed() it chunks of the log as they arrive; it returns the records that
 * became complete. Lines it does not know (SMM notices and the like) are ignored.
 */
export class QemuLogParser {
  private rest = '';
  private state: QState | null = null;
  private pendingEvent: { vector: number; errorCode: number; software: boolean } | null = null;
  private hardware = false;
  private seq = 0;
  /** Lines that were neither part of a dump nor a known header (first few, for diagnostics). */
  readonly unknown: string[] = [];

  feed(chunk: string, out: QRecord[]): void {
    const text = this.rest + chunk;
    let pos = 0;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      this.line(text, pos, nl, out);
      pos = nl + 1;
    }
    this.rest = text.slice(pos);
  }

  private line(text: string, p: number, end: number, out: QRecord[]): void {
    const s = this.state;
    const t = end - p >= 4 ? tag4(text, p) : 0;
    if (s === null) {
      if (t === T_EAX) {
        const n = blankState();
        n.regs[0] = hex(text, p + 4); n.regs[3] = hex(text, p + 17); n.regs[1] = hex(text, p + 30); n.regs[2] = hex(text, p + 43);
        this.state = n;
        return;
      }
      const line = text.slice(p, end);
      if (line.startsWith('Servicing hardware INT=')) {
        this.hardware = true;
        return;
      }
      if (line.startsWith('check_exception')) {
        this.hardware = false;
        return;
      }
      const m = EVENT.exec(line);
      if (m !== null) {
        this.pendingEvent = { vector: parseInt(m[1], 16), errorCode: parseInt(m[2], 16), software: m[3] === '1' };
        return;
      }
      if (line.trim() !== '' && this.unknown.length < 20) this.unknown.push(line);
      return;
    }
    switch (t) {
      case T_ESI:
        s.regs[6] = hex(text, p + 4); s.regs[7] = hex(text, p + 17); s.regs[5] = hex(text, p + 30); s.regs[4] = hex(text, p + 43);
        return;
      case T_EIP: {
        s.eip = hex(text, p + 4);
        s.eflags = hex(text, p + 17);
        const c = text.indexOf('CPL=', p + 25);
        s.cpl = text.charCodeAt(c + 4) - 48;
        s.inhibit = text.charCodeAt(c + 9) === 49; // "CPL=0 II=1"
        const h = text.indexOf('HLT=', c);
        s.halted = h >= 0 && h < end && text.charCodeAt(h + 4) === 49;
        return;
      }
      case T_LDT: s.ldt = seg(text, p); return;
      case T_TR: s.tr = seg(text, p); return;
      case T_GDT: s.gdtBase = hex(text, p + 9); s.gdtLimit = hex(text, p + 18); return;
      case T_IDT: s.idtBase = hex(text, p + 9); s.idtLimit = hex(text, p + 18); return;
      case T_CR0: s.cr0 = hex(text, p + 4); s.cr2 = hex(text, p + 17); s.cr3 = hex(text, p + 30); s.cr4 = hex(text, p + 43); return;
      case T_DR0: s.dr[0] = hex(text, p + 4); s.dr[1] = hex(text, p + 17); s.dr[2] = hex(text, p + 30); s.dr[3] = hex(text, p + 43); return;
      case T_DR6: s.dr[6] = hex(text, p + 4); s.dr[7] = hex(text, p + 17); return;
      case T_CCS: return;
      case T_EFER: {
        this.state = null;
        const ev = this.pendingEvent;
        this.pendingEvent = null;
        if (ev === null) out.push({ kind: 'insn', seq: this.seq++, s });
        else out.push({ kind: 'event', seq: this.seq++, ...ev, hardware: this.hardware, s });
        this.hardware = false;
        return;
      }
      default: {
        const k = SEG_TAGS.indexOf(t);
        if (k >= 0) s.segs[k] = seg(text, p);
        else if (this.unknown.length < 20) this.unknown.push(text.slice(p, end));
      }
    }
  }
}
