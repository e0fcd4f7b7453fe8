// Python's tensor indexing, t[...] and t[...] = v, as PyTorch implements it
// (torch/csrc/autograd/python_variable_indexing.cpp over ATen's
// TensorIndexing.h): ints, slices, None and Ellipsis give views through
// aten::select / slice / unsqueeze / alias; booleans, integer and bool tensors
// and lists go through aten::index.Tensor (a copy). Writes copy into the view
// (basic indexing) or call aten::index_put_ (advanced), broadcasting the value.
//
// JS has no t[...] syntax, so:
//   x[1:, None, ..., [0, 2]]      ->  x.get('1:', null, '...', [0, 2])
//   x[0, ::2] = 5                 ->  x.set([0, '::2'], 5)
//   x[mask] = y                   ->  x.set(mask, y)
//   x[[0, 2]] = 1 (a list index)  ->  x.set([[0, 2]], 1)
// In set(), an array in the first position is always the tuple of indices.
import { op } from './bridge.js';
import { tensor as tensorFromData } from './factories.js';
import { native } from './native.js';
import { Tensor } from './tensor.js';

// ---- slices ------------------------------------------------------------------

/** Python's slice object: start:stop:step, null meaning an open end (or step 1). */
export class Slice {
  readonly start: number | null;
  readonly stop: number | null;
  readonly step: number | null;

  constructor(start?: number | null, stop?: number | null, step?: number | null) {
    this.start = sliceBound(start);
    this.stop = sliceBound(stop);
    this.step = sliceBound(step);
  }

  /** The Python spelling, e.g. '1:8:3' or '::2'. */
  toString(): string {
    const s = (v: number | null): string => (v === null ? '' : String(v));
    return `${s(this.start)}:${s(this.stop)}${this.step === null ? '' : `:${this.step}`}`;
  }
}

function sliceBound(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new TypeError('slice indices must be integers or None or have an __index__ method');
}

/**
 * Python's slice(): slice(stop), slice(start, stop), slice(start, stop, step).
 * As in Python, one argument is the stop (slice(3) is ':3'); null or undefined
 * parts are open ends.
 */
export function slice(stop?: number | null): Slice;
export function slice(start: number | null | undefined, stop: number | null | undefined, step?: number | null): Slice;
export function slice(...args: (number | null | undefined)[]): Slice {
  if (args.length <= 1) return new Slice(null, args[0], null);
  return new Slice(args[0], args[1], args[2]);
}

const SLICE_RE = /^\s*([+-]?\d+)?\s*:\s*([+-]?\d+)?\s*(?::\s*([+-]?\d+)?\s*)?$/;

function parseSlice(text: string): Slice | undefined {
  const m = SLICE_RE.exec(text);
  if (!m) return undefined;
  const n = (s: string | undefined): number | null => (s === undefined ? null : Number(s));
  return new Slice(n(m[1]), n(m[2]), n(m[3]));
}

// ---- index types -------------------------------------------------------------

/** A (nested) JS array of integers or booleans: an index list, as in Python. */
export type IndexArray = readonly (number | boolean | IndexArray)[];

/**
 * One index: an integer, null (None, a new axis), '...' (Ellipsis), a slice
 * ('1:', '::2', torch.slice(1, null, 2)), true/false, a long, byte or bool
 * Tensor, or a (nested) array of integers or booleans.
 */
export type Index = number | bigint | boolean | null | string | Slice | Tensor | IndexArray;

/** What set() assigns: a Tensor (broadcast to the indexed shape) or a Python number/bool. */
export type IndexValue = Tensor | number | boolean;

declare module './tensor.js' {
  interface Tensor {
    /**
     * Python's t[i0, i1, ...]. Basic indexing (ints, slices, null, '...') gives
     * a view sharing this tensor's data; any boolean, tensor or array index
     * gives a copy (aten::index).
     */
    get(...indices: Index[]): Tensor;
    /**
     * Python's t[indices] = value, in place; returns this. `indices` is one
     * index, or an array holding the tuple of indices (so x[[0, 2]] = v is
     * x.set([[0, 2]], v)).
     */
    set(indices: Index | readonly Index[], value: IndexValue): this;
  }
}

