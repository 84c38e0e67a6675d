/**
 * zstd for the trace format, over zstd-codec's wasm build, behind a small synchronous interface.
 *
 * zstd-codec's wasm has a fixed 16 MiB heap: a call that needs more aborts the instance (and an
 * aborted emscripten instance must not be trusted again). So:
 * - every frame's content is at most FRAME_MAX_CONTENT (1 MiB) and levels are 1-9 (measured to fit);
 * - decompressFrame checks a frame's header and block structure in JS before the wasm sees it, so a
 *   corrupt frame cannot ask the heap for a huge buffer;
 * - if a wasm call still throws, the instance is dropped and a fresh one created (synchronously,
 *   from the module compiled once by initZstd), and the caller gets a TraceError.
 *
 * We use zstd-codec's binding (lib/zstd-codec-binding-wasm.js) directly rather than its
 * `ZstdCodec.run` wrapper: the wrapper can only instantiate asynchronously, prints "OOM" to stderr
 * on an abort, and its `Simple.decompress` cannot decode an empty frame. The binding's exported
 * calls (VectorU8, cloneToVector, cloneAsTypedArray, ZstdCodec.compress/decompress) are the ones
 * the wrapper itself uses; test/trace/zstd.test.ts pins them.
 *
 * zstd-codec does not write zstd's content checksum, so compressFrame adds it (XXH64, computed in
 * JS) and the wasm decoder verifies it: every frame of a trace is checked by `zstd -t` too.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { xxh64Low32 } from './checksum.js';
import { TraceError } from './errors.js';
import { frameShapeAt, isProblem } from './frames.js';
import { DEFAULT_ZSTD_LEVEL, FRAME_MAX_CONTENT } from './schema.js';

interface VectorU8 {
  resize(n: number, fill: number): void;
  delete(): void;
}
interface Codec {
  compressBound(n: number): number;
  compress(dst: VectorU8, src: VectorU8, level: number): number;
  decompress(dst: VectorU8, src: VectorU8): number;
  delete(): void;
}
interface Binding {
  VectorU8: new () => VectorU8;
  ZstdCodec: new () => Codec;
  cloneToVector(dst: VectorU8, src: Uint8Array): void;
  cloneAsTypedArray(v: VectorU8): Uint8Array;
}
type BindingFactory = (module: Record<string, unknown>) => unknown;

// The project's lib (es2022, no DOM) has no WebAssembly types; the little we use, declared here.
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmInstance {
  exports: unknown;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Instance: new (module: WasmModule, imports: unknown) => WasmInstance;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Instance {
  binding: Binding;
  codec: Codec;
}

const BINDING = 'zstd-codec/lib/zstd-codec-binding-wasm.js';

let wasmModule: WasmModule | null = null;
let factory: BindingFactory | null = null;
let instance: Instance | null = null;
let pending: Promise<void> | null = null;
/** Instances created since load (1 + recoveries from wasm failures); for tests. */
let instancesCreated = 0;

/**
 * Loads zstd (compiles the wasm module). Await once before any other call; later calls return at
 * once. Throws TraceError('io') if zstd-codec is missing or not the expected build.
 */
export function initZstd(): Promise<void> {
  if (instance !== null) return Promise.resolve();
  if (pending === null) {
    pending = load().catch((e: unknown) => {
      pending = null;
      throw e;
    });
  }
  return pending;
}

async function load(): Promise<void> {
  const require = createRequire(import.meta.url);
  let path: string;
  let text: string;
  try {
    path = require.resolve(BINDING);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TraceError('io', `cannot load zstd: ${BINDING} not found (${(e as Error).message}); run npm install`);
  }
  const m = /wasmBinaryFile\s*=\s*"data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/.exec(text);
  if (m === null) throw new TraceError('io', `cannot load zstd: ${path} has no embedded wasm; kreplay needs zstd-codec 0.1.x`);
  wasmModule = await wasm.compile(Buffer.from(m[1], 'base64'));
  factory = require(path) as BindingFactory;
  instance = instantiate();
}

/** A fresh wasm instance, synchronously (the module is compiled already). */
function instantiate(): Instance {
  const mod = wasmModule!;
  let ready = false;
  const noop = (): void => {};
  const module: Record<string, unknown> = {
    print: noop,
    printErr: noop,
    instantiateWasm(imports: unknown, receive: (i: WasmInstance, m: WasmModule) => void) {
      const inst = new wasm.Instance(mod, imports);
      receive(inst, mod);
      return inst.exports;
    },
    onRuntimeInitialized() {
      ready = true;
    },
  };
  factory!(module);
  if (!ready) throw new TraceError('io', 'cannot load zstd: the wasm runtime did not start synchronously');
  instancesCreated++;
  const binding = module as unknown as Binding;
  return { binding, codec: new binding.ZstdCodec() };
}

function current(): Instance {
  if (instance === null) throw new TraceError('usage', 'zstd is not initialised: await initZstd() first');
  return instance;
}

/** Drops an instance that threw (its heap may be inconsistent) and starts a fresh one. */
function replaceInstance(): void {
  instance = null;
  instance = instantiate();
}

