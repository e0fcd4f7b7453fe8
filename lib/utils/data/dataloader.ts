// torch.utils.data.DataLoader (torch/utils/data/dataloader.py, 1.13), the
// single-process loader: samplers, automatic batching, collate_fn, drop_last,
// and both iteration forms:
//
//   for (const [x, y] of loader) { ... }          // synchronous
//   for await (const [x, y] of loader) { ... }    // yields to the event loop between batches
//
// Batches own their tensors: each batch is fetched inside a torch.scope (so the
// per-sample tensors that collation stacks are freed at once), and when the loop
// advances, ends or breaks, the loader disposes the tensors of the batch it gave
// before. Keep a tensor past its iteration with t.clone() (or turn this off with
// { disposeBatches: false } and free batches yourself). Tensors computed from a
// batch inside the loop body are yours: wrap the body in torch.scope(() => ...).
import { HANDLE } from '../../native.js';
import { scope } from '../../memory.js';
import { pinMemoryTree, shouldPinMemory } from '../../cuda/pin_memory.js';
import type { Generator } from '../../random.js';
import { type Collated, default_collate, default_convert } from './collate.js';
import type { Tensor } from '../../tensor.js';
import { datasetLength, getSample, isIterableDataset, type MapDatasetLike, type MapStyleDataset, Subset, TensorDataset } from './dataset.js';
import { BatchSampler, RandomSampler, randomInt64, type SamplerLike, SequentialSampler } from './sampler.js';

export interface DataLoaderOptions<T = unknown, B = Collated<T>> {
  /** Samples per batch (default 1); null turns automatic batching off. */
  batch_size?: number | null;
  /** Reshuffle every epoch (a RandomSampler with `generator`). */
  shuffle?: boolean;
  /** The order of the indices (excludes shuffle). */
  sampler?: SamplerLike<number> | null;
  /** Yields lists of indices (excludes batch_size, shuffle, sampler, drop_last). */
  batch_sampler?: SamplerLike<number[]> | null;
  /** Only 0: loading happens in this thread (Node has no fork; use worker_threads yourself). */
  num_workers?: number;
  /** Merges a list of samples into a batch (default_collate; default_convert when batch_size is null). */
  collate_fn?: ((samples: T[]) => B) | null;
  /** Copy batches into pinned (page-locked) memory; without CUDA ignored with a warning. */
  pin_memory?: boolean;
  /** Drop the last batch when it is smaller than batch_size. */
  drop_last?: boolean;
  timeout?: number;
  worker_init_fn?: ((worker_id: number) => void) | null;
  /** The generator for shuffling (and for the per-epoch base seed Python draws), else the global one. */
  generator?: Generator | null;
  prefetch_factor?: number;
  persistent_workers?: boolean;
  /**
   * torch-node only: dispose the tensors of each batch when the loop moves on,
   * ends or breaks (default true). With false, the batches are yours to free.
   */
  disposeBatches?: boolean;
}

export type DatasetArg<T> = MapDatasetLike<T> | Iterable<T>;

/** Python's get_worker_info(): null in the main process, which is where this loader always runs. */
export function get_worker_info(): null {
  return null;
}

/** Every tensor inside a batch (arrays, Maps, plain objects), for disposal. */
function disposeTree(v: unknown, seen = new Set<unknown>()): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  if (HANDLE in v) {
    (v as unknown as { dispose(): void }).dispose();
    return;
  }
  if (Array.isArray(v)) for (const x of v) disposeTree(x, seen);
  else if (v instanceof Map) for (const x of v.values()) disposeTree(x, seen);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) disposeTree(x, seen);
}

/** For a TensorDataset, or Subsets of one: the collated rows at indices, gathered in one go. */
function tensorRows(dataset: unknown): ((indices: readonly number[]) => Tensor[]) | null {
  if (dataset instanceof TensorDataset) return (indices) => dataset.gatherRows(indices);
  if (dataset instanceof Subset) {
    const inner = tensorRows(dataset.dataset);
    if (inner === null) return null;
    const map = dataset.indices;
    return (indices) => inner(indices.map((i) => {
      const j = map[i < 0 ? i + map.length : i];
      if (j === undefined) throw new RangeError(`IndexError: list index out of range (index ${i}, length ${map.length})`);
      return j;
    }));
  }
  return null;
}

/** Yields to the event loop (finalizers and I/O run). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Combines a dataset and a sampler, and iterates over batches of the dataset.
 * Same options and semantics as Python's (single process: num_workers 0).
 */
