/**
 * What the coverage report says about QEMU: its user-mode limitations (cases that differ only by
 * one of these count as agreeing) and, per row, what the investigated disagreements are.
 */

/** Differences that are QEMU user mode's, not the instruction's (README "QEMU"). */
export const QEMU_KNOWN: Record<string, string> = {
  'no trap number': 'qemu-i386 delivers the right signal but no trap number (sigcontext trapno = -1) for some exceptions; the vector is taken from the signal, the error code is not checked',
  'x87 pointers': 'QEMU does not keep the x87 last-opcode and last-data-pointer registers (FOP, FDP), and its FNSAVE writes 0 in the reserved upper halves (hardware: all ones)',
  '#MF not raised': 'qemu-i386 runs with CR0.NE = 0, so a pending unmasked x87 exception is not delivered as #MF (Linux sets NE)',
  'LOCK accepted': 'QEMU executes a LOCK prefix that must raise #UD (register destination, or an instruction that cannot be locked)',
  'x87 C1': 'QEMU leaves the x87 condition code C1 unchanged where the SDM defines it (rounded up; stack fault direction)',
  'x87 stack fault': 'QEMU does not detect x87 stack overflow and underflow (the native CPU sets SW.SF and IE, and masked, loads the QNaN indefinite)',
  'x87 control word': 'QEMU keeps the reserved control-word bits a FLDCW/FLDENV/FRSTOR loads (hardware: bit 6 reads 1, bits 7 and 13-15 read 0)',
  'not run under QEMU': 'cases known to hang qemu-i386 (its IRET honours EFLAGS.VM at CPL 3, which the SDM ignores outside CPL 0, and it then spins in vm86 mode); see Case.qemuSkip'
};


/** What the x87 rows' remaining QEMU disagreements are, in general (printed once in the report). */
export const QEMU_X87_NOTE = 'x87 rows: beyond the known limitations above, QEMU\'s x87 differs from the hardware in results: an empty register read as an operand (stack underflow) gives QEMU the stale register contents where the hardware gives the QNaN indefinite (and sets IE, SF); stores that overflow or underflow with the exception unmasked still store under QEMU; FLDENV, FRSTOR and FLDCW do not recompute ES and B; QEMU\'s handling of denormal, pseudo-denormal and unnormal operands and of the precision control differs in the last bits and in the PE/UE/DE flags. The examples under each row show which.';

/** Per row name (or key): the investigated cause of QEMU's disagreements with the native CPU. */
export const QEMU_NOTES: Record<string, string> = {
  RET_Iw: 'QEMU bug: it adds the imm16 sign-extended, so RET 0x8000..0xFFFF moves ESP down (SDM: ESP += imm16, zero-extended).',
  TEST_EbIb_alias: 'QEMU raises #UD for F6 /1, which Intel and AMD processors execute as TEST Eb,Ib (an undocumented alias; the opcode table has it).',
  TEST_EvIz_alias: 'QEMU raises #UD for F7 /1, which Intel and AMD processors execute as TEST Ev,Iz (an undocumented alias; the opcode table has it).',
  CMPXCHG8B_Mq: 'QEMU bugs: it does not preserve CF PF AF SF OF (SDM: only ZF is affected), and with some segment overrides the case dies with a signal carrying no trap number and an EIP outside the code.',
  BT_EvGv: 'LOCK with a register operand (#UD natively) crashes qemu-i386 ("tcg fatal error"); likewise for BTS BTR BTC and the imm8 forms.',
  BTS_EvGv: 'As BT_EvGv: LOCK with a register operand crashes qemu-i386.',
  BTR_EvGv: 'As BT_EvGv: LOCK with a register operand crashes qemu-i386.',
  BTC_EvGv: 'As BT_EvGv: LOCK with a register operand crashes qemu-i386.',
  BT_EvIb: 'As BT_EvGv: LOCK with a register operand crashes qemu-i386.',
  BTS_EvIb: 'As BT_EvGv: LOCK with a register operand crashes qemu-i386.',
  BTR_EvIb: 'As BT_EvGv: LOCK with a register operand crashes qemu-i386.',
  BTC_EvIb: 'As BT_EvGv: LOCK with a register operand crashes qemu-i386.',
  BSWAP_Rv: 'With a 16-bit operand the SDM leaves the 16-bit result undefined (not compared); QEMU also changes the upper half of the 32-bit register, which the native CPU leaves alone.',
  LAR_GvEw: 'QEMU\'s modify_ldt installs descriptors without the accessed bit (Linux sets it), so LAR of an LDT selector not loaded yet returns A = 0 under QEMU: an environment difference, not an instruction one.',
  FCOMI_ST0_STi: 'QEMU bug: FCOMI/FCOMIP/FUCOMI/FUCOMIP leave OF SF AF unchanged; the SDM clears them.',
  FCOMIP_ST0_STi: 'QEMU bug: OF SF AF left unchanged (SDM: cleared), as for FCOMI.',
  FUCOMI_ST0_STi: 'QEMU bug: OF SF AF left unchanged (SDM: cleared), as for FCOMI.',
  FUCOMIP_ST0_STi: 'QEMU bug: OF SF AF left unchanged (SDM: cleared), as for FCOMI.',
  'FNSTENV_m14/28byte': 'The stored environment holds QEMU\'s FOP and FDP (0) and zeros in the reserved halves: the "x87 pointers" limitation, but in memory.',
  'FNSAVE_m94/108byte': 'The stored image holds QEMU\'s FOP and FDP (0) and zeros in the reserved halves: the "x87 pointers" limitation, but in memory.',
  FLDCW_m2byte: 'QEMU does not recompute ES and B in the status word from the new exception masks (hardware does: unmasking a set flag makes an exception pending).',
  FBLD_m80bcd: 'QEMU converts 18-digit BCD through a double: the low significand bits are lost (hardware: exact).',
  FPREM: 'QEMU\'s partial remainder differs from this CPU\'s (the SDM leaves the reduction step implementation-dependent) and it sets the quotient bits C0 C3 C1 differently.',
  FPREM1: 'As FPREM.',
};
