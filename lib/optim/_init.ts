// State initializers shared by the optimizers: the tensors Python's
// optimizers create lazily, made persistent (owned by the optimizer, not by
// an open torch.scope()).
import { op } from '../bridge.js';
import type { Tensor } from '../tensor.js';
import { persist } from './optimizer.js';

const ZEROS_LIKE = op('zeros_like');
const FULL_LIKE = op('full_like');
const SCALAR_TENSOR = op('scalar_tensor');

/** torch.zeros_like(p, memory_format=torch.preserve_format) */
export function zerosLike(p: Tensor): Tensor {
  return persist(ZEROS_LIKE.t(p));
}

/** torch.full_like(p, value, memory_format=torch.preserve_format) */
export function fullLike(p: Tensor, value: number): Tensor {
  return persist(FULL_LIKE.t(p, value));
}

/** torch.tensor(value) for a Python float: a 0-dim float32 tensor (the default dtype). */
export function scalarTensor(value: number): Tensor {
  return persist(SCALAR_TENSOR.t(value, 'float32'));
}
