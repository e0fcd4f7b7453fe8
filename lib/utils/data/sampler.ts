// torch.utils.data samplers (torch/utils/data/sampler.py, 1.13). Random
// samplers draw exactly what Python's draw (torch.randperm / torch.randint /
// torch.multinomial with the same generator), so a seeded shuffle gives
// Python's order.
import { empty, randint, tensor } from '../../factories.js';
import { multinomial } from '../../generated/functions.js';
import { Generator } from '../../random.js';
import type { Tensor } from '../../tensor.js';
import { datasetLength, permutation } from './dataset.js';

/** torch.utils.data.Sampler: an iterable of indices (or of index lists), with an optional length. */
export abstract class Sampler<T = number> implements Iterable<T> {
  abstract [Symbol.iterator](): Iterator<T>;
}

/** A sampler as the DataLoader takes it: a Sampler, or any iterable of indices (an array). */
export type SamplerLike<T = number> = Sampler<T> | Iterable<T>;

function samplerLength(s: unknown): number {
  return datasetLength(s);
}

/** 0, 1, ..., len(data_source) - 1. */
export class SequentialSampler extends Sampler<number> {
  constructor(readonly data_source: unknown) {
    super();
  }
  *[Symbol.iterator](): Iterator<number> {
    const n = datasetLength(this.data_source);
    for (let i = 0; i < n; i++) yield i;
  }
  get length(): number {
    return datasetLength(this.data_source);
  }
}

export interface RandomSamplerOptions {
  replacement?: boolean;
  num_samples?: number | null;
  generator?: Generator | null;
}

/** int(torch.empty((), dtype=torch.int64).random_(generator=generator).item()), exactly (as a bigint). */
export function randomInt64(generator?: Generator | null): bigint {
  const t = empty([], { dtype: 'int64' });
  try {
    (t as Tensor & { random_(o?: { generator?: Generator | null }): Tensor }).random_({ generator: generator ?? null });
    return (t.toTypedArray() as BigInt64Array)[0]!;
  } finally {
    t.dispose();
  }
}

/**
 * A random permutation of the dataset (or num_samples draws with replacement).
 * Without a generator, each pass seeds a fresh one from the global generator,
 * as Python does.
 */
export class RandomSampler extends Sampler<number> {
  readonly replacement: boolean;
  readonly generator: Generator | null;
  private readonly _num_samples: number | null;

  constructor(readonly data_source: unknown, options: RandomSamplerOptions = {}) {
    super();
    this.replacement = options.replacement ?? false;
    this._num_samples = options.num_samples ?? null;
    this.generator = options.generator ?? null;
    if (typeof this.replacement !== 'boolean') throw new TypeError(`replacement should be a boolean value, but got replacement=${String(this.replacement)}`);
    const n = this.num_samples;
    if (!Number.isInteger(n) || n <= 0) throw new Error(`ValueError: num_samples should be a positive integer value, but got num_samples=${n}`);
  }

  get num_samples(): number {
    return this._num_samples ?? datasetLength(this.data_source);
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = datasetLength(this.data_source);
    let generator = this.generator;
    if (generator === null) {
      const seed = randomInt64(null);
      generator = new Generator();
      generator.manual_seed(seed);
    }
    const numSamples = this.num_samples;
    if (this.replacement) {
      for (let i = 0; i < Math.floor(numSamples / 32); i++) yield* draws(n, 32, generator);
      yield* draws(n, numSamples % 32, generator);
    } else {
      for (let i = 0; i < Math.floor(numSamples / n); i++) yield* permutation(n, generator);
      yield* permutation(n, generator).slice(0, numSamples % n);
    }
  }

  get length(): number {
    return this.num_samples;
  }
}

function draws(high: number, count: number, generator: Generator): number[] {
  const t = randint(high, [count], { dtype: 'int64', generator });
  try {
    return Array.from(t.toTypedArray() as BigInt64Array, Number);
  } finally {
    t.dispose();
  }
}

/** The given indices in a random order (torch.randperm(len(indices), generator)). */
export class SubsetRandomSampler extends Sampler<number> {
  constructor(readonly indices: readonly number[], readonly generator: Generator | null = null) {
    super();
  }
  *[Symbol.iterator](): Iterator<number> {
    for (const i of permutation(this.indices.length, this.generator)) yield this.indices[i]!;
  }
  get length(): number {
    return this.indices.length;
  }
}

/** Indices drawn with probabilities proportional to weights (torch.multinomial). */
export class WeightedRandomSampler extends Sampler<number> {
  readonly weights: Tensor;

  constructor(weights: readonly number[] | Tensor, readonly num_samples: number, readonly replacement = true, readonly generator: Generator | null = null) {
    super();
    if (!Number.isInteger(num_samples) || typeof num_samples === 'boolean' || num_samples <= 0) {
      throw new Error(`ValueError: num_samples should be a positive integer value, but got num_samples=${num_samples}`);
    }
    if (typeof replacement !== 'boolean') throw new Error(`ValueError: replacement should be a boolean value, but got replacement=${String(replacement)}`);
    this.weights = tensor(weights as number[], { dtype: 'float64' });
    if (this.weights.dim() !== 1) throw new Error(`ValueError: weights should be a 1d sequence but given weights have shape (${this.weights.shape.join(', ')})`);
  }

  *[Symbol.iterator](): Iterator<number> {
    const t = multinomial(this.weights, this.num_samples, this.replacement, { generator: this.generator });
    const out = Array.from(t.toTypedArray() as BigInt64Array, Number);
    t.dispose();
    yield* out;
  }

  get length(): number {
    return this.num_samples;
  }
}

/** Groups the indices of a sampler into lists of batch_size (the last one shorter unless drop_last). */
export class BatchSampler extends Sampler<number[]> {
  constructor(readonly sampler: SamplerLike<number>, readonly batch_size: number, readonly drop_last: boolean) {
    super();
    if (!Number.isInteger(batch_size) || typeof batch_size === 'boolean' || batch_size <= 0) {
      throw new Error(`ValueError: batch_size should be a positive integer value, but got batch_size=${String(batch_size)}`);
    }
    if (typeof drop_last !== 'boolean') throw new Error(`ValueError: drop_last should be a boolean value, but got drop_last=${String(drop_last)}`);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const idx of this.sampler) {
      batch.push(idx);
      if (batch.length === this.batch_size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.drop_last) yield batch;
  }

  get length(): number {
    const n = samplerLength(this.sampler);
    return this.drop_last ? Math.floor(n / this.batch_size) : Math.ceil(n / this.batch_size);
  }
}

/** The sampler the DataLoader uses for an IterableDataset: an endless stream of nulls. */
export class _InfiniteConstantSampler extends Sampler<null> {
  *[Symbol.iterator](): Iterator<null> {
    for (;;) yield null;
  }
}