/**
 * Runs `f` with two wasm vectors, freeing them after. Any exception from inside the wasm replaces
 * the instance and becomes TraceError(kind, message).
 */
function withVectors<T>(kind: 'corrupt' | 'usage', message: string, f: (b: Binding, c: Codec, src: VectorU8, dst: VectorU8) => T): T {
  const { binding, codec } = current();
  let src: VectorU8 | null = null;
  let dst: VectorU8 | null = null;
  try {
    src = new binding.VectorU8();
    dst = new binding.VectorU8();
    return f(binding, codec, src, dst);
  } catch (e) {
    if (e instanceof TraceError) throw e;
    replaceInstance();
    throw new TraceError(kind, `${message} (zstd failed: ${String(e).split('\n')[0].slice(0, 120)})`);
  } finally {
    try {
      src?.delete();
      dst?.delete();
    } catch {
      // The instance is being replaced; its heap is gone with it.
    }
  }
}

/**
 * One zstd frame holding `data` (at most FRAME_MAX_CONTENT bytes), with its content size and a
 * content checksum in the frame, so any zstd decoder verifies it. `level` 1-9 (default 3).
 * Deterministic: the same bytes and level give the same frame.
 */
export function compressFrame(data: Uint8Array, level: number = DEFAULT_ZSTD_LEVEL): Uint8Array {
  current();
  if (!(data instanceof Uint8Array)) throw new TraceError('usage', 'compressFrame: data must be a Uint8Array');
  if (!Number.isInteger(level) || level < 1 || level > 9) throw new TraceError('usage', `compressFrame: level ${level} is not 1-9 (higher levels need more than zstd-codec's 16 MiB heap)`);
  if (data.length > FRAME_MAX_CONTENT) throw new TraceError('usage', `compressFrame: ${data.length} bytes is over the ${FRAME_MAX_CONTENT}-byte frame limit`);
  const raw = withVectors('usage', `compressFrame: ${data.length} bytes at level ${level}`, (b, codec, src, dst) => {
    b.cloneToVector(src, data);
    dst.resize(codec.compressBound(data.length), 0);
    const rc = codec.compress(dst, src, level);
    if (rc < 0) throw new TraceError('usage', `compressFrame: zstd refused ${data.length} bytes at level ${level}`);
    dst.resize(rc, 0);
    return b.cloneAsTypedArray(dst);
  });
  const shape = frameShapeAt((o, n) => raw.subarray(o, o + n), 0, raw.length, 0);
  if (isProblem(shape) || shape.type !== 'zstd' || shape.length !== raw.length || shape.contentSize !== data.length) {
    throw new TraceError('usage', 'compressFrame: zstd produced a frame kreplay cannot parse');
  }
  if (shape.checksum) return raw;
  // Set the descriptor's Content_Checksum_flag and append the checksum it promises.
  const out = new Uint8Array(raw.length + 4);
  out.set(raw);
  out[4] |= 0x04;
  const sum = xxh64Low32(data);
  out[raw.length] = sum & 0xff;
  out[raw.length + 1] = (sum >>> 8) & 0xff;
  out[raw.length + 2] = (sum >>> 16) & 0xff;
  out[raw.length + 3] = sum >>> 24;
  return out;
}

/**
 * The content of one zstd frame (`frame` must be exactly one frame, with its content size in the
 * header, at most FRAME_MAX_CONTENT, no dictionary). Verifies the content checksum when the frame
 * has one. Anything wrong is TraceError('corrupt'); the wasm instance is never left broken.
 */
export function decompressFrame(frame: Uint8Array): Uint8Array {
  current();
  if (!(frame instanceof Uint8Array)) throw new TraceError('usage', 'decompressFrame: frame must be a Uint8Array');
  const shape = frameShapeAt((o, n) => frame.subarray(o, o + n), 0, frame.length, 0);
  if (isProblem(shape)) throw new TraceError('corrupt', `not a valid zstd frame: ${shape.problem}`);
  if (shape.type !== 'zstd') throw new TraceError('corrupt', 'not a valid zstd frame: a skippable frame');
  if (shape.length !== frame.length) throw new TraceError('corrupt', `not a valid zstd frame: ${frame.length - shape.length} bytes after its end`);
  const size = shape.contentSize;
  return withVectors('corrupt', 'zstd frame is corrupt', (b, codec, src, dst) => {
    b.cloneToVector(src, frame);
    // The binding reports an error for a zero-capacity output even when the frame is empty.
    dst.resize(Math.max(1, size), 0);
    const rc = codec.decompress(dst, src);
    if (rc !== size) {
      throw new TraceError('corrupt', shape.checksum ? 'zstd frame is corrupt (it does not decode, or its content checksum does not match)' : 'zstd frame is corrupt (it does not decode)');
    }
    if (size === 0) return new Uint8Array(0);
    return b.cloneAsTypedArray(dst);
  });
}

/** For tests: how many wasm instances have been created (more than 1 means a failure was recovered). */
export function zstdInstancesCreated(): number {
  return instancesCreated;
}

/** For tests only: the live codec, so a test can make a wasm call fail and watch the recovery. */
export function zstdCodecForTests(): object {
  return current().codec;
}
