// dist._compute_bucket_assignment_by_size, c10d's DDP bucketing, against PyTorch's.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';
import { glooMissingReason, glooNote } from './helpers.js';

const dist = torch.distributed;

describe.skipIf(!python || !!glooMissingReason)(`_compute_bucket_assignment_by_size matches PyTorch${python ? glooNote : ` (${pythonMissingReason})`}`, () => {
  it('by size limits (first bucket, then the rest), by dtype, in a given order', () => {
    const expected = runPython<[number[][], number[]][]>(`
import torch.distributed as dist
big = [torch.zeros(30000, 10), torch.zeros(30000), torch.zeros(10, 30000), torch.zeros(10)]
mixed = [torch.zeros(300), torch.zeros(300, dtype=torch.float64), torch.zeros(100), torch.zeros(5, dtype=torch.float64)]
out = [list(dist._compute_bucket_assignment_by_size(big, [1024 * 1024, 512 * 1024])),
       list(dist._compute_bucket_assignment_by_size(big, [2 ** 62])),
       list(dist._compute_bucket_assignment_by_size(mixed, [1000, 2000], [False] * 4, [3, 2, 1, 0])),
       list(dist._compute_bucket_assignment_by_size(mixed, [1200]))]
`);
    const big = [torch.zeros(30000, 10), torch.zeros(30000), torch.zeros(10, 30000), torch.zeros(10)];
    const mixed = [torch.zeros(300), torch.zeros(300, { dtype: 'float64' }), torch.zeros(100), torch.zeros(5, { dtype: 'float64' })];
    expect(dist._compute_bucket_assignment_by_size(big, [1024 * 1024, 512 * 1024])).toEqual(expected[0]);
    expect(dist._compute_bucket_assignment_by_size(big, [2 ** 62])).toEqual(expected[1]);
    expect(dist._compute_bucket_assignment_by_size(mixed, [1000, 2000], [false, false, false, false], [3, 2, 1, 0])).toEqual(expected[2]);
    expect(dist._compute_bucket_assignment_by_size(mixed, [1200])).toEqual(expected[3]);
    // The DDP test's 2.5 MB model really is split into several buckets by 1 MiB / 0.5 MiB limits.
    expect(expected[0]![0]!.length).toBeGreaterThan(1);
  });
});
