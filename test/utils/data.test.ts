// torch.utils.data against PyTorch's own: seeded shuffles, samplers,
// random_split, drop_last and collation give what Python gives; Subset,
// ConcatDataset, TensorDataset and IterableDataset behave as Python's; batches
// are freed as the loop moves on, and the async form yields to the event loop.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import {
  BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler, SequentialSampler, Subset,
  SubsetRandomSampler, TensorDataset, WeightedRandomSampler, default_collate, default_convert, random_split,
} from '../../lib/utils/data/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const range = (n: number): number[] => [...Array(n).keys()];

/** Every batch of every epoch, as lists of numbers. */
function epochs(loader: DataLoader<unknown, unknown>, count: number): number[][][] {
  const out: number[][][] = [];
  for (let e = 0; e < count; e++) {
    const batches: number[][] = [];
    for (const b of loader) batches.push((b as Tensor).tolist() as number[]);
    out.push(batches);
  }
  return out;
}

interface Reference {
  shuffle: number[][][];
  shuffleDropLast: number[][][];
  shuffleGlobal: number[][][];
  shuffleTensorDataset: { x: number[][][]; y: number[][] };
  replacement: number[];
  subsetRandom: number[];
  weighted: number[];
  weightedNoReplacement: number[];
  split: number[][];
  splitFractions: number[][];
  splitRemainder: { lengths: number[]; indices: number[][] };
  splitDefault: number[][];
  collate: { values: unknown[]; dtypes: string[] };
  collateDict: Record<string, unknown>;
  lengths: number[];
}

const REF = python
  ? runPython<Reference>(`
from torch.utils.data import DataLoader, TensorDataset, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler, random_split, default_collate
def epochs(loader, n):
    return [[b.tolist() for b in loader] for _ in range(n)]
out = {}
out['shuffle'] = epochs(DataLoader(range(10), batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0)), 3)
out['shuffleDropLast'] = epochs(DataLoader(range(10), batch_size=4, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(7)), 2)
torch.manual_seed(123)
out['shuffleGlobal'] = epochs(DataLoader(range(12), batch_size=5, shuffle=True), 2)
x = torch.arange(24.).reshape(12, 2); y = torch.arange(12) * 10
bs = list(DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(3)))
out['shuffleTensorDataset'] = {'x': [b[0].tolist() for b in bs], 'y': [b[1].tolist() for b in bs]}
out['replacement'] = list(RandomSampler(range(10), replacement=True, num_samples=70, generator=torch.Generator().manual_seed(1)))
out['subsetRandom'] = list(SubsetRandomSampler([5, 10, 15, 20, 25], generator=torch.Generator().manual_seed(2)))
out['weighted'] = list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 20, replacement=True, generator=torch.Generator().manual_seed(4)))
out['weightedNoReplacement'] = list(WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, replacement=False, generator=torch.Generator().manual_seed(5)))
out['split'] = [s.indices for s in random_split(range(10), [3, 7], generator=torch.Generator().manual_seed(42))]
out['splitFractions'] = [s.indices for s in random_split(range(30), [0.3, 0.3, 0.4], generator=torch.Generator().manual_seed(42))]
r = random_split(range(11), [0.5, 0.25, 0.25], generator=torch.Generator().manual_seed(9))
out['splitRemainder'] = {'lengths': [len(s) for s in r], 'indices': [s.indices for s in r]}
torch.manual_seed(11)
out['splitDefault'] = [s.indices for s in random_split(range(8), [5, 3])]
c = default_collate([(torch.tensor([1., 2.]), 3, 0.5, 'a', True), (torch.tensor([3., 4.]), 4, 1.5, 'b', False)])
out['collate'] = {'values': [c[0].tolist(), c[1].tolist(), c[2].tolist(), c[3], c[4].tolist()], 'dtypes': [str(c[i].dtype) for i in (0, 1, 2, 4)]}
d = default_collate([{'a': 1, 'b': [torch.tensor(1.), 2]}, {'a': 3, 'b': [torch.tensor(2.), 4]}])
out['collateDict'] = {'a': d['a'].tolist(), 'b0': d['b'][0].tolist(), 'b1': d['b'][1].tolist(), 'mixed': default_collate([1, 2.5]).dtype.__str__()}
out['lengths'] = [len(DataLoader(range(10), batch_size=4)), len(DataLoader(range(10), batch_size=4, drop_last=True)), len(BatchSampler(range(9), 3, False))]
`)
  : null;

