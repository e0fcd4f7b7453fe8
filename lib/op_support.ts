// Runtime support for the generated operator wrappers (lib/generated/*):
// the argument tests that pick an overload the way Python's argument parser
// does, keyword options, named-tuple results. Hand-written; the generator
// (scripts/gen/gen-ops.mjs) only emits calls to these.
import { isPlainObject, type Kwargs } from './bridge.js';
import { device } from './device.js';
import { HANDLE } from './native.js';
import { Generator } from './random.js';
import type { Tensor } from './tensor.js';

/** torch.layout, as a string ('strided' is the only layout dense CPU/CUDA tensors have). */
export type Layout = 'strided' | 'sparse_coo';
/** torch.memory_format, as a string. */
export type MemoryFormat = 'contiguous_format' | 'preserve_format' | 'channels_last' | 'channels_last_3d';

export type { Kwargs };

const DTYPE_NAMES = new Set([
  'float32', 'float64', 'float16', 'bfloat16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool',
  'complex64', 'complex128', 'complex32', 'float', 'double', 'half', 'short', 'int', 'long', 'cfloat', 'cdouble', 'chalf',
]);

export function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && HANDLE in v;
}
/** A Tensor, or (for add/sub/mul/div, as Python allows) a number standing for one. */
export function isTensorOrNumber(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || isTensor(v);
}
export function isScalar(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint';
}
/** Python's int: an integral number (booleans are not ints here, as in the arg parser). */
export function isInt(v: unknown): boolean {
  return typeof v === 'number' ? Number.isInteger(v) : typeof v === 'bigint';
}
export function isIntList(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!isInt(v[i])) return false;
  return true;
}
/** int[N] parameters also take a single int, repeated. */
export function isIntOrIntList(v: unknown): boolean {
  return isInt(v) || isIntList(v);
}
export function isFloatList(v: unknown): boolean {
  if (typeof v === 'number') return true;
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'number') return false;
  return true;
}
export function isBoolList(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'boolean') return false;
  return true;
}
export function isTensorList(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!isTensor(v[i])) return false;
  return true;
}
export function isOptTensorList(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (v[i] != null && !isTensor(v[i])) return false;
  return true;
}
export function isDtypeArg(v: unknown): boolean {
  return typeof v === 'string' && DTYPE_NAMES.has(v.startsWith('torch.') ? v.slice(6) : v);
}
export function isDeviceArg(v: unknown): boolean {
  return (typeof v === 'string' && !isDtypeArg(v)) || v instanceof device || (typeof v === 'number' && Number.isInteger(v));
}
export function isGenerator(v: unknown): boolean {
  return v instanceof Generator;
}

/** A trailing options object (keyword arguments): a plain object, never a Tensor, array, device or Generator. */
export function isOpts(v: unknown): v is Kwargs {
  return typeof v === 'object' && v !== null && isPlainObject(v);
}

/** Removes and returns a trailing options object from args (the rest path of overloaded wrappers). */
export function popOpts(args: unknown[]): Kwargs | undefined {
  const n = args.length;
  if (n === 0) return undefined;
  const last = args[n - 1];
  if (isOpts(last)) {
    args.length = n - 1;
    return last;
  }
  // Trailing undefineds (optional positionals left out) do not count as arguments.
  return undefined;
}

/** Number of positional arguments, ignoring trailing undefined ones. */
export function countArgs(args: readonly unknown[]): number {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  return n;
}

/** Whether every key of o (with a defined value) is one of `allowed`. */
export function optsFit(o: Kwargs | undefined, allowed: ReadonlySet<string>): boolean {
  if (o === undefined) return true;
  for (const k in o) if (o[k] !== undefined && !allowed.has(k)) return false;
  return true;
}

/** Throws Python's "unexpected keyword argument" error for a key not in `allowed`. */
export function checkOpts(name: string, o: Kwargs, allowed: ReadonlySet<string>): void {
  for (const k in o) {
    if (o[k] !== undefined && !allowed.has(k)) {
      throw new TypeError(`${name}() got an unexpected keyword argument '${k}'`);
    }
  }
}

/** Varargs sizes: f(2, 3) and f([2, 3]) both give [2, 3]. */
export function sizeArgs(args: readonly unknown[]): unknown {
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
}
export function allInts(args: readonly unknown[]): boolean {
  for (let i = 0; i < args.length; i++) if (!isInt(args[i])) return false;
  return args.length > 0;
}

/** Gives an array of results its return names as properties, like Python's named tuples. */
export function named<T>(r: unknown, names: readonly string[]): T {
  const a = r as unknown[] & Record<string, unknown>;
  for (let i = 0; i < names.length; i++) a[names[i]!] = a[i];
  return a as unknown as T;
}

/** requires_grad=True for the factory functions, as Python adds it. */
export function withGrad(t: Tensor, o: Kwargs | undefined): Tensor {
  if (o !== undefined && o.requires_grad === true) t.requires_grad_(true);
  return t;
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return isDtypeArg(v) ? 'torch.dtype' : 'str';
  if (isTensor(v)) return 'Tensor';
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (v instanceof device) return 'torch.device';
  if (v instanceof Generator) return 'torch.Generator';
  return typeof v;
}

/** Python's "received an invalid combination of arguments" error, listing the signatures. */
export function noMatch(name: string, args: readonly unknown[], o: Kwargs | undefined, signatures: readonly string[]): never {
  const got = args.slice(0, countArgs(args)).map(describe);
  if (o) for (const k of Object.keys(o)) if (o[k] !== undefined) got.push(`${k}=${describe(o[k])}`);
  throw new TypeError(
    `${name}() received an invalid combination of arguments - got (${got.join(', ')}), but expected one of:\n` +
      signatures.map((s) => ` * ${s}`).join('\n'),
  );
}
