// torch.dtype: dtypes are their PyTorch names as strings ('float32'), so they
// compare with === and print plainly; torch.float32 etc. are those strings.
export type dtype =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'bool'
  | 'complex64' | 'complex128';

export const float32: dtype = 'float32';
export const float: dtype = 'float32';
export const float64: dtype = 'float64';
export const double: dtype = 'float64';
export const float16: dtype = 'float16';
export const half: dtype = 'float16';
export const bfloat16: dtype = 'bfloat16';
export const int8: dtype = 'int8';
export const int16: dtype = 'int16';
export const short: dtype = 'int16';
export const int32: dtype = 'int32';
export const int: dtype = 'int32';
export const int64: dtype = 'int64';
export const long: dtype = 'int64';
export const uint8: dtype = 'uint8';
export const bool: dtype = 'bool';
export const complex64: dtype = 'complex64';
export const cfloat: dtype = 'complex64';
export const complex128: dtype = 'complex128';
export const cdouble: dtype = 'complex128';

const ALIASES: Record<string, dtype> = {
  float: 'float32', double: 'float64', half: 'float16', short: 'int16', int: 'int32', long: 'int64',
  cfloat: 'complex64', cdouble: 'complex128',
};
const ALL: readonly dtype[] = [
  'float32', 'float64', 'float16', 'bfloat16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool', 'complex64', 'complex128',
];

/** Accepts 'float32', 'torch.float32' and PyTorch's aliases ('float', 'long', ...). */
export function parseDtype(name: string): dtype {
  const bare = name.startsWith('torch.') ? name.slice(6) : name;
  if ((ALL as readonly string[]).includes(bare)) return bare as dtype;
  const alias = ALIASES[bare];
  if (alias) return alias;
  throw new TypeError(`unknown dtype '${name}': expected one of ${ALL.join(', ')}`);
}

export function isDtype(v: unknown): v is dtype {
  return typeof v === 'string' && (ALL as readonly string[]).includes(v);
}

export function isFloatingDtype(d: dtype): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}
export function isComplexDtype(d: dtype): boolean {
  return d === 'complex64' || d === 'complex128';
}

/** Element size in bytes. */
export function itemsize(d: dtype): number {
  switch (d) {
    case 'float64': case 'int64': case 'complex64': return 8;
    case 'complex128': return 16;
    case 'float32': case 'int32': return 4;
    case 'float16': case 'bfloat16': case 'int16': return 2;
    default: return 1;
  }
}

/** The TypedArray a dtype's raw bytes are viewed as (float16/bfloat16 as raw Uint16 bits, complex interleaved). */
export type TypedArrayFor<D extends dtype> =
  D extends 'float32' | 'complex64' ? Float32Array :
  D extends 'float64' | 'complex128' ? Float64Array :
  D extends 'int64' ? BigInt64Array :
  D extends 'int32' ? Int32Array :
  D extends 'int16' ? Int16Array :
  D extends 'int8' ? Int8Array :
  D extends 'float16' | 'bfloat16' ? Uint16Array :
  Uint8Array;

export type AnyTypedArray =
  | Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint16Array | Uint8Array;

export function viewBytes(d: dtype, buffer: ArrayBuffer): AnyTypedArray {
  switch (d) {
    case 'float32': case 'complex64': return new Float32Array(buffer);
    case 'float64': case 'complex128': return new Float64Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'int16': return new Int16Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'float16': case 'bfloat16': return new Uint16Array(buffer);
    default: return new Uint8Array(buffer);
  }
}

/** The dtype torch.tensor(...) gives a TypedArray, as torch.from_numpy does for the matching numpy dtype. */
export function dtypeOfTypedArray(a: ArrayBufferView): dtype {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'uint8';
  throw new TypeError(`torch.tensor(): ${a.constructor.name} has no matching dtype (use Float32Array, Float64Array, BigInt64Array, Int32Array, Int16Array, Int8Array or Uint8Array)`);
}
