/** Exception vectors and the objects thrown to unwind an instruction that faults. */

export const DE = 0, DB = 1, NMI = 2, BP = 3, OF_VEC = 4, BR = 5, UD = 6, NM = 7, DF = 8;
export const TS = 10, NP = 11, SS_VEC = 12, GP = 13, PF_VEC = 14, MF = 16, AC_VEC = 17;

export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF',
  10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC',
};

/** Exceptions that push an error code. */
export function hasErrorCode(vector: number): boolean {
  return vector === DF || (vector >= TS && vector <= PF_VEC) || vector === AC_VEC;
}

/**
 * A guest exception raised while executing an instruction. Thrown (rarely) from deep inside a
 * handler and caught by the run loop, which rolls EIP back to the instruction and delivers it.
 */
export class CpuFault {
  constructor(
    readonly vector: number,
    readonly errorCode: number,
  ) {}
}

/**
 * Thrown when the guest runs something the emulator does not implement. The run loop turns it into
 * the `unsupported` stop with EIP left at the instruction, so the report can show its bytes.
 */
export class UnsupportedInstruction {
  constructor(readonly what: string) {}
}

/** #GP(0) and friends, as one-liners for handlers. */
export function gp(code = 0): CpuFault {
  return new CpuFault(GP, code);
}
export function ud(): CpuFault {
  return new CpuFault(UD, 0);
}
