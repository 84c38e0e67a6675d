import type { AccessSize, PhysicalMemory } from './buses.js';
import { CpuFault, PF_VEC } from './faults.js';

/**
 * Software TLB entry layout: the physical frame address in bits 31..12, permission bits below.
 * An entry grants a fast access only if every bit of the access mask is set, so an empty entry (0)
 * always misses. Write bits are granted only once the page's dirty bit is set, so the first write
 * to a clean page takes the slow path and sets D exactly as the hardware does.
 */
export const TLB_VALID = 1;
export const TLB_USER_R = 2;
export const TLB_SUP_W = 4;
export const TLB_USER_W = 8;
/** The frame is guest RAM (not MMIO): required for every fast access. */
export const TLB_RAM = 16;
/** Global page (CR4.PGE and PTE.G): survives CR3 reloads. */
export const TLB_GLOBAL = 32;

const PAGE_MASK = -4096;
const FILLED_CAPACITY = 1 << 16;

/** codePages bits. */
export const PAGE_CODE = 1;
export const PAGE_WATCHED = 2;

/** Kind of access for translation and #PF error codes. */
export const ACC_READ = 0, ACC_WRITE = 1, ACC_FETCH = 2;

/**
 * Paging and physical memory access for the CPU: two-level page tables with 4 KiB and (CR4.PSE)
 * 4 MiB pages, CR0.WP, user/supervisor and read/write checks, accessed/dirty bits, #PF with the
 * right error code, and a software TLB indexed by linear page number.
 *
 * Linear accessors (rd*, wr*) use the current privilege (CPL 3 = user); sys* accessors are the
 * implicit supervisor accesses the CPU makes to descriptor tables and the TSS.
 */
export class Mmu {
  readonly ram: Uint8Array;
  private readonly ram32: Int32Array;
  private readonly ram16: Uint16Array;
  private readonly dv: DataView;
  readonly ramBytes: number;
  readonly tlb = new Int32Array(1 << 20);
  private readonly filled = new Int32Array(FILLED_CAPACITY);
  private filledCount = 0;

  pagingOn = false;
  cr3 = 0;
  /** CR0.WP: supervisor writes honour read-only pages. */
  wp = false;
  /** CR4.PSE: 4 MiB pages. */
  pse = false;
  /** CR4.PGE: global pages. */
  pge = false;
  /** CR2 as last written by a page fault. */
  cr2 = 0;
  /**
   * Bumped whenever linear-to-physical translation or fetch permission may have changed (TLB
   * flush, INVLPG, privilege or code segment change); cached links between code blocks made
   * under an older generation are not trusted.
   */
  mapGen = 0;
  /** Current privilege is user (CPL 3). */
  private user = false;
  private rmask = TLB_VALID | TLB_RAM;
  private wmask = TLB_VALID | TLB_SUP_W | TLB_RAM;

  /**
   * Per physical page: bit 0 (PAGE_CODE) set when decoded instructions are cached for it (see
   * CodeCache), bit 1 (PAGE_WATCHED) when a write watch covers part of it. Writes to a flagged
   * page take the tracked path; all others pay one byte load.
   */
  readonly codePages: Uint8Array;
  /** Called before a write lands on a page holding decoded code, so stale decodes are dropped. */
  onCodeWrite: (phys: number, size: number) => void = () => {};
  private watches: { start: number; end: number; onHit: (phys: number, size: number) => void }[] = [];

  constructor(private readonly mem: PhysicalMemory) {
    const ram = mem.ram;
    if (ram.byteLength % 4096 !== 0 || ram.byteOffset % 4 !== 0) throw new RangeError('guest RAM must be a whole number of 4 KiB pages');
    this.ram = ram;
    this.ramBytes = ram.byteLength;
    this.ram32 = new Int32Array(ram.buffer, ram.byteOffset, ram.byteLength >> 2);
    this.ram16 = new Uint16Array(ram.buffer, ram.byteOffset, ram.byteLength >> 1);
    this.dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
    this.codePages = new Uint8Array(ram.byteLength >>> 12);
  }

  /** Sets the privilege used by rd and wr: CPL 3 is user, anything else supervisor. */
  setUser(user: boolean): void {
    this.mapGen++;
    this.user = user;
    this.rmask = user ? TLB_VALID | TLB_USER_R | TLB_RAM : TLB_VALID | TLB_RAM;
    this.wmask = user ? TLB_VALID | TLB_USER_W | TLB_RAM : TLB_VALID | TLB_SUP_W | TLB_RAM;
  }

