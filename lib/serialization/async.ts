// torch.loadAsync / torch.saveAsync: the same formats and options as torch.load /
// torch.save, with the file I/O done through fs.promises FileHandles so the event
// loop keeps running while a checkpoint is read or written.
//
// The parsing is load.ts's, legacy.ts's and save.ts's own, unchanged. Their small
// reads (zip directory, data.pkl, legacy pickles) go through a ByteSource whose
// sync read() is served from bytes fetched asynchronously beforehand: a read of
// bytes not fetched yet throws NeedBytes, the driver (resolve()) fetches them and
// runs the step again; every step run this way only reads, so a rerun is harmless.
// Storage bytes are read straight into the memory of the tensor that will own them
// (allocated first, then filled through its zero-copy view), so nothing is held
// twice. Saving writes to a temporary file, fsyncs it and renames it into place.
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { no_grad } from '../autograd/grad_mode.js';
import type { dtype } from '../dtype.js';
import { empty } from '../factories.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { buildLegacy, legacyHeader, legacyOffsets } from './legacy.js';
import { buildZip, checkLoadOptions, checkpointFormat, load, openZipCheckpoint, zipStorageRecord, zipStorages } from './load.js';
import { snative, withDeferredMemoryReports } from './native.js';
import type { LoadOptions, MapLocation } from './restricted.js';
import { checkSaveOptions, isWritable, pickleWithStorages, save, type SaveOptions, temporaryPathFor, type WritableLike, writeArchive } from './save.js';
import { type ByteSource, CheckpointError, checkRange, ITEMSIZE, tensorFromBytes } from './source.js';
import { crc32, type ZipSink } from './zip.js';

/** One read per call is capped, as pread is; the loop continues from where it stopped. */
const MAX_CHUNK = 1 << 30;

// ---- reading ------------------------------------------------------------------------------

/** Thrown by AsyncFileSource.read for bytes not fetched yet; resolve() fetches them and retries. */
class NeedBytes extends Error {
  constructor(readonly position: number, readonly length: number, readonly what: string) {
    super(`internal: ${what} was read before it was fetched (a read outside AsyncFileSource.resolve)`);
  }
}

/** A file opened with fs.promises: sync reads come from fetched chunks; fetching and storage reads are async. */
class AsyncFileSource implements ByteSource {
  /** Fetched byte ranges, by start position (most reads are exact repeats of an earlier one). */
  private readonly chunks = new Map<number, Buffer>();

  private constructor(readonly label: string, readonly size: number, private readonly fh: FileHandle) {}

