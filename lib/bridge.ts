// The JS half of the operator bridge: resolves ops, maps keyword arguments
// onto schema positions, picks overloads as Python does, and turns results
// into Tensors. Argument *conversion* happens once, natively, by schema.
import type { Tensor } from './tensor.js';
import { GENERATOR, HANDLE, native, type OpSchema } from './native.js';
import { handleCudaOpError } from './cuda/errors.js';

/** Mirrors the native Kind enum (native/ops.h). */
export enum Kind {
  Tensor, TensorList, OptTensorList, Scalar, Int, IntList, Float, FloatList, Bool, BoolList,
  Str, ScalarType, Layout, MemoryFormat, Device, Generator, Unsupported,
}

type TensorCtor = new (handle: number) => Tensor;
let TensorClass: TensorCtor | undefined;
/** tensor.ts registers its class here, so this module needs no runtime import of it. */
export function registerTensorClass(ctor: TensorCtor): void {
  TensorClass = ctor;
}
export function wrap(handle: number): Tensor {
  return new (TensorClass as TensorCtor)(handle);
}

export type Kwargs = Record<string, unknown>;

// Read once: the addon's exports object has some hundred properties, and a
// property read on it per op was a visible share of a small op.
const opCall = native.opCall;

/** Bits of the opCall mask that mark handle positions; the bits above hold the argument count. */
const HANDLE_BITS = 24;

/**
 * Replaces the Tensors among args (in place) by their handle numbers and
 * returns the opCall mask: their positions, and the argument count above them,
 * so the native side reads each handle directly instead of looking up a
 * property on the object.
 */
function toHandles(args: unknown[]): number {
  let mask = 0;
  const n = args.length < HANDLE_BITS ? args.length : HANDLE_BITS;
  for (let i = 0; i < n; i++) {
    const a = args[i];
    if (a instanceof (TensorClass as TensorCtor)) {
      args[i] = (a as Tensor)[HANDLE];
      mask |= 1 << i;
    }
  }
  return (mask | (args.length << HANDLE_BITS)) >>> 0;
}

