// The restricted unpickling that torch.load uses for both formats: which globals
// may appear in a checkpoint (those PyTorch's weights_only=True allows), what each
// becomes in TS, how tensors are rebuilt on their storages, and where storages go
// (map_location). Any other global is refused with an error that names it.
import { op } from '../bridge.js';
import { OrderedDict, type StateDictMetadata } from '../collections.js';
import { device, type DeviceLike } from '../device.js';
import { type dtype, parseDtype } from '../dtype.js';
import { native } from '../native.js';
import { Parameter } from '../nn/parameter.js';
import { Tensor } from '../tensor.js';
import { markSize, typeName, type UnpicklerHooks } from './pickle.js';
import { CheckpointError, ITEMSIZE } from './source.js';

/**
 * Where loaded storages go, as Python's map_location: a device ('cpu', 'cuda:0',
 * torch.device), a mapping from saved location to new location ({'cuda:1': 'cuda:0'}),
 * or a function (storage, location) returning a device, a storage tensor, or
 * null/undefined to keep the saved location.
 */
export type MapLocation =
  | DeviceLike
  | Record<string, DeviceLike>
  | Map<string, DeviceLike>
  | ((storage: Tensor, location: string) => Tensor | DeviceLike | null | undefined)
  | null
  | undefined;

export interface LoadOptions {
  map_location?: MapLocation;
  /** Only true is supported (the default): torch-node never runs code from a file. */
  weights_only?: boolean;
  /**
   * As PyTorch 2.1's mmap=True: map the file (copy-on-write) instead of reading it; each
   * storage points into the mapping, so loading reads nothing up front and the bytes stay
   * in the page cache, shared, until written. Zip checkpoints given by path only.
   */
  mmap?: boolean;
}

const AS_STRIDED = op('as_strided');
const VIEW_DTYPE = op('view', 'dtype');

const STORAGE_DTYPES: Record<string, dtype> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', ComplexFloatStorage: 'complex64', ComplexDoubleStorage: 'complex128',
  UntypedStorage: 'uint8', _UntypedStorage: 'uint8',
};


/** What a GLOBAL the loader allows stands for on the pickle stack. */
export class Global {
  constructor(readonly fullName: string, readonly kind: string, readonly dtype?: dtype) {}
}

/** A storage as the pickle sees it: a 1-D tensor plus, for legacy storage views, an element offset. */
export interface StorageRef {
  readonly storage: true;
  base: Tensor;
  dtype: dtype;
  offset: number;
  numel: number;
}

/** Stands for tensors in the legacy format's first (scanning) pass. */
export const DRY = Object.freeze({ dry: true });

const DANGEROUS: Record<string, string> = {
  os: 'it reaches the operating system (running commands, deleting files)',
  posix: 'it reaches the operating system (running commands, deleting files)',
  nt: 'it reaches the operating system (running commands, deleting files)',
  subprocess: 'it runs programs',
  sys: 'it reaches the interpreter',
  shutil: 'it changes files',
  socket: 'it opens network connections',
  pty: 'it runs programs',
  runpy: 'it runs code',
  importlib: 'it imports code',
  pickle: 'it unpickles more data without restrictions',
  _pickle: 'it unpickles more data without restrictions',
  marshal: 'it loads code objects',
  types: 'it builds functions and code objects',
  webbrowser: 'it opens programs',
  operator: 'it calls methods by name',
  functools: 'it calls functions',
  code: 'it runs code',
  codeop: 'it compiles code',
  ctypes: 'it calls native code',
};
const DANGEROUS_BUILTINS = new Set(['eval', 'exec', 'compile', 'getattr', 'setattr', 'delattr', '__import__', 'open', 'globals', 'locals', 'vars', 'input', 'breakpoint', 'apply', 'execfile']);

