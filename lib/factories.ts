// Tensor factories: torch.tensor, zeros, ones, full, empty, rand, randn,
// randint, arange, linspace, eye, and the *_like forms.
import { isPlainObject, op } from './bridge.js';
import type { DeviceLike } from './device.js';
import { type dtype, dtypeOfTypedArray, parseDtype } from './dtype.js';
import { native } from './native.js';
import type { Generator } from './random.js';
import { type NestedArray, type Scalar, Tensor } from './tensor.js';
import { wrap } from './bridge.js';

export interface TensorOptions {
  dtype?: dtype;
  device?: DeviceLike;
  requires_grad?: boolean;
  layout?: 'strided';
  pin_memory?: boolean;
}
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}
export interface LikeOptions extends TensorOptions {
  memory_format?: 'preserve_format' | 'contiguous_format' | 'channels_last';
}

/** zeros(2, 3), zeros([2, 3]), zeros(2, 3, { dtype }), zeros([2, 3], { dtype }). */
export type SizeAndOptions<O> = number[] | [...number[], O] | [readonly number[]] | [readonly number[], O];

function splitSize<O extends object>(args: readonly unknown[], fn: string): [number[], O] {
  let opts = {} as O;
  let rest = args;
  if (rest.length > 0 && isPlainObject(rest[rest.length - 1])) {
    opts = rest[rest.length - 1] as O;
    rest = rest.slice(0, -1);
  }
  const size = rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as unknown[]) : rest;
  for (const s of size) {
    if (typeof s !== 'number' || !Number.isInteger(s)) {
      throw new TypeError(`${fn}(): argument 'size' must be tuple of ints, but found element of type ${typeName(s)}`);
    }
    if (s < 0) throw new RangeError(`${fn}(): Trying to create tensor with negative dimension ${s}: [${size.join(', ')}]`);
  }
  return [size as number[], opts];
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'Array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requires_grad) t.requires_grad_(true);
  return t;
}

const ZEROS = op('zeros'), ONES = op('ones'), EMPTY = op('empty', 'memory_format'), FULL = op('full');
const RAND = op('rand'), RAND_G = op('rand', 'generator'), RANDN = op('randn'), RANDN_G = op('randn', 'generator');
const RANDINT = op('randint', 'low'), RANDINT_G = op('randint', 'low_generator');
const ARANGE = op('arange', 'start_step'), LINSPACE = op('linspace'), EYE = op('eye'), EYE_M = op('eye', 'm');
const ZEROS_LIKE = op('zeros_like'), ONES_LIKE = op('ones_like'), EMPTY_LIKE = op('empty_like'), FULL_LIKE = op('full_like');
const RAND_LIKE = op('rand_like'), RANDN_LIKE = op('randn_like'), RANDINT_LIKE = op('randint_like', 'low_dtype');

export function zeros(...args: SizeAndOptions<TensorOptions>): Tensor {
  const [size, o] = splitSize<TensorOptions>(args, 'zeros');
  return finish(ZEROS.t(size, o.dtype, o.layout, o.device, o.pin_memory), o);
}
export function ones(...args: SizeAndOptions<TensorOptions>): Tensor {
  const [size, o] = splitSize<TensorOptions>(args, 'ones');
  return finish(ONES.t(size, o.dtype, o.layout, o.device, o.pin_memory), o);
}
export function empty(...args: SizeAndOptions<TensorOptions>): Tensor {
  const [size, o] = splitSize<TensorOptions>(args, 'empty');
  return finish(EMPTY.t(size, o.dtype, o.layout, o.device, o.pin_memory), o);
}
export function rand(...args: SizeAndOptions<RandomOptions>): Tensor {
  const [size, o] = splitSize<RandomOptions>(args, 'rand');
  const t = o.generator ? RAND_G.t(size, o.generator, o.dtype, o.layout, o.device, o.pin_memory) : RAND.t(size, o.dtype, o.layout, o.device, o.pin_memory);
  return finish(t, o);
}
export function randn(...args: SizeAndOptions<RandomOptions>): Tensor {
  const [size, o] = splitSize<RandomOptions>(args, 'randn');
  const t = o.generator ? RANDN_G.t(size, o.generator, o.dtype, o.layout, o.device, o.pin_memory) : RANDN.t(size, o.dtype, o.layout, o.device, o.pin_memory);
  return finish(t, o);
}
/** full(size, fill_value, options): the dtype follows fill_value (int -> int64, fraction -> float32, bool -> bool) unless given. */
export function full(size: readonly number[], fill_value: Scalar, options: TensorOptions = {}): Tensor {
  const [s] = splitSize<TensorOptions>([size], 'full');
  return finish(FULL.t(s, fill_value, options.dtype, options.layout, options.device, options.pin_memory), options);
}