export function isPlainObject(v: unknown): v is Kwargs {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** One operator overload, e.g. aten::add.Tensor. Resolved on first use. */
export class Op {
  private _id = -1;
  private _schema: OpSchema | undefined;
  /** 0: one fresh Tensor; 1: returns input argument aliasIndex; 2: anything else (see convert) */
  private _shape = -1;
  private _aliasIndex = -1;

  constructor(readonly name: string, readonly overload: string = '') {}

  get id(): number {
    if (this._id < 0) this._id = native.opResolve(this.name, this.overload);
    return this._id;
  }

  get schema(): OpSchema {
    if (!this._schema) this._schema = native.opSchema(this.id);
    return this._schema;
  }

  private resultShape(): number {
    if (this._shape < 0) {
      const r = this.schema.returns;
      if (r.length === 1 && r[0]!.kind === Kind.Tensor && r[0]!.aliasOfArg < 0) this._shape = 0;
      else if (r.length === 1 && r[0]!.aliasOfArg >= 0) {
        this._shape = 1;
        this._aliasIndex = r[0]!.aliasOfArg;
      } else this._shape = 2;
    }
    return this._shape;
  }

  /** Positional call in schema order (undefined: the default). */
  call(...args: unknown[]): unknown {
    const shape = this._shape >= 0 ? this._shape : this.resultShape();
    const original = shape === 2 ? args.slice() : args;
    const aliased = shape === 1 ? args[this._aliasIndex] : undefined;
    const raw = this.invoke(toHandles(args), args);
    if (shape === 0) return raw === null ? null : wrap(raw as number);
    if (shape === 1) return aliased;
    return this.convert(raw, original);
  }

  /**
   * For ops known to return one new Tensor: the hot path of the typed wrappers.
   * Up to eight arguments go to the native side as a call with a fixed number
   * of arguments (no rest array, no spread), their count in the mask.
   */
  t(...args: unknown[]): Tensor;
  t(a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown, a6?: unknown, a7?: unknown): Tensor {
    const n = arguments.length;
    if (n > 8) {
      const args = Array.prototype.slice.call(arguments) as unknown[];
      return wrap(this.invoke(toHandles(args), args) as number);
    }
    const T = TensorClass as TensorCtor;
    let m = n << HANDLE_BITS;
    if (a0 instanceof T) { a0 = a0[HANDLE]; m |= 1; }
    if (a1 instanceof T) { a1 = a1[HANDLE]; m |= 2; }
    if (a2 instanceof T) { a2 = a2[HANDLE]; m |= 4; }
    if (a3 instanceof T) { a3 = a3[HANDLE]; m |= 8; }
    if (a4 instanceof T) { a4 = a4[HANDLE]; m |= 16; }
    if (a5 instanceof T) { a5 = a5[HANDLE]; m |= 32; }
    if (a6 instanceof T) { a6 = a6[HANDLE]; m |= 64; }
    if (a7 instanceof T) { a7 = a7[HANDLE]; m |= 128; }
    try {
      return wrap(opCall(this.id, m, a0, a1, a2, a3, a4, a5, a6, a7) as number);
    } catch (e) {
      return handleCudaOpError(e, () => wrap(opCall(this.id, m, a0, a1, a2, a3, a4, a5, a6, a7) as number));
    }
  }

  /**
   * For callers that hold handle numbers (the optimizers' inner loops): bit i
   * of mask marks argument i as a handle. Returns the new tensor's handle,
   * unwrapped (an in-place op returns nothing: its result is its first argument).
   */
  h(mask: number, a0?: unknown, a1?: unknown, a2?: unknown): number {
    const m = mask | ((arguments.length - 1) << HANDLE_BITS);
    try {
      return opCall(this.id, m, a0, a1, a2) as number;
    } catch (e) {
      return handleCudaOpError(e, () => opCall(this.id, m, a0, a1, a2) as number);
    }
  }

  /** The general path: args already converted by toHandles into mask. */
  private invoke(mask: number, args: unknown[]): unknown {
    try {
      return opCall(this.id, mask, ...args);
    } catch (e) {
      // A CUDA out-of-memory is retried once after freeing what can be freed; a missing CUDA backend gets Python's words.
      return handleCudaOpError(e, () => opCall(this.id, mask, ...args));
    }
  }

  /** Call with Python-style keyword arguments mapped onto schema positions. */
  callKw(args: readonly unknown[], kwargs?: Kwargs): unknown {
    return this.call(...this.placeArgs(args, kwargs));
  }

  placeArgs(args: readonly unknown[], kwargs?: Kwargs): unknown[] {
    const specs = this.schema.args;
    const out = args.slice();
    if (out.length > specs.length) {
      throw new TypeError(`${this.pyName()}() takes ${specs.length} arguments but ${out.length} were given`);
    }
    for (let i = 0; i < out.length; i++) {
      if (specs[i]!.kwargOnly && out[i] !== undefined) {
        throw new TypeError(`${this.pyName()}() takes ${specs.findIndex((s) => s.kwargOnly)} positional arguments but ${out.length} were given`);
      }
    }
    if (kwargs) {
      for (const key of Object.keys(kwargs)) {
        const v = kwargs[key];
        if (v === undefined) continue;
        const i = specs.findIndex((s) => s.name === key);
        if (i < 0) throw new TypeError(`${this.pyName()}() got an unexpected keyword argument '${key}'`);
        if (i < args.length && args[i] !== undefined) {
          throw new TypeError(`${this.pyName()}() got multiple values for argument '${key}'`);
        }
        while (out.length <= i) out.push(undefined);
        out[i] = v;
      }
    }
    return out;
  }

  pyName(): string {
    return this.name.replace(/^aten::/, '');
  }

  private convert(raw: unknown, args: readonly unknown[]): unknown {
    const rets = this.schema.returns;
    if (rets.length === 0) return undefined;
    if (rets.length === 1) return convertOne(rets[0]!.kind, rets[0]!.aliasOfArg, raw, args);
    const arr = raw as unknown[];
    return rets.map((r, i) => convertOne(r.kind, r.aliasOfArg, arr[i], args));
  }
}

function convertOne(kind: number, alias: number, raw: unknown, args: readonly unknown[]): unknown {
  if (alias >= 0) return args[alias];
  if (kind === Kind.Tensor) return raw === null ? null : wrap(raw as number);
  if (kind === Kind.TensorList || kind === Kind.OptTensorList) {
    return (raw as (number | null)[]).map((h) => (h === null ? null : wrap(h)));
  }
  return raw;
}

// ---- Overload resolution, as Python's argument parser does it ---------------

let overloadIndex: Map<string, string[]> | undefined;

/** Every overload name registered for an op ("add" -> ["Tensor", "Scalar", "out", ...]). */
export function overloadsOf(name: string): string[] {
  if (!overloadIndex) {
    overloadIndex = new Map();
    for (const full of native.opList()) {
      const dot = full.indexOf('.');
      const base = dot < 0 ? full : full.slice(0, dot);
      const ov = dot < 0 ? '' : full.slice(dot + 1);
      let list = overloadIndex.get(base);
      if (!list) overloadIndex.set(base, (list = []));
      list.push(ov);
    }
  }
  const qualified = name.includes('::') ? name : `aten::${name}`;
  return overloadIndex.get(qualified) ?? [];
}

const opCache = new Map<string, Op>();
export function op(name: string, overload = ''): Op {
  const key = `${name}.${overload}`;
  let o = opCache.get(key);
  if (!o) opCache.set(key, (o = new Op(name, overload)));
  return o;
}

/** How well a JS value fits a schema kind: 0 no, 1 by conversion (number as Tensor), 2 exactly. */
function fit(kind: number, optional: boolean, v: unknown): number {
  if (v === undefined || v === null) return optional ? 2 : 0;
  switch (kind) {
    case Kind.Tensor:
      if (isTensorLike(v)) return 2;
      return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? 1 : 0;
    case Kind.Scalar:
      return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? 2 : 0;
    case Kind.Int:
      return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' ? 2 : 0;
    case Kind.Float:
      return typeof v === 'number' ? 2 : 0;
    case Kind.Bool:
      return typeof v === 'boolean' ? 2 : 0;
    case Kind.IntList:
      if (typeof v === 'number' && Number.isInteger(v)) return 1;
      return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x)) ? 2 : 0;
    case Kind.FloatList:
      return Array.isArray(v) && v.every((x) => typeof x === 'number') ? 2 : typeof v === 'number' ? 1 : 0;
    case Kind.BoolList:
      return Array.isArray(v) && v.every((x) => typeof x === 'boolean') ? 2 : 0;
    case Kind.TensorList:
      return Array.isArray(v) && v.every(isTensorLike) ? 2 : 0;
    case Kind.OptTensorList:
      return Array.isArray(v) && v.every((x) => x === null || x === undefined || isTensorLike(x)) ? 2 : 0;
    case Kind.Str: case Kind.ScalarType: case Kind.Layout: case Kind.MemoryFormat:
      return typeof v === 'string' ? 2 : 0;
    case Kind.Device:
      return typeof v === 'string' || (typeof v === 'object' && 'type' in (v as object)) ? 2 : 0;
    case Kind.Generator:
      return typeof v === 'object' && GENERATOR in (v as object) ? 2 : 0;
    default:
      return 0;
  }
}

function isTensorLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && HANDLE in v;
}

/**
 * Calls `name` choosing the overload the arguments fit best (out= overloads
 * only when `out` is given), like torch.ops.aten.add(a, 2).
 */
export function callOverloaded(name: string, args: readonly unknown[], kwargs?: Kwargs): unknown {
  const overloads = overloadsOf(name);
  if (overloads.length === 0) throw new Error(`unknown operator aten::${name.replace(/^aten::/, '')}`);
  const wantsOut = kwargs !== undefined && kwargs.out !== undefined;
  let best: { op: Op; placed: unknown[]; score: number } | undefined;
  const reasons: string[] = [];
  for (const ov of overloads) {
    const o = op(name, ov);
    const specs = o.schema.args;
    const isOut = specs.some((s) => s.kwargOnly && s.name === 'out');
    if (isOut !== wantsOut) continue;
    let placed: unknown[];
    try {
      placed = o.placeArgs(args, kwargs);
    } catch (e) {
      reasons.push(`${o.schema.schema}: ${(e as Error).message}`);
      continue;
    }
    let score = 0;
    let ok = true;
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i]!;
      const v = placed[i];
      if (v === undefined && s.hasDefault) { score += 2; continue; }
      const f = fit(s.kind, s.optional, v);
      if (f === 0) { ok = false; break; }
      score += f;
    }
    if (!ok) { reasons.push(o.schema.schema); continue; }
    // Prefer the overload that fits more exactly; among equals, the one with fewer parameters.
    const rank = score * 100 - specs.length;
    if (!best || rank > best.score) best = { op: o, placed, score: rank };
  }
  if (!best) {
    throw new TypeError(
      `${name.replace(/^aten::/, '')}() received an invalid combination of arguments; none of these overloads fit:\n  ` + reasons.join('\n  '),
    );
  }
  return best.op.call(...best.placed);
}
