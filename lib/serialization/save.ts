// torch.save: writes the zip format that Python's torch.load reads, with
// weights_only=True: protocol 2 pickles, collections.OrderedDict,
// torch._utils._rebuild_tensor_v2 and _rebuild_parameter, typed storages as
// persistent ids, stored records aligned to 64 bytes. A storage shared by
// several tensors (views, tied weights) is written once. Writing to a path is
// atomic: a temporary file in the same folder, fsync, then rename.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OrderedDict } from '../collections.js';
import type { dtype } from '../dtype.js';
import { Parameter } from '../nn/parameter.js';
import { Tensor } from '../tensor.js';
import { snative } from './native.js';
import { Pickler, PyGlobalRef, PyReduce, tupleOf } from './pickler.js';
import { FileSink, StreamSink, ZipWriter, type ZipSink } from './zip.js';

export interface SaveOptions {
  /** Only the zip format is written (Python's default since 1.6). */
  _use_new_zipfile_serialization?: boolean;
  /** @internal Write zip64 records even for small files (tests of the zip64 path). */
  _force_zip64?: boolean;
}

/** Anything with write(chunk): a Node Writable stream, or a collector. */
export interface WritableLike {
  write(chunk: Uint8Array): unknown;
}

const STORAGE_NAMES: Record<dtype, string> = {
  float32: 'FloatStorage', float64: 'DoubleStorage', float16: 'HalfStorage', bfloat16: 'BFloat16Storage',
  int64: 'LongStorage', int32: 'IntStorage', int16: 'ShortStorage', int8: 'CharStorage', uint8: 'ByteStorage',
  bool: 'BoolStorage', complex64: 'ComplexFloatStorage', complex128: 'ComplexDoubleStorage',
};

const REBUILD_TENSOR = new PyGlobalRef('torch._utils', '_rebuild_tensor_v2');
const REBUILD_PARAMETER = new PyGlobalRef('torch._utils', '_rebuild_parameter');

/** A storage written as a persistent id ('storage', torch.FloatStorage, key, location, numel). */
class StorageToken {
  constructor(readonly pid: unknown[]) {}
}
/** A Parameter's data: written as a plain tensor inside _rebuild_parameter. */
class PlainTensor {
  constructor(readonly t: Tensor) {}
}

export interface StorageRecord {
  id: string;
  tensor: Tensor;
  nbytes: number;
  dtype: dtype;
  token: StorageToken;
}

/** data.pkl and the storages it refers to, in id order. */
export interface PickledCheckpoint {
  pkl: Buffer;
  storages: StorageRecord[];
}

/** Pickles obj; returns data.pkl and the storages it refers to, in id order. */
export function pickleWithStorages(obj: unknown): PickledCheckpoint {
  const storages = new Map<number, StorageRecord>();
  const storageOf = (t: Tensor, path: string): StorageToken => {
    if (t.isDisposed) throw new TypeError(`torch.save: the tensor at ${path} has been disposed`);
    const [key, nbytes, , itemsize] = snative.storageInfo(t);
    const dt = t.dtype;
    let rec = storages.get(key);
    if (rec) {
      if (rec.dtype !== dt) {
        throw new TypeError(`torch.save: cannot save multiple tensors or storages that view the same data as different types (${rec.dtype} and ${dt}, at ${path})`);
      }
      return rec.token;
    }
    const name = STORAGE_NAMES[dt];
    if (!name) throw new TypeError(`torch.save: tensors of dtype ${dt} cannot be saved (at ${path})`);
    if (nbytes % itemsize !== 0) throw new TypeError(`torch.save: the storage of the tensor at ${path} is not a whole number of ${dt} elements`);
    const id = String(storages.size);
    const location = t.device.toString();
    const loc = location === 'cuda' ? 'cuda:0' : location;
    const token = new StorageToken(tupleOf(['storage', new PyGlobalRef('torch', name), id, loc, nbytes / itemsize]));
    rec = { id, tensor: t, nbytes, dtype: dt, token };
    storages.set(key, rec);
    return token;
  };
  const tensorReduce = (t: Tensor, path: string): PyReduce => {
    if (t.isDisposed) throw new TypeError(`torch.save: the tensor at ${path} has been disposed`);
    const [, , offset] = snative.storageInfo(t);
    return new PyReduce(REBUILD_TENSOR, [
      storageOf(t, path), offset, tupleOf(t.shape), tupleOf(t.stride()), t.requires_grad, new OrderedDict(),
    ]);
  };
  const pickler = new Pickler(
    (o, path) => {
      if (o instanceof Parameter) return new PyReduce(REBUILD_PARAMETER, [new PlainTensor(o), o.requires_grad, new OrderedDict()]);
      if (o instanceof PlainTensor) return tensorReduce(o.t, path);
      if (o instanceof Tensor) return tensorReduce(o, path);
      return undefined;
    },
    (o) => (o instanceof StorageToken ? o.pid : undefined),
  );
  const pkl = pickler.dump(obj);
  return { pkl, storages: [...storages.values()] };
}

