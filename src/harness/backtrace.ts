import type { Cpu } from '../cpu/cpu.js';
import { EBP, SS } from '../cpu/registers.js';
import type { SymbolTable } from '../loader/index.js';
import { readLinear32 } from './guest-memory-view.js';

export interface Frame {
  /** Return address (or the current EIP for frame 0). */
  eip: number;
  symbol: string | null;
  /** The frame pointer this frame was found through (null for frame 0). */
  ebp: number | null;
}

/**
 * Names a return address by the call instruction before it (ret - 1): a call to a noreturn
 * function is often the last instruction of its caller, so the return address itself may lie past
 * the caller's end. The offset shown is still the return address's.
 */
export function formatReturnAddress(ret: number, symbols: SymbolTable | null): string | null {
  const m = symbols?.lookup((ret - 1) >>> 0) ?? null;
  if (m === null) return null;
  const off = (ret >>> 0) - m.addr;
  return off === 0 ? m.name : `${m.name}+0x${off.toString(16)}`;
}

/**
 * Walks the frame-pointer chain ([EBP] = caller's EBP, [EBP+4] = return address), which every
 * guest built with -fno-omit-frame-pointer keeps. Stops at EBP = 0, an unreadable or
 * non-increasing frame pointer, or `max` frames.
 */
export function backtrace(cpu: Cpu, eip: number, symbols: SymbolTable | null, max = 32): Frame[] {
  const frames: Frame[] = [{ eip: eip >>> 0, symbol: symbols?.format(eip >>> 0) ?? null, ebp: null }];
  let ebp = cpu.regs[EBP] >>> 0;
  const ss = cpu.segBase[SS];
  while (frames.length < max && ebp !== 0) {
    const ret = readLinear32(cpu, (ss + ebp + 4) | 0);
    const next = readLinear32(cpu, (ss + ebp) | 0);
    if (ret === null || next === null || ret === 0) break;
    frames.push({ eip: ret, symbol: formatReturnAddress(ret, symbols), ebp });
    if (next <= ebp) break;
    ebp = next;
  }
  return frames;
}
