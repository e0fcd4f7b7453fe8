// torch.Tensor: a JS object holding one native handle. The math lives in
// libtorch; methods here call operators through the bridge.
import { inspect } from 'node:util';
import { Op, op, registerTensorClass, wrap } from './bridge.js';
import { device, type DeviceLike } from './device.js';
import { type AnyTypedArray, type dtype, isDtype, isFloatingDtype, itemsize, parseDtype, viewBytes } from './dtype.js';
import { adoptSoon, finalizer, releaseSoon, track } from './memory.js';
import { HANDLE, native } from './native.js';
import { tensorRepr, type DTypeName } from './tensor_str.js';



export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;
/** Sizes as PyTorch takes them: varargs (2, 3) or one array ([2, 3]). */
export type SizeArgs = number[] | [readonly number[]];
export type NestedArray<T> = T | NestedArray<T>[];

/** A (values, indices) pair that also destructures like Python's named tuple. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

export interface ToOptions {
  dtype?: dtype;
  device?: DeviceLike;
  non_blocking?: boolean;
  copy?: boolean;
  memory_format?: string;
}

/** The keyword argument of sum/mean/prod. */
export interface ReduceOptions {
  dtype?: dtype | null;
}

/** Keyword arguments of std/var: correction (or Python's older unbiased) and keepdim. */
export interface VarianceOptions {
  correction?: number;
  unbiased?: boolean;
  keepdim?: boolean;
}

export interface BackwardOptions {
  retain_graph?: boolean;
  create_graph?: boolean;
  inputs?: Tensor[];
}

export function sizesFrom(args: SizeArgs | readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  return args as number[];
}

function valuesIndices(pair: unknown): ValuesIndices {
  const [values, indices] = pair as [Tensor, Tensor];
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}

// Ops used by the methods below, resolved on first use.
const OPS = {
  add: op('add', 'Tensor'), add_: op('add_', 'Tensor'),
  sub: op('sub', 'Tensor'), sub_: op('sub_', 'Tensor'),
  mul: op('mul', 'Tensor'), mul_: op('mul_', 'Tensor'),
  div: op('div', 'Tensor'), div_: op('div_', 'Tensor'), divMode: op('div', 'Tensor_mode'), divMode_: op('div_', 'Tensor_mode'),
  powScalar: op('pow', 'Tensor_Scalar'), powTensor: op('pow', 'Tensor_Tensor'),
  matmul: op('matmul'), mm: op('mm'), bmm: op('bmm'), dot: op('dot'),
  neg: op('neg'), abs: op('abs'), exp: op('exp'), log: op('log'), sqrt: op('sqrt'), rsqrt: op('rsqrt'),
  sin: op('sin'), cos: op('cos'), tanh: op('tanh'), sigmoid: op('sigmoid'), relu: op('relu'),
  square: op('square'), reciprocal: op('reciprocal'), sign: op('sign'),
  floor: op('floor'), ceil: op('ceil'), round: op('round'), roundDecimals: op('round', 'decimals'),
  clamp: op('clamp'), clamp_: op('clamp_'), clampT: op('clamp', 'Tensor'), clampT_: op('clamp_', 'Tensor'),
  sum: op('sum'), sumDim: op('sum', 'dim_IntList'),
  mean: op('mean'), meanDim: op('mean', 'dim'),
  prod: op('prod'), prodDim: op('prod', 'dim_int'),
  max: op('max'), maxDim: op('max', 'dim'), maxOther: op('max', 'other'), maximum: op('maximum'),
  min: op('min'), minDim: op('min', 'dim'), minOther: op('min', 'other'), minimum: op('minimum'),
  mT: op('mT'), mH: op('mH'), H: op('matrix_H'), real: op('real'), imag: op('imag'),
  argmax: op('argmax'), argmin: op('argmin'),
  std: op('std', 'correction'), var: op('var', 'correction'),
  all: op('all'), allDim: op('all', 'dim'), any: op('any'), anyDim: op('any', 'dim'),
  eq: op('eq', 'Tensor'), ne: op('ne', 'Tensor'), lt: op('lt', 'Tensor'), le: op('le', 'Tensor'),
  gt: op('gt', 'Tensor'), ge: op('ge', 'Tensor'),
  reshape: op('reshape'), view: op('view'), viewDtype: op('view', 'dtype'),
  transpose: op('transpose', 'int'), permute: op('permute'), t: op('t'),
  squeeze: op('squeeze'), squeezeDim: op('squeeze', 'dim'), unsqueeze: op('unsqueeze'),
  flatten: op('flatten', 'using_ints'), expand: op('expand'), contiguous: op('contiguous'),
  clone: op('clone'), detach: op('detach'), detach_: op('detach_'),
  select: op('select', 'int'), narrow: op('narrow'), index_select: op('index_select'),
  toDtype: op('to', 'dtype'), toDevice: op('to', 'device'), toOther: op('to', 'other'),
  zero_: op('zero_'), fill_: op('fill_', 'Scalar'), copy_: op('copy_'), normal_: op('normal_'), uniform_: op('uniform_'),
  softmax: op('softmax', 'int'), log_softmax: op('log_softmax', 'int'),
  masked_fill: op('masked_fill', 'Scalar'), where: op('where', 'self'),
} as const;