describe.skipIf(!python)(`utils.data against PyTorch's${python ? '' : ` (${pythonMissingReason})`}`, () => {
  const ref = REF!;

  it('shuffle with a seeded generator: the order Python gives, epoch after epoch', () => {
    const loader = new DataLoader(range(10), { batch_size: 4, shuffle: true, generator: new torch.Generator().manual_seed(0) });
    expect(epochs(loader as DataLoader<unknown, unknown>, 3)).toEqual(ref.shuffle);
  });

  it('shuffle with drop_last: the same batches, the short one dropped', () => {
    const loader = new DataLoader(range(10), { batch_size: 4, shuffle: true, drop_last: true, generator: new torch.Generator().manual_seed(7) });
    const got = epochs(loader as DataLoader<unknown, unknown>, 2);
    expect(got).toEqual(ref.shuffleDropLast);
    for (const e of got) expect(e.map((b) => b.length)).toEqual([4, 4]);
  });

  it('shuffle without a generator follows torch.manual_seed, as in Python (the global generator seeds each pass)', () => {
    torch.manual_seed(123);
    const loader = new DataLoader(range(12), { batch_size: 5, shuffle: true });
    expect(epochs(loader as DataLoader<unknown, unknown>, 2)).toEqual(ref.shuffleGlobal);
  });

  it('a shuffled TensorDataset gives Python\'s batches of rows', () => {
    const ds = new TensorDataset(torch.arange(24, { dtype: 'float32' }).reshape(12, 2), torch.arange(12).mul(10));
    const loader = new DataLoader(ds, { batch_size: 5, shuffle: true, generator: new torch.Generator().manual_seed(3) });
    const xs: unknown[] = [];
    const ys: unknown[] = [];
    for (const [x, y] of loader) {
      expect(x!.dtype).toBe('float32');
      expect(y!.dtype).toBe('int64');
      xs.push(x!.tolist());
      ys.push(y!.tolist());
    }
    expect({ x: xs, y: ys }).toEqual(ref.shuffleTensorDataset);
  });

  it('RandomSampler with replacement, SubsetRandomSampler and WeightedRandomSampler draw what Python draws', () => {
    expect([...new RandomSampler(range(10), { replacement: true, num_samples: 70, generator: new torch.Generator().manual_seed(1) })]).toEqual(ref.replacement);
    expect([...new SubsetRandomSampler([5, 10, 15, 20, 25], new torch.Generator().manual_seed(2))]).toEqual(ref.subsetRandom);
    expect([...new WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 20, true, new torch.Generator().manual_seed(4))]).toEqual(ref.weighted);
    expect([...new WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5, false, new torch.Generator().manual_seed(5))]).toEqual(ref.weightedNoReplacement);
  });

  it('random_split: the lengths and indices Python gives (counts, fractions, remainders, the global generator)', () => {
    expect(random_split(range(10), [3, 7], new torch.Generator().manual_seed(42)).map((s) => s.indices)).toEqual(ref.split);
    expect(random_split(range(30), [0.3, 0.3, 0.4], new torch.Generator().manual_seed(42)).map((s) => s.indices)).toEqual(ref.splitFractions);
    const r = random_split(range(11), [0.5, 0.25, 0.25], new torch.Generator().manual_seed(9));
    expect({ lengths: r.map((s) => s.length), indices: r.map((s) => s.indices) }).toEqual(ref.splitRemainder);
    torch.manual_seed(11);
    expect(random_split(range(8), [5, 3]).map((s) => s.indices)).toEqual(ref.splitDefault);
    expect(() => random_split(range(8), [5, 4])).toThrow('Sum of input lengths does not equal the length of the input dataset!');
  });

  it('default_collate: tensors stacked, ints to int64, floats to float64, strings kept, bools to bool', () => {
    const c = default_collate([
      [torch.tensor([1, 2], { dtype: 'float32' }), 3, 0.5, 'a', true],
      [torch.tensor([3, 4], { dtype: 'float32' }), 4, 1.5, 'b', false],
    ]) as [Tensor, Tensor, Tensor, string[], Tensor];
    expect([c[0].tolist(), c[1].tolist(), c[2].tolist(), c[3], c[4].tolist()]).toEqual(ref.collate.values);
    expect([c[0], c[1], c[2], c[4]].map((t) => `torch.${t.dtype}`)).toEqual(ref.collate.dtypes);
    const d = default_collate([{ a: 1, b: [torch.tensor(1.5), 2] }, { a: 3, b: [torch.tensor(2.5), 4] }]) as { a: Tensor; b: [Tensor, Tensor] };
    expect(d.a.tolist()).toEqual(ref.collateDict.a);
    expect(d.b[1].tolist()).toEqual(ref.collateDict.b1);
    expect(d.b[0].tolist()).toEqual([1.5, 2.5]);
    expect(`torch.${(default_collate([1, 2.5]) as Tensor).dtype}`).toBe(ref.collateDict.mixed);
  });

  it('len(loader) with and without drop_last, and of a BatchSampler', () => {
    expect([
      new DataLoader(range(10), { batch_size: 4 }).length,
      new DataLoader(range(10), { batch_size: 4, drop_last: true }).length,
      new BatchSampler(range(9), 3, false).length,
    ]).toEqual(ref.lengths);
  });
});

