/**
 * What every device has: a unique name (keys its state in snapshots) and keyed, versioned state.
 * State objects are plain data (numbers, strings, booleans, arrays of numbers, typed arrays, nested
 * plain objects) so they serialize to msgpack; never positional arrays of mixed fields.
 */
export interface Device<S extends DeviceState = DeviceState> {
  readonly name: string;
  saveState(): S;
  loadState(state: S): void;
}

export interface DeviceState {
  /** Version of this device's state layout; bump it when fields change meaning. */
  version: number;
}

/**
 * The board's control lines that a few devices drive: isa-debug-exit ends the run with a code,
 * port 0x92 / the i8042 pulse the reset line, pvpanic signals a guest panic. The machine turns
 * these into run outcomes; devices never know what a run or a trace is.
 */
export interface SystemControl {
  /** isa-debug-exit: the guest asked to exit with `code` (the raw value written). */
  exit(code: number): void;
  /** A system reset was requested (`source` says which device, for the report). */
  reset(source: string): void;
  /** pvpanic: the guest wrote `bits` (raw value) to the pvpanic port; the machine decodes them. */
  pvpanicEvent(bits: number): void;
}
