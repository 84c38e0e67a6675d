/**
 * x87 behaviour that the native reference tests (test/reference, run as a Linux user process)
 * cannot reach: CR0.EM/TS/MP/NE (#NM for lazy FPU switching, #MF delivery), the CPU-state
 * snapshot, FNSAVE/FRSTOR exactness across a context switch, CPUID, and the decoding of the
 * escape opcodes. Expected behaviour is the SDM's (cited per test), not our own output.
 */
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/cpu.js';
import { loadCpuState, saveCpuState, type CpuState } from '../../src/cpu/cpu-state.js';
import { cpuidLeaf } from '../../src/cpu/cpuid.js';
import { allRows } from '../../src/cpu/opcode-table.js';
import { CR0_EM, CR0_MP, CR0_NE, CR0_TS } from '../../src/cpu/registers.js';

const GDT = 0x800, IDT = 0x1000, STUBS = 0x2000, CODE = 0x10000, DATA = 0x20000, STACK = 0x30000;

/** A flat protected-mode machine: vector v's handler is a HLT at STUBS + 4v unless code is given. */
function machine(handlers: Record<number, number[]> = {}): { cpu: Cpu; ram: Uint8Array; dv: DataView } {
  const ram = new Uint8Array(1 << 20);
  const dv = new DataView(ram.buffer);
  dv.setUint32(GDT + 8, 0x0000ffff, true); dv.setUint32(GDT + 12, 0x00cf9a00, true);
  dv.setUint32(GDT + 16, 0x0000ffff, true); dv.setUint32(GDT + 20, 0x00cf9200, true);
  ram.fill(0xf4, STUBS, STUBS + 0x1000);
  for (let v = 0; v < 32; v++) {
    let target = STUBS + 4 * v;
    if (handlers[v]) {
      target = STUBS + 0x400 + 0x20 * v;
      ram.set(handlers[v]!, target);
    }
    dv.setUint32(IDT + 8 * v, (0x08 << 16) | (target & 0xffff), true);
    dv.setUint32(IDT + 8 * v + 4, (target & 0xffff0000) | 0x8e00, true);
  }
  const cpu = new Cpu({ ram, mmioRead: () => 0xffffffff, mmioWrite: () => {} }, { read: () => 0xff, write: () => {} });
  cpu.resetFlat32();
  cpu.setGdtr(GDT, 0x17);
  cpu.setIdtr(IDT, 32 * 8 - 1);
  cpu.regs[4] = STACK;
  return { cpu, ram, dv };
}

function run(cpu: Cpu, ram: Uint8Array, code: number[], cr0Bits = 0): void {
  ram.fill(0xf4, CODE, CODE + 0x100);
  ram.set(code, CODE);
  cpu.cr0 |= cr0Bits;
  cpu.eip = CODE;
  cpu.run(cpu.icount + 1000);
}

/** The exception vector whose HLT stub the CPU stopped at (-1: it reached the code's end). */
function vectorOf(cpu: Cpu): number {
  const eip = cpu.eip >>> 0;
  if (eip >= STUBS && eip < STUBS + 0x400) return Math.floor((eip - 1 - STUBS) / 4);
  return -1;
}

const abs = (a: number): number[] => [a & 0xff, (a >>> 8) & 0xff, (a >>> 16) & 0xff, a >>> 24];
const FLD1 = [0xd9, 0xe8], FWAIT = [0x9b], FNINIT = [0xdb, 0xe3];
const fstpM64 = (a: number): number[] => [0xdd, 0x1d, ...abs(a)];
const fldcw = (a: number): number[] => [0xd9, 0x2d, ...abs(a)];

describe('x87: CPUID', () => {
  it('advertises the FPU (with CMOV, so FCMOVcc and FCOMI exist), not FXSR, MMX, SSE or SSE3', () => {
    const [, , ecx, edx] = cpuidLeaf(1);
    expect(edx & 1).toBe(1); // FPU
    expect(edx & (1 << 15)).not.toBe(0); // CMOV
    expect(edx & ((1 << 23) | (1 << 24) | (1 << 25) | (1 << 26))).toBe(0); // MMX FXSR SSE SSE2
    expect(ecx & 1).toBe(0); // SSE3 (FISTTP)
  });
});

