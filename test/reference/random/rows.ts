/**
 * The rows of the opcode table (src/cpu/opcode-table.ts allRows()) as the generator sees them:
 * the opcode bytes to emit, the ModRM.reg of a group member, the fixed ModRM of an x87 register
 * form, and which forms (register, memory) the row has.
 */
import { allRows } from '../../../src/cpu/opcode-table.js';
import type { OpRow } from '../../../src/cpu/opcode-row.js';
import type { Gen } from './case.js';

export interface RowRef {
  /** `${opcode} ${name}`: unique, stable, the key the fixture stores. */
  readonly key: string;
  /** As allRows() writes it: "80 /0", "0F A3", "D8 C1". */
  readonly opcode: string;
  readonly name: string;
  readonly row: OpRow;
  /** Opcode bytes without ModRM (for an opcode-register row, the byte with its register). */
  readonly bytes: readonly number[];
  /** ModRM.reg of a group member, else -1. */
  readonly ext: number;
  /** The ModRM byte of an x87 register form (mod = 3), else -1. */
  readonly modrm: number;
  /** The row has a register form / a memory form. */
  readonly hasReg: boolean;
  readonly hasMem: boolean;
}

/** A template builds one case for a row. */
export type Template = (g: Gen, r: RowRef) => void;

/** True if the row executes anything (a handler for some form). */
export function hasHandler(row: OpRow): boolean {
  return !!(row.h || row.r || row.m || row.w || row.d || row.rw || row.rd || row.mw || row.md);
}

export function rowRefs(): RowRef[] {
  return allRows().map(({ opcode, row }) => {
    const parts = opcode.split(' ');
    const bytes: number[] = [];
    let ext = -1, modrm = -1;
    for (const p of parts) {
      if (p.startsWith('/')) ext = Number(p.slice(1));
      else bytes.push(parseInt(p, 16));
    }
    // x87 register forms are listed as "D8 C1": the second byte is the ModRM.
    if (bytes.length === 2 && bytes[0]! >= 0xd8 && bytes[0]! <= 0xdf) modrm = bytes.pop()!;
    const hasMem = !!(row.m || row.mw || row.md);
    const hasReg = !!(row.r || row.rw || row.rd) || (!row.modrm && !hasMem);
    return { key: `${opcode} ${row.name}`, opcode, name: row.name, row, bytes, ext, modrm, hasReg, hasMem };
  });
}

/** The mnemonic part of a row name ("ADD_EbGb" -> "ADD", "CBW/CWDE" -> "CBW/CWDE"). */
export function mnemonic(name: string): string {
  const k = name.indexOf('_');
  return k < 0 ? name : name.slice(0, k);
}

/** The operand part of a row name in Intel notation ("ADD_EbGb" -> "EbGb"). */
export function operandsOf(name: string): string {
  const k = name.indexOf('_');
  return k < 0 ? '' : name.slice(k + 1);
}
