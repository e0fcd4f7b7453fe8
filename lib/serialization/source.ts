// Where checkpoint bytes come from: a file (read with pread, storages straight
// into tensor memory) or a Buffer already in memory. Every read is bounds-checked,
// so a truncated file gives an error naming what was cut off, never a crash.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { wrap } from '../bridge.js';
import type { dtype } from '../dtype.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { snative } from './native.js';

/** The error every malformed, truncated or unsupported checkpoint raises. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export interface ByteSource {
  /** For messages: the path, or "<buffer>". */
  readonly label: string;
  readonly size: number;
  /** Exactly `length` bytes at `position` (a fresh Buffer or a view), or a CheckpointError. */
  read(position: number, length: number, what: string): Buffer;
  /** A new 1-D tensor holding nbytes at position, read once into its storage. */
  readTensor(position: number, nbytes: number, dt: dtype, what: string): Tensor;
  close(): void;
}

export function checkRange(src: ByteSource, position: number, length: number, what: string): void {
  if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
    throw new CheckpointError(`${src.label}: corrupted checkpoint: ${what} has an invalid position or size (${position}, ${length})`);
  }
  if (position + length > src.size) {
    throw new CheckpointError(
      `${src.label}: the file is truncated or corrupted: ${what} needs bytes ${position}..${position + length} but the file has ${src.size}`,
    );
  }
}

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;
  private readonly mmap: boolean;
  /** With mmap, from the first storage read: the whole file, mapped copy-on-write; storages point into it. */
  private mapping: Tensor | null = null;

  constructor(readonly label: string, options: { mmap?: boolean } = {}) {
    this.mmap = options.mmap === true;
    this.fd = openSync(label, 'r');
    try {
      const st = fstatSync(this.fd);
      if (st.isDirectory()) throw new CheckpointError(`${label}: is a directory, not a checkpoint file`);
      this.size = st.size;
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  read(position: number, length: number, what: string): Buffer {
    checkRange(this, position, length, what);
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, position + done);
      if (n === 0) throw new CheckpointError(`${this.label}: the file is truncated: ${what} ends past the end of the file`);
      done += n;
    }
    return buf;
  }

  readTensor(position: number, nbytes: number, dt: dtype, what: string): Tensor {
    checkRange(this, position, nbytes, what);
    // A record not aligned to its elements (never in files torch.save writes: it aligns them to 64 bytes) is read instead.
    if (this.mmap && position % ITEMSIZE[dt] === 0 && nbytes % ITEMSIZE[dt] === 0) {
      this.mapping ??= wrap(snative.mapFile(this.fd, this.size));
      return wrap(snative.mappedStorage(this.mapping, position, nbytes, dt));
    }
    return wrap(snative.readFileInto(this.fd, position, nbytes, dt));
  }

  close(): void {
    // The storages made from the mapping keep it alive; this lets go of the whole-file view.
    this.mapping?.dispose();
    this.mapping = null;
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

export class BufferSource implements ByteSource {
  readonly size: number;
  readonly label = '<buffer>';

  constructor(private readonly buf: Buffer) {
    this.size = buf.length;
  }

  read(position: number, length: number, what: string): Buffer {
    checkRange(this, position, length, what);
    return this.buf.subarray(position, position + length);
  }

  readTensor(position: number, nbytes: number, dt: dtype, what: string): Tensor {
    checkRange(this, position, nbytes, what);
    return tensorFromBytes(this.buf.subarray(position, position + nbytes), dt, what);
  }

  close(): void {}
}

/** A new 1-D tensor holding a copy of bytes (a whole number of dt elements). */
export function tensorFromBytes(bytes: Uint8Array, dt: dtype, what: string): Tensor {
  const itemsize = ITEMSIZE[dt];
  if (bytes.length % itemsize !== 0) {
    throw new CheckpointError(`corrupted checkpoint: ${what} holds ${bytes.length} bytes, not a whole number of ${dt} elements`);
  }
  return wrap(native.fromBytes(bytes, dt, [bytes.length / itemsize]));
}

export const ITEMSIZE: Record<dtype, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, bool: 1,
  complex64: 8, complex128: 16,
};

export function openSource(f: string | Uint8Array, options: { mmap?: boolean } = {}): ByteSource {
  if (typeof f === 'string') return new FileSource(f, options);
  if (options.mmap) throw new CheckpointError('torch.load: f must be a file path in order to use the mmap argument');
  if (f instanceof Uint8Array) return new BufferSource(Buffer.isBuffer(f) ? f : Buffer.from(f.buffer, f.byteOffset, f.byteLength));
  throw new TypeError(`expected a file path or a Buffer, got ${f === null ? 'null' : typeof f}`);
}