describe('x87: device-not-available (#NM) for lazy FPU switching (SDM Vol. 3 2.5, Table 2-2)', () => {
  const cases: [string, number, number[], number][] = [
    ['EM: an x87 instruction', CR0_EM, FLD1, 7],
    ['EM: a no-wait x87 instruction', CR0_EM, FNINIT, 7],
    ['EM: WAIT is not affected', CR0_EM, FWAIT, -1],
    ['TS: an x87 instruction', CR0_TS, FLD1, 7],
    ['TS: FNSAVE', CR0_TS, [0xdd, 0x35, ...abs(DATA)], 7],
    ['TS without MP: WAIT runs', CR0_TS, FWAIT, -1],
    ['TS and MP: WAIT', CR0_TS | CR0_MP, FWAIT, 7],
    ['MP alone: nothing', CR0_MP, [...FLD1, ...FWAIT], -1],
  ];
  it.each(cases)('%s', (_name, bits, code, vector) => {
    const { cpu, ram } = machine();
    run(cpu, ram, code, bits);
    expect(cpu.stopped).toBeNull();
    expect(vectorOf(cpu)).toBe(vector);
    if (vector >= 0) expect(cpu.fpu.top).toBe(0); // nothing executed
  });

  it('a #NM handler that clears TS (CLTS; IRET) lets the instruction run on return', () => {
    const { cpu, ram, dv } = machine({ 7: [0x0f, 0x06, 0xcf] });
    run(cpu, ram, [...FLD1, ...FLD1, 0xde, 0xc1, ...fstpM64(DATA)], CR0_TS);
    expect(cpu.cr0 & CR0_TS).toBe(0);
    expect(dv.getFloat64(DATA, true)).toBe(2);
  });

  it('the transcendentals (not implemented) still take #NM first, then end the run as unsupported', () => {
    const a = machine();
    run(a.cpu, a.ram, [0xd9, 0xfe], CR0_TS); // FSIN
    expect(vectorOf(a.cpu)).toBe(7);
    const b = machine();
    run(b.cpu, b.ram, [...FLD1, 0xd9, 0xfe]);
    expect(b.cpu.stopped).toMatchObject({ kind: 'unsupported', eip: CODE + 2 });
    expect((b.cpu.stopped as { detail: string }).detail).toMatch(/FSIN/);
  });
});

describe('x87: floating-point error (#MF) (SDM Vol. 1 8.7)', () => {
  // FLDCW (zero-divide unmasked); FLD1; FLDZ; FDIVP -> ZE pending; FNSTSW AX; FWAIT
  const cwZeUnmasked = 0x037b;
  const program = [...fldcw(DATA), ...FLD1, 0xd9, 0xee, 0xde, 0xf9, 0xdf, 0xe0, ...FWAIT, ...fstpM64(DATA + 8)];
  const fwaitAt = CODE + 6 + 2 + 2 + 2 + 2;

  it('CR0.NE = 1: the next waiting instruction raises #MF (a fault at that instruction); FNSTSW does not wait', () => {
    const { cpu, ram, dv } = machine();
    dv.setUint16(DATA, cwZeUnmasked, true);
    run(cpu, ram, program, CR0_NE);
    expect(vectorOf(cpu)).toBe(16);
    expect(dv.getUint32(cpu.regs[4]! >>> 0, true)).toBe(fwaitAt); // the pushed EIP
    const ax = cpu.regs[0]! & 0xffff;
    expect(ax & 0x8084).toBe(0x8084); // B, ES, ZE
  });

  it('CR0.NE = 0: no FERR#/IRQ 13 is modelled, so the exception stays pending in the status word and the code runs on', () => {
    const { cpu, ram, dv } = machine();
    dv.setUint16(DATA, cwZeUnmasked, true);
    run(cpu, ram, program);
    expect(vectorOf(cpu)).toBe(-1);
    expect(cpu.fpu.statusWord() & 0x8084).toBe(0x8084);
  });

  it('unmasked zero-divide leaves the destination alone (a pre-computation exception)', () => {
    const { cpu, ram, dv } = machine();
    dv.setUint16(DATA, cwZeUnmasked, true);
    run(cpu, ram, [...fldcw(DATA), ...FLD1, 0xd9, 0xee, 0xde, 0xf9]);
    expect(cpu.fpu.top).toBe(6); // FDIVP did not pop
  });
});

