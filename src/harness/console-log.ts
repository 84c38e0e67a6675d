export interface ConsoleLogState {
  version: 1;
  bytes: number;
  tail: Uint8Array;
  line: Uint8Array;
}

/**
 * The guest's serial console as the harness sees it: raw bytes kept in a bounded tail (long runs
 * never hold their whole output), split into lines for panic detection and reports. Bytes are
 * decoded as Latin-1 so every byte maps to one character and nothing is lost.
 */
export class ConsoleLog {
  private readonly tail: number[] = [];
  private line: number[] = [];
  /** Total bytes ever written. */
  bytes = 0;
  /** Called with each complete line (without its line terminator). */
  onLine: (line: string) => void = () => {};

  constructor(private readonly keepBytes = 256 * 1024) {}

  write(byte: number): void {
    this.bytes++;
    this.tail.push(byte);
    if (this.tail.length > this.keepBytes * 2) this.tail.splice(0, this.tail.length - this.keepBytes);
    if (byte === 0x0a || byte === 0x0d) {
      if (this.line.length > 0 || byte === 0x0a) this.emit();
      return;
    }
    this.line.push(byte);
    if (this.line.length > 4096) this.emit();
  }

  private emit(): void {
    const text = String.fromCharCode(...this.line);
    this.line = [];
    this.onLine(text);
  }

  /** The kept output as text. */
  text(): string {
    const start = Math.max(0, this.tail.length - this.keepBytes);
    let s = '';
    for (let k = start; k < this.tail.length; k += 8192) s += String.fromCharCode(...this.tail.slice(k, Math.min(k + 8192, this.tail.length)));
    return s;
  }

  /** The kept tail (up to 64 KiB) and the partial line, for checkpoints. */
  saveState(): ConsoleLogState {
    const tail = this.tail.slice(-64 * 1024);
    return { version: 1, bytes: this.bytes, tail: Uint8Array.from(tail), line: Uint8Array.from(this.line) };
  }

  loadState(s: ConsoleLogState): void {
    this.tail.length = 0;
    for (const b of s.tail) this.tail.push(b);
    this.line = Array.from(s.line);
    this.bytes = s.bytes;
  }

  /** The last `n` lines of the kept output (a partial last line included). */
  lastLines(n: number): string[] {
    const lines = this.text().split(/\r?\n|\r/);
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-n);
  }
}
