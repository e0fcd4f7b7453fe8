// The legacy torch.save format (PyTorch < 1.6, or _use_new_zipfile_serialization=False):
// pickles of a magic number, a protocol version and system info, then the object
// (storages as persistent ids), then the list of storage keys, then each storage's
// bytes as an int64 element count and the raw little-endian data.
import type { dtype } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { typeName, unpickle, UnpicklingError, type UnpicklerHooks } from './pickle.js';
import { asInt, DRY, finish, LoadContext, type MapLocation, placeStorage, refuse, type StorageRef } from './restricted.js';
import { type ByteSource, CheckpointError, ITEMSIZE } from './source.js';

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
const PLAIN_HOOKS: UnpicklerHooks = {
  findGlobal: (m, n) => refuse(m, n),
  reduce: () => { throw new CheckpointError('torch.load: unexpected call in a legacy header'); },
  newObject: () => { throw new CheckpointError('torch.load: unexpected object in a legacy header'); },
  build: () => { throw new CheckpointError('torch.load: unexpected state in a legacy header'); },
  persistentLoad: () => { throw new CheckpointError('torch.load: unexpected persistent id in a legacy header'); },
};

/** Where everything in a legacy file is: the pickles (in head), each storage's dtype and size, and its bytes' offset. */
export interface LegacyLayout {
  readonly label: string;
  /** The leading bytes of the file, holding every pickle. */
  readonly head: Buffer;
  readonly mainStart: number;
  readonly roots: ReadonlyMap<string, { dtype: dtype; numel: number }>;
  /** Where each storage's bytes start (after its int64 element count). */
  readonly offsets: ReadonlyMap<string, number>;
}

/** The pickles and storage list of a legacy file, without the storages' bytes. */
export interface LegacyHeader {
  readonly label: string;
  readonly head: Buffer;
  readonly mainStart: number;
  readonly roots: Map<string, { dtype: dtype; numel: number }>;
  readonly keys: unknown[];
  /** Where the first storage's element count is. */
  readonly dataStart: number;
}

/** A fresh 1-D tensor holding storage key's bytes (nbytes at position); the loader owns it from then on. */
export type ReadLegacyStorage = (key: string, position: number, nbytes: number, dt: dtype) => Tensor;

export function loadLegacy(src: ByteSource, mapLocation: MapLocation): unknown {
  const layout = legacyOffsets(src, legacyHeader(src));
  return buildLegacy(layout, mapLocation, (key, at, nbytes, dt) => src.readTensor(at, nbytes, dt, `storage ${key}`));
}

/** Reads the pickles, growing the window read from the start of the file until they fit. */
export function legacyHeader(src: ByteSource): LegacyHeader {
  // The pickles come first; the storages' bytes follow them. Read a window big enough to hold the pickles.
  const MAX_WINDOW = 1 << 30;
  let window = Math.min(src.size, 1 << 20);
  for (;;) {
    const head = src.read(0, window, 'the legacy header');
    try {
      return legacyHeaderFrom(src.label, head);
    } catch (e) {
      if (e instanceof UnpicklingError && e.truncated && window < src.size && window < MAX_WINDOW) {
        window = Math.min(src.size, window * 4, MAX_WINDOW);
        continue;
      }
      if (e instanceof UnpicklingError && e.truncated) {
        throw new CheckpointError(`the file is truncated (${e.message})`);
      }
      throw e;
    }
  }
}