class Squares extends Dataset<number> {
  constructor(readonly n: number) {
    super();
  }
  get(i: number): number {
    if (i < 0 || i >= this.n) throw new RangeError('index out of range');
    return i * i;
  }
  get length(): number {
    return this.n;
  }
}

class Count extends IterableDataset<number> {
  constructor(readonly start: number, readonly end: number) {
    super();
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = this.start; i < this.end; i++) yield i;
  }
  get length(): number {
    return this.end - this.start;
  }
}

describe('datasets and loaders', () => {
  it('Subset and ConcatDataset index as Python\'s (negative indices too)', () => {
    const s = new Subset(new Squares(10), [9, 2, 5]);
    expect(s.length).toBe(3);
    expect([s.get(0), s.get(1), s.get(2), s.get(-1)]).toEqual([81, 4, 25, 25]);
    expect(() => s.get(3)).toThrow(/IndexError/);
    const c = new ConcatDataset([new Squares(3), [100, 101], s]);
    expect(c.length).toBe(8);
    expect(c.cumulative_sizes).toEqual([3, 5, 8]);
    expect(range(8).map((i) => c.get(i))).toEqual([0, 1, 4, 100, 101, 81, 4, 25]);
    expect(c.get(-1)).toBe(25);
    expect(() => c.get(-9)).toThrow('absolute value of index should not exceed dataset length');
    expect(() => new ConcatDataset([])).toThrow('datasets should not be an empty iterable');
    expect(() => new ConcatDataset([new Count(0, 2) as never])).toThrow('ConcatDataset does not support IterableDataset');
  });

  it('collecting batches ([...loader]) needs disposeBatches: false, since each batch lives for its iteration', () => {
    const freed = [...new DataLoader([1, 2, 3], { batch_size: 2 })] as Tensor[];
    expect(freed.every((t) => t.isDisposed)).toBe(true);
    const kept = [...new DataLoader([1, 2, 3], { batch_size: 2, disposeBatches: false })] as Tensor[];
    expect(kept.map((t) => t.tolist())).toEqual([[1, 2], [3]]);
  });

  it('random_split gives disjoint Subsets covering the dataset, usable by a DataLoader', () => {
    const [a, b] = random_split(new Squares(20), [0.75, 0.25], new torch.Generator().manual_seed(0));
    expect([a!.length, b!.length]).toEqual([15, 5]);
    expect([...a!.indices, ...b!.indices].sort((x, y) => x - y)).toEqual(range(20));
    const got = [...new DataLoader(b!, { batch_size: 2, disposeBatches: false })].map((t) => (t as Tensor).tolist());
    expect(got.flat()).toEqual(b!.indices.map((i) => i * i));
  });

  it('a Subset of a TensorDataset (random_split) batches the same rows as indexing sample by sample', () => {
    const ds = new TensorDataset(torch.arange(40).reshape(20, 2), torch.arange(20));
    const [train] = random_split(ds, [15, 5], new torch.Generator().manual_seed(1));
    const fast = [...new DataLoader(train!, { batch_size: 4, disposeBatches: false })].map((b) => b.map((t) => t.tolist()));
    const slow = [...new DataLoader(train!, { batch_size: 4, disposeBatches: false, collate_fn: (xs: Tensor[][]) => default_collate(xs) as Tensor[] })]
      .map((b) => b.map((t) => t.tolist()));
    expect(fast).toEqual(slow);
    expect(fast[0]![1]).toEqual(train!.indices.slice(0, 4));
  });

  it('TensorDataset: views per index, rows for a list of indices, a size check', () => {
    const x = torch.arange(6).reshape(3, 2);
    const ds = new TensorDataset(x, torch.tensor([7, 8, 9]));
    expect(ds.length).toBe(3);
    expect(ds.get(1).map((t) => t.tolist())).toEqual([[2, 3], 8]);
    expect(ds.get([2, 0]).map((t) => t.tolist())).toEqual([[[4, 5], [0, 1]], [9, 7]]);
    expect(() => new TensorDataset(x, torch.zeros(4))).toThrow('Size mismatch between tensors');
  });

  it('an IterableDataset is batched in order, with drop_last; batch_size null gives samples one by one', () => {
    expect([...new DataLoader(new Count(0, 7), { batch_size: 3, disposeBatches: false })].map((t) => (t as Tensor).tolist())).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect([...new DataLoader(new Count(0, 7), { batch_size: 3, drop_last: true, disposeBatches: false })].map((t) => (t as Tensor).tolist())).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(new DataLoader(new Count(0, 7), { batch_size: 3 }).length).toBe(3);
    expect([...new DataLoader(new Count(2, 5), { batch_size: null })]).toEqual([2, 3, 4]);
    const chained = new ChainDataset([new Count(0, 2), new Count(10, 12)]);
    expect([...chained]).toEqual([0, 1, 10, 11]);
    expect(chained.length).toBe(4);
    expect(() => new DataLoader(new Count(0, 3), { shuffle: true })).toThrow('expected unspecified shuffle option');
  });

  it('collate_fn, sampler and batch_sampler options, and their exclusions', () => {
    const sum = new DataLoader(new Squares(6), { batch_size: 3, collate_fn: (xs: number[]) => xs.reduce((a, b) => a + b, 0) });
    expect([...sum]).toEqual([0 + 1 + 4, 9 + 16 + 25]);
    const ordered = new DataLoader(new Squares(6), { batch_size: 2, sampler: [5, 4, 3, 2, 1, 0], collate_fn: (xs: number[]) => xs });
    expect([...ordered]).toEqual([[25, 16], [9, 4], [1, 0]]);
    const bs = new DataLoader(new Squares(6), { batch_sampler: [[0, 5], [1]], collate_fn: (xs: number[]) => xs });
    expect([...bs]).toEqual([[0, 25], [1]]);
    expect(bs.length).toBe(2);
    expect(() => new DataLoader(new Squares(6), { sampler: new SequentialSampler(range(6)), shuffle: true })).toThrow('mutually exclusive with shuffle');
    expect(() => new DataLoader(new Squares(6), { batch_sampler: [[0]], batch_size: 2 })).toThrow('batch_sampler option is mutually exclusive');
    expect(() => new DataLoader(new Squares(6), { batch_size: null, drop_last: true })).toThrow('mutually exclusive with drop_last');
    expect(() => new DataLoader(new Squares(6), { num_workers: 2 })).toThrow('num_workers > 0 is not supported');
    expect(default_convert([new Float32Array([1, 2]), 'a']) as unknown[]).toHaveLength(2);
    expect(() => default_collate([null])).toThrow('default_collate: batch must contain tensors');
    expect(() => default_collate([[1, 2], [3]])).toThrow('each element in list of batch should be of equal size');
  });
});

