// Helpers shared by nn: Python-style argument lists (positional, then an
// optional trailing keyword object), Python's repr of numbers and tuples for
// extra_repr, and _single/_pair/_triple.
import { isPlainObject } from '../bridge.js';
import { Tensor } from '../tensor.js';

/** Every prefix of a tuple: [a, b] -> [a, b] | [a] | []. */
export type Prefixes<P extends unknown[]> = P extends [...infer Init, unknown] ? P | Prefixes<Init> : P;

/**
 * Python's calling convention in TypeScript: any leading part of the
 * positional parameters P, optionally followed by one object holding keyword
 * arguments K: f(x, 1, 2), f(x, 1, { padding: 2 }), f(x, { stride: 1 }).
 */
export type Args<P extends unknown[], K> = Prefixes<P> extends infer U ? (U extends unknown[] ? U | [...U, K] : never) : never;

/**
 * Maps positional values (in the order of `names`) and a trailing keyword
 * object onto one record, raising Python's errors for duplicates and unknown keywords.
 */
export function parseArgs<K extends object>(fn: string, args: readonly unknown[], names: readonly (keyof K & string)[], extraKeys: readonly string[] = []): Partial<K> {
  const out: Record<string, unknown> = {};
  let pos = args;
  let kw: Record<string, unknown> | undefined;
  if (pos.length > 0 && isPlainObject(pos[pos.length - 1])) {
    kw = pos[pos.length - 1] as Record<string, unknown>;
    pos = pos.slice(0, -1);
  }
  if (pos.length > names.length) {
    throw new TypeError(`${fn}() takes at most ${names.length} optional positional arguments but ${pos.length} were given`);
  }
  for (let i = 0; i < pos.length; i++) {
    if (pos[i] !== undefined) out[names[i]!] = pos[i];
  }
  if (kw) {
    for (const key of Object.keys(kw)) {
      if (!(names as readonly string[]).includes(key) && !extraKeys.includes(key)) {
        throw new TypeError(`${fn}() got an unexpected keyword argument '${key}'`);
      }
      const i = (names as readonly string[]).indexOf(key);
      if (i >= 0 && i < pos.length && pos[i] !== undefined) {
        throw new TypeError(`${fn}() got multiple values for argument '${key}'`);
      }
      if (kw[key] !== undefined) out[key] = kw[key];
    }
  }
  return out as Partial<K>;
}

/** device/dtype that layer constructors accept, as PyTorch's factory_kwargs. */
export interface FactoryKwargs {
  device?: import('../device.js').DeviceLike;
  dtype?: import('../dtype.js').dtype;
}

// ---- Python-looking text for extra_repr ------------------------------------------

/** repr() of a Python float: shortest round-trip digits, '.0' on integers, e-notation outside [1e-4, 1e16). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    const e = Math.abs(exp);
    return `${mant}e${sign}${e < 10 ? '0' : ''}${e}`;
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** How Python's str.format shows a value the user passed: ints as ints, floats (non-integers) as floats, tuples, None, True. */
export function py(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return pyTuple(v);
  if (v instanceof PyFloat) return pyFloat(v.value);
  return String(v);
}

/** A number that Python holds as a float (so 1 prints as 1.0). */
export class PyFloat {
  constructor(readonly value: number) {}
  toString(): string {
    return pyFloat(this.value);
  }
}

/** A number shown as Python shows a float attribute: 1 -> '1.0', 1e-5 -> '1e-05'. */
export function pyf(x: number | null | undefined): string {
  return x === null || x === undefined ? 'None' : pyFloat(x);
}

export function pyTuple(a: readonly unknown[]): string {
  if (a.length === 1) return `(${py(a[0])},)`;
  return `(${a.map(py).join(', ')})`;
}

/** repr() of a Python str. */
export function pyStr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function torchSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(', ')}])`;
}

/** _single, _pair, _triple: an int repeated n times, or the list as given. */
export function ntuple(n: number): (x: number | readonly number[]) => number[] {
  return (x) => (typeof x === 'number' ? Array(n).fill(x) : [...x]);
}
export const _single = ntuple(1);
export const _pair = ntuple(2);
export const _triple = ntuple(3);

/** [a, b] -> [b, b, a, a] (F.pad order for the padding_modes of convolutions). */
export function reverseRepeatTuple(t: readonly number[], n: number): number[] {
  const out: number[] = [];
  for (let i = t.length - 1; i >= 0; i--) for (let k = 0; k < n; k++) out.push(t[i]!);
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** Python's typename for error messages. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (v instanceof Tensor) return 'torch.' + (v.constructor.name === 'Tensor' ? 'Tensor' : v.constructor.name);
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
