import type { Cpu } from './cpu.js';
import type { Handler, Insn } from './insn.js';
import { PURE_HANDLERS } from './pure-handlers.js';

/** A compiled block: runs the block's instructions in order (see compileBlock). */
export type CompiledBlock = (cpu: Cpu) => void;

/**
 * Executions of a block before it is compiled: only hot code is worth V8's compile time (with 64,
 * a Linux boot compiles thousands of lukewarm blocks and runs 60 % slower than interpreted).
 */
export const COMPILE_THRESHOLD = 1000;

/**
 * Compiles a decoded block into one JavaScript function that calls each instruction's handler
 * directly ("call threading"). Every call site in the generated function always calls the same
 * handler with the same record, so V8 inlines the handlers and specialises them on the record's
 * constant fields; the interpreter's megamorphic `i.exec(cpu, i)` dispatch disappears.
 *
 * The caller runs a compiled block only when all of it fits before stopAt (icount + length <=
 * stopAt) and TF is clear. Then the generated code matches the interpreter loop exactly:
 * - before an instruction that can fault, touch memory or ports, or end the block early (every
 *   handler not in PURE_HANDLERS), EIP, insnEip and icount are exactly what the interpreter would
 *   have, and after it the code stops if stopAt was lowered (an I/O access, a write to code, an
 *   interrupt request), as the interpreter's `++icount >= stopAt` does;
 * - pure register instructions only need counting, so their EIP and icount updates are folded
 *   into the next observable point.
 * So interpreter and compiled blocks produce byte-identical traces; the interpreter stays the
 * reference.
 */
export function compileBlock(insns: readonly Insn[]): CompiledBlock {
  const params: string[] = [];
  const args: (Handler | Insn)[] = [];
  const body: string[] = ['const e0 = cpu.eip;'];
  let off = 0; // byte offset of the current instruction from the block start
  let counted = 0; // instructions executed but not yet added to cpu.icount
  const n = insns.length;
  insns.forEach((insn, k) => {
    params.push(`h${k}`, `i${k}`);
    args.push(insn.exec, insn);
    const next = off + insn.len;
    const last = k === n - 1;
    if (PURE_HANDLERS.has(insn.exec) && !last) {
      body.push(`h${k}(cpu, i${k});`);
      counted++;
    } else {
      if (counted > 0) body.push(`cpu.icount += ${counted};`);
      counted = 0;
      body.push(`cpu.insnEip = (e0 + ${off}) | 0; cpu.eip = (e0 + ${next}) | 0; h${k}(cpu, i${k});`);
      if (!last) body.push(`if (++cpu.icount >= cpu.stopAt) return;`);
      else body.push('++cpu.icount;');
    }
    off = next;
  });
  const factory = new Function(...params, `return function block(cpu) {\n${body.join('\n')}\n};`) as (...a: (Handler | Insn)[]) => CompiledBlock;
  return factory(...args);
}
