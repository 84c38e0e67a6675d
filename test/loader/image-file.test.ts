import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../src/loader/index.js';
import { FIXTURES, fixture, loaderError } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kreplay-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// root reads files whatever their mode, so the permission case only means something for others.
const isRoot = process.getuid?.() === 0;

describe('readImageFile', () => {
  it('returns the bytes as a plain Uint8Array', () => {
    const bytes = readImageFile(join(FIXTURES, 'mb-elf.elf'));
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(bytes).toEqual(fixture('mb-elf.elf'));
  });

  it('a missing file', () => {
    const p = join(dir, 'nope.elf');
    expect(loaderError(() => readImageFile(p), 'io')).toMatch(new RegExp(`^${p}: no such file; check the path`));
  });

  it('a path through a file', () => {
    expect(loaderError(() => readImageFile(join(FIXTURES, 'mb-elf.elf', 'x')), 'io')).toMatch(/a part of the path is not a directory/);
  });

  it('a directory', () => {
    expect(loaderError(() => readImageFile(dir), 'io')).toBe(`${dir}: is a directory, not a kernel image; give the path of the image file`);
  });

  it('an empty file', () => {
    const p = join(dir, 'empty.elf');
    writeFileSync(p, '');
    expect(loaderError(() => readImageFile(p), 'io')).toBe(`${p}: the file is empty; rebuild the image`);
  });

  it.skipIf(isRoot)('an unreadable file', () => {
    const p = join(dir, 'secret.elf');
    writeFileSync(p, 'x');
    chmodSync(p, 0o000);
    expect(loaderError(() => readImageFile(p), 'io')).toMatch(/permission denied; make the file readable/);
  });

  it('a symbolic link loop', () => {
    const p = join(dir, 'loop');
    symlinkSync(p, p);
    expect(loaderError(() => readImageFile(p), 'io')).toMatch(/too many levels of symbolic links/);
  });

  it('a FIFO is refused, without waiting for a writer', () => {
    const p = join(dir, 'fifo');
    try {
      execFileSync('mkfifo', [p]);
    } catch {
      return; // no mkfifo on this host
    }
    expect(loaderError(() => readImageFile(p), 'io')).toMatch(/not a regular file \(a device, FIFO or socket\)/);
  });

  const zeroIsDevice = (() => {
    try {
      return statSync('/dev/zero').isCharacterDevice();
    } catch {
      return false;
    }
  })();
  it.runIf(zeroIsDevice)('a character device (/dev/zero would never end) is refused', () => {
    expect(loaderError(() => readImageFile('/dev/zero'), 'io')).toBe('/dev/zero: not a regular file (a device, FIFO or socket); give the path of the image file');
  });
});
