// torch.utils.data datasets (torch/utils/data/dataset.py, 1.13): Dataset,
// IterableDataset, TensorDataset, ConcatDataset, ChainDataset, Subset and
// random_split.
//
// Python's protocol methods have their JS spellings, as elsewhere in
// torch-node (Tensor.get, nn.Sequential.get/length):
//   __getitem__(i) -> get(i)        __len__() -> length (a getter)
//   __iter__()     -> [Symbol.iterator]()
// A plain JS array also works as a map-style dataset (as a Python list does).
import { tensor } from '../../factories.js';
import { randperm } from '../../generated/functions.js';
import { default_generator, type Generator } from '../../random.js';
import type { Tensor } from '../../tensor.js';

/** What a map-style dataset offers: get(index) and length (Python's __getitem__ and __len__). */
export interface MapStyleDataset<T = unknown> {
  get(index: number): T;
  readonly length: number;
  /** Optional batched fetch, as Python's __getitems__: the samples for these indices. */
  getitems?(indices: number[]): T[];
}

/** Any map-style dataset: a Dataset, an object with get(i) and length, or an array. */
export type MapDatasetLike<T = unknown> = MapStyleDataset<T> | readonly T[];

/**
 * torch.utils.data.Dataset: the base class of map-style datasets. Subclasses
 * implement get(index) (Python's __getitem__) and the length getter (__len__).
 */
export abstract class Dataset<T = unknown> implements MapStyleDataset<T> {
  abstract get(index: number): T;
  abstract get length(): number;
}

/**
 * torch.utils.data.IterableDataset: a stream of samples. Subclasses implement
 * [Symbol.iterator]() (Python's __iter__); a length getter is optional.
 */
export abstract class IterableDataset<T = unknown> implements Iterable<T> {
  abstract [Symbol.iterator](): Iterator<T>;
}

/** The sample at index i of a map-style dataset or array. */
export function getSample<T>(dataset: MapDatasetLike<T>, index: number): T {
  if (Array.isArray(dataset)) {
    const n = dataset.length;
    const i = index < 0 ? index + n : index;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`IndexError: list index out of range (index ${index}, length ${n})`);
    return dataset[i] as T;
  }
  return (dataset as MapStyleDataset<T>).get(index);
}

/** len(dataset): the length of a map-style dataset, or of an iterable one that has a length. */
export function datasetLength(dataset: unknown): number {
  const n = (dataset as { length?: unknown } | null)?.length;
  if (typeof n !== 'number') {
    throw new TypeError(`object of type '${(dataset as object | null)?.constructor?.name ?? typeof dataset}' has no len(): give it a length getter`);
  }
  return n;
}