/** randint(high, size, options) or randint(low, high, size, options); int64 unless dtype says otherwise. */
export function randint(high: number, size: readonly number[], options?: RandomOptions): Tensor;
export function randint(low: number, high: number, size: readonly number[], options?: RandomOptions): Tensor;
export function randint(a: number, b: number | readonly number[], c?: readonly number[] | RandomOptions, d?: RandomOptions): Tensor {
  let low = 0, high: number, size: readonly number[], o: RandomOptions;
  if (Array.isArray(b)) {
    high = a;
    size = b;
    o = (c as RandomOptions | undefined) ?? {};
  } else {
    low = a;
    high = b as number;
    size = (c as readonly number[] | undefined) ?? [];
    o = d ?? {};
  }
  const [s] = splitSize<RandomOptions>([size], 'randint');
  const dt = o.dtype ?? 'int64';
  const t = o.generator
    ? RANDINT_G.t(low, high, s, o.generator, dt, o.layout, o.device, o.pin_memory)
    : RANDINT.t(low, high, s, dt, o.layout, o.device, o.pin_memory);
  return finish(t, o);
}

/** arange(end), arange(start, end), arange(start, end, step); integers give int64, any fraction float32. */
export function arange(end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, step: number, options?: TensorOptions): Tensor;
export function arange(...args: (number | TensorOptions | undefined)[]): Tensor {
  const o = (isPlainObject(args[args.length - 1]) ? args.pop() : {}) as TensorOptions;
  const nums = args as number[];
  const [start, end, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  return finish(ARANGE.t(start, end, step, o.dtype, o.layout, o.device, o.pin_memory), o);
}

export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  return finish(LINSPACE.t(start, end, steps, options.dtype, options.layout, options.device, options.pin_memory), options);
}

export function eye(n: number, m?: number | TensorOptions, options?: TensorOptions): Tensor {
  const o = (typeof m === 'object' ? m : options) ?? {};
  const t = typeof m === 'number' ? EYE_M.t(n, m, o.dtype, o.layout, o.device, o.pin_memory) : EYE.t(n, o.dtype, o.layout, o.device, o.pin_memory);
  return finish(t, o);
}

export function zeros_like(input: Tensor, o: LikeOptions = {}): Tensor {
  return finish(ZEROS_LIKE.t(input, o.dtype, o.layout, o.device, o.pin_memory, o.memory_format), o);
}
export function ones_like(input: Tensor, o: LikeOptions = {}): Tensor {
  return finish(ONES_LIKE.t(input, o.dtype, o.layout, o.device, o.pin_memory, o.memory_format), o);
}
export function empty_like(input: Tensor, o: LikeOptions = {}): Tensor {
  return finish(EMPTY_LIKE.t(input, o.dtype, o.layout, o.device, o.pin_memory, o.memory_format), o);
}
export function full_like(input: Tensor, fill_value: Scalar, o: LikeOptions = {}): Tensor {
  return finish(FULL_LIKE.t(input, fill_value, o.dtype, o.layout, o.device, o.pin_memory, o.memory_format), o);
}
export function rand_like(input: Tensor, o: LikeOptions = {}): Tensor {
  return finish(RAND_LIKE.t(input, o.dtype, o.layout, o.device, o.pin_memory, o.memory_format), o);
}
export function randn_like(input: Tensor, o: LikeOptions = {}): Tensor {
  return finish(RANDN_LIKE.t(input, o.dtype, o.layout, o.device, o.pin_memory, o.memory_format), o);
}
export function randint_like(input: Tensor, low: number, high?: number, o: LikeOptions = {}): Tensor {
  const [lo, hi] = high === undefined ? [0, low] : [low, high];
  return finish(RANDINT_LIKE.t(input, lo, hi, o.dtype, o.layout, o.device, o.pin_memory, o.memory_format), o);
}

// ---- torch.tensor --------------------------------------------------------------