const ALLOWED_SUMMARY =
  'only tensors, storages, containers (dict, OrderedDict, list, tuple, set) and plain values ' +
  '(int, float, str, bytes, bool, None, torch.Size, torch.dtype, torch.device) are loaded, like PyTorch\'s weights_only=True, ' +
  'and no code named by a file ever runs';

export function refuse(module: string, name: string): never {
  const full = `${module}.${name}`;
  const top = module.split('.')[0]!;
  let why: string;
  if ((top === 'builtins' || top === '__builtin__') && DANGEROUS_BUILTINS.has(name)) why = `calling builtins.${name} would run code chosen by the file`;
  else if (DANGEROUS[top]) why = `${DANGEROUS[top]}, so calling it would let the file run code`;
  else if (top === 'numpy') why = 'numpy objects are not built (save tensors, or plain Python numbers, instead of numpy arrays and scalars)';
  else if (top === 'torch') why = 'this torch object is not one torch-node can rebuild';
  else why = 'it is a Python class or function, which torch-node never constructs or calls';
  throw new CheckpointError(`torch.load refused the global '${full}': ${why}. ${capitalize(ALLOWED_SUMMARY)}.`);
}

function capitalize(s: string): string {
  return s[0]!.toUpperCase() + s.slice(1);
}

const TORCH_DTYPES = new Set([
  'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'int8', 'int16', 'short', 'int32', 'int',
  'int64', 'long', 'uint8', 'bool', 'complex64', 'cfloat', 'complex128', 'cdouble',
]);
const UNSUPPORTED_TORCH: Record<string, string> = {
  _rebuild_sparse_tensor: 'sparse tensors', _rebuild_sparse_csr_tensor: 'sparse tensors', _get_layout: 'sparse tensors',
  _rebuild_qtensor: 'quantized tensors', _rebuild_meta_tensor_no_storage: 'meta tensors',
  _rebuild_nested_tensor: 'nested tensors', _rebuild_wrapper_subclass: 'tensor subclasses',
  _rebuild_device_tensor_from_numpy: 'numpy-backed tensors', _rebuild_xla_tensor: 'XLA tensors',
  _rebuild_mps_tensor: 'MPS tensors',
};

function findGlobal(rawModule: string, name: string): unknown {
  const module = rawModule === '__builtin__' ? 'builtins' : rawModule === 'copy_reg' ? 'copyreg' : rawModule;
  const full = `${module}.${name}`;
  switch (full) {
    case 'collections.OrderedDict': return new Global(full, 'OrderedDict');
    case 'builtins.set': return new Global(full, 'set');
    case 'builtins.frozenset': return new Global(full, 'set');
    case 'builtins.bytearray': return new Global(full, 'bytearray');
    case 'builtins.bytes': return new Global(full, 'bytearray');
    case '_codecs.encode': return new Global(full, 'encode');
    case 'torch._utils._rebuild_tensor': return new Global(full, 'rebuild_tensor');
    case 'torch._utils._rebuild_tensor_v2': return new Global(full, 'rebuild_tensor_v2');
    case 'torch._utils._rebuild_tensor_v3': return new Global(full, 'rebuild_tensor_v3');
    case 'torch._utils._rebuild_parameter': return new Global(full, 'rebuild_parameter');
    case 'torch._utils._rebuild_parameter_with_state': return new Global(full, 'rebuild_parameter');
    case 'torch._tensor._rebuild_from_type_v2': return new Global(full, 'rebuild_from_type_v2');
    case 'torch._tensor._rebuild_from_type': return new Global(full, 'rebuild_from_type_v2');
    case 'torch.Tensor': case 'torch._tensor.Tensor': return new Global(full, 'Tensor');
    case 'torch.nn.parameter.Parameter': case 'torch.nn.Parameter': return new Global(full, 'Parameter');
    case 'torch.Size': return new Global(full, 'Size');
    case 'torch.device': return new Global(full, 'device');
  }
  if (module === 'torch' && TORCH_DTYPES.has(name)) return parseDtype(name);
  if ((module === 'torch' || module === 'torch.cuda' || module === 'torch.storage') && name.endsWith('Storage')) {
    const dt = STORAGE_DTYPES[name];
    if (dt) return new Global(full, 'storage', dt);
    throw new CheckpointError(`torch.load: ${full} is not supported yet (quantized or unusual storage types): the checkpoint holds tensors torch-node cannot represent`);
  }
  if (module.startsWith('torch') && UNSUPPORTED_TORCH[name]) {
    throw new CheckpointError(`torch.load: the checkpoint holds ${UNSUPPORTED_TORCH[name]} (${full}), which torch-node does not load yet`);
  }
  if (module === 'torch' && /^(qu?int|float8|uint(16|32|64)|complex32|chalf|bits)/.test(name)) {
    throw new CheckpointError(`torch.load: the dtype torch.${name} is not supported by torch-node`);
  }
  return refuse(module, name);
}

