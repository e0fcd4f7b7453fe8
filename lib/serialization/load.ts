// torch.load: reads what Python's torch.save writes (the zip format, whatever
// its root folder is called, and the legacy pre-1.6 format), with our own
// restricted unpickler that, like PyTorch's weights_only=True, builds only
// tensors, storages, containers and plain values (restricted.ts). Each storage is
// read once, straight from the file into the memory of the tensor that owns it;
// views and tensors that shared a storage in Python share it here.
import type { dtype } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { loadLegacy } from './legacy.js';
import { snative, withDeferredMemoryReports } from './native.js';
import { unpickle } from './pickle.js';
import { DRY, finish, LoadContext, type LoadOptions, type MapLocation, placeStorage, type StorageRef } from './restricted.js';
import { type ByteSource, CheckpointError, ITEMSIZE, openSource } from './source.js';
import { looksLikeZip, type ZipEntry, ZipReader } from './zip.js';

export type { LoadOptions, MapLocation } from './restricted.js';

// ---- zip format -------------------------------------------------------------------------

function zipRoot(zip: ZipReader, label: string): string {
  const candidates = zip.names.filter((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  if (candidates.length === 0) {
    const some = zip.names.slice(0, 5).join(', ');
    throw new CheckpointError(`${label}: this zip file is not a PyTorch checkpoint: it has no data.pkl record (it holds ${some || 'nothing'}${zip.names.length > 5 ? ', ...' : ''})`);
  }
  // PyTorch's reader takes the root from the first record; prefer that when several qualify.
  const first = zip.names[0]!;
  const firstRoot = first.includes('/') ? first.slice(0, first.indexOf('/') + 1) : '';
  const pick = candidates.find((c) => c === `${firstRoot}data.pkl`) ?? candidates[0]!;
  return pick.slice(0, pick.length - 'data.pkl'.length);
}

/** What a zip checkpoint holds before its storages are read: the archive, its root folder, byte order and data.pkl. */
export interface ZipCheckpoint {
  readonly zip: ZipReader;
  readonly root: string;
  readonly bigEndian: boolean;
  readonly pkl: Buffer;
  readonly label: string;
}

/** Reads the central directory, byteorder and data.pkl (the small records; storages are read later). */
export function openZipCheckpoint(src: ByteSource): ZipCheckpoint {
  const zip = new ZipReader(src);
  const root = zipRoot(zip, src.label);
  if (zip.get(`${root}constants.pkl`) || zip.names.some((n) => n.startsWith(`${root}code/`))) {
    throw new CheckpointError(`${src.label}: this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint: load it with torch.jit.load`);
  }
  let bigEndian = false;
  const bo = zip.get(`${root}byteorder`);
  if (bo) {
    const order = zip.read(bo).toString('latin1').trim();
    if (order === 'big') bigEndian = true;
    else if (order !== 'little') throw new CheckpointError(`${src.label}: unknown byteorder record '${order.slice(0, 20)}'`);
  }
  const pkl = zip.read(zip.get(`${root}data.pkl`)!);
  return { zip, root, bigEndian, pkl, label: src.label };
}

/** The record that holds storage `key`, checked to exist and to hold numel elements of dt. */
export function zipStorageRecord(ck: ZipCheckpoint, key: string, dt: dtype, numel: number): { entry: ZipEntry; nbytes: number } {
  const entry = ck.zip.get(`${ck.root}data/${key}`);
  if (!entry) throw new CheckpointError(`${ck.label}: the checkpoint is incomplete: record ${ck.root}data/${key} (a ${dt} storage) is missing`);
  const nbytes = numel * ITEMSIZE[dt];
  if (!Number.isSafeInteger(nbytes)) throw new CheckpointError(`corrupted checkpoint: storage ${key} claims ${numel} elements`);
  ck.zip.checkHolds(entry, nbytes);
  return { entry, nbytes };
}

/** The storages data.pkl refers to (key -> dtype and size), found by a dry run of the unpickler that builds nothing. */
export function zipStorages(ck: ZipCheckpoint): Map<string, { dtype: dtype; numel: number }> {
  const found = new Map<string, { dtype: dtype; numel: number }>();
  const scan = new LoadContext(
    {
      load(key, dt, numel) {
        const prev = found.get(key);
        if (prev && prev.dtype !== dt) throw new CheckpointError(`corrupted checkpoint: storage ${key} is used as both ${prev.dtype} and ${dt}`);
        if (!prev) found.set(key, { dtype: dt, numel });
        return DRY;
      },
    },
    true,
  );
  unpickle(ck.pkl, scan, 0, `${ck.label}: data.pkl`);
  return found;
}

/** A fresh 1-D tensor holding a storage's bytes; the loader owns it from then on. */
export type ReadStorage = (key: string, entry: ZipEntry, nbytes: number, dt: dtype) => Tensor;

/** Unpickles data.pkl, taking each storage's bytes from readStorage once per key, then byte order and map_location. */
export function buildZip(ck: ZipCheckpoint, mapLocation: MapLocation, readStorage: ReadStorage): unknown {
  const cache = new Map<string, StorageRef>();
  const ctx = new LoadContext({
    load(key, dt, numel, location) {
      const hit = cache.get(key);
      if (hit) {
        if (hit.dtype !== dt) throw new CheckpointError(`corrupted checkpoint: storage ${key} is used as both ${hit.dtype} and ${dt}`);
        return hit;
      }
      const { entry, nbytes } = zipStorageRecord(ck, key, dt, numel);
      let base = readStorage(key, entry, nbytes, dt);
      ctx.created.push(base);
      if (ck.bigEndian) swapBytes(base, dt);
      const placed = placeStorage(base, location, mapLocation);
      if (placed !== base) {
        ctx.created.push(placed);
        base = placed;
      }
      const ref: StorageRef = { storage: true, base, dtype: dt, offset: 0, numel };
      cache.set(key, ref);
      return ref;
    },
  });
  return finish(ctx, () => unpickle(ck.pkl, ctx, 0, `${ck.label}: data.pkl`).value);
}

function loadZip(src: ByteSource, mapLocation: MapLocation): unknown {
  const ck = openZipCheckpoint(src);
  return buildZip(ck, mapLocation, (_key, entry, nbytes, dt) => ck.zip.readTensor(entry, nbytes, dt));
}

function swapBytes(t: Tensor, dt: dtype): void {
  const unit = dt === 'complex64' || dt === 'complex128' ? ITEMSIZE[dt] / 2 : ITEMSIZE[dt];
  if (unit > 1) snative.byteswap_(t, unit);
}

// ---- entry point ------------------------------------------------------------------------------

/**
 * torch.load(f, {map_location}): reads a checkpoint written by Python's torch.save
 * (or ours) from a path or a Buffer.
 *
 * What comes back, for Python's types:
 * - dict and collections.OrderedDict -> OrderedDict (lib/collections.ts), a Map that keeps
 *   Python's key order and key types (integer keys stay numbers); a state_dict's `_metadata`
 *   is kept on it;
 * - list -> Array; tuple -> Array (isTuple() tells them apart; torch.save writes a tuple back);
 * - torch.Size -> number[]; torch.dtype -> our dtype string ('float32'); torch.device -> device;
 * - int -> number (bigint beyond 2^53); float -> number; str -> string; bytes -> Buffer;
 *   bool -> boolean; None -> null; set -> Set;
 * - tensors -> Tensor, nn.Parameter -> nn.Parameter; views and tensors that shared a storage
 *   in Python share one storage here.
 *
 * Like Python's weights_only=True, nothing else is built: any other global (a Python class,
 * os.system, numpy objects) is refused with an error that names it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function load<T = any>(f: string | Uint8Array, options: LoadOptions = {}): T {
  checkLoadOptions(options);
  const src = openSource(f, { mmap: options.mmap });
  try {
    return withDeferredMemoryReports(() => loadFrom(src, options)) as T;
  } finally {
    src.close();
  }
}

/** Refuses the options torch-node does not support (shared with loadAsync). */
export function checkLoadOptions(options: LoadOptions): void {
  if (options.weights_only === false) {
    throw new CheckpointError('torch.load: weights_only=false is not supported: torch-node never runs code from a file (tensors, containers and plain values load with the default)');
  }
}

function loadFrom(src: ByteSource, options: LoadOptions): unknown {
  if (checkpointFormat(src) === 'zip') return loadZip(src, options.map_location);
  if (options.mmap) {
    throw new CheckpointError(
      'mmap can only be used with files saved with `torch.save(_use_new_zipfile_serialization=True)`, please torch.save your checkpoint with this option in order to use mmap.',
    );
  }
  return loadLegacy(src, options.map_location);
}

/** Which torch.save format the file is in, from its first bytes; anything else is refused with what it looks like. */
export function checkpointFormat(src: ByteSource): 'zip' | 'legacy' {
  if (src.size === 0) throw new CheckpointError(`${src.label}: the file is empty`);
  const head = src.read(0, Math.min(src.size, 512), 'the file header');
  if (looksLikeZip(head)) return 'zip';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') {
    throw new CheckpointError(`${src.label}: this is the tar-based torch.save format of PyTorch < 0.4, which torch-node does not read; re-save it with a newer PyTorch`);
  }
  if (head[0] === 0x80) return 'legacy';
  if (head.length >= 9 && head[8] === 0x7b && Number(head.readBigUInt64LE(0)) + 8 <= src.size) {
    throw new CheckpointError(`${src.label}: this is a safetensors file, not a torch.save checkpoint: load it with torch.safetensors.load_file`);
  }
  if (head[0] === 0x7b) {
    throw new CheckpointError(`${src.label}: this looks like JSON (a sharded checkpoint's index?), not a torch.save checkpoint: load an index with torch.serialization.load_sharded`);
  }
  throw new CheckpointError(`${src.label}: not a PyTorch checkpoint: it is neither a zip archive nor a pickle (it starts with bytes ${[...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`);
}