describe('memory: batches are freed as the loop moves on', () => {
  const x = torch.randn(64, 16);
  const y = torch.arange(64);
  const ds = new TensorDataset(x, y);

  it('for...of: the previous batch is disposed on each step, the last one on break; live tensors stay flat', () => {
    const loader = new DataLoader(ds, { batch_size: 4, shuffle: true, generator: new torch.Generator().manual_seed(0) });
    const before = torch.memory().liveTensors;
    const seen: Tensor[][] = [];
    let peak = 0;
    for (const batch of loader) {
      seen.push(batch);
      peak = Math.max(peak, torch.memory().liveTensors - before);
    }
    expect(seen).toHaveLength(16);
    expect(seen.slice(0, -1).every((b) => b.every((t) => t.isDisposed))).toBe(true);
    expect(seen[15]!.every((t) => t.isDisposed)).toBe(true); // the loop ended: freed too
    expect(peak).toBeLessThanOrEqual(2 + 1); // one batch (x, y) and at most a temporary
    expect(torch.memory().liveTensors).toBe(before);
    let first: Tensor[] | null = null;
    for (const batch of loader) {
      first = batch;
      break;
    }
    expect(first!.every((t) => t.isDisposed)).toBe(true);
    expect(torch.memory().liveTensors).toBe(before);
  });

  it('per-sample tensors made while fetching (views, transforms) are freed at once', () => {
    class Doubled extends Dataset<Tensor> {
      get(i: number): Tensor {
        return x.select(0, i).mul(2);
      }
      get length(): number {
        return 64;
      }
    }
    const before = torch.memory().liveTensors;
    let peak = 0;
    for (const b of new DataLoader(new Doubled(), { batch_size: 8 })) {
      expect(b.shape).toEqual([8, 16]);
      peak = Math.max(peak, torch.memory().liveTensors - before);
    }
    expect(peak).toBe(1);
    expect(torch.memory().liveTensors).toBe(before);
  });

  it('disposeBatches: false leaves the batches to the caller', () => {
    const kept: Tensor[][] = [];
    for (const b of new DataLoader(ds, { batch_size: 32, disposeBatches: false })) kept.push(b);
    expect(kept.flat().some((t) => t.isDisposed)).toBe(false);
    for (const t of kept.flat()) t.dispose();
  });

  it('for await...of: the same batches, freed the same way, and the event loop runs between batches', async () => {
    const sync = [...new DataLoader(range(10), { batch_size: 3, shuffle: true, generator: new torch.Generator().manual_seed(5), disposeBatches: false })]
      .map((t) => (t as Tensor).tolist());
    const loader = new DataLoader(range(10), { batch_size: 3, shuffle: true, generator: new torch.Generator().manual_seed(5) });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const got: unknown[] = [];
    const ticksAtBatch: number[] = [];
    const before = torch.memory().liveTensors;
    const batches: Tensor[] = [];
    for await (const b of loader) {
      got.push((b as Tensor).tolist());
      batches.push(b as Tensor);
      ticksAtBatch.push(ticks);
      const t0 = Date.now();
      while (Date.now() - t0 < 3); // a busy loop body: the timer can only fire if the loader yields
    }
    clearInterval(timer);
    expect(got).toEqual(sync);
    expect(ticksAtBatch[ticksAtBatch.length - 1]!).toBeGreaterThan(ticksAtBatch[0]!);
    expect(batches.every((b) => b.isDisposed)).toBe(true);
    expect(torch.memory().liveTensors).toBe(before);
  });
});