  isUser(): boolean {
    return this.user;
  }

  // ---- TLB maintenance -------------------------------------------------------------------------

  /** Drops every entry, or every non-global one (a CR3 reload with CR4.PGE). */
  flush(keepGlobal = false): void {
    this.mapGen++;
    const tlb = this.tlb;
    if (this.filledCount >= FILLED_CAPACITY) {
      if (keepGlobal) {
        for (let p = 0; p < tlb.length; p++) if ((tlb[p] & TLB_GLOBAL) === 0) tlb[p] = 0;
      } else tlb.fill(0);
      this.filledCount = 0;
      if (keepGlobal) for (let p = 0; p < tlb.length; p++) if (tlb[p] !== 0) this.noteFilled(p);
      return;
    }
    let kept = 0;
    for (let k = 0; k < this.filledCount; k++) {
      const p = this.filled[k];
      if (keepGlobal && (tlb[p] & TLB_GLOBAL) !== 0) this.filled[kept++] = p;
      else tlb[p] = 0;
    }
    this.filledCount = kept;
  }

  /** INVLPG: drops the entry for one linear page, global or not. */
  invalidatePage(lin: number): void {
    this.mapGen++;
    this.tlb[lin >>> 12] = 0;
  }

  private noteFilled(page: number): void {
    if (this.filledCount < FILLED_CAPACITY) this.filled[this.filledCount++] = page;
    else this.filledCount = FILLED_CAPACITY; // overflow: the next flush clears the whole table
  }

  // ---- translation -----------------------------------------------------------------------------

  /**
   * Walks the page tables for `lin` (or identity-maps it with paging off), checks the access,
   * sets accessed/dirty bits, fills the TLB and returns the entry. Throws #PF on failure.
   */
  translate(lin: number, access: number, user: boolean): number {
    const page = lin >>> 12;
    let entry: number;
    if (!this.pagingOn) {
      const frame = lin & PAGE_MASK;
      entry = frame | TLB_VALID | TLB_USER_R | TLB_SUP_W | TLB_USER_W | ((frame >>> 0) < this.ramBytes ? TLB_RAM : 0);
    } else {
      entry = this.walk(lin, access, user);
    }
    if (this.tlb[page] === 0) this.noteFilled(page);
    this.tlb[page] = entry;
    return entry;
  }