function legacyHeaderFrom(label: string, head: Buffer): LegacyHeader {
  let magic: { value: unknown; end: number };
  try {
    magic = unpickle(head, PLAIN_HOOKS, 0, label);
  } catch (e) {
    if (e instanceof UnpicklingError && e.truncated) throw e;
    throw new CheckpointError(`${label}: not a PyTorch checkpoint (${(e as Error).message})`);
  }
  if (magic.value !== LEGACY_MAGIC) {
    throw new CheckpointError(`${label}: not a PyTorch checkpoint: a pickle, but not one written by torch.save (no PyTorch magic number); torch-node does not load arbitrary pickles`);
  }
  const proto = unpickle(head, PLAIN_HOOKS, magic.end, label);
  if (proto.value !== LEGACY_PROTOCOL) throw new CheckpointError(`${label}: unsupported legacy checkpoint protocol ${String(proto.value)}`);
  const sysInfo = unpickle(head, PLAIN_HOOKS, proto.end, label);
  const mainStart = sysInfo.end;

  // Pass 1: walk the main pickle without building tensors, to learn each storage's dtype and size.
  const roots = new Map<string, { dtype: dtype; numel: number }>();
  const scan = new LoadContext(
    {
      load(key, dt, numel, _location, view) {
        const prev = roots.get(key);
        if (prev && (prev.dtype !== dt || prev.numel !== numel)) throw new CheckpointError(`corrupted checkpoint: storage ${key} is declared twice differently`);
        roots.set(key, { dtype: dt, numel });
        if (view !== null) legacyView(view, numel);
        return DRY;
      },
    },
    true,
  );
  const main = unpickle(head, scan, mainStart, `${label}: main pickle`);
  const keysP = unpickle(head, PLAIN_HOOKS, main.end, label);
  if (!Array.isArray(keysP.value)) throw new CheckpointError(`corrupted checkpoint: the legacy storage key list is a ${typeName(keysP.value)}`);
  return { label, head, mainStart, roots, keys: keysP.value as unknown[], dataStart: keysP.end };
}

/** Follows the storages, in key-list order, each an int64 element count and the raw little-endian bytes. */
export function legacyOffsets(src: ByteSource, h: LegacyHeader): LegacyLayout {
  const offsets = new Map<string, number>();
  let pos = h.dataStart;
  for (const k of h.keys) {
    const key = String(k);
    const r = h.roots.get(key);
    if (!r) throw new CheckpointError(`corrupted checkpoint: storage ${key} is listed but no tensor uses it`);
    const count = src.read(pos, 8, `the size of storage ${key}`).readBigInt64LE(0);
    if (count !== BigInt(r.numel)) throw new CheckpointError(`corrupted checkpoint: storage ${key} holds ${count} elements, expected ${r.numel}`);
    offsets.set(key, pos + 8);
    pos += 8 + r.numel * ITEMSIZE[r.dtype];
    if (pos > src.size) throw new CheckpointError(`${h.label}: the file is truncated: storage ${key} runs past the end of the file`);
  }
  return { label: h.label, head: h.head, mainStart: h.mainStart, roots: h.roots, offsets };
}

/** Pass 2: builds the object, taking each storage's bytes from readStorage once. */
export function buildLegacy(layout: LegacyLayout, mapLocation: MapLocation, readStorage: ReadLegacyStorage): unknown {
  const built = new Map<string, StorageRef>();
  const views = new Map<string, StorageRef>();
  const ctx = new LoadContext({
    load(key, dt, numel, location, view) {
      let root = built.get(key);
      if (!root) {
        const at = layout.offsets.get(key);
        if (at === undefined) throw new CheckpointError(`corrupted checkpoint: storage ${key} has no data in the file`);
        let base = readStorage(key, at, numel * ITEMSIZE[dt], dt);
        ctx.created.push(base);
        const placed = placeStorage(base, location, mapLocation);
        if (placed !== base) {
          ctx.created.push(placed);
          base = placed;
        }
        root = { storage: true, base, dtype: dt, offset: 0, numel };
        built.set(key, root);
      }
      if (view === null) return root;
      const [viewKey, offset, size] = legacyView(view, numel);
      let v = views.get(viewKey);
      if (!v) views.set(viewKey, (v = { storage: true, base: root.base, dtype: dt, offset, numel: offset + size }));
      return v;
    },
  });
  return finish(ctx, () => unpickle(layout.head, ctx, layout.mainStart, `${layout.label}: main pickle`).value);
}

function legacyView(view: unknown, rootNumel: number): [string, number, number] {
  if (!Array.isArray(view) || view.length !== 3) throw new CheckpointError(`corrupted checkpoint: bad storage view ${typeName(view)}`);
  const key = String(view[0]);
  const offset = asInt(view[1], 'a storage view offset');
  const size = asInt(view[2], 'a storage view size');
  if (offset < 0 || size < 0 || offset + size > rootNumel) throw new CheckpointError('corrupted checkpoint: a storage view lies outside its storage');
  return [key, offset, size];
}

