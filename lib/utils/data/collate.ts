// default_collate and default_convert (torch/utils/data/_utils/collate.py, 1.13).
import { tensor } from '../../factories.js';
import { stack } from '../../generated/functions.js';
import { Tensor } from '../../tensor.js';

/** The type default_collate makes of a list of samples of type T. */
export type Collated<T> =
  T extends Tensor ? Tensor
  : T extends number | boolean | bigint | ArrayBufferView ? Tensor
  : T extends string ? string[]
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Collated<T[K]> }
  : T extends Map<infer K, infer V> ? Map<K, Collated<V>>
  : T extends object ? { [K in keyof T]: Collated<T[K]> }
  : unknown;

const ERR = (found: string): string =>
  `default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found ${found}`;

function isTypedArray(v: unknown): v is ArrayBufferView & ArrayLike<number | bigint> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function typeName(v: unknown): string {
  if (v === null) return "<class 'NoneType'>";
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return `<class '${(v as object).constructor?.name ?? 'object'}'>`;
  return `<class '${typeof v}'>`;
}

/**
 * Merges a list of samples into a batch, as Python's default_collate:
 * - Tensors -> torch.stack(batch, 0);
 * - numbers -> a tensor: int64 when the first is an integer (Python's int; then
 *   torch.tensor infers, so [1, 2.5] gives float32 as in Python), else float64
 *   (Python's float). JS has one number type, so a float sample that happens to
 *   be whole (1.0) counts as an int: give such values as tensors to be sure;
 * - booleans -> a bool tensor; bigints -> int64;
 * - TypedArrays (numpy arrays) -> tensors, then stacked;
 * - strings -> the list unchanged;
 * - Maps and plain objects -> the same keys, each value collated;
 * - arrays (Python's tuples and lists) -> transposed and collated element-wise.
 */
export function default_collate(batch: readonly unknown[]): unknown {
  if (batch.length === 0) throw new RangeError('default_collate: the batch is empty');
  const elem = batch[0];
  if (elem instanceof Tensor) {
    for (const b of batch) {
      if (!(b instanceof Tensor)) throw new TypeError(ERR(typeName(b)));
    }
    return stack(batch as Tensor[], 0);
  }
  if (isTypedArray(elem)) {
    const ts = batch.map((b) => tensor(b as unknown as Float32Array));
    try {
      return default_collate(ts);
    } finally {
      for (const t of ts) t.dispose();
    }
  }
  if (typeof elem === 'number') {
    if (Number.isInteger(elem)) return tensor(batch as number[]);
    return tensor(batch as number[], { dtype: 'float64' });
  }
  if (typeof elem === 'boolean' || typeof elem === 'bigint') return tensor(batch as boolean[]);
  if (typeof elem === 'string') return batch;
  if (elem instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const key of elem.keys()) out.set(key, default_collate(batch.map((d) => (d as Map<unknown, unknown>).get(key))));
    return out;
  }
  if (Array.isArray(elem)) {
    const size = elem.length;
    for (const b of batch) {
      if (!Array.isArray(b) || b.length !== size) throw new Error('RuntimeError: each element in list of batch should be of equal size');
    }
    const out: unknown[] = [];
    for (let i = 0; i < size; i++) out.push(default_collate(batch.map((b) => (b as unknown[])[i])));
    return out;
  }
  if (isPlainObject(elem)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(elem)) out[key] = default_collate(batch.map((d) => (d as Record<string, unknown>)[key]));
    return out;
  }
  throw new TypeError(ERR(typeName(elem)));
}

/**
 * What the DataLoader applies to each sample when batching is off
 * (batch_size null): TypedArrays (numpy arrays) become tensors, containers are
 * converted element-wise, everything else passes unchanged.
 */
export function default_convert(data: unknown): unknown {
  if (data instanceof Tensor) return data;
  if (isTypedArray(data)) return tensor(data as unknown as Float32Array);
  if (data instanceof Map) return new Map([...data].map(([k, v]) => [k, default_convert(v)]));
  if (Array.isArray(data)) return data.map(default_convert);
  if (isPlainObject(data)) return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, default_convert(v)]));
  return data;
}
