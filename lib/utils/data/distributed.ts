// torch.utils.data.distributed.DistributedSampler (1.13): each rank reads its
// own 1/num_replicas of the dataset, with Python's index arithmetic, so a
// Node rank and a Python rank given the same seed and epoch read the same shard.
import { get_rank, get_world_size, is_available } from '../../distributed/distributed_c10d.js';
import { Generator } from '../../random.js';
import { datasetLength, permutation } from './dataset.js';
import { Sampler } from './sampler.js';

export interface DistributedSamplerOptions {
  /** Number of ranks (default: the default group's world size). */
  num_replicas?: number | null;
  /** This rank (default: the default group's rank). */
  rank?: number | null;
  shuffle?: boolean;
  seed?: number;
  drop_last?: boolean;
}

export class DistributedSampler extends Sampler<number> {
  readonly num_replicas: number;
  readonly rank: number;
  readonly num_samples: number;
  readonly total_size: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly drop_last: boolean;
  epoch = 0;

  constructor(readonly dataset: unknown, options: DistributedSamplerOptions = {}) {
    super();
    const need = (): void => {
      if (!is_available()) throw new Error('RuntimeError: Requires distributed package to be available');
    };
    let num_replicas = options.num_replicas ?? null;
    if (num_replicas === null) {
      need();
      num_replicas = get_world_size();
    }
    let rank = options.rank ?? null;
    if (rank === null) {
      need();
      rank = get_rank();
    }
    if (rank >= num_replicas || rank < 0) {
      throw new Error(`ValueError: Invalid rank ${rank}, rank should be in the interval [0, ${num_replicas - 1}]`);
    }
    this.num_replicas = num_replicas;
    this.rank = rank;
    this.drop_last = options.drop_last ?? false;
    const n = datasetLength(dataset);
    // drop_last drops the tail so every rank gets the same count; otherwise the head is repeated to pad.
    // `+ 0`: Python's math.ceil returns an int, never JS's -0 (n < num_replicas with drop_last).
    this.num_samples = (this.drop_last && n % num_replicas !== 0
      ? Math.ceil((n - num_replicas) / num_replicas)
      : Math.ceil(n / num_replicas)) + 0;
    this.total_size = this.num_samples * num_replicas;
    this.shuffle = options.shuffle ?? true;
    this.seed = options.seed ?? 0;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = datasetLength(this.dataset);
    let indices: number[];
    if (this.shuffle) {
      const g = new Generator();
      g.manual_seed(this.seed + this.epoch);
      indices = permutation(n, g);
    } else {
      indices = Array.from({ length: n }, (_, i) => i);
    }
    if (!this.drop_last) {
      const padding = this.total_size - indices.length;
      if (padding <= indices.length) {
        indices = indices.concat(indices.slice(0, padding));
      } else {
        const repeated: number[] = [];
        for (let r = 0; r < Math.ceil(padding / indices.length); r++) repeated.push(...indices);
        indices = indices.concat(repeated.slice(0, padding));
      }
    } else {
      indices = indices.slice(0, this.total_size);
    }
    for (let i = this.rank; i < this.total_size; i += this.num_replicas) yield indices[i]!;
  }

  get length(): number {
    return this.num_samples;
  }

  /** A different shuffle each epoch: call it before iterating, with the same epoch on every rank. */
  set_epoch(epoch: number): void {
    this.epoch = epoch;
  }
}
