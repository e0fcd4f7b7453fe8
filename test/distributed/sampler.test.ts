// torch.utils.data.distributed.DistributedSampler: the same shards as
// PyTorch's for every rank, with and without shuffle, padding and drop_last,
// across epochs.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const { DistributedSampler } = torch.utils.data;

interface Case { n: number; replicas: number; shuffle: boolean; seed: number; epoch: number; drop_last: boolean }
const CASES: Case[] = [];
for (const n of [10, 11, 3])
  for (const replicas of [2, 3, 4])
    for (const shuffle of [true, false])
      for (const drop_last of [false, true]) CASES.push({ n, replicas, shuffle, seed: n * 7, epoch: replicas, drop_last });
CASES.push({ n: 11, replicas: 2, shuffle: true, seed: 3, epoch: 2, drop_last: false });

describe.skipIf(!python)(`DistributedSampler matches PyTorch${python ? '' : ` (${pythonMissingReason})`}`, () => {
  it('every rank\'s indices, length and total_size', () => {
    const expected = runPython<{ indices: number[][]; len: number[]; total: number }[]>(`
from torch.utils.data.distributed import DistributedSampler
cases = json.loads('''${JSON.stringify(CASES)}''')
out = []
for c in cases:
    ss = [DistributedSampler(range(c['n']), num_replicas=c['replicas'], rank=r, shuffle=c['shuffle'], seed=c['seed'], drop_last=c['drop_last']) for r in range(c['replicas'])]
    for s in ss: s.set_epoch(c['epoch'])
    out.append({'indices': [list(s) for s in ss], 'len': [len(s) for s in ss], 'total': ss[0].total_size})
`);
    CASES.forEach((c, i) => {
      const samplers = Array.from({ length: c.replicas }, (_, rank) => {
        const s = new DistributedSampler(Array.from({ length: c.n }), {
          num_replicas: c.replicas, rank, shuffle: c.shuffle, seed: c.seed, drop_last: c.drop_last,
        });
        s.set_epoch(c.epoch);
        return s;
      });
      expect(samplers.map((s) => [...s]), JSON.stringify(c)).toEqual(expected[i]!.indices);
      expect(samplers.map((s) => s.length)).toEqual(expected[i]!.len);
      expect(samplers[0]!.total_size).toBe(expected[i]!.total);
    });
  });
});

describe('DistributedSampler', () => {
  it('a different epoch gives a different shuffle; the same epoch the same one', () => {
    const s = new DistributedSampler(Array.from({ length: 50 }), { num_replicas: 2, rank: 0 });
    const e0 = [...s];
    expect([...s]).toEqual(e0);
    s.set_epoch(1);
    expect([...s]).not.toEqual(e0);
  });

  it('rejects a rank outside [0, num_replicas - 1] as PyTorch words it', () => {
    expect(() => new DistributedSampler([1, 2, 3], { num_replicas: 2, rank: 2 })).toThrow('ValueError: Invalid rank 2, rank should be in the interval [0, 1]');
  });

  it('without a process group and without num_replicas/rank, says the default group is missing', () => {
    expect(() => new DistributedSampler([1, 2, 3])).toThrow(/Default process group has not been initialized/);
  });
});