export class DataLoader<T = unknown, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: DatasetArg<T>;
  readonly batch_size: number | null;
  readonly drop_last: boolean;
  readonly sampler: SamplerLike<number> | null;
  readonly batch_sampler: SamplerLike<number[]> | null;
  readonly collate_fn: (samples: T[]) => B;
  readonly generator: Generator | null;
  readonly num_workers = 0;
  readonly disposeBatches: boolean;
  /** Whether batches are pinned: pin_memory was asked for and CUDA is available. */
  readonly pin_memory: boolean;
  private readonly iterable: boolean;

  constructor(dataset: DatasetArg<T>, options: DataLoaderOptions<T, B> = {}) {
    const o = options;
    if ((o.num_workers ?? 0) !== 0) {
      throw new Error('ValueError: num_workers > 0 is not supported: torch-node loads data in the calling thread (run heavy loading in worker_threads yourself)');
    }
    this.dataset = dataset;
    this.generator = o.generator ?? null;
    this.disposeBatches = o.disposeBatches ?? true;
    this.pin_memory = shouldPinMemory(o.pin_memory ?? false);
    this.iterable = isIterableDataset(dataset);
    let batchSize: number | null = o.batch_size === undefined ? 1 : o.batch_size;
    let dropLast = o.drop_last ?? false;
    let sampler = o.sampler ?? null;
    let batchSampler = o.batch_sampler ?? null;
    const shuffle = o.shuffle ?? false;

    if (this.iterable) {
      if (shuffle) throw new Error(`ValueError: DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=${shuffle}`);
      if (sampler !== null) throw new Error(`ValueError: DataLoader with IterableDataset: expected unspecified sampler option, but got sampler=${String(sampler)}`);
      if (batchSampler !== null) throw new Error(`ValueError: DataLoader with IterableDataset: expected unspecified batch_sampler option, but got batch_sampler=${String(batchSampler)}`);
    } else if (shuffle !== true && shuffle !== false) {
      throw new Error(`ValueError: DataLoader with shuffle=${String(shuffle)}: shuffle must be a boolean`);
    }
    if (sampler !== null && shuffle) throw new Error('ValueError: sampler option is mutually exclusive with shuffle');
    if (batchSampler !== null) {
      if (batchSize !== 1 || shuffle || sampler !== null || dropLast) {
        throw new Error('ValueError: batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last');
      }
      batchSize = null;
      dropLast = false;
    } else if (batchSize === null) {
      if (dropLast) throw new Error('ValueError: batch_size=None option disables auto-batching and is mutually exclusive with drop_last');
    }
    if (!this.iterable && sampler === null) {
      sampler = shuffle ? new RandomSampler(dataset, { generator: this.generator }) : new SequentialSampler(dataset);
    }
    if (!this.iterable && batchSize !== null && batchSampler === null) {
      batchSampler = new BatchSampler(sampler!, batchSize, dropLast);
    }
    if (batchSize !== null && (!Number.isInteger(batchSize) || batchSize <= 0)) {
      throw new Error(`ValueError: batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    }
    this.batch_size = batchSize;
    this.drop_last = dropLast;
    this.sampler = sampler;
    this.batch_sampler = batchSampler;
    const autoCollation = batchSampler !== null || (this.iterable && batchSize !== null);
    this.collate_fn = (o.collate_fn ?? (autoCollation ? default_collate : default_convert)) as (samples: T[]) => B;
  }

  /** Whether batches are made by collating lists of samples (Python's _auto_collation). */
  get _auto_collation(): boolean {
    return this.batch_sampler !== null || (this.iterable && this.batch_size !== null);
  }

  /** len(loader): the number of batches in one pass. */
  get length(): number {
    if (this.iterable) {
      const n = datasetLength(this.dataset);
      if (this.batch_size === null) return n;
      return this.drop_last ? Math.floor(n / this.batch_size) : Math.ceil(n / this.batch_size);
    }
    return datasetLength(this.batch_sampler ?? this.sampler);
  }

  /** One pass; each call starts a new epoch (a new shuffle), as Python's iter(loader). */
  [Symbol.iterator](): IterableIterator<B> {
    return new DataLoaderIterator(this.fetcher(), this.disposeBatches);
  }

  /** One pass that awaits the event loop before each batch, so finalizers, timers and I/O run between batches. */
  [Symbol.asyncIterator](): AsyncIterableIterator<B> {
    return new AsyncDataLoaderIterator(this.fetcher(), this.disposeBatches);
  }

  /** A function that returns the next batch, or done; the per-epoch draws happen here, in Python's order. */
  private fetcher(): () => IteratorResult<B, undefined> {
    const collate = this.pin_memory ? (s: T[]): B => pinMemoryTree(this.collate_fn(s)) : this.collate_fn;
    const done: IteratorResult<B, undefined> = { done: true, value: undefined };
    if (this.iterable) {
      // Python draws the base seed first, then its fetcher calls iter(dataset).
      randomInt64(this.generator);
      const it = (this.dataset as Iterable<T>)[Symbol.iterator]();
      const batchSize = this.batch_size;
      let ended = false;
      return () => {
        if (ended) return done;
        const batch = scope(() => {
          if (batchSize === null) {
            const r = it.next();
            if (r.done) {
              ended = true;
              return done;
            }
            return { done: false, value: collate(r.value as unknown as T[]) } as IteratorResult<B, undefined>;
          }
          const data: T[] = [];
          while (data.length < batchSize) {
            const r = it.next();
            if (r.done) {
              ended = true;
              break;
            }
            data.push(r.value);
          }
          if (data.length === 0 || (this.drop_last && data.length < batchSize)) return done;
          return { done: false, value: collate(data) } as IteratorResult<B, undefined>;
        });
        return batch;
      };
    }
    // As Python: iter(sampler) (lazy: a RandomSampler draws its permutation at the first batch), then the base seed.
    const indexIter = (this.batch_sampler ?? this.sampler!)[Symbol.iterator]() as Iterator<number | number[]>;
    randomInt64(this.generator);
    const dataset = this.dataset as MapDatasetLike<T>;
    const batched = this.batch_sampler !== null;
    // A TensorDataset under default_collate: the rows in one index_select per tensor, the same
    // values as stacking per-sample views, without a view of the whole tensor per sample.
    const rows = this.collate_fn === (default_collate as unknown) ? tensorRows(dataset) : null;
    const fastRows = rows && this.pin_memory ? (indices: readonly number[]) => pinMemoryTree(rows(indices)) : rows;
    const getitems = !Array.isArray(dataset) && typeof (dataset as MapStyleDataset<T>).getitems === 'function'
      ? (dataset as Required<MapStyleDataset<T>>).getitems.bind(dataset)
      : null;
    return () => {
      const r = indexIter.next();
      if (r.done) return done;
      const index = r.value;
      return scope(() => {
        let value: B;
        if (batched) {
          const indices = index as number[];
          if (fastRows) return { done: false, value: fastRows(indices) as B } as IteratorResult<B, undefined>;
          const samples = getitems ? getitems(indices) : indices.map((i) => getSample(dataset, i));
          value = collate(samples);
        } else {
          value = collate(getSample(dataset, index as number) as unknown as T[]);
        }
        return { done: false, value } as IteratorResult<B, undefined>;
      });
    };
  }
}

class DataLoaderIterator<B> implements IterableIterator<B> {
  private previous: unknown = undefined;

  constructor(private readonly fetch: () => IteratorResult<B, undefined>, private readonly dispose: boolean) {}

  [Symbol.iterator](): IterableIterator<B> {
    return this;
  }

  next(): IteratorResult<B> {
    this.release();
    const r = this.fetch();
    if (!r.done) this.previous = r.value;
    return r as IteratorResult<B>;
  }

  /** Called by for...of on break, return or throw: frees the last batch. */
  return(): IteratorResult<B> {
    this.release();
    return { done: true, value: undefined };
  }

  /** Disposes the batch given last (unless disposeBatches is off). */
  release(): void {
    if (this.dispose && this.previous !== undefined) disposeTree(this.previous);
    this.previous = undefined;
  }
}

class AsyncDataLoaderIterator<B> implements AsyncIterableIterator<B> {
  private readonly inner: DataLoaderIterator<B>;

  constructor(fetch: () => IteratorResult<B, undefined>, dispose: boolean) {
    this.inner = new DataLoaderIterator(fetch, dispose);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<B> {
    return this;
  }

  async next(): Promise<IteratorResult<B>> {
    this.inner.release();
    await yieldToEventLoop();
    return this.inner.next();
  }

  async return(): Promise<IteratorResult<B>> {
    return this.inner.return();
  }
}