const ACCEPTED =
  "only integers, slices ('1:3', '::2' or torch.slice()), ellipsis ('...'), null (None), booleans, " +
  'arrays of integers or booleans, and long, byte or bool Tensors are valid indices';

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? `int ${v}` : `float ${v}`;
  if (typeof v === 'string') return `str '${v}'`;
  if (Array.isArray(v)) return 'Array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

function invalidIndex(v: unknown): never {
  throw new TypeError(`${ACCEPTED} (got ${describe(v)})`);
}

// ---- operators -----------------------------------------------------------------

const SELECT = op('select', 'int');
const SLICE = op('slice', 'Tensor');
const UNSQUEEZE = op('unsqueeze');
const ALIAS = op('alias');
const INDEX = op('index', 'Tensor');
const INDEX_PUT_ = op('index_put_');
const COPY_ = op('copy_');
const FILL_ = op('fill_', 'Tensor');
const EXPAND = op('expand');
const VIEW = op('view');
const SCALAR_TENSOR = op('scalar_tensor');
const ZEROS = op('zeros');
const EMPTY = op('empty', 'memory_format');

const INTEGRAL = new Set(['uint8', 'int8', 'int16', 'int32', 'int64', 'bool']);

/**
 * The tensors an indexing call makes along the way (views of views, index
 * tensors); all but the result are released when the call ends.
 */
class Temps {
  private readonly list: Tensor[] = [];
  add(t: Tensor): Tensor {
    this.list.push(t);
    return t;
  }
  releaseAllBut(keep?: Tensor): void {
    for (const t of this.list) if (t !== keep) t.dispose();
  }
}

// ---- the pieces of TensorIndexing.h ----------------------------------------------

function applySelect(self: Tensor, dim: number, index: number, realDim: number, sizes: readonly number[], tmp: Temps): Tensor {
  if (index === 0 && dim === 0 && sizes.length === 0) {
    throw new RangeError(
      'invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number',
    );
  }
  // A dimension past the end reads as size 0 (what PyTorch reports there too).
  const size = sizes[dim] ?? 0;
  if (!(size >= -index && size > index)) {
    throw new RangeError(`index ${index} is out of bounds for dimension ${realDim} with size ${size}`);
  }
  return tmp.add(SELECT.t(self, dim, index));
}

/** start/stop as Python unpacks them: open start is 0, open stop is +infinity (null here). */
function applySlice(self: Tensor, dim: number, s: Slice, disableSliceOptimization: boolean, sizes: readonly number[], tmp: Temps): Tensor {
  const step = s.step ?? 1;
  if (step <= 0) throw new RangeError('step must be greater than zero');
  const start = s.start ?? 0;
  if (!disableSliceOptimization && start === 0 && s.stop !== null && s.stop === sizes[dim] && step === 1) return self;
  return tmp.add(SLICE.t(self, dim, start, s.stop, step));
}

function checkStep(s: Slice): Slice {
  if (s.step === 0) throw new RangeError('slice step cannot be zero');
  return s;
}

/** A Python bool as an index: a new axis of size 1, indexed by [0] (true) or [] (false). */
function boolToIndexingTensor(value: boolean, device: string, tmp: Temps): Tensor {
  return tmp.add(value ? ZEROS.t([1], 'int64', undefined, device) : EMPTY.t([0], 'int64', undefined, device));
}

/** A (nested) array of ints/bools to an index tensor: all booleans give bool, anything else int64. */
function arrayToIndexTensor(arr: readonly unknown[], device: string, tmp: Temps): Tensor {
  let allBool = true;
  let count = 0;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    count++;
    if (typeof v === 'boolean') return;
    allBool = false;
    if (typeof v === 'number' && Number.isFinite(v)) return;
    if (typeof v === 'bigint') return;
    throw new TypeError(`an index array may hold only integers or booleans (got ${describe(v)})`);
  };
  visit(arr);
  const dtype = allBool && count > 0 ? 'bool' : 'int64';
  const data = arr as Parameters<typeof tensorFromData>[0];
  return tmp.add(tensorFromData(data, { dtype, device: device === 'cpu' ? undefined : device }));
}

type Kind = 'int' | 'slice' | 'none' | 'ellipsis' | 'bool' | 'tensor' | 'array' | 'invalid';

function kindOf(v: unknown): Kind {
  if (v === null) return 'none';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'invalid';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return v === '...' ? 'ellipsis' : 'slice';
  if (v instanceof Slice) return 'slice';
  if (v instanceof Tensor) return 'tensor';
  if (Array.isArray(v)) return 'array';
  return 'invalid';
}