describe('x87: state save and restore are exact', () => {
  /** Eight 80-bit values doubles cannot hold: 64-bit significands, huge exponents, an unnormal, a pseudo-denormal, an SNaN. */
  const values: [number, number, number][] = [
    [0x3fff, 0xffffffff, 0xffffffff], [0x7ffe, 0x80000000, 0x00000001], [0x0001, 0xc0000000, 0x12345678],
    [0x4123, 0x12345678, 0x9abcdef0], [0x0000, 0x80000000, 0x00000003], [0xbffe, 0xaaaaaaaa, 0x55555555],
    [0x7fff, 0x80000000, 0x00000001], [0x8000, 0x00000000, 0x00000001],
  ];
  function setup(dv: DataView): number[] {
    const code: number[] = [...fldcw(DATA + 0x200)];
    dv.setUint16(DATA + 0x200, 0x0b62, true); // odd control word: PC 53, RC up, some exceptions unmasked
    values.forEach(([se, hi, lo], k) => {
      dv.setUint32(DATA + 16 * k, lo, true); dv.setUint32(DATA + 16 * k + 4, hi, true); dv.setUint16(DATA + 16 * k + 8, se, true);
      code.push(0xdb, 0x2d, ...abs(DATA + 16 * k)); // FLD m80fp
    });
    return code;
  }

  it('FNSAVE; FNINIT and other work; FRSTOR continues bit-identically (what a kernel does on a task switch)', () => {
    const save = DATA + 0x400, after = DATA + 0x600;
    const direct = machine();
    const tail = [0xd9, 0xc9, 0xd9, 0xc9, 0xdd, 0x35, ...abs(after)]; // FXCH twice (no arithmetic), FNSAVE
    run(direct.cpu, direct.ram, [...setup(direct.dv), ...tail]);
    const switched = machine();
    run(switched.cpu, switched.ram, [
      ...setup(switched.dv), 0xdd, 0x35, ...abs(save), // FNSAVE (another task's code follows)
      ...FNINIT, 0xd9, 0xeb, 0xd9, 0xe8, 0xde, 0xc9, 0xdd, 0xd8, // FLDPI FLD1 FMULP FSTP ST(0)
      0xdd, 0x25, ...abs(save), ...tail, // FRSTOR, then the same tail
    ]);
    for (const m of [direct, switched]) expect(vectorOf(m.cpu)).toBe(-1);
    const a = direct.ram.slice(after, after + 108), b = switched.ram.slice(after, after + 108);
    // identical except the last instruction pointer (the FXCHs sit at different addresses)
    a.fill(0, 12, 16); b.fill(0, 12, 16);
    expect(Array.from(b)).toEqual(Array.from(a));
    // and the registers are exactly the loaded 80-bit values, in stack order (FXCH twice = unchanged)
    for (let i = 0; i < 8; i++) {
      const [se, hi, lo] = values[7 - i]!;
      const dv = new DataView(b.buffer);
      expect([dv.getUint16(28 + 10 * i + 8, true), dv.getUint32(28 + 10 * i + 4, true), dv.getUint32(28 + 10 * i, true)]).toEqual([se, hi, lo]);
    }
  });

  it('a CPU-state snapshot (keyed, versioned, JSON-safe) carries the FPU: a restored CPU continues identically', () => {
    const { cpu, ram, dv } = machine();
    const code = [...setup(dv), 0xde, 0xc1, 0xd9, 0xfa, 0xdd, 0x1d, ...abs(DATA + 0x300), 0xdd, 0x35, ...abs(DATA + 0x380)];
    ram.set(code, CODE);
    ram[CODE + code.length] = 0xf4;
    cpu.eip = CODE;
    cpu.run(cpu.icount + 5); // FLDCW and four FLDs
    const snap = JSON.parse(JSON.stringify(saveCpuState(cpu))) as CpuState;
    expect(snap.version).toBe(2);
    expect(snap.fpu).toMatchObject({ version: 1, cw: 0x0b62 });
    const ram2 = ram.slice();
    const cpu2 = new Cpu({ ram: ram2, mmioRead: () => 0xffffffff, mmioWrite: () => {} }, { read: () => 0xff, write: () => {} });
    loadCpuState(cpu2, snap);
    cpu.run(cpu.icount + 100);
    cpu2.run(cpu2.icount + 100);
    expect(cpu2.halted).toBe(true);
    expect(Array.from(ram2.slice(DATA + 0x300, DATA + 0x380 + 108))).toEqual(Array.from(ram.slice(DATA + 0x300, DATA + 0x380 + 108)));
    expect(cpu2.fpu.saveImage()).toEqual(cpu.fpu.saveImage());
  });

  it('a version-1 CPU state (before the FPU existed) loads with the FPU in its FNINIT state', () => {
    const { cpu } = machine();
    const s = saveCpuState(cpu) as unknown as Record<string, unknown>;
    delete s.fpu;
    s.version = 1;
    cpu.fpu.cw = 0x0000;
    loadCpuState(cpu, s as unknown as CpuState);
    expect(cpu.fpu.cw).toBe(0x037f);
    expect(cpu.fpu.empty).toBe(0xff);
  });
});