function isGlobal(v: unknown, kind: string): v is Global {
  return v instanceof Global && v.kind === kind;
}

export function asInt(v: unknown, what: string): number {
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new CheckpointError(`corrupted checkpoint: ${what} must be an integer, got ${typeName(v)}`);
  return v;
}

function asIntList(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new CheckpointError(`corrupted checkpoint: ${what} must be a tuple of integers, got ${typeName(v)}`);
  return v.map((x, i) => asInt(x, `${what}[${i}]`));
}

function isStorageRef(v: unknown): v is StorageRef {
  return typeof v === 'object' && v !== null && (v as StorageRef).storage === true;
}

function isEmptyState(s: unknown): boolean {
  if (s === null || s === undefined) return true;
  if (s instanceof Map || s instanceof Set) return s.size === 0;
  if (Array.isArray(s)) return s.every(isEmptyState);
  return false;
}

function metadataOf(state: unknown): StateDictMetadata | undefined {
  const m = state instanceof Map ? state.get('_metadata') : undefined;
  if (!(m instanceof Map)) return undefined;
  const out: StateDictMetadata = new Map();
  for (const [k, v] of m) {
    if (typeof k !== 'string') continue;
    out.set(k, v instanceof Map ? Object.fromEntries([...v].filter(([kk]) => typeof kk === 'string')) : (v as Record<string, unknown>));
  }
  return out;
}

// ---- device placement ---------------------------------------------------------------

function validLocation(loc: string): string {
  if (/^(cpu|cuda(:\d+)?|meta|mps)$/.test(loc)) return loc;
  throw new CheckpointError(`torch.load: don't know how to restore data location '${loc}' (expected cpu or cuda:N)`);
}

export function placeStorage(base: Tensor, location: string, mapLocation: MapLocation): Tensor {
  let target: DeviceLike | Tensor | null | undefined = location;
  if (typeof mapLocation === 'function') {
    const r = mapLocation(base, location);
    target = r ?? location;
  } else if (typeof mapLocation === 'string' || mapLocation instanceof device) {
    target = mapLocation;
  } else if (mapLocation instanceof Map) {
    target = mapLocation.get(location) ?? location;
  } else if (mapLocation && typeof mapLocation === 'object') {
    target = Object.prototype.hasOwnProperty.call(mapLocation, location) ? (mapLocation as Record<string, DeviceLike>)[location]! : location;
  }
  if (target instanceof Tensor) return target;
  const where = validLocation(String(target));
  if (where === 'cpu') return base;
  if (where.startsWith('cuda') && !native.cudaIsAvailable()) {
    throw new CheckpointError(
      "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. If you are running on a CPU-only machine, please use torch.load with map_location: 'cpu' to map your storages to the CPU.",
    );
  }
  return base.to(where);
}

// ---- the hooks shared by both formats --------------------------------------------------

export interface StorageLoader {
  /** The storage for a persistent id, built once per key. */
  load(key: string, dt: dtype, numel: number, location: string, view: unknown): StorageRef | typeof DRY;
}

