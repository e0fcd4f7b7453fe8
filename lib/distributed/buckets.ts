// dist._compute_bucket_assignment_by_size: how DDP groups gradients into
// all-reduce buckets (c10d's own function, which the Reducer uses too).
import type { Tensor } from '../tensor.js';
import { dist } from './native.js';

/**
 * Groups tensors into buckets of at most bucket_size_limits[i] bytes (the
 * last limit repeats), by dtype and device, in the order of tensor_indices
 * (default: as given). Returns [bucket indices, each bucket's limit], as
 * Python's torch.distributed._compute_bucket_assignment_by_size.
 */
export function _compute_bucket_assignment_by_size(
  tensors: Tensor[],
  bucket_size_limits: number[],
  expect_sparse_gradient: boolean[] = [],
  tensor_indices: number[] = [],
): [number[][], number[]] {
  const r = dist.distComputeBucketAssignment(tensors, bucket_size_limits, expect_sparse_gradient, tensor_indices);
  return [r.buckets, r.limits];
}
