/**
 * An interrupt request line as a device sees it: the device never knows which controller it is
 * wired to (TinyEMU's set_irq). Level semantics: raise() holds the line high until lower().
 * Edge-triggered controllers (the 8259A in its default mode) latch the low-to-high transition.
 */
export interface IrqLine {
  raise(): void;
  lower(): void;
  /** Equivalent to raise() when `high`, lower() otherwise. */
  set(high: boolean): void;
}

/**
 * The CPU-facing side of an interrupt controller: is INTR asserted, and which vector does an
 * interrupt acknowledge cycle return. The machine polls it between instructions.
 */
export interface InterruptController {
  /** True while the controller asserts INTR to the CPU. */
  intr(): boolean;
  /** The INTA cycle: returns the vector to deliver and updates ISR/IRR as the hardware does. */
  acknowledge(): number;
}
