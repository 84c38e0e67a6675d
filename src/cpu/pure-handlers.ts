import type { Handler } from './insn.js';
import * as alu from './ops/alu.js';
import * as mov from './ops/mov.js';
import * as sh from './ops/shift.js';
import * as md from './ops/muldiv.js';
import * as bits from './ops/bits.js';

/**
 * Handlers that only read and write registers and flags: they cannot fault, touch memory or
 * ports, or change anything that ends a block early (stopAt, EIP, CPL, EFLAGS.IF/TF). A compiled
 * block needs no bookkeeping around them beyond counting them. Anything not listed is treated as
 * impure, which is always safe.
 */
export const PURE_HANDLERS: ReadonlySet<Handler> = new Set<Handler>([
  alu.aluEbGb_r, alu.aluEwGw_r, alu.aluEdGd_r, alu.aluGbEb_r, alu.aluGwEw_r, alu.aluGdEd_r,
  alu.aluALIb, alu.aluAXIw, alu.aluEAXId, alu.aluEbIb_r, alu.aluEwIw_r, alu.aluEdId_r,
  alu.testEbGb_r, alu.testEwGw_r, alu.testEdGd_r, alu.testALIb, alu.testAXIw, alu.testEAXId,
  alu.testEbIb_r, alu.testEwIw_r, alu.testEdId_r,
  alu.incdecRw, alu.incdecRd, alu.incdecEb_r, alu.incdecEw_r, alu.incdecEd_r,
  alu.notEb_r, alu.notEw_r, alu.notEd_r, alu.negEb_r, alu.negEw_r, alu.negEd_r,
  mov.movEbGb_r, mov.movEwGw_r, mov.movEdGd_r, mov.movGbEb_r, mov.movGwEw_r, mov.movGdEd_r,
  mov.movEbIb_r, mov.movEwIw_r, mov.movEdId_r, mov.movRbIb, mov.movRwIw, mov.movRdId,
  mov.leaGw, mov.leaGd,
  mov.movzxGwEb_r, mov.movzxGdEb_r, mov.movzxGdEw_r, mov.movzxGwEw_r,
  mov.movsxGwEb_r, mov.movsxGdEb_r, mov.movsxGdEw_r,
  mov.xchgEbGb_r, mov.xchgEwGw_r, mov.xchgEdGd_r, mov.xchgAXRw, mov.xchgEAXRd,
  mov.cbw, mov.cwde, mov.cwd, mov.cdq, mov.bswapRd, mov.bswapRw,
  mov.cmovGwEw_r, mov.cmovGdEd_r, mov.setccEb_r, mov.lahf, mov.sahf, mov.nop,
  sh.grp2Eb_r, sh.grp2Ew_r, sh.grp2Ed_r, sh.shxdEwGw_r, sh.shxdEdGd_r,
  md.mulEb_r, md.mulEw_r, md.mulEd_r, md.imulGwEw_r, md.imulGdEd_r, md.imulGwEwI_r, md.imulGdEdI_r,
  bits.btEwGw_r, bits.btEdGd_r, bits.btEwIb_r, bits.btEdIb_r, bits.bsfGwEw_r, bits.bsfGdEd_r,
]);
