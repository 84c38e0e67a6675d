import { readFileSync, statSync } from 'node:fs';
import { UsageError } from './errors.js';

/** Reads a user-named input file, turning every failure into a one-line UsageError. */
export function readInputFile(path: string, what: string): Uint8Array {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${what} ${path}: no such file; check the path`);
    throw new UsageError(`${what} ${path}: cannot access (${code ?? String(e)})`);
  }
  if (!st.isFile()) throw new UsageError(`${what} ${path}: not a regular file`);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`${what} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/**
 * Buffers guest console bytes for stdout: one write per chunk rather than per byte. Call flush()
 * between slices and before exiting.
 */
export class ConsoleWriter {
  private buf = Buffer.alloc(64 * 1024);
  private n = 0;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  write = (byte: number): void => {
    this.buf[this.n++] = byte;
    if (this.n === this.buf.length) this.flush();
  };

  flush(): void {
    if (this.n === 0) return;
    this.out.write(Buffer.from(this.buf.subarray(0, this.n)));
    this.n = 0;
  }
}
