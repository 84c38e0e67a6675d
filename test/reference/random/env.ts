/**
 * The environment random cases run in, shared by the generator, the native harness
 * (native/krand.c repeats the numbers) and the emulator runner.
 *
 * A case runs at CPL 3, natively as a 32-bit Linux process and in the emulator under a GDT that
 * mirrors Linux's for the selectors a case may name, plus an LDT that krand installs with
 * modify_ldt (the runner copies the bytes `krand --env` reads back). Exceptions go to ring 0
 * through a TSS in the emulator and to a signal handler natively; either way the case's own ESP
 * does not matter, so every case may start with random registers.
 */

// ---- Address layout (identical natively and in the emulator) --------------------------------------
/** Where the case bytes start; natively followed by `jmp cs:[exit]`, in the emulator by HLT. */
export const CODE_ADDR = 0x0004_0000;
/** Canary-filled region around the data area: natively any write outside the data area is an error. */
export const REGION_ADDR = 0x0005_0000;
export const REGION_SIZE = 0x1000;
/** The data area memory operands, string operations and the stack use. */
export const DATA_ADDR = 0x0005_0800;
export const DATA_SIZE = 128;
/** Offset of the data area in the based segments (base = REGION_ADDR): 16-bit addressing reaches it. */
export const BASED_DATA = DATA_ADDR - REGION_ADDR;
/** Longest case (prelude + instruction + branch sleds). */
export const MAX_CODE = 48;

// ---- EFLAGS ----------------------------------------------------------------------------------------
export const CF = 0x001, PF = 0x004, AF = 0x010, ZF = 0x040, SF = 0x080, TF = 0x100, IF = 0x200, DF = 0x400, OF = 0x800;
export const IOPL = 0x3000, NT = 0x4000, RF = 0x10000, VM = 0x20000, AC = 0x40000, VIF = 0x80000, VIP = 0x100000, ID = 0x200000;
export const ARITH = CF | PF | AF | ZF | SF | OF;
/** The flags a case chooses at random and whose SDM-defined subset is compared. */
export const CASE_FLAGS = ARITH | DF;
/** Flags compared always (no instruction leaves them undefined); RF is not compared (a fault image may set it). */
export const SYSTEM_FLAGS = TF | IF | IOPL | NT | VM | AC | VIF | VIP | ID;
/** Reserved bit 1 and IF: what every case starts with (IF = 1 natively). */
export const EFLAGS_BASE = 0x202;

// ---- Selectors -------------------------------------------------------------------------------------
/** Linux's GDT (x86-64 kernel, 32-bit process): the entries a case may name. */
export const GDT = {
  /** __KERNEL32_CS, __KERNEL_CS, __KERNEL_DS: DPL 0, so every use at CPL 3 faults. */
  kernel32Code: 0x08, kernelCode: 0x10, kernelData: 0x18,
  /** __USER32_CS and __USER_DS: flat, DPL 3. */
  userCode: 0x23, userData: 0x2b,
  /** GDT limit (16 entries); selectors above it fault. */
  limit: 0x7f,
} as const;

/**
 * krand's LDT (native/krand.c), selector = 8 * entry + 7 (TI = 1, RPL 3). "Based" segments start
 * at REGION_ADDR, so 16-bit effective addresses BASED_DATA.. reach the data area.
 */
export const LDT = {
  based: 0x07,         // data RW, base REGION_ADDR, 4 GiB
  code: 0x0f,          // code RX, flat 32-bit
  flat: 0x17,          // data RW, flat
  basedRo: 0x1f,       // data read-only, base REGION_ADDR
  notPresent: 0x27,    // data RW, not present
  small: 0x2f,         // data RW, base REGION_ADDR, limit 0x8ff (byte granular)
  codeNotPresent: 0x37,
  expandDown: 0x3f,    // data RW expand-down, base REGION_ADDR, limit 0x7ff: offsets 0x800.. valid
  entries: 8,
} as const;

/** Base of each selector's segment for address computation (flat = 0), or null if not usable for data. */
export function segmentBase(sel: number): number | null {
  switch (sel & 0xfffc) {
    case GDT.userCode & 0xfffc: case GDT.userData & 0xfffc: case LDT.flat & 0xfffc: case LDT.code & 0xfffc: return 0;
    case LDT.based & 0xfffc: case LDT.basedRo & 0xfffc: case LDT.small & 0xfffc: case LDT.expandDown & 0xfffc: return REGION_ADDR;
    default: return null;
  }
}

/**
 * What `krand --env` reports: the process's initial selectors, the LDT bytes as installed (the
 * runner copies them) and LAR/LSL of selectors 0..0x87 (-1: ZF clear). Stored in the fixture header.
 */
export interface HostEnv {
  cs: number; ss: number; ds: number; es: number; fs: number; gs: number;
  ldt: number[];
  gdt: Array<{ sel: number; lar: number; lsl: number }>;
}

// ---- The harness records (native/krand.c struct rin / struct rout) --------------------------------
export const RIN_SIZE = MAX_CODE + 4 + 32 + 4 + 8 + 4 + DATA_SIZE + 108;
export const ROUT_SIZE = 6 * 4 + 32 + 4 + 12 + 4 + DATA_SIZE + 108;
export const RIN = { code: 0, codeLen: MAX_CODE, regs: MAX_CODE + 4, eflags: MAX_CODE + 36, sel: MAX_CODE + 40, hasFpu: MAX_CODE + 48, data: MAX_CODE + 52, fpu: MAX_CODE + 52 + DATA_SIZE } as const;
export const ROUT = { status: 0, trapno: 4, err: 8, cr2: 12, signo: 16, eipOff: 20, regs: 24, eflags: 56, sel: 60, canaryOk: 72, data: 76, fpu: 76 + DATA_SIZE } as const;
export const ST_OK = 0, ST_FAULT = 1, ST_TIMEOUT = 2;

/** Exception vectors that push an error code (SDM Table 6-1). */
export const ERROR_CODE_VECTORS = (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17);
/** Trap-class vectors: the instruction completed, so its flag rule applies (else a fault changes nothing). */
export const TRAP_VECTORS = (1 << 1) | (1 << 3) | (1 << 4);
export const VECTOR_NAMES = ['#DE', '#DB', 'NMI', '#BP', '#OF', '#BR', '#UD', '#NM', '#DF', '?9', '#TS', '#NP', '#SS', '#GP', '#PF', '?15', '#MF', '#AC'];
export const vectorName = (v: number): string => VECTOR_NAMES[v] ?? `vector ${v}`;