export class LoadContext implements UnpicklerHooks {
  /** Every tensor this load created: those not in the result are disposed at the end. */
  readonly created: Tensor[] = [];

  constructor(private readonly storages: StorageLoader, private readonly dry = false) {}

  findGlobal(module: string, name: string): unknown {
    return findGlobal(module, name);
  }

  persistentLoad(pid: unknown): unknown {
    if (!Array.isArray(pid) || pid.length === 0) {
      throw new CheckpointError(`torch.load: unsupported persistent id ${typeName(pid)}: only storages are loaded`);
    }
    const tag = pid[0] instanceof Uint8Array ? Buffer.from(pid[0]).toString('latin1') : pid[0];
    if (tag === 'module') throw new CheckpointError('torch.load: the checkpoint pickles a whole nn.Module (with its source code); torch-node loads state_dicts only: save model.state_dict() in Python instead');
    if (tag !== 'storage' || pid.length < 5) throw new CheckpointError(`torch.load: unsupported persistent id '${String(tag)}': only storages are loaded`);
    const [, type, rawKey, rawLocation, rawNumel, view] = pid as unknown[];
    if (!isGlobal(type, 'storage')) throw new CheckpointError(`corrupted checkpoint: a storage's type is ${typeName(type)}, not a torch storage class`);
    const key = typeof rawKey === 'string' || typeof rawKey === 'number' ? String(rawKey) : rawKey instanceof Uint8Array ? Buffer.from(rawKey).toString('latin1') : undefined;
    if (key === undefined) throw new CheckpointError(`corrupted checkpoint: a storage key is ${typeName(rawKey)}`);
    const location = typeof rawLocation === 'string' ? rawLocation : rawLocation instanceof Uint8Array ? Buffer.from(rawLocation).toString('latin1') : undefined;
    if (location === undefined) throw new CheckpointError(`corrupted checkpoint: a storage location is ${typeName(rawLocation)}`);
    const numel = asInt(rawNumel, 'a storage size');
    if (numel < 0) throw new CheckpointError('corrupted checkpoint: a storage size is negative');
    return this.storages.load(key, type.dtype!, numel, location, view ?? null);
  }