function toSlice(v: unknown): Slice {
  if (v instanceof Slice) return checkStep(v);
  const s = parseSlice(v as string);
  if (s === undefined) {
    throw new TypeError(`${ACCEPTED} (got ${describe(v)}; a slice string looks like '1:3', ':-1' or '::2')`);
  }
  return checkStep(s);
}

/** Indexed dimensions: everything but Ellipsis, None and bools; a bool/byte tensor counts its dims. */
function countSpecifiedDimensions(indices: readonly unknown[]): number {
  let count = 0;
  for (const v of indices) {
    if (v instanceof Tensor) {
      const dt = native.dtype(v);
      count += dt === 'uint8' || dt === 'bool' ? native.dim(v) : 1;
    } else if (v !== null && v !== '...' && typeof v !== 'boolean') {
      count++;
    }
  }
  return count;
}

/**
 * Applies the basic indices left to right (handleDimInMultiDimIndexing) and
 * records the advanced ones in outIndices at the dimension they index.
 */
function applySlicing(self: Tensor, indices: readonly unknown[], outIndices: (Tensor | null)[], tmp: Temps): Tensor {
  const selfDim = native.dim(self);
  const device = native.device(self);
  const specified = countSpecifiedDimensions(indices);
  if (specified > selfDim) throw new RangeError(`too many indices for tensor of dimension ${selfDim}`);
  let dim = 0;
  const record = (t: Tensor): void => {
    while (outIndices.length < dim) outIndices.push(null);
    outIndices[dim] = t;
    dim++;
  };
  let result = self;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    switch (kindOf(v)) {
      case 'int':
        result = applySelect(result, dim, Number(v), i, native.shape(result), tmp);
        break;
      case 'slice':
        result = applySlice(result, dim, toSlice(v), false, native.shape(result), tmp);
        dim++;
        break;
      case 'ellipsis':
        dim += selfDim - specified;
        break;
      case 'none':
        result = tmp.add(UNSQUEEZE.t(result, dim));
        dim++;
        break;
      case 'bool':
        result = tmp.add(UNSQUEEZE.t(result, dim));
        record(boolToIndexingTensor(v as boolean, device, tmp));
        break;
      case 'array':
        record(arrayToIndexTensor(v as unknown[], device, tmp));
        break;
      case 'tensor': {
        const t = v as Tensor;
        const dt = native.dtype(t);
        if (native.dim(t) === 0 && INTEGRAL.has(dt)) {
          if (dt !== 'uint8' && dt !== 'bool') {
            result = applySelect(result, dim, Number(native.item(t)), i, native.shape(result), tmp);
          } else {
            result = tmp.add(UNSQUEEZE.t(result, dim));
            record(boolToIndexingTensor(Number(native.item(t)) !== 0, device, tmp));
          }
        } else {
          record(t);
        }
        break;
      }
      default:
        invalidIndex(v);
    }
  }
  return result;
}

// ---- reads -------------------------------------------------------------------

/** Python's THPVariable_getitem / at::indexing::get_item. */
export function getItem(self: Tensor, indices: readonly Index[]): Tensor {
  const tmp = new Temps();
  let out: Tensor | undefined;
  try {
    out = getItemInner(self, indices, tmp);
    return out;
  } finally {
    tmp.releaseAllBut(out);
  }
}

function getItemInner(self: Tensor, indices: readonly Index[], tmp: Temps): Tensor {
  if (indices.length === 1) {
    const v = indices[0];
    switch (kindOf(v)) {
      case 'none':
        return UNSQUEEZE.t(self, 0);
      case 'ellipsis':
        return ALIAS.t(self);
      case 'int':
        return applySelect(self, 0, Number(v), 0, native.shape(self), tmp);
      case 'slice':
        return applySlice(self, 0, toSlice(v), true, native.shape(self), tmp);
      case 'bool': {
        const r = tmp.add(UNSQUEEZE.t(self, 0));
        return INDEX.t(r, [boolToIndexingTensor(v as boolean, native.device(self), tmp)]);
      }
      case 'invalid':
        invalidIndex(v);
      default:
        break;
    }
  }
  const tensorIndices: (Tensor | null)[] = [];
  const sliced = applySlicing(self, indices, tensorIndices, tmp);
  if (tensorIndices.length === 0) {
    // x[...], x[()], x[0:n]: a new Tensor aliasing self, never self itself.
    return sliced === self ? ALIAS.t(self) : sliced;
  }
  return INDEX.t(sliced, tensorIndices);
}

