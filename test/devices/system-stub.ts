import type { SystemControl } from '../../src/devices/device.js';

/** A SystemControl that records every call, in order. */
export class RecordingSystem implements SystemControl {
  readonly calls: string[] = [];
  exit(code: number): void {
    this.calls.push(`exit ${code}`);
  }
  reset(source: string): void {
    this.calls.push(`reset ${source}`);
  }
  pvpanicEvent(bits: number): void {
    this.calls.push(`pvpanic ${bits}`);
  }
}
