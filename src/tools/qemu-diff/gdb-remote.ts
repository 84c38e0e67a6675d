/**
 * A minimal client of the GDB remote serial protocol, enough to drive QEMU's gdbstub: packets
 * with checksums and acks, breakpoints (Z0/z0), continue and the stop reply, and monitor commands
 * (qRcmd). The diff tool uses it only to stop QEMU at the sync point, snapshot its RAM and switch
 * its per-instruction log on; the instruction stream itself comes from the log (see lockstep.ts).
 */
import net from 'node:net';

export class GdbError extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function checksum(payload: string): string {
  let sum = 0;
  for (let k = 0; k < payload.length; k++) sum = (sum + payload.charCodeAt(k)) & 0xff;
  return sum.toString(16).padStart(2, '0');
}

export class GdbRemote {
  private buf = '';
  private readonly packets: string[] = [];
  private waiter: (() => void) | null = null;
  private closed = false;

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf += d.toString('latin1');
      this.parse();
    });
    const end = (): void => {
      this.closed = true;
      this.wake();
    };
    sock.on('close', end);
    sock.on('error', end);
  }

  /**
   * Connects to a gdbstub listening on a Unix socket (or host:port), retrying while QEMU is
   * still starting, for up to `timeoutMs`.
   */
  static async connect(path: string, timeoutMs: number): Promise<GdbRemote> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(path);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        sock.setNoDelay?.(true);
        return new GdbRemote(sock);
      } catch (e) {
        if (Date.now() > deadline) throw new GdbError(`cannot connect to QEMU's gdbstub at ${path}: ${(e as Error).message}`);
        await sleep(25);
      }
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private parse(): void {
    for (;;) {
      let k = 0;
      while (k < this.buf.length && (this.buf[k] === '+' || this.buf[k] === '-')) k++;
      if (k > 0) this.buf = this.buf.slice(k);
      const start = this.buf.indexOf('$');
      if (start < 0) return;
      const hash = this.buf.indexOf('#', start);
      if (hash < 0 || hash + 3 > this.buf.length) return;
      const payload = this.buf.slice(start + 1, hash);
      this.buf = this.buf.slice(hash + 3);
      this.sock.write('+');
      this.packets.push(unescape(payload));
      this.wake();
    }
  }

  /** The next packet from the stub, waiting up to `timeoutMs`. */
  async recv(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.packets.length === 0) {
      if (this.closed) throw new GdbError('QEMU closed the gdbstub connection (did it exit?)');
      const left = deadline - Date.now();
      if (left <= 0) throw new GdbError(`no answer from QEMU's gdbstub within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.packets.shift()!;
  }

  /** Sends a packet without waiting for its answer. */
  post(payload: string): void {
    if (this.closed) throw new GdbError('QEMU closed the gdbstub connection');
    this.sock.write(`$${payload}#${checksum(payload)}`);
  }

  /** Sends a packet and returns the answer. */
  async request(payload: string, timeoutMs = 10_000): Promise<string> {
    this.post(payload);
    return this.recv(timeoutMs);
  }

  /** Runs a QEMU monitor command (gdb's `monitor CMD`) and returns its output. */
  async monitor(command: string, timeoutMs = 30_000): Promise<string> {
    let reply = await this.request(`qRcmd,${Buffer.from(command, 'utf8').toString('hex')}`, timeoutMs);
    let out = '';
    while (reply.startsWith('O') && reply !== 'OK') {
      out += Buffer.from(reply.slice(1), 'hex').toString('utf8');
      reply = await this.recv(timeoutMs);
    }
    if (reply.startsWith('E')) throw new GdbError(`monitor command '${command}' failed: ${reply}${out === '' ? '' : `: ${out.trim()}`}`);
    return out;
  }

  /** Inserts (or removes) a software breakpoint at a linear address. */
  async breakpoint(addr: number, insert: boolean): Promise<void> {
    const r = await this.request(`${insert ? 'Z0' : 'z0'},${(addr >>> 0).toString(16)},1`);
    if (r !== 'OK') throw new GdbError(`${insert ? 'setting' : 'removing'} a breakpoint at 0x${(addr >>> 0).toString(16)} failed: '${r}'`);
  }

  /** Continues and waits for the stop reply (a breakpoint, or QEMU's exit: W/X packets). */
  async continueToStop(timeoutMs: number): Promise<string> {
    return this.request('c', timeoutMs);
  }

  close(): void {
    this.closed = true;
    this.sock.destroy();
  }
}

/** Undoes the protocol's binary escape (`}` followed by the byte XOR 0x20). */
function unescape(s: string): string {
  if (!s.includes('}')) return s;
  let out = '';
  for (let k = 0; k < s.length; k++) {
    if (s[k] === '}' && k + 1 < s.length) {
      out += String.fromCharCode(s.charCodeAt(k + 1) ^ 0x20);
      k++;
    } else out += s[k];
  }
  return out;
}