// ---- writes ------------------------------------------------------------------

/** A number/bool value as a 0-dim tensor of self's dtype and device (Python's valueToTensor). */
function valueToTensor(self: Tensor, value: unknown, tmp: Temps): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    const s = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    return tmp.add(SCALAR_TENSOR.t(s, native.dtype(self), undefined, native.device(self)));
  }
  throw new TypeError(`can't assign a ${describe(value)} to a torch.Tensor (expected a Tensor, number or boolean)`);
}

/** Leading sizes of 1 stripped from the value, as numpy does for setitem. */
function slicePrefix1sSize(sizes: readonly number[]): number[] {
  let first = sizes.length;
  for (let i = 0; i < sizes.length; i++) {
    if (sizes[i] !== 1) {
      first = i;
      break;
    }
  }
  return sizes.slice(first);
}

function sameSizes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function copyTo(dst: Tensor, src: Tensor, tmp: Temps): void {
  const dstSizes = native.shape(dst);
  const srcSizes = native.shape(src);
  if (sameSizes(dstSizes, srcSizes)) {
    COPY_.call(dst, src, false);
    return;
  }
  if (srcSizes.length === 0 && native.device(src) === 'cpu') {
    FILL_.call(dst, src);
    return;
  }
  const view = tmp.add(VIEW.t(src, slicePrefix1sSize(srcSizes)));
  const expanded = tmp.add(EXPAND.t(view, dstSizes));
  COPY_.call(dst, expanded, false);
}

/** Python's THPVariable_setitem / at::indexing::set_item. */
export function setItem(self: Tensor, indices: readonly Index[], value: IndexValue): void {
  const tmp = new Temps();
  try {
    setItemInner(self, indices, value, tmp);
  } finally {
    tmp.releaseAllBut();
  }
}

function setItemInner(self: Tensor, indices: readonly Index[], rawValue: IndexValue, tmp: Temps): void {
  const value = valueToTensor(self, rawValue, tmp);
  if (indices.length === 1) {
    const v = indices[0];
    switch (kindOf(v)) {
      case 'bool':
        if (v === false) return;
        copyTo(tmp.add(UNSQUEEZE.t(self, 0)), value, tmp);
        return;
      case 'ellipsis':
        copyTo(self, value, tmp);
        return;
      case 'none':
        copyTo(tmp.add(UNSQUEEZE.t(self, 0)), value, tmp);
        return;
      case 'int':
        copyTo(applySelect(self, 0, Number(v), 0, native.shape(self), tmp), value, tmp);
        return;
      case 'slice':
        copyTo(applySlice(self, 0, toSlice(v), false, native.shape(self), tmp), value, tmp);
        return;
      case 'invalid':
        invalidIndex(v);
      default:
        break;
    }
  }
  const tensorIndices: (Tensor | null)[] = [];
  const sliced = applySlicing(self, indices, tensorIndices, tmp);
  if (tensorIndices.length === 0) {
    copyTo(sliced, value, tmp);
    return;
  }
  const valueSizes = native.shape(value);
  const stripped = slicePrefix1sSize(valueSizes);
  const values = stripped.length === valueSizes.length ? value : tmp.add(VIEW.t(value, stripped));
  INDEX_PUT_.call(sliced, tensorIndices, values, false);
}

// ---- wiring ------------------------------------------------------------------

Tensor.prototype.get = function get(this: Tensor, ...indices: Index[]): Tensor {
  const v = indices[0];
  if (indices.length === 1 && typeof v === 'number' && Number.isInteger(v)) {
    // x[i], the most common index: select straight away; when libtorch refuses, the
    // general path below says why in Python's words (it reads the shape to do so).
    try {
      return SELECT.t(this, 0, v);
    } catch {
      /* fall through */
    }
  }
  return getItem(this, indices);
};

Tensor.prototype.set = function set<T extends Tensor>(this: T, indices: Index | readonly Index[], value: IndexValue): T {
  setItem(this, Array.isArray(indices) ? (indices as readonly Index[]) : [indices as Index], value);
  return this;
};
