// The tagged JSON form of loaded values that scripts/fixtures/serialization.py's
// encode() produces on the Python side, so both sides can be compared with toEqual:
// types, key order, int keys, tuples vs lists, and which tensors share a storage.
import { fileURLToPath } from 'node:url';
import { OrderedDict } from '../../lib/collections.js';
import { device } from '../../lib/device.js';
import { Parameter } from '../../lib/nn/parameter.js';
import { isPlainDict, isSize, isTuple } from '../../lib/serialization/pickle.js';
import { snative } from '../../lib/serialization/native.js';
import { Tensor } from '../../lib/tensor.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/serialization/', import.meta.url));
export const FIXTURE_SCRIPT_DIR = fileURLToPath(new URL('../../scripts/fixtures/', import.meta.url));
/** The Python prologue that imports encode / strict_load from the fixture script. */
export const PY_PRELUDE = `import sys\nsys.path.insert(0, ${JSON.stringify(FIXTURE_SCRIPT_DIR)})\nfrom serialization import encode, strict_load, read_safetensors, write_safetensors\n`;

function encFloat(x: number): unknown {
  if (Number.isNaN(x)) return { __float__: 'nan' };
  if (x === Infinity) return { __float__: 'inf' };
  if (x === -Infinity) return { __float__: '-inf' };
  return x;
}

function tensorValues(t: Tensor): unknown[] {
  const d = t.dtype;
  if (d === 'float16' || d === 'bfloat16') {
    const f = t.to('float32');
    const out = Array.from(f.toTypedArray() as Float32Array, encFloat);
    f.dispose();
    return out;
  }
  const a = t.toTypedArray();
  if (d === 'complex64' || d === 'complex128') {
    const out: unknown[] = [];
    for (let i = 0; i < a.length; i += 2) out.push([encFloat(a[i] as number), encFloat(a[i + 1] as number)]);
    return out;
  }
  if (d === 'int64') return Array.from(a as BigInt64Array, (x) => x.toString());
  if (d === 'bool') return Array.from(a as Uint8Array, (x) => x !== 0);
  if (d === 'float32' || d === 'float64') return Array.from(a as Float32Array, encFloat);
  return Array.from(a as Int32Array);
}

export function encode(v: unknown, storages = new Map<number, number>()): unknown {
  if (v instanceof Tensor) {
    const [key, , offset] = snative.storageInfo(v);
    if (!storages.has(key)) storages.set(key, storages.size);
    return {
      __tensor__: {
        dtype: v.dtype,
        shape: v.shape,
        stride: v.stride(),
        offset,
        requires_grad: v.requires_grad,
        parameter: v instanceof Parameter,
        storage: storages.get(key),
        values: tensorValues(v),
      },
    };
  }
  if (v instanceof Map) {
    const out: Record<string, unknown> = {
      __dict__: [...v.entries()].map(([k, x]) => [encode(k, storages), encode(x, storages)]),
      ordered: v instanceof OrderedDict && !isPlainDict(v),
    };
    const meta = (v as OrderedDict)._metadata;
    if (meta !== undefined) {
      out.metadata = {
        __dict__: [...meta.entries()].map(([k, x]) => [k, encode(x instanceof Map ? x : new Map(Object.entries(x)), storages)]),
        ordered: true,
      };
    }
    return out;
  }
  if (Array.isArray(v)) {
    if (isSize(v)) return { __size__: [...v] };
    if (isTuple(v)) return { __tuple__: v.map((x) => encode(x, storages)) };
    return { __list__: v.map((x) => encode(x, storages)) };
  }
  if (v instanceof Set) {
    return { __set__: [...v].map((x) => encode(x, storages)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
  }
  if (v instanceof device) return { __device__: String(v) };
  if (v instanceof Uint8Array) return { __bytes__: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : { __bigint__: v.toString() };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : encFloat(v);
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return { __dict__: Object.entries(v).map(([k, x]) => [k, encode(x, storages)]), ordered: false };
  }
  throw new TypeError(`encode: unsupported ${typeof v}`);
}

/** torch.dtype loads as our dtype string: make Python's {__dtype__: x} compare equal to it. */
export function normalizeDtypes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeDtypes);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.__dtype__ === 'string') return o.__dtype__;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, normalizeDtypes(x)]));
  }
  return v;
}

/** Frees every tensor inside a loaded value. */
export function disposeAll(v: unknown, seen = new Set<unknown>()): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  if (v instanceof Tensor) v.dispose();
  else if (v instanceof Map) for (const x of v.values()) disposeAll(x, seen);
  else if (Array.isArray(v) || v instanceof Set) for (const x of v) disposeAll(x, seen);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) disposeAll(x, seen);
}