  reduce(fn: unknown, args: unknown[]): unknown {
    if (!(fn instanceof Global)) throw new CheckpointError(`torch.load: cannot call a ${typeName(fn)} (only allowed torch and container globals are called)`);
    switch (fn.kind) {
      case 'OrderedDict': {
        const d = new OrderedDict<unknown, unknown>();
        if (args.length > 0 && args[0] !== null) {
          if (!Array.isArray(args[0]) && !(args[0] instanceof Map)) throw new CheckpointError('corrupted checkpoint: OrderedDict() argument is not a list of pairs');
          for (const pair of args[0] instanceof Map ? [...args[0]] : (args[0] as unknown[])) {
            if (!Array.isArray(pair) || pair.length !== 2) throw new CheckpointError('corrupted checkpoint: OrderedDict() items must be pairs');
            d.set(pair[0], pair[1]);
          }
        }
        return d;
      }
      case 'set': {
        const src = args[0];
        if (src === undefined || src === null) return new Set();
        if (Array.isArray(src) || src instanceof Set) return new Set(src);
        throw new CheckpointError(`corrupted checkpoint: set() of a ${typeName(src)}`);
      }
      case 'bytearray': case 'encode': {
        const [s, enc] = args;
        if (s === undefined) return Buffer.alloc(0);
        if (s instanceof Uint8Array) return Buffer.from(s);
        if (typeof s !== 'string') throw new CheckpointError(`corrupted checkpoint: ${fn.fullName}() of a ${typeName(s)}`);
        const e = typeof enc === 'string' ? enc.toLowerCase().replace('_', '-') : 'latin1';
        if (e === 'latin1' || e === 'latin-1' || e === 'iso-8859-1') return Buffer.from(s, 'latin1');
        if (e === 'utf-8' || e === 'utf8' || e === 'ascii') return Buffer.from(s, 'utf8');
        throw new CheckpointError(`torch.load: ${fn.fullName}() with encoding '${String(enc)}' is not supported`);
      }
      case 'Size': {
        return markSize(asIntList(args[0] ?? [], 'torch.Size'));
      }
      case 'device': {
        const [type, index] = args;
        if (typeof type !== 'string') throw new CheckpointError(`corrupted checkpoint: torch.device(${typeName(type)})`);
        try {
          return new device(type, index === undefined || index === null ? undefined : asInt(index, 'a device index'));
        } catch (e) {
          throw new CheckpointError(`corrupted checkpoint: ${(e as Error).message}`);
        }
      }
      case 'rebuild_tensor': {
        const [storage, offset, size, stride] = args;
        return this.rebuildTensor(storage, offset, size, stride, false, undefined);
      }
      case 'rebuild_tensor_v2': {
        const [storage, offset, size, stride, requiresGrad] = args;
        return this.rebuildTensor(storage, offset, size, stride, requiresGrad, undefined);
      }
      case 'rebuild_tensor_v3': {
        const [storage, offset, size, stride, requiresGrad, , dt] = args;
        if (typeof dt !== 'string') throw new CheckpointError(`corrupted checkpoint: _rebuild_tensor_v3 dtype is ${typeName(dt)}`);
        return this.rebuildTensor(storage, offset, size, stride, requiresGrad, dt as dtype);
      }
      case 'rebuild_parameter': {
        const [data, requiresGrad] = args;
        if (this.dry) return DRY;
        if (!(data instanceof Tensor)) throw new CheckpointError(`corrupted checkpoint: a Parameter's data is a ${typeName(data)}`);
        return this.track(new Parameter(data, requiresGrad === true));
      }
      case 'rebuild_from_type_v2': {
        const [func, type, fargs, state] = args;
        if (!Array.isArray(fargs)) throw new CheckpointError('corrupted checkpoint: _rebuild_from_type_v2 arguments are not a tuple');
        if (!isEmptyState(state)) throw new CheckpointError('torch.load: tensors with Python attributes (_rebuild_from_type_v2 state) are not supported');
        const t = this.reduce(func, fargs);
        if (this.dry) return DRY;
        if (isGlobal(type, 'Tensor')) return t;
        if (isGlobal(type, 'Parameter') && t instanceof Tensor) return this.track(new Parameter(t, t.requires_grad));
        throw new CheckpointError(`torch.load: tensor subclass ${typeName(type)} is not supported`);
      }
      case 'Parameter': return this.newObject(fn, args);
      default:
        throw new CheckpointError(`torch.load: ${fn.fullName} cannot be called`);
    }
  }

  newObject(cls: unknown, args: unknown[]): unknown {
    if (isGlobal(cls, 'Parameter')) {
      if (this.dry) return DRY;
      const [data, requiresGrad] = args;
      if (data !== undefined && !(data instanceof Tensor)) throw new CheckpointError(`corrupted checkpoint: a Parameter's data is a ${typeName(data)}`);
      return this.track(new Parameter((data as Tensor | undefined) ?? null, requiresGrad !== false));
    }
    if (isGlobal(cls, 'OrderedDict')) return new OrderedDict<unknown, unknown>();
    if (isGlobal(cls, 'set')) return new Set();
    throw new CheckpointError(`torch.load: cannot instantiate ${cls instanceof Global ? cls.fullName : typeName(cls)}; ${ALLOWED_SUMMARY}`);
  }