export function isIterableDataset(dataset: unknown): dataset is Iterable<unknown> {
  if (dataset instanceof IterableDataset) return true;
  if (Array.isArray(dataset) || dataset === null || typeof dataset !== 'object') return false;
  return typeof (dataset as { get?: unknown }).get !== 'function' && typeof (dataset as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/**
 * TensorDataset(...tensors): sample i is [t[i] for each tensor] (views into the
 * tensors, as Python's tuple(tensor[index] for tensor in tensors)). With a list
 * of indices, as Python's tensor[list]: the rows gathered into new tensors.
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new Error('TensorDataset: give at least one tensor');
    const n = tensors[0]!.size(0);
    if (!tensors.every((t) => t.size(0) === n)) throw new Error('AssertionError: Size mismatch between tensors');
    this.tensors = tensors;
  }

  get(index: number): Tensor[];
  get(indices: readonly number[]): Tensor[];
  get(index: number | readonly number[]): Tensor[] {
    if (typeof index === 'number') return this.tensors.map((t) => t.select(0, index));
    return this.gatherRows(index);
  }

  /**
   * @internal What default_collate would make of the samples at indices (the rows
   * stacked), made in one index_select per tensor instead of a view per sample.
   */
  gatherRows(indices: readonly number[]): Tensor[] {
    const n = this.length;
    const idx = tensor(indices.map((i) => {
      const j = i < 0 ? i + n : i;
      if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError(`IndexError: index ${i} is out of bounds for dimension 0 with size ${n}`);
      return j;
    }), { dtype: 'int64' });
    try {
      return this.tensors.map((t) => t.index_select(0, idx.device.type === t.device.type ? idx : idx.to(t.device)));
    } finally {
      idx.dispose();
    }
  }

  get length(): number {
    return this.tensors[0]!.size(0);
  }
}

/** ConcatDataset(datasets): the datasets one after the other. */
export class ConcatDataset<T = unknown> extends Dataset<T> {
  readonly datasets: MapDatasetLike<T>[];
  readonly cumulative_sizes: number[];

  static cumsum(sequence: readonly unknown[]): number[] {
    const r: number[] = [];
    let s = 0;
    for (const e of sequence) {
      s += datasetLength(e);
      r.push(s);
    }
    return r;
  }

  constructor(datasets: Iterable<MapDatasetLike<T>>) {
    super();
    this.datasets = [...datasets];
    if (this.datasets.length === 0) throw new Error('AssertionError: datasets should not be an empty iterable');
    for (const d of this.datasets) {
      if (d instanceof IterableDataset) throw new Error('AssertionError: ConcatDataset does not support IterableDataset');
    }
    this.cumulative_sizes = ConcatDataset.cumsum(this.datasets);
  }

  get length(): number {
    return this.cumulative_sizes[this.cumulative_sizes.length - 1]!;
  }

  get(idx: number): T {
    if (idx < 0) {
      if (-idx > this.length) throw new Error('ValueError: absolute value of index should not exceed dataset length');
      idx = this.length + idx;
    }
    const datasetIdx = bisectRight(this.cumulative_sizes, idx);
    if (datasetIdx >= this.datasets.length) throw new RangeError(`IndexError: index ${idx} is out of range for a ConcatDataset of length ${this.length}`);
    const sampleIdx = datasetIdx === 0 ? idx : idx - this.cumulative_sizes[datasetIdx - 1]!;
    return getSample(this.datasets[datasetIdx]!, sampleIdx);
  }
}

function bisectRight(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** ChainDataset(datasets): iterable datasets chained one after the other. */
export class ChainDataset<T = unknown> extends IterableDataset<T> {
  constructor(readonly datasets: Iterable<IterableDataset<T> | Iterable<T>>) {
    super();
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const d of this.datasets) yield* d as Iterable<T>;
  }

  get length(): number {
    let total = 0;
    for (const d of this.datasets) total += datasetLength(d);
    return total;
  }
}

/** Subset(dataset, indices): the samples of dataset at indices, in that order. */
export class Subset<T = unknown> extends Dataset<T> {
  constructor(readonly dataset: MapDatasetLike<T>, readonly indices: readonly number[]) {
    super();
  }

  get(idx: number): T {
    const n = this.indices.length;
    const i = idx < 0 ? idx + n : idx;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`IndexError: list index out of range (index ${idx}, length ${n})`);
    return getSample(this.dataset, this.indices[i]!);
  }

  /** Python's Subset.__getitem__ with a list of indices. */
  getitems(indices: number[]): T[] {
    const inner = this.dataset as MapStyleDataset<T>;
    const mapped = indices.map((i) => this.indices[i < 0 ? i + this.indices.length : i]!);
    if (!Array.isArray(this.dataset) && typeof inner.getitems === 'function') return inner.getitems(mapped);
    return mapped.map((i) => getSample(this.dataset, i));
  }

  get length(): number {
    return this.indices.length;
  }
}

/**
 * random_split(dataset, lengths, generator = default_generator): non-overlapping
 * Subsets of the given lengths, or of fractions summing to 1 (floor(n * f) each,
 * the remainder handed out round-robin), from torch.randperm(n, generator), so the
 * indices equal Python's for the same generator state.
 */
export function random_split<T>(dataset: MapDatasetLike<T>, lengths: readonly number[], generator: Generator = default_generator): Subset<T>[] {
  const n = datasetLength(dataset);
  let sizes = [...lengths];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (isClose(total, 1) && total <= 1) {
    const subset: number[] = [];
    sizes.forEach((frac, i) => {
      if (frac < 0 || frac > 1) throw new Error(`ValueError: Fraction at index ${i} is not between 0 and 1`);
      subset.push(Math.floor(n * frac));
    });
    const remainder = n - subset.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) subset[i % subset.length]! += 1;
    sizes = subset;
    sizes.forEach((len, i) => {
      if (len === 0) process.emitWarning(`Length of split at index ${i} is 0. This might result in an empty dataset.`);
    });
  }
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 0) throw new Error(`ValueError: random_split: lengths must be non-negative integers or fractions summing to 1, got ${JSON.stringify(lengths)}`);
  }
  if (sizes.reduce((a, b) => a + b, 0) !== n) throw new Error('ValueError: Sum of input lengths does not equal the length of the input dataset!');
  const indices = permutation(n, generator);
  const out: Subset<T>[] = [];
  let offset = 0;
  for (const len of sizes) {
    out.push(new Subset(dataset, indices.slice(offset, offset + len)));
    offset += len;
  }
  return out;
}

function isClose(a: number, b: number): boolean {
  // math.isclose with its default rel_tol=1e-9
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** torch.randperm(n, generator=generator).tolist() */
export function permutation(n: number, generator?: Generator | null): number[] {
  const t = randperm(n, { generator: generator ?? null });
  try {
    return Array.from(t.toTypedArray() as BigInt64Array, Number);
  } finally {
    t.dispose();
  }
}
