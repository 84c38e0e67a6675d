import { createRequire } from 'node:module';
import type { Cpu } from '../cpu/cpu.js';
import { CS } from '../cpu/registers.js';
import type { SymbolTable } from '../loader/index.js';
import { readLinearBytes } from './guest-memory-view.js';

// iced-x86 is an independent disassembler (not our decoder), so a report shows what the bytes
// really are even if our decoder has a bug. It ships as CommonJS + wasm.
const iced = createRequire(import.meta.url)('iced-x86') as typeof import('iced-x86');

export interface DisasmLine {
  addr: number;
  bytes: string;
  text: string;
  /** The instruction at the reported EIP. */
  current: boolean;
}

function decodeRun(code: number[], start: number, limit: number): { addr: number; len: number; text: string }[] {
  const decoder = new iced.Decoder(32, new Uint8Array(code), iced.DecoderOptions.None);
  const formatter = new iced.Formatter(iced.FormatterSyntax.Intel);
  decoder.ip = BigInt(start >>> 0);
  const out: { addr: number; len: number; text: string }[] = [];
  try {
    while (decoder.canDecode && out.length < limit) {
      const insn = decoder.decode();
      out.push({ addr: Number(insn.ip), len: insn.length, text: formatter.format(insn) });
      insn.free();
    }
  } finally {
    decoder.free();
    formatter.free();
  }
  return out;
}

/**
 * Disassembly around `eip` (a linear address in the flat code segment): up to `before`
 * instructions leading to it and `after` from it. Decoding backwards is ambiguous on x86, so the
 * lead-in starts at the enclosing symbol when there is one, else at the earliest of the previous
 * 32 bytes whose decoding lands exactly on `eip`.
 */
export function disassembleAround(cpu: Cpu, eip: number, symbols: SymbolTable | null, before = 6, after = 5): DisasmLine[] {
  const base = cpu.segBase[CS];
  const read = (addr: number, n: number): number[] => readLinearBytes(cpu, (base + addr) | 0, n);
  let start = eip >>> 0;
  const sym = symbols?.lookup(eip >>> 0) ?? null;
  if (sym !== null && sym.offset < 4096) {
    start = sym.addr >>> 0;
  } else {
    for (let back = 32; back > 0; back--) {
      const s = (eip - back) >>> 0;
      const run = decodeRun(read(s, back + 16), s, 64);
      if (run.some((r) => r.addr === eip >>> 0)) {
        start = s;
        break;
      }
    }
  }
  const code = read(start, (eip >>> 0) - start + 16 * after);
  const run = decodeRun(code, start, 4096);
  const at = run.findIndex((r) => r.addr === eip >>> 0);
  const pick = at < 0 ? decodeRun(read(eip, 16 * after), eip >>> 0, after) : run.slice(Math.max(0, at - before), at + after);
  return pick.map((r) => ({
    addr: r.addr,
    bytes: read(r.addr, r.len).map((b) => b.toString(16).padStart(2, '0')).join(' '),
    text: r.text,
    current: r.addr === eip >>> 0,
  }));
}