  private walk(lin: number, access: number, user: boolean): number {
    const write = access === ACC_WRITE;
    const pdeAddr = ((this.cr3 & PAGE_MASK) + ((lin >>> 22) << 2)) >>> 0;
    const pde = this.physRead32(pdeAddr);
    if ((pde & 1) === 0) throw this.pageFault(lin, false, write, user);
    let frame: number, userOk: boolean, writable: boolean, global: boolean, dirty: boolean;
    if ((pde & 0x80) !== 0 && this.pse) {
      frame = ((pde & 0xffc00000) | (lin & 0x003ff000)) >>> 0;
      userOk = (pde & 4) !== 0;
      writable = (pde & 2) !== 0;
      this.checkAccess(lin, userOk, writable, write, user);
      let updated = pde | 0x20;
      if (write) updated |= 0x40;
      if (updated !== pde) this.physWrite32(pdeAddr, updated);
      dirty = (updated & 0x40) !== 0;
      global = this.pge && (pde & 0x100) !== 0;
    } else {
      const pteAddr = ((pde & PAGE_MASK) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
      const pte = this.physRead32(pteAddr);
      if ((pte & 1) === 0) throw this.pageFault(lin, false, write, user);
      frame = (pte & PAGE_MASK) >>> 0;
      userOk = (pde & pte & 4) !== 0;
      writable = (pde & pte & 2) !== 0;
      this.checkAccess(lin, userOk, writable, write, user);
      if ((pde & 0x20) === 0) this.physWrite32(pdeAddr, pde | 0x20);
      let updated = pte | 0x20;
      if (write) updated |= 0x40;
      if (updated !== pte) this.physWrite32(pteAddr, updated);
      dirty = (updated & 0x40) !== 0;
      global = this.pge && (pte & 0x100) !== 0;
    }
    let entry = frame | TLB_VALID;
    if (userOk) entry |= TLB_USER_R;
    if (dirty) {
      if (writable || !this.wp) entry |= TLB_SUP_W;
      if (userOk && writable) entry |= TLB_USER_W;
    }
    if (frame < this.ramBytes) entry |= TLB_RAM;
    if (global) entry |= TLB_GLOBAL;
    return entry | 0;
  }

  private checkAccess(lin: number, userOk: boolean, writable: boolean, write: boolean, user: boolean): void {
    if (user) {
      if (!userOk || (write && !writable)) throw this.pageFault(lin, true, write, user);
    } else if (write && !writable && this.wp) {
      throw this.pageFault(lin, true, write, user);
    }
  }

  private pageFault(lin: number, present: boolean, write: boolean, user: boolean): CpuFault {
    this.cr2 = lin >>> 0;
    return new CpuFault(PF_VEC, (present ? 1 : 0) | (write ? 2 : 0) | (user ? 4 : 0));
  }

  /** Translates for the current privilege without touching memory contents (debuggers, reports). */
  probe(lin: number): number | null {
    const e = this.tlb[lin >>> 12];
    if ((e & TLB_VALID) !== 0) return ((e & PAGE_MASK) | (lin & 0xfff)) >>> 0;
    if (!this.pagingOn) return lin >>> 0;
    const pde = this.physRead32(((this.cr3 & PAGE_MASK) + ((lin >>> 22) << 2)) >>> 0);
    if ((pde & 1) === 0) return null;
    if ((pde & 0x80) !== 0 && this.pse) return ((pde & 0xffc00000) | (lin & 0x003fffff)) >>> 0;
    const pte = this.physRead32(((pde & PAGE_MASK) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0);
    if ((pte & 1) === 0) return null;
    return ((pte & PAGE_MASK) | (lin & 0xfff)) >>> 0;
  }

  // ---- write tracking: self-modifying code and watchpoints -------------------------------------------

  /**
   * Calls `onHit(phys, size)` before any write overlapping physical [start, start+length) lands
   * (a debugger's write watchpoint: bisection uses it to find the instruction that changes a word).
   */
  watchWrites(start: number, length: number, onHit: (phys: number, size: number) => void): void {
    this.watches.push({ start, end: start + length, onHit });
    for (let p = start >>> 12; p <= (start + length - 1) >>> 12 && p < this.codePages.length; p++) this.codePages[p] |= PAGE_WATCHED;
  }

  clearWatches(): void {
    this.watches = [];
    for (let p = 0; p < this.codePages.length; p++) this.codePages[p] &= ~PAGE_WATCHED;
  }

  private trackedWrite(p: number, size: number): void {
    for (const w of this.watches) if (p < w.end && p + size > w.start) w.onHit(p, size);
    if (((this.codePages[p >>> 12] | this.codePages[(p + size - 1) >>> 12]) & PAGE_CODE) !== 0) this.onCodeWrite(p, size);
  }

  // ---- physical access -------------------------------------------------------------------------

  physRead8(p: number): number {
    return p < this.ramBytes ? this.ram[p] : this.mem.mmioRead(p, 1) & 0xff;
  }
  physRead16(p: number): number {
    if (p + 1 < this.ramBytes) return (p & 1) === 0 ? this.ram16[p >>> 1] : this.dv.getUint16(p, true);
    return this.mem.mmioRead(p, 2) & 0xffff;
  }
  physRead32(p: number): number {
    if (p + 3 < this.ramBytes) return (p & 3) === 0 ? this.ram32[p >>> 2] : this.dv.getInt32(p, true);
    return this.mem.mmioRead(p, 4) | 0;
  }
  physWrite8(p: number, v: number): void {
    if (p < this.ramBytes) {
      if (this.codePages[p >>> 12] !== 0) this.trackedWrite(p, 1);
      this.ram[p] = v;
    } else this.mem.mmioWrite(p, 1, v & 0xff);
  }
  physWrite16(p: number, v: number): void {
    if (p + 1 < this.ramBytes) {
      if (this.codePages[p >>> 12] !== 0 || this.codePages[(p + 1) >>> 12] !== 0) this.trackedWrite(p, 2);
      if ((p & 1) === 0) this.ram16[p >>> 1] = v;
      else this.dv.setUint16(p, v & 0xffff, true);
    } else this.mem.mmioWrite(p, 2, v & 0xffff);
  }
  physWrite32(p: number, v: number): void {
    if (p + 3 < this.ramBytes) {
      if (this.codePages[p >>> 12] !== 0 || this.codePages[(p + 3) >>> 12] !== 0) this.trackedWrite(p, 4);
      if ((p & 3) === 0) this.ram32[p >>> 2] = v;
      else this.dv.setInt32(p, v | 0, true);
    } else this.mem.mmioWrite(p, 4, v >>> 0);
  }

  // ---- linear access, current privilege (the hot path) -----------------------------------------

  rd8(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.rmask) === this.rmask) return this.ram[(e & PAGE_MASK) | (lin & 0xfff)];
    return this.physRead8(this.slowPhys(lin, ACC_READ, this.user));
  }