/** The records of a torch.save archive, in Python's order: data.pkl, byteorder, the storages, version. */
export function writeArchive({ pkl, storages }: PickledCheckpoint, sink: ZipSink, options: SaveOptions): void {
  const zip = new ZipWriter(sink, options._force_zip64 === true);
  zip.addBuffer('archive/data.pkl', pkl);
  zip.addBuffer('archive/byteorder', Buffer.from('little'));
  for (const s of storages) zip.addStorage(`archive/data/${s.id}`, s.tensor, s.nbytes);
  zip.addBuffer('archive/version', Buffer.from('3\n'));
  zip.finish();
}

/**
 * torch.save(obj, f): writes obj (tensors, nn.Parameters, state_dicts, optimizer
 * state_dicts, nested Maps/objects/arrays of plain values) to a path or a writable
 * stream, in the format Python's torch.load reads with weights_only=True.
 *
 * How TS values are written: OrderedDict -> collections.OrderedDict (with its
 * `_metadata`), other Maps and plain objects -> dict, arrays -> list (tuple when
 * loaded from a tuple or marked with serialization.tuple()), integers that are safe
 * integers -> int, other numbers -> float, bigint -> int, null/undefined -> None,
 * Set -> set, Buffer/Uint8Array -> bytes, device -> torch.device. dtype strings stay strings.
 *
 * A path is written atomically: to a temporary file in the same folder, fsynced,
 * then renamed over the final name, so a crash never leaves a half-written checkpoint.
 */
export function save(obj: unknown, f: string | WritableLike, options: SaveOptions = {}): void {
  checkSaveOptions(options);
  if (typeof f === 'string') {
    atomicWrite(f, (fd) => writeArchive(pickleWithStorages(obj), new FileSink(fd), options));
    return;
  }
  if (isWritable(f)) {
    writeArchive(pickleWithStorages(obj), new StreamSink(f), options);
    return;
  }
  throw new TypeError('torch.save: f must be a file path or a writable stream');
}

/** Refuses the options torch-node does not support (shared with saveAsync). */
export function checkSaveOptions(options: SaveOptions): void {
  if (options._use_new_zipfile_serialization === false) {
    throw new TypeError('torch.save: only the zip format is written (_use_new_zipfile_serialization=false is not supported)');
  }
}

export function isWritable(f: unknown): f is WritableLike {
  return typeof f === 'object' && f !== null && typeof (f as WritableLike).write === 'function';
}

/** The temporary name a file is written under before it is renamed into place: same folder, unique, hidden. */
export function temporaryPathFor(full: string): string {
  return join(dirname(full), `.${basename(full)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes a file through fd-level calls on a temporary file, then renames it into place. */
export function atomicWrite(path: string, write: (fd: number) => void): void {
  const full = resolve(path);
  const dir = dirname(full);
  const tmp = temporaryPathFor(full);
  const fd = openSync(tmp, 'wx', 0o666);
  try {
    write(fd);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, full);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
  // Make the rename itself durable (best effort: not every file system lets a folder be fsynced).
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // ignored
  }
}