export class Tensor {
  /** @internal The native handle; -1 once disposed. */
  [HANDLE]: number;

  /** @internal Tensors are made by torch.* functions and ops, never constructed directly. */
  constructor(handle: number) {
    this[HANDLE] = handle;
    if (!track(this)) adoptSoon(this);
  }

  /** @internal Whether the FinalizationRegistry holds a record for this tensor. */
  private gcOwned = false;

  /** @internal See memory.ts: lets the garbage collector free this tensor if it is dropped undisposed. */
  adoptByGC(): void {
    if (!this.gcOwned && this[HANDLE] >= 0) {
      finalizer.register(this, this[HANDLE], this);
      this.gcOwned = true;
    }
  }

  // ---- lifetime -----------------------------------------------------------

  /** Frees the native tensor now (its memory goes once no other tensor shares it). Idempotent. */
  dispose(): void {
    const h = this[HANDLE];
    if (h >= 0) {
      releaseSoon(h);
      this[HANDLE] = -1;
      // Drop the finalizer record now: in a long synchronous loop its cleanup never gets to run.
      if (this.gcOwned) finalizer.unregister(this);
    }
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  /** Whether dispose() (or a scope) has freed this tensor. */
  get isDisposed(): boolean {
    return this[HANDLE] < 0 || !native.isLive(this[HANDLE]);
  }

  // ---- metadata -----------------------------------------------------------

  get dtype(): dtype {
    return native.dtype(this[HANDLE]) as dtype;
  }
  get shape(): number[] {
    return native.shape(this[HANDLE]);
  }
  get device(): device {
    return new device(native.device(this[HANDLE]));
  }
  get is_cuda(): boolean {
    return native.device(this[HANDLE]).startsWith('cuda');
  }
  get ndim(): number {
    return native.dim(this[HANDLE]);
  }
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const s = native.shape(this[HANDLE]);
    if (dim === undefined) return s;
    const d = normDim(dim, s.length);
    return s[d]!;
  }
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    const s = native.strides(this[HANDLE]);
    return dim === undefined ? s : s[normDim(dim, s.length)]!;
  }
  dim(): number {
    return native.dim(this[HANDLE]);
  }
  numel(): number {
    return native.numel(this[HANDLE]);
  }
  /** Alias of numel(). */
  nelement(): number {
    return native.numel(this[HANDLE]);
  }
  /** Alias of dim(). */
  ndimension(): number {
    return native.dim(this[HANDLE]);
  }
  /** The CUDA device index, or -1 for CPU tensors. */
  get_device(): number {
    const d = native.device(this[HANDLE]);
    return d.startsWith('cuda') ? Number(d.split(':')[1] ?? 0) : -1;
  }
  element_size(): number {
    return itemsize(this.dtype);
  }
  is_contiguous(): boolean {
    return native.isContiguous(this[HANDLE]);
  }
  is_floating_point(): boolean {
    return isFloatingDtype(this.dtype);
  }

  // ---- autograd -----------------------------------------------------------

  get requires_grad(): boolean {
    return native.requiresGrad(this[HANDLE]);
  }
  set requires_grad(flag: boolean) {
    native.setRequiresGrad(this[HANDLE], flag);
  }
  requires_grad_(requires_grad = true): this {
    native.setRequiresGrad(this[HANDLE], requires_grad);
    return this;
  }
  get is_leaf(): boolean {
    return native.isLeaf(this[HANDLE]);
  }
  /** The gradient accumulated by backward(), or null. Each read gives a new Tensor object for the same data. */
  get grad(): Tensor | null {
    const h = native.grad(this[HANDLE]);
    return h === null ? null : wrap(h);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this[HANDLE], g);
  }
  /** The autograd node that produced this tensor, or null for leaves. */
  get grad_fn(): { name(): string } | null {
    const name = native.gradFn(this[HANDLE]);
    return name === null ? null : { name: () => name, toString: () => `<${name}>` } as { name(): string };
  }
  backward(gradient?: Tensor | null, options?: BackwardOptions): void {
    native.backward([this[HANDLE]], gradient ? [gradient] : null, options?.retain_graph, options?.create_graph, options?.inputs ?? null);
  }
  detach(): Tensor {
    return OPS.detach.t(this);
  }
  detach_(): this {
    OPS.detach_.call(this);
    return this;
  }
  /** Python's t.data: the same storage, detached from autograd. */
  get data(): Tensor {
    return OPS.detach.t(this);
  }

  // ---- data out -----------------------------------------------------------

  /** The elements, row-major, copied into a TypedArray (float16/bfloat16 as raw bits, complex interleaved). */
  toTypedArray(): AnyTypedArray {
    return viewBytes(this.dtype, native.toBytes(this[HANDLE]));
  }

  /**
   * The elements as a TypedArray that shares this tensor's memory when it is a
   * contiguous CPU tensor (writes go both ways, like Python's t.numpy()), else a copy.
   * The view keeps the memory alive on its own, also after dispose().
   */
  asTypedArray(): AnyTypedArray {
    const buf = native.dataView(this[HANDLE]);
    return viewBytes(this.dtype, buf ?? native.toBytes(this[HANDLE]));
  }

  /** A Python number (int64 beyond 2^53 rounds; bool tensors give true/false). */
  item(): number {
    const v = native.item(this[HANDLE]);
    if (typeof v === 'bigint') return Number(v);
    if (Array.isArray(v)) throw new TypeError('item(): complex values have no JS number; use toTypedArray()');
    return v as number;
  }

  /** Nested arrays of numbers (booleans for bool tensors), like Python's tolist(). */
  tolist(): NestedArray<number | boolean> {
    const shape = this.shape;
    let flat: ArrayLike<number | bigint | boolean>;
    const d = this.dtype;
    if (d === 'float16' || d === 'bfloat16') flat = this.to('float32').toTypedArray() as Float32Array;
    else if (d === 'bool') flat = Array.from(this.toTypedArray() as Uint8Array, (x) => x !== 0);
    else if (d === 'complex64' || d === 'complex128') throw new TypeError('tolist(): complex tensors are not supported yet; use toTypedArray()');
    else flat = this.toTypedArray();
    let i = 0;
    const build = (dimIdx: number): NestedArray<number | boolean> => {
      if (dimIdx === shape.length) {
        const v = flat[i++]!;
        return typeof v === 'bigint' ? Number(v) : v;
      }
      const out: NestedArray<number | boolean>[] = [];
      for (let k = 0; k < shape[dimIdx]!; k++) out.push(build(dimIdx + 1));
      return out;
    };
    return build(0);
  }

  toString(): string {
    return reprOf(this, false);
  }
  [inspect.custom](): string {
    return this.isDisposed ? 'tensor(<disposed>)' : reprOf(this, false);
  }

  // ---- arithmetic ---------------------------------------------------------

  add(other: TensorOrScalar, options?: { alpha?: Scalar }): Tensor {
    return OPS.add.t(this, other, options?.alpha);
  }
  add_(other: TensorOrScalar, options?: { alpha?: Scalar }): this {
    OPS.add_.call(this, other, options?.alpha);
    return this;
  }
  sub(other: TensorOrScalar, options?: { alpha?: Scalar }): Tensor {
    return OPS.sub.t(this, other, options?.alpha);
  }
  sub_(other: TensorOrScalar, options?: { alpha?: Scalar }): this {
    OPS.sub_.call(this, other, options?.alpha);
    return this;
  }
  mul(other: TensorOrScalar): Tensor {
    return OPS.mul.t(this, other);
  }
  mul_(other: TensorOrScalar): this {
    OPS.mul_.call(this, other);
    return this;
  }
  div(other: TensorOrScalar, options?: { rounding_mode?: 'trunc' | 'floor' | null }): Tensor {
    if (options?.rounding_mode) return OPS.divMode.t(this, other, options.rounding_mode);
    return OPS.div.t(this, other);
  }
  div_(other: TensorOrScalar, options?: { rounding_mode?: 'trunc' | 'floor' | null }): this {
    if (options?.rounding_mode) OPS.divMode_.call(this, other, options.rounding_mode);
    else OPS.div_.call(this, other);
    return this;
  }
  pow(exponent: TensorOrScalar): Tensor {
    return exponent instanceof Tensor ? OPS.powTensor.t(this, exponent) : OPS.powScalar.t(this, exponent);
  }
  matmul(other: Tensor): Tensor {
    return OPS.matmul.t(this, other);
  }
  mm(mat2: Tensor): Tensor {
    return OPS.mm.t(this, mat2);
  }
  bmm(mat2: Tensor): Tensor {
    return OPS.bmm.t(this, mat2);
  }
  dot(other: Tensor): Tensor {
    return OPS.dot.t(this, other);
  }
  neg(): Tensor { return OPS.neg.t(this); }
  abs(): Tensor { return OPS.abs.t(this); }
  exp(): Tensor { return OPS.exp.t(this); }
  log(): Tensor { return OPS.log.t(this); }
  sqrt(): Tensor { return OPS.sqrt.t(this); }
  rsqrt(): Tensor { return OPS.rsqrt.t(this); }
  sin(): Tensor { return OPS.sin.t(this); }
  cos(): Tensor { return OPS.cos.t(this); }
  tanh(): Tensor { return OPS.tanh.t(this); }
  sigmoid(): Tensor { return OPS.sigmoid.t(this); }
  relu(): Tensor { return OPS.relu.t(this); }
  square(): Tensor { return OPS.square.t(this); }
  reciprocal(): Tensor { return OPS.reciprocal.t(this); }
  sign(): Tensor { return OPS.sign.t(this); }
  floor(): Tensor { return OPS.floor.t(this); }
  ceil(): Tensor { return OPS.ceil.t(this); }
  round(options?: { decimals?: number }): Tensor {
    return options?.decimals !== undefined ? OPS.roundDecimals.t(this, options.decimals) : OPS.round.t(this);
  }
  /** clamp(min, max) with numbers, or with tensors (broadcast elementwise bounds). */
  clamp(min?: Scalar | null, max?: Scalar | null): Tensor;
  clamp(min?: Tensor | null, max?: Tensor | null): Tensor;
  clamp(min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor {
    if (min instanceof Tensor || max instanceof Tensor) return OPS.clampT.t(this, min ?? null, max ?? null);
    return OPS.clamp.t(this, min ?? null, max ?? null);
  }
  clamp_(min?: Scalar | null, max?: Scalar | null): this;
  clamp_(min?: Tensor | null, max?: Tensor | null): this;
  clamp_(min?: TensorOrScalar | null, max?: TensorOrScalar | null): this {
    if (min instanceof Tensor || max instanceof Tensor) OPS.clampT_.call(this, min ?? null, max ?? null);
    else OPS.clamp_.call(this, min ?? null, max ?? null);
    return this;
  }
  /** softmax(dim, dtype?) as in Python (dtype positional or as { dtype }). */
  softmax(dim: number, dtype?: dtype | null | { dtype?: dtype | null }): Tensor {
    return OPS.softmax.t(this, dim, dtypeArg(dtype));
  }
  log_softmax(dim: number, dtype?: dtype | null | { dtype?: dtype | null }): Tensor {
    return OPS.log_softmax.t(this, dim, dtypeArg(dtype));
  }

  // ---- comparison ---------------------------------------------------------

  eq(other: TensorOrScalar): Tensor { return OPS.eq.t(this, other); }
  ne(other: TensorOrScalar): Tensor { return OPS.ne.t(this, other); }
  lt(other: TensorOrScalar): Tensor { return OPS.lt.t(this, other); }
  le(other: TensorOrScalar): Tensor { return OPS.le.t(this, other); }
  gt(other: TensorOrScalar): Tensor { return OPS.gt.t(this, other); }
  ge(other: TensorOrScalar): Tensor { return OPS.ge.t(this, other); }
  maximum(other: Tensor): Tensor { return OPS.maximum.t(this, other); }
  minimum(other: Tensor): Tensor { return OPS.minimum.t(this, other); }
  masked_fill(mask: Tensor, value: Scalar): Tensor { return OPS.masked_fill.t(this, mask, value); }

  // ---- reductions ---------------------------------------------------------

  /** sum(), sum(dim, keepdim?), each with an optional trailing { dtype } (it may also stand in for dim or keepdim). */
  sum(options?: ReduceOptions): Tensor;
  sum(dim: number | readonly number[] | null, options?: ReduceOptions): Tensor;
  sum(dim: number | readonly number[] | null, keepdim?: boolean, options?: ReduceOptions): Tensor;
  sum(dim?: number | readonly number[] | null | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
    const [d, k, o] = reduceArgs(dim, keepdim, options);
    return d === null ? OPS.sum.t(this, o?.dtype) : OPS.sumDim.t(this, d, k, o?.dtype);
  }
  /** mean(), mean(dim, keepdim?), each with an optional trailing { dtype }. */
  mean(options?: ReduceOptions): Tensor;
  mean(dim: number | readonly number[] | null, options?: ReduceOptions): Tensor;
  mean(dim: number | readonly number[] | null, keepdim?: boolean, options?: ReduceOptions): Tensor;
  mean(dim?: number | readonly number[] | null | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
    const [d, k, o] = reduceArgs(dim, keepdim, options);
    return d === null ? OPS.mean.t(this, o?.dtype) : OPS.meanDim.t(this, d, k, o?.dtype);
  }
  /** prod(), prod(dim, keepdim?), each with an optional trailing { dtype }. */
  prod(options?: ReduceOptions): Tensor;
  prod(dim: number | null, options?: ReduceOptions): Tensor;
  prod(dim: number | null, keepdim?: boolean, options?: ReduceOptions): Tensor;
  prod(dim?: number | null | ReduceOptions, keepdim?: boolean | ReduceOptions, options?: ReduceOptions): Tensor {
    const [d, k, o] = reduceArgs(dim, keepdim, options);
    return d === null ? OPS.prod.t(this, o?.dtype) : OPS.prodDim.t(this, d, k, o?.dtype);
  }
  /** max() -> the largest element; max(dim, keepdim) -> (values, indices); max(other) -> elementwise maximum. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return OPS.max.t(this);
    if (dim instanceof Tensor) return OPS.maxOther.t(this, dim);
    return valuesIndices(OPS.maxDim.call(this, dim, keepdim));
  }
  /** min() -> the smallest element; min(dim, keepdim) -> (values, indices); min(other) -> elementwise minimum. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return OPS.min.t(this);
    if (dim instanceof Tensor) return OPS.minOther.t(this, dim);
    return valuesIndices(OPS.minDim.call(this, dim, keepdim));
  }
  argmax(dim?: number | null, keepdim = false): Tensor {
    return OPS.argmax.t(this, dim ?? null, keepdim);
  }
  argmin(dim?: number | null, keepdim = false): Tensor {
    return OPS.argmin.t(this, dim ?? null, keepdim);
  }
  /** std(), std(unbiased), std(dim, unbiased?, keepdim?), std(dim, { correction, unbiased, keepdim }). */
  std(unbiased: boolean): Tensor;
  std(dim?: number | readonly number[] | null, unbiased?: boolean, keepdim?: boolean): Tensor;
  std(dim: number | readonly number[] | null | undefined, options: VarianceOptions): Tensor;
  std(dim?: number | readonly number[] | null | boolean, unbiased?: boolean | VarianceOptions, keepdim?: boolean): Tensor {
    const [d, c, k] = varianceArgs(dim, unbiased, keepdim);
    return OPS.std.t(this, d, c, k);
  }
  /** var(), var(unbiased), var(dim, unbiased?, keepdim?), var(dim, { correction, unbiased, keepdim }). */
  var(unbiased: boolean): Tensor;
  var(dim?: number | readonly number[] | null, unbiased?: boolean, keepdim?: boolean): Tensor;
  var(dim: number | readonly number[] | null | undefined, options: VarianceOptions): Tensor;
  var(dim?: number | readonly number[] | null | boolean, unbiased?: boolean | VarianceOptions, keepdim?: boolean): Tensor {
    const [d, c, k] = varianceArgs(dim, unbiased, keepdim);
    return OPS.var.t(this, d, c, k);
  }
  all(dim?: number, keepdim = false): Tensor {
    return dim === undefined ? OPS.all.t(this) : OPS.allDim.t(this, dim, keepdim);
  }
  any(dim?: number, keepdim = false): Tensor {
    return dim === undefined ? OPS.any.t(this) : OPS.anyDim.t(this, dim, keepdim);
  }

  // ---- shape and views ----------------------------------------------------

  reshape(...shape: SizeArgs): Tensor {
    return OPS.reshape.t(this, sizesFrom(shape));
  }
  view(...shape: SizeArgs): Tensor;
  view(dtype: dtype): Tensor;
  view(...args: SizeArgs | [dtype]): Tensor {
    if (args.length === 1 && typeof args[0] === 'string') return OPS.viewDtype.t(this, args[0]);
    return OPS.view.t(this, sizesFrom(args as SizeArgs));
  }
  view_as(other: Tensor): Tensor {
    return this.view(other.shape);
  }
  reshape_as(other: Tensor): Tensor {
    return this.reshape(other.shape);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return OPS.transpose.t(this, dim0, dim1);
  }
  permute(...dims: SizeArgs): Tensor {
    return OPS.permute.t(this, sizesFrom(dims));
  }
  t(): Tensor {
    return OPS.t.t(this);
  }
  get T(): Tensor {
    const n = this.dim();
    return n < 2 ? this.detachedAlias() : this.permute([...Array(n).keys()].reverse());
  }
  /** The last two dimensions transposed (a view). */
  get mT(): Tensor {
    return OPS.mT.t(this);
  }
  /** The conjugate transpose of the last two dimensions. */
  get mH(): Tensor {
    return OPS.mH.t(this);
  }
  /** The conjugate transpose of a matrix. */
  get H(): Tensor {
    return OPS.H.t(this);
  }
  /** The real part (a view; the tensor itself for real dtypes). */
  get real(): Tensor {
    return OPS.real.t(this);
  }
  /** The imaginary part (a view); complex tensors only. */
  get imag(): Tensor {
    return OPS.imag.t(this);
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? OPS.squeeze.t(this) : OPS.squeezeDim.t(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return OPS.unsqueeze.t(this, dim);
  }
  flatten(start_dim = 0, end_dim = -1): Tensor {
    return OPS.flatten.t(this, start_dim, end_dim);
  }
  expand(...sizes: SizeArgs): Tensor {
    return OPS.expand.t(this, sizesFrom(sizes));
  }
  expand_as(other: Tensor): Tensor {
    return this.expand(other.shape);
  }
  contiguous(): Tensor {
    return OPS.contiguous.t(this);
  }
  clone(): Tensor {
    return OPS.clone.t(this);
  }
  select(dim: number, index: number): Tensor {
    return OPS.select.t(this, dim, index);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return OPS.narrow.t(this, dim, start, length);
  }
  index_select(dim: number, index: Tensor): Tensor {
    return OPS.index_select.t(this, dim, index);
  }

  // ---- conversion ---------------------------------------------------------

  /** to(dtype), to(device), to(other), to(device, dtype), each with {non_blocking, copy, memory_format}. */
  to(target: dtype | DeviceLike | Tensor | ToOptions, dtypeOrOptions?: dtype | ToOptions, options?: ToOptions): Tensor {
    let opts: ToOptions = {};
    let dev: DeviceLike | undefined;
    let dt: dtype | undefined;
    if (target instanceof Tensor) {
      const o = (dtypeOrOptions as ToOptions | undefined) ?? {};
      return OPS.toOther.t(this, target, o.non_blocking ?? false, o.copy ?? false, o.memory_format);
    }
    if (typeof target === 'string' && isDtypeName(target)) dt = parseDtype(target);
    else if (typeof target === 'string' || target instanceof device) dev = target;
    else opts = target;
    if (typeof dtypeOrOptions === 'string') dt = parseDtype(dtypeOrOptions);
    else if (dtypeOrOptions) opts = dtypeOrOptions;
    if (options) opts = options;
    dt = dt ?? opts.dtype;
    dev = dev ?? opts.device;
    if (dev !== undefined) {
      return OPS.toDevice.t(this, String(dev), dt ?? this.dtype, opts.non_blocking ?? false, opts.copy ?? false, opts.memory_format);
    }
    if (dt !== undefined) return OPS.toDtype.t(this, dt, opts.non_blocking ?? false, opts.copy ?? false, opts.memory_format);
    return opts.copy ? this.clone() : this.detachedAlias();
  }
  cpu(): Tensor { return this.to('cpu'); }
  /** A copy on a CUDA device; without CUDA, an error saying so (as Python's "Torch not compiled with CUDA enabled"). */
  cuda(index?: number): Tensor {
    if (native.cudaDeviceCount() === 0) {
      throw new Error('Torch not compiled with CUDA enabled, or no CUDA device is visible: this libtorch has no CUDA device to copy to (torch.cuda.is_available() is false)');
    }
    return this.to(index === undefined ? 'cuda' : `cuda:${index}`);
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  half(): Tensor { return this.to('float16'); }
  bfloat16(): Tensor { return this.to('bfloat16'); }
  long(): Tensor { return this.to('int64'); }
  int(): Tensor { return this.to('int32'); }
  short(): Tensor { return this.to('int16'); }
  char(): Tensor { return this.to('int8'); }
  byte(): Tensor { return this.to('uint8'); }
  bool(): Tensor { return this.to('bool'); }
  /** type() -> 'torch.FloatTensor'; type(dtype) and type('torch.DoubleTensor') convert. */
  type(): string;
  type(dtype: dtype | LegacyTensorType, options?: { non_blocking?: boolean }): Tensor;
  type(d?: dtype | LegacyTensorType, options?: { non_blocking?: boolean }): string | Tensor {
    if (d === undefined) return legacyTypeName(this.dtype, this.is_cuda);
    const legacy = /^torch\.(cuda\.)?(\w+Tensor)$/.exec(d);
    if (legacy) {
      const target = (Object.keys(LEGACY_NAMES) as dtype[]).find((k) => LEGACY_NAMES[k] === legacy[2]);
      if (!target) throw new TypeError(`invalid type: '${d}'`);
      return this.to(legacy[1] ? 'cuda' : 'cpu', target, { non_blocking: options?.non_blocking });
    }
    return this.to(d as dtype, { non_blocking: options?.non_blocking });
  }

  // ---- in place -------------------------------------------------------------

  zero_(): this { OPS.zero_.call(this); return this; }
  fill_(value: Scalar): this { OPS.fill_.call(this, value); return this; }
  copy_(src: Tensor, non_blocking = false): this { OPS.copy_.call(this, src, non_blocking); return this; }
  normal_(mean = 0, std = 1, options?: { generator?: object }): this { OPS.normal_.call(this, mean, std, options?.generator); return this; }
  uniform_(from = 0, to = 1, options?: { generator?: object }): this { OPS.uniform_.call(this, from, to, options?.generator); return this; }

  /** A new Tensor object sharing this tensor's data and autograd history (Python would return self). */
  private detachedAlias(): Tensor {
    return OPS.toDtype.t(this, this.dtype, false, false);
  }
}
registerTensorClass(Tensor);

function isDtypeName(s: string): boolean {
  try {
    parseDtype(s);
    return true;
  } catch {
    return false;
  }
}

/** (dim?, keepdim?, options?) where the options object may come early, as keyword arguments do in Python. */
function reduceArgs<D>(
  dim: D | null | undefined | ReduceOptions,
  keepdim: boolean | ReduceOptions | undefined,
  options: ReduceOptions | undefined,
): [D | null, boolean, ReduceOptions | undefined] {
  if (isOptionsObject(dim)) return [null, false, dim];
  if (isOptionsObject(keepdim)) return [(dim ?? null) as D | null, false, keepdim];
  return [(dim ?? null) as D | null, keepdim ?? false, options];
}

function isOptionsObject(v: unknown): v is ReduceOptions {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function dtypeArg(d: dtype | null | undefined | { dtype?: dtype | null }): dtype | null | undefined {
  return typeof d === 'object' && d !== null ? d.dtype : d;
}

/** Positional (dim, unbiased, keepdim) or ({ correction | unbiased, keepdim }) -> std.correction's arguments. */
function varianceArgs(
  dim: number | readonly number[] | null | boolean | undefined,
  second: boolean | VarianceOptions | undefined,
  keepdim: boolean | undefined,
): [number | readonly number[] | null, number | undefined, boolean] {
  if (typeof dim === 'boolean') return [null, dim ? 1 : 0, false];
  const d = dim ?? null;
  if (typeof second === 'boolean') return [d, second ? 1 : 0, keepdim ?? false];
  return [d, correctionOf(second), second?.keepdim ?? keepdim ?? false];
}

function correctionOf(options?: { correction?: number; unbiased?: boolean }): number | undefined {
  if (options?.correction !== undefined) return options.correction;
  if (options?.unbiased !== undefined) return options.unbiased ? 1 : 0;
  return undefined;
}

export function normDim(dim: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

const LEGACY_NAMES: Record<dtype, string> = {
  float32: 'FloatTensor', float64: 'DoubleTensor', float16: 'HalfTensor', bfloat16: 'BFloat16Tensor',
  int8: 'CharTensor', int16: 'ShortTensor', int32: 'IntTensor', int64: 'LongTensor', uint8: 'ByteTensor',
  bool: 'BoolTensor', complex64: 'ComplexFloatTensor', complex128: 'ComplexDoubleTensor',
};
/** Python's legacy tensor type names, as Tensor.type() gives and takes them. */
export type LegacyTensorType = `torch.${'' | 'cuda.'}${
  | 'FloatTensor' | 'DoubleTensor' | 'HalfTensor' | 'BFloat16Tensor' | 'CharTensor' | 'ShortTensor' | 'IntTensor'
  | 'LongTensor' | 'ByteTensor' | 'BoolTensor' | 'ComplexFloatTensor' | 'ComplexDoubleTensor'}`;

function legacyTypeName(d: dtype, cuda: boolean): string {
  return `torch.${cuda ? 'cuda.' : ''}${LEGACY_NAMES[d]}`;
}

/** @internal repr(t) as Python prints it; nn.Parameter passes isParameter. */
export function reprOf(t: Tensor, isParameter: boolean): string {
  const d = t.dtype;
  let values: ArrayLike<number | bigint | boolean>;
  if (d === 'float16' || d === 'bfloat16') {
    const widened = OPS.toDtype.t(t, 'float32', false, false);
    values = widened.toTypedArray() as Float32Array;
    widened.dispose();
  } else {
    values = t.toTypedArray();
  }
  return tensorRepr({
    shape: t.shape,
    dtype: d as DTypeName,
    values,
    device: native.device(t),
    requiresGrad: t.requires_grad,
    gradFn: native.gradFn(t),
    isParameter,
  });
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

export { Op };
export { isDtype };