  rd16(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.rmask) === this.rmask && (lin & 0xfff) !== 0xfff) {
      const p = (e & PAGE_MASK) | (lin & 0xfff);
      return (p & 1) === 0 ? this.ram16[p >>> 1] : this.dv.getUint16(p, true);
    }
    return this.rd16Slow(lin, this.user);
  }

  rd32(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.rmask) === this.rmask && (lin & 0xfff) <= 0xffc) {
      const p = (e & PAGE_MASK) | (lin & 0xfff);
      return (p & 3) === 0 ? this.ram32[p >>> 2] : this.dv.getInt32(p, true);
    }
    return this.rd32Slow(lin, this.user);
  }

  wr8(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    if ((e & this.wmask) === this.wmask) {
      const p = (e & PAGE_MASK) | (lin & 0xfff);
      if (this.codePages[p >>> 12] !== 0) this.trackedWrite(p, 1);
      this.ram[p] = v;
      return;
    }
    this.physWrite8(this.slowPhys(lin, ACC_WRITE, this.user), v);
  }

  wr16(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    if ((e & this.wmask) === this.wmask && (lin & 0xfff) !== 0xfff) {
      const p = (e & PAGE_MASK) | (lin & 0xfff);
      if (this.codePages[p >>> 12] !== 0) this.trackedWrite(p, 2);
      if ((p & 1) === 0) this.ram16[p >>> 1] = v;
      else this.dv.setUint16(p, v & 0xffff, true);
      return;
    }
    this.wr16Slow(lin, v, this.user);
  }

  wr32(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    if ((e & this.wmask) === this.wmask && (lin & 0xfff) <= 0xffc) {
      const p = (e & PAGE_MASK) | (lin & 0xfff);
      if (this.codePages[p >>> 12] !== 0) this.trackedWrite(p, 4);
      if ((p & 3) === 0) this.ram32[p >>> 2] = v;
      else this.dv.setInt32(p, v, true);
      return;
    }
    this.wr32Slow(lin, v, this.user);
  }

  /**
   * Read-for-write (the read half of a read-modify-write): translates with write intent so the
   * write that follows cannot fault after flags or registers have changed.
   */
  rdw8(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.wmask) === this.wmask) return this.ram[(e & PAGE_MASK) | (lin & 0xfff)];
    return this.physRead8(this.slowPhys(lin, ACC_WRITE, this.user));
  }

  rdw16(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.wmask) === this.wmask && (lin & 0xfff) !== 0xfff) {
      const p = (e & PAGE_MASK) | (lin & 0xfff);
      return (p & 1) === 0 ? this.ram16[p >>> 1] : this.dv.getUint16(p, true);
    }
    this.probeWrite(lin, 2);
    return this.rd16Slow(lin, this.user);
  }

  rdw32(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.wmask) === this.wmask && (lin & 0xfff) <= 0xffc) {
      const p = (e & PAGE_MASK) | (lin & 0xfff);
      return (p & 3) === 0 ? this.ram32[p >>> 2] : this.dv.getInt32(p, true);
    }
    this.probeWrite(lin, 4);
    return this.rd32Slow(lin, this.user);
  }

  /**
   * Checks that [lin, lin+len) is writable at the current privilege (faulting now if not), so an
   * instruction that writes several places (a far call's pushes, CMPXCHG8B) changes nothing when
   * any part would fault.
   */
  probeWrite(lin: number, len: number): void {
    this.slowPhys(lin, ACC_WRITE, this.user);
    if (((lin & 0xfff) + len) > 0x1000) this.slowPhys((lin + len - 1) | 0, ACC_WRITE, this.user);
  }

  /** Same as probeWrite, for reads. */
  probeRead(lin: number, len: number): void {
    this.slowPhys(lin, ACC_READ, this.user);
    if (((lin & 0xfff) + len) > 0x1000) this.slowPhys((lin + len - 1) | 0, ACC_READ, this.user);
  }

  // ---- implicit supervisor accesses (descriptor tables, TSS, interrupt stack frames at CPL 0) ----

  sysRd8(lin: number): number {
    return this.physRead8(this.slowPhys(lin, ACC_READ, false));
  }
  sysRd16(lin: number): number {
    return this.rd16Slow(lin, false);
  }
  sysRd32(lin: number): number {
    return this.rd32Slow(lin, false);
  }
  sysWr8(lin: number, v: number): void {
    this.physWrite8(this.slowPhys(lin, ACC_WRITE, false), v);
  }
  sysWr16(lin: number, v: number): void {
    this.wr16Slow(lin, v, false);
  }
  sysWr32(lin: number, v: number): void {
    this.wr32Slow(lin, v, false);
  }

  /** Instruction fetch translation: the physical address of `lin`, checked for reading. */
  fetchPhys(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.rmask & ~TLB_RAM) === (this.rmask & ~TLB_RAM)) return ((e & PAGE_MASK) | (lin & 0xfff)) >>> 0;
    return this.slowPhys(lin, ACC_FETCH, this.user);
  }

  // ---- slow paths -------------------------------------------------------------------------------

  private slowPhys(lin: number, access: number, user: boolean): number {
    const e = this.tlb[lin >>> 12];
    const need = access === ACC_WRITE ? (user ? TLB_VALID | TLB_USER_W : TLB_VALID | TLB_SUP_W) : user ? TLB_VALID | TLB_USER_R : TLB_VALID;
    const entry = (e & need) === need ? e : this.translate(lin, access, user);
    return ((entry & PAGE_MASK) | (lin & 0xfff)) >>> 0;
  }

  private rd16Slow(lin: number, user: boolean): number {
    if ((lin & 0xfff) !== 0xfff) return this.physRead16(this.slowPhys(lin, ACC_READ, user));
    const p0 = this.slowPhys(lin, ACC_READ, user);
    const p1 = this.slowPhys((lin + 1) | 0, ACC_READ, user);
    return this.physRead8(p0) | (this.physRead8(p1) << 8);
  }

  private rd32Slow(lin: number, user: boolean): number {
    if ((lin & 0xfff) <= 0xffc) return this.physRead32(this.slowPhys(lin, ACC_READ, user));
    const p0 = this.slowPhys(lin, ACC_READ, user);
    const p1 = this.slowPhys((lin + 3) | 0, ACC_READ, user);
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const a = ((lin + k) & 0xfff) >= (lin & 0xfff) ? p0 + k : (p1 & PAGE_MASK) + ((lin + k) & 0xfff);
      v |= this.physRead8(a >>> 0) << (8 * k);
    }
    return v;
  }

  private wr16Slow(lin: number, v: number, user: boolean): void {
    if ((lin & 0xfff) !== 0xfff) {
      this.physWrite16(this.slowPhys(lin, ACC_WRITE, user), v);
      return;
    }
    const p0 = this.slowPhys(lin, ACC_WRITE, user);
    const p1 = this.slowPhys((lin + 1) | 0, ACC_WRITE, user);
    this.physWrite8(p0, v & 0xff);
    this.physWrite8(p1, (v >>> 8) & 0xff);
  }

  private wr32Slow(lin: number, v: number, user: boolean): void {
    if ((lin & 0xfff) <= 0xffc) {
      this.physWrite32(this.slowPhys(lin, ACC_WRITE, user), v);
      return;
    }
    const p0 = this.slowPhys(lin, ACC_WRITE, user);
    const p1 = this.slowPhys((lin + 3) | 0, ACC_WRITE, user);
    for (let k = 0; k < 4; k++) {
      const a = ((lin + k) & 0xfff) >= (lin & 0xfff) ? p0 + k : (p1 & PAGE_MASK) + ((lin + k) & 0xfff);
      this.physWrite8(a >>> 0, (v >>> (8 * k)) & 0xff);
    }
  }
}
