// The legacy torch.save format (PyTorch < 1.6, or _use_new_zipfile_serialization=False):
// pickles of a magic number, a protocol version and system info, then the object
// (storages as persistent ids), then the list of storage keys, then each storage's
// bytes as an int64 element count and the raw little-endian data.
import type { dtype } from '../dtype.js';
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

export function loadLegacy(src: ByteSource, mapLocation: MapLocation): unknown {
  // The pickles come first; the storages' bytes follow them. Read a window big enough to hold the pickles.
  const MAX_WINDOW = 1 << 30;
  let window = Math.min(src.size, 1 << 20);
  for (;;) {
    const head = src.read(0, window, 'the legacy header');
    try {
      return loadLegacyFrom(src, head, mapLocation);
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

function loadLegacyFrom(src: ByteSource, head: Buffer, mapLocation: MapLocation): unknown {
  const label = src.label;
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

  // The storages follow, in that order, each as an int64 element count and the raw little-endian bytes.
  const offsets = new Map<string, number>();
  let pos = keysP.end;
  for (const k of keysP.value as unknown[]) {
    const key = String(k);
    const r = roots.get(key);
    if (!r) throw new CheckpointError(`corrupted checkpoint: storage ${key} is listed but no tensor uses it`);
    const count = src.read(pos, 8, `the size of storage ${key}`).readBigInt64LE(0);
    if (count !== BigInt(r.numel)) throw new CheckpointError(`corrupted checkpoint: storage ${key} holds ${count} elements, expected ${r.numel}`);
    offsets.set(key, pos + 8);
    pos += 8 + r.numel * ITEMSIZE[r.dtype];
    if (pos > src.size) throw new CheckpointError(`${label}: the file is truncated: storage ${key} runs past the end of the file`);
  }

  // Pass 2: build, reading each storage once.
  const built = new Map<string, StorageRef>();
  const views = new Map<string, StorageRef>();
  const ctx = new LoadContext({
    load(key, dt, numel, location, view) {
      let root = built.get(key);
      if (!root) {
        const at = offsets.get(key);
        if (at === undefined) throw new CheckpointError(`corrupted checkpoint: storage ${key} has no data in the file`);
        let base = src.readTensor(at, numel * ITEMSIZE[dt], dt, `storage ${key}`);
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
  return finish(ctx, () => unpickle(head, ctx, mainStart, `${label}: main pickle`).value);
}

function legacyView(view: unknown, rootNumel: number): [string, number, number] {
  if (!Array.isArray(view) || view.length !== 3) throw new CheckpointError(`corrupted checkpoint: bad storage view ${typeName(view)}`);
  const key = String(view[0]);
  const offset = asInt(view[1], 'a storage view offset');
  const size = asInt(view[2], 'a storage view size');
  if (offset < 0 || size < 0 || offset + size > rootNumel) throw new CheckpointError('corrupted checkpoint: a storage view lies outside its storage');
  return [key, offset, size];
}