  build(obj: unknown, state: unknown): unknown {
    if (obj instanceof OrderedDict) {
      // OrderedDict.__reduce__ state: its __dict__ ({'_metadata': ...}), possibly as (dict, slots).
      const dict = Array.isArray(state) ? state[0] : state;
      const meta = metadataOf(dict);
      if (meta) (obj as OrderedDict)._metadata = meta;
      return obj;
    }
    if (obj instanceof Tensor || obj === DRY) {
      if (obj === DRY || isEmptyState(state)) return obj;
      // Parameter.__setstate__ from old files: (data, requires_grad, backward_hooks)
      if (obj instanceof Parameter && Array.isArray(state) && state[0] instanceof Tensor) {
        return this.track(new Parameter(state[0], state[1] !== false));
      }
      throw new CheckpointError('torch.load: tensors with extra Python state (BUILD) are not supported');
    }
    throw new CheckpointError(`torch.load: can only set the state of tensors and OrderedDicts, not of a ${typeName(obj)}`);
  }

  private track<T extends Tensor>(t: T): T {
    this.created.push(t);
    return t;
  }

  private rebuildTensor(storage: unknown, rawOffset: unknown, rawSize: unknown, rawStride: unknown, requiresGrad: unknown, dt: dtype | undefined): unknown {
    if (storage === DRY) return DRY;
    if (!isStorageRef(storage)) throw new CheckpointError(`corrupted checkpoint: a tensor's storage is a ${typeName(storage)}`);
    const size = asIntList(rawSize, 'a tensor size');
    const stride = asIntList(rawStride, 'a tensor stride');
    const offset = asInt(rawOffset, 'a storage offset');
    if (size.length !== stride.length) throw new CheckpointError(`corrupted checkpoint: a tensor has ${size.length} sizes but ${stride.length} strides`);
    let base = storage.base;
    let numel = storage.numel;
    let start = storage.offset + offset;
    if (dt !== undefined && dt !== storage.dtype) {
      // _rebuild_tensor_v3: a typed view of an untyped (byte) storage.
      const ratio = ITEMSIZE[dt] / ITEMSIZE[storage.dtype];
      if (storage.offset !== 0 || ratio < 1 || storage.numel % ratio !== 0) throw new CheckpointError(`corrupted checkpoint: cannot view a ${storage.dtype} storage as ${dt}`);
      base = this.track(VIEW_DTYPE.t(base, dt));
      numel = storage.numel / ratio;
      start = offset;
    }
    // Check the extent here, with exact integers, for a clear message on corrupted files.
    let last = BigInt(start);
    let empty = false;
    for (let i = 0; i < size.length; i++) {
      if (size[i]! < 0 || stride[i]! < 0) throw new CheckpointError(`corrupted checkpoint: negative size or stride [${size}] / [${stride}]`);
      if (size[i] === 0) empty = true;
      last += BigInt(size[i]! - 1) * BigInt(stride[i]!);
    }
    if (offset < 0 || (!empty && last >= BigInt(numel))) {
      throw new CheckpointError(`corrupted checkpoint: a tensor of size [${size}] and stride [${stride}] at offset ${offset} reaches past its storage of ${numel} elements`);
    }
    const t = this.track(AS_STRIDED.t(base, size, stride, start));
    if (requiresGrad === true) t.requires_grad_(true);
    return t;
  }
}

export function finish(ctx: LoadContext, run: () => unknown): unknown {
  let result: unknown;
  try {
    result = run();
  } catch (e) {
    for (const t of ctx.created) t.dispose();
    throw e;
  }
  const keep = reachableTensors(result);
  for (const t of ctx.created) if (!keep.has(t)) t.dispose();
  return result;
}

function reachableTensors(root: unknown): Set<Tensor> {
  const out = new Set<Tensor>();
  const seen = new Set<object>();
  const todo: unknown[] = [root];
  while (todo.length > 0) {
    const v = todo.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) out.add(v);
    else if (Array.isArray(v) || v instanceof Set) for (const x of v) todo.push(x);
    else if (v instanceof Map) {
      for (const [k, x] of v) {
        todo.push(k);
        todo.push(x);
      }
    }
  }
  return out;
}

