/**
 * A newc ("070701") cpio writer: the format Linux unpacks as an initramfs. Every field is fixed
 * (mtime 0, uid/gid 0, inode numbers in order), so the same entries give the same bytes.
 */
export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFLNK = 0o120000, S_IFCHR = 0o020000;

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** The archive for `entries`, in the given order, with the TRAILER!!! entry. */
export function newcArchive(entries: CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  let ino = 1;
  const add = (name: string, mode: number, data: Uint8Array, nlink: number, rdevMajor = 0, rdevMinor = 0): void => {
    const nameBytes = enc.encode(`${name}\0`);
    const header = `070701${[ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, rdevMajor, rdevMinor, nameBytes.length, 0].map(hex8).join('')}`;
    parts.push(enc.encode(header), nameBytes, new Uint8Array(pad4(110 + nameBytes.length)), data, new Uint8Array(pad4(data.length)));
  };
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    switch (e.kind) {
      case 'dir': add(path, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), 2); break;
      case 'file': add(path, S_IFREG | (e.mode ?? 0o644), e.data, 1); break;
      case 'symlink': add(path, S_IFLNK | 0o777, enc.encode(e.target), 1); break;
      case 'chardev': add(path, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), 1, e.major, e.minor); break;
    }
  }
  ino = 0;
  add('TRAILER!!!', 0, new Uint8Array(0), 1);
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