export type TensorData = NestedArray<number | boolean | bigint> | ArrayBufferView | Tensor;

/**
 * torch.tensor(data, options): always copies. Like PyTorch for Python literals:
 * all booleans -> bool, all integers -> int64, any fraction (or NaN/Infinity) -> float32.
 * A TypedArray keeps its element type (Float64Array -> float64, as from numpy).
 */
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  if (data instanceof Tensor) {
    const t = data.detach().clone();
    const converted = options.dtype || options.device ? t.to({ dtype: options.dtype, device: options.device }) : t;
    return finish(converted, options);
  }
  let t: Tensor;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const src = dtypeOfTypedArray(data);
    t = wrap(native.fromBytes(data, src, [(data as unknown as { length: number }).length]));
    if (options.dtype && options.dtype !== src) t = t.to(options.dtype);
  } else {
    const shape: number[] = [];
    const flat: (number | boolean | bigint)[] = [];
    flatten(data as NestedArray<number | boolean | bigint>, 0, shape, flat);
    const inferred = inferDtype(flat);
    const target = options.dtype ? parseDtype(options.dtype) : inferred;
    t = fromValues(flat, shape, target);
  }
  if (options.device !== undefined && String(options.device) !== 'cpu') t = t.to(options.device);
  return finish(t, options);
}

/** Alias kept for PyTorch code that calls torch.as_tensor / from_numpy-like paths: copies too. */
export const as_tensor = tensor;

function flatten(v: NestedArray<number | boolean | bigint>, depth: number, shape: number[], out: (number | boolean | bigint)[]): void {
  if (Array.isArray(v)) {
    if (shape.length === depth) shape.push(v.length);
    else if (shape[depth] !== v.length) {
      throw new Error(`expected sequence of length ${shape[depth]} at dim ${depth} (got ${v.length})`);
    }
    for (const x of v) flatten(x, depth + 1, shape, out);
    return;
  }
  if (shape.length > depth) throw new Error(`expected sequence of length ${shape[depth]} at dim ${depth} (got a scalar)`);
  if (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'bigint') {
    throw new TypeError(`torch.tensor(): could not infer dtype of ${typeName(v)}`);
  }
  out.push(v);
}

function inferDtype(flat: readonly (number | boolean | bigint)[]): dtype {
  if (flat.length === 0) return 'float32';
  let sawBool = false, sawInt = false, sawFloat = false;
  for (const x of flat) {
    if (typeof x === 'boolean') sawBool = true;
    else if (typeof x === 'bigint') sawInt = true;
    else if (Number.isSafeInteger(x) && !Object.is(x, -0)) sawInt = true;
    else sawFloat = true;
  }
  if (sawFloat) return 'float32';
  if (sawInt) return 'int64';
  return sawBool ? 'bool' : 'float32';
}

function fromValues(flat: readonly (number | boolean | bigint)[], shape: number[], target: dtype): Tensor {
  const n = flat.length;
  const num = (x: number | boolean | bigint): number => (typeof x === 'number' ? x : Number(x));
  switch (target) {
    case 'float32': return wrap(native.fromBytes(Float32Array.from(flat, num), 'float32', shape));
    case 'float64': return wrap(native.fromBytes(Float64Array.from(flat, num), 'float64', shape));
    case 'int32': return wrap(native.fromBytes(Int32Array.from(flat, num), 'int32', shape));
    case 'int16': return wrap(native.fromBytes(Int16Array.from(flat, num), 'int16', shape));
    case 'int8': return wrap(native.fromBytes(Int8Array.from(flat, num), 'int8', shape));
    case 'uint8': return wrap(native.fromBytes(Uint8Array.from(flat, num), 'uint8', shape));
    case 'bool': return wrap(native.fromBytes(Uint8Array.from(flat, (x) => (num(x) !== 0 ? 1 : 0)), 'bool', shape));
    case 'int64': {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const x = flat[i]!;
        a[i] = typeof x === 'bigint' ? x : BigInt(Math.trunc(num(x)));
      }
      return wrap(native.fromBytes(a, 'int64', shape));
    }
    default: {
      // float16, bfloat16, complex: build in float64, let libtorch round as Python does.
      const wide = wrap(native.fromBytes(Float64Array.from(flat, num), 'float64', shape));
      const t = wide.to(target);
      wide.dispose();
      return t;
    }
  }
}
