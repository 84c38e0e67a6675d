/**
 * Reading a guest image from disk, with the common mistakes (wrong path, a directory, no
 * permission, an empty file) reported as one-line LoaderErrors instead of raw Node errors.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { LoaderError } from './errors.js';

/**
 * Returns the bytes of the image file at `path` (a plain Uint8Array, not a Buffer). Throws
 * LoaderError (kind 'io') when the file is missing, is a directory or not a regular file (a FIFO
 * or device would block or never end), cannot be read, or is empty. Messages start with `path`.
 */
export function readImageFile(path: string): Uint8Array {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever, before
    // fstat could say it is not a regular file. It changes nothing for regular files.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw ioError(path, err);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new LoaderError('io', `${path}: is a directory, not a kernel image; give the path of the image file`);
    if (!st.isFile()) throw new LoaderError('io', `${path}: not a regular file (a device, FIFO or socket); give the path of the image file`);
    if (st.size === 0) throw new LoaderError('io', `${path}: the file is empty; rebuild the image`);
    const buf = readFileSync(fd);
    // The size is checked again after reading: the file may have been truncated in between.
    if (buf.length === 0) throw new LoaderError('io', `${path}: the file is empty; rebuild the image`);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw err instanceof LoaderError ? err : ioError(path, err);
  } finally {
    closeSync(fd);
  }
}

function ioError(path: string, err: unknown): LoaderError {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  switch (code) {
    case 'ENOENT':
      return new LoaderError('io', `${path}: no such file; check the path (guest images are built with make in guests/<name>/)`);
    case 'ENOTDIR':
      return new LoaderError('io', `${path}: a part of the path is not a directory; check the path`);
    case 'EISDIR':
      return new LoaderError('io', `${path}: is a directory, not a kernel image; give the path of the image file`);
    case 'EACCES':
    case 'EPERM':
      return new LoaderError('io', `${path}: permission denied; make the file readable (chmod a+r) or run as a user who can read it`);
    case 'ELOOP':
      return new LoaderError('io', `${path}: too many levels of symbolic links; fix the link`);
    default: {
      const detail = err instanceof Error ? err.message : String(err);
      return new LoaderError('io', `${path}: cannot read the file (${detail}); check the path and the file`);
    }
  }
}