  static async open(path: string): Promise<AsyncFileSource> {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw new CheckpointError(`${path}: is a directory, not a checkpoint file`);
      return new AsyncFileSource(path, st.size, fh);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  read(position: number, length: number, what: string): Buffer {
    checkRange(this, position, length, what);
    const exact = this.chunks.get(position);
    if (exact && exact.length >= length) return exact.subarray(0, length);
    for (const [at, buf] of this.chunks) {
      if (at <= position && position + length <= at + buf.length) return buf.subarray(position - at, position - at + length);
    }
    throw new NeedBytes(position, length, what);
  }

  readTensor(position: number, nbytes: number, dt: dtype, what: string): Tensor {
    return tensorFromBytes(this.read(position, nbytes, what), dt, what);
  }

  /** Runs a step that reads through read(), fetching what it lacks and running it again until it completes. */
  async resolve<T>(step: () => T): Promise<T> {
    for (;;) {
      try {
        return step();
      } catch (e) {
        if (!(e instanceof NeedBytes)) throw e;
        const buf = Buffer.allocUnsafe(e.length);
        await this.readInto(buf, e.position, e.what);
        this.chunks.set(e.position, buf);
      }
    }
  }

  /** Fills dst with the bytes at position, or a CheckpointError if the file ends first. */
  async readInto(dst: Uint8Array, position: number, what: string): Promise<void> {
    checkRange(this, position, dst.length, what);
    let done = 0;
    while (done < dst.length) {
      const { bytesRead } = await this.fh.read(dst, done, Math.min(dst.length - done, MAX_CHUNK), position + done);
      if (bytesRead === 0) throw new CheckpointError(`${this.label}: the file is truncated: ${what} ends past the end of the file`);
      done += bytesRead;
    }
  }

  /** A new 1-D tensor of nbytes / itemsize elements whose memory is filled from the file directly. */
  async readTensorAsync(position: number, nbytes: number, dt: dtype, what: string): Promise<Tensor> {
    checkRange(this, position, nbytes, what);
    const t = empty([nbytes / ITEMSIZE[dt]], { dtype: dt });
    try {
      if (nbytes > 0) {
        const view = native.dataView(t);
        if (view === null) throw new Error(`torch.loadAsync: internal: a fresh CPU tensor for ${what} has no memory view`);
        await this.readInto(new Uint8Array(view, 0, nbytes), position, what);
      }
      return t;
    } catch (e) {
      t.dispose();
      throw e;
    }
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Tensors read ahead of the unpickling, by storage key; whatever the build does not take is disposed. */
class Prefetched {
  private readonly byKey = new Map<string, Tensor>();

  set(key: string, t: Tensor): void {
    this.byKey.set(key, t);
  }

  /** Hands the tensor for key to the loader (which owns it from then on). */
  take(key: string): Tensor {
    const t = this.byKey.get(key);
    if (!t) throw new CheckpointError(`corrupted checkpoint: storage ${key} was not found by the first pass over the pickle`);
    this.byKey.delete(key);
    return t;
  }

  disposeRest(): void {
    for (const t of this.byKey.values()) t.dispose();
    this.byKey.clear();
  }
}

async function loadZipAsync(src: AsyncFileSource, mapLocation: MapLocation): Promise<unknown> {
  const ck = await src.resolve(() => openZipCheckpoint(src));
  const prefetched = new Prefetched();
  try {
    for (const [key, { dtype: dt, numel }] of zipStorages(ck)) {
      const { entry, nbytes } = zipStorageRecord(ck, key, dt, numel);
      if (entry.method === 0) {
        const start = await src.resolve(() => ck.zip.dataOffset(entry));
        prefetched.set(key, await src.readTensorAsync(start, nbytes, dt, `record ${entry.name}`));
      } else {
        // A compressed record (Python never writes them) is fetched whole, then inflated as load() does.
        prefetched.set(key, await src.resolve(() => ck.zip.readTensor(entry, nbytes, dt)));
      }
    }
    return withDeferredMemoryReports(() => buildZip(ck, mapLocation, (key) => prefetched.take(key)));
  } finally {
    prefetched.disposeRest();
  }
}

async function loadLegacyAsync(src: AsyncFileSource, mapLocation: MapLocation): Promise<unknown> {
  const header = await src.resolve(() => legacyHeader(src));
  const layout = await src.resolve(() => legacyOffsets(src, header));
  const prefetched = new Prefetched();
  try {
    for (const [key, at] of layout.offsets) {
      const { dtype: dt, numel } = layout.roots.get(key)!;
      prefetched.set(key, await src.readTensorAsync(at, numel * ITEMSIZE[dt], dt, `storage ${key}`));
    }
    return withDeferredMemoryReports(() => buildLegacy(layout, mapLocation, (key) => prefetched.take(key)));
  } finally {
    prefetched.disposeRest();
  }
}

/**
 * torch.loadAsync(f, {map_location}): torch.load with the file read through
 * fs.promises, so the event loop keeps running; resolves to what torch.load returns.
 * Each storage is read once, straight into the memory of the tensor that owns it.
 * A Buffer is already in memory, and mmap: true reads nothing up front: both load as torch.load does.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function loadAsync<T = any>(f: string | Uint8Array, options: LoadOptions = {}): Promise<T> {
  checkLoadOptions(options);
  // A Buffer is already in memory, and a mapped load reads nothing up front: neither waits on the disk.
  if (typeof f !== 'string' || options.mmap) return load<T>(f, options);
  const src = await AsyncFileSource.open(f);
  try {
    const format = await src.resolve(() => checkpointFormat(src));
    const mapLocation = options.map_location;
    return (format === 'zip' ? await loadZipAsync(src, mapLocation) : await loadLegacyAsync(src, mapLocation)) as T;
  } finally {
    await src.close();
  }
}

// ---- writing ------------------------------------------------------------------------------

/** How much of a storage's CRC-32 is computed between two turns of the event loop. */
const CRC_SLICE = 8 << 20;

/** A storage's bytes as one Uint8Array: its own memory for a CPU tensor, else a CPU copy. */
function storageBytes(t: Tensor, nbytes: number): Uint8Array {
  if (nbytes > 0) {
    const itemsize = t.element_size();
    // A view over the whole storage from element 0 (t itself may start later or cover less).
    const whole = no_grad(() => t.as_strided([nbytes / itemsize], [1], 0));
    try {
      const view = native.dataView(whole);
      if (view !== null) return new Uint8Array(view, 0, nbytes); // the buffer keeps the storage alive on its own
    } finally {
      whole.dispose();
    }
  }
  return new Uint8Array(snative.storageBytes(t));
}

async function crc32Async(bytes: Uint8Array): Promise<number> {
  let crc = 0;
  for (let at = 0; at < bytes.length; at += CRC_SLICE) {
    crc = crc32(bytes.subarray(at, Math.min(bytes.length, at + CRC_SLICE)), crc);
    if (at + CRC_SLICE < bytes.length) await new Promise<void>((r) => setImmediate(r));
  }
  return crc;
}

/** Collects the archive as a list of byte ranges (storages as views of their memory) to write afterwards. */
class PlannedSink implements ZipSink {
  readonly pieces: Uint8Array[] = [];
  constructor(private readonly stored: Map<Tensor, { bytes: Uint8Array; crc: number }>) {}
  write(bytes: Uint8Array): void {
    this.pieces.push(bytes); // ZipWriter hands over fresh buffers and never reuses them
  }
  writeStorage(t: Tensor): number {
    const s = this.stored.get(t)!;
    this.pieces.push(s.bytes);
    return s.crc;
  }
}

async function writeAll(fh: FileHandle, pieces: Uint8Array[]): Promise<void> {
  let position = 0;
  for (const p of pieces) {
    let done = 0;
    while (done < p.length) {
      const { bytesWritten } = await fh.write(p, done, Math.min(p.length - done, MAX_CHUNK), position + done);
      if (bytesWritten === 0) throw new Error(`torch.saveAsync: write failed at offset ${position + done}: no progress (disk full?)`);
      done += bytesWritten;
    }
    position += p.length;
  }
}

/** Writes a file through a FileHandle on a temporary file, fsyncs it, then renames it into place. */
export async function atomicWriteAsync(path: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
  const full = resolvePath(path);
  const tmp = temporaryPathFor(full);
  const fh = await open(tmp, 'wx', 0o666);
  try {
    await write(fh);
    await fh.sync();
    await fh.close();
    await rename(tmp, full);
  } catch (e) {
    await fh.close().catch(() => {}); // already closed after a failed rename
    await unlink(tmp).catch(() => {});
    throw e;
  }
  // Make the rename itself durable (best effort: not every file system lets a folder be fsynced).
  try {
    const dir = await open(dirname(full), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // ignored
  }
}

/**
 * torch.saveAsync(obj, f): torch.save with the file written through fs.promises,
 * so the event loop keeps running; the same bytes as torch.save, written to a
 * temporary file, fsynced, then renamed over f. Storages are written from the
 * tensors' own memory: do not modify the tensors until the promise settles. A
 * writable stream gets the bytes as torch.save gives them (it buffers them itself).
 */
export async function saveAsync(obj: unknown, f: string | WritableLike, options: SaveOptions = {}): Promise<void> {
  checkSaveOptions(options);
  if (typeof f !== 'string') {
    if (!isWritable(f)) throw new TypeError('torch.saveAsync: f must be a file path or a writable stream');
    save(obj, f, options);
    return;
  }
  const pickled = pickleWithStorages(obj);
  const stored = new Map<Tensor, { bytes: Uint8Array; crc: number }>();
  for (const s of pickled.storages) {
    const bytes = storageBytes(s.tensor, s.nbytes);
    stored.set(s.tensor, { bytes, crc: await crc32Async(bytes) });
  }
  const sink = new PlannedSink(stored);
  writeArchive(pickled, sink, options);
  await atomicWriteAsync(f, (fh) => writeAll(fh, sink.pieces));
}