describe('x87: decoding (one table, rows named in Intel notation)', () => {
  const rows = new Map(allRows().map(({ opcode, row }) => [opcode, row.name]));
  it('memory and register forms of the same escape are different rows', () => {
    expect(rows.get('D9 /4')).toBe('FLDENV_m14/28byte');
    expect(rows.get('D9 E0')).toBe('FCHS');
    expect(rows.get('DC /4')).toBe('FSUB_m64fp');
    expect(rows.get('DC E0')).toBe('FSUBR_STi_ST0'); // the SDM's swapped DC/DE register forms
    expect(rows.get('DE D9')).toBe('FCOMPP');
    expect(rows.get('DF E0')).toBe('FNSTSW_AX');
    expect(rows.get('DB E8')).toBe('FUCOMI_ST0_STi');
    expect(rows.get('DA C0')).toBe('FCMOVB_ST0_STi');
    expect(rows.get('9B')).toBe('FWAIT');
    // every register form of D8-DF has a row or is #UD: 8 x 64 encodings, 8 unimplemented transcendentals among the rows
    let reg = 0;
    for (let op = 0xd8; op <= 0xdf; op++) for (let m = 0xc0; m <= 0xff; m++) if (rows.has(`${op.toString(16).toUpperCase()} ${m.toString(16).toUpperCase()}`)) reg++;
    expect(reg).toBe(8 * 64 - 92); // 92 register encodings are #UD (as the native encoding sweep in test/reference shows)
  });

  it('FISTTP (SSE3, not advertised) is #UD; LOCK on an x87 instruction is #UD', () => {
    for (const code of [[0xdb, 0x0d, ...abs(DATA)], [0xf0, 0xd8, 0x05, ...abs(DATA)]]) {
      const { cpu, ram } = machine();
      run(cpu, ram, [...FLD1, ...code]);
      expect(vectorOf(cpu)).toBe(6);
    }
  });

  it('FOP and the data pointer record the ModRM byte and the effective address of a memory form', () => {
    const { cpu, ram } = machine();
    cpu.regs[3] = DATA; // EBX
    run(cpu, ram, [0xdd, 0x43, 0x10]); // FLD qword [ebx+0x10]
    expect(cpu.fpu.fop).toBe(0x543);
    expect(cpu.fpu.fdp).toBe(DATA + 0x10);
    expect(cpu.fpu.fip).toBe(CODE);
  });
});
