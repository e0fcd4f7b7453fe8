// torch.* functions that take tensors (torch.add(a, b), torch.cat([...])).
import { op } from './bridge.js';
import type { dtype } from './dtype.js';
import { Tensor, type TensorOrScalar, type Scalar, type ValuesIndices } from './tensor.js';

const CAT = op('cat'), STACK = op('stack'), WHERE = op('where', 'self'), MATMUL = op('matmul');

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return CAT.t(tensors, dim);
}
export const concat = cat;
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return STACK.t(tensors, dim);
}
export function where(condition: Tensor, input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return WHERE.t(condition, input, other);
}
export function matmul(input: Tensor, other: Tensor): Tensor {
  return MATMUL.t(input, other);
}
export function add(input: Tensor, other: TensorOrScalar, options?: { alpha?: Scalar }): Tensor {
  return input.add(other, options);
}
export function sub(input: Tensor, other: TensorOrScalar, options?: { alpha?: Scalar }): Tensor {
  return input.sub(other, options);
}
export function mul(input: Tensor, other: TensorOrScalar): Tensor {
  return input.mul(other);
}
export function div(input: Tensor, other: TensorOrScalar, options?: { rounding_mode?: 'trunc' | 'floor' | null }): Tensor {
  return input.div(other, options);
}
export function pow(input: Tensor, exponent: TensorOrScalar): Tensor {
  return input.pow(exponent);
}
export function mm(input: Tensor, mat2: Tensor): Tensor { return input.mm(mat2); }
export function neg(input: Tensor): Tensor { return input.neg(); }
export function abs(input: Tensor): Tensor { return input.abs(); }
export function exp(input: Tensor): Tensor { return input.exp(); }
export function log(input: Tensor): Tensor { return input.log(); }
export function sqrt(input: Tensor): Tensor { return input.sqrt(); }
export function sin(input: Tensor): Tensor { return input.sin(); }
export function cos(input: Tensor): Tensor { return input.cos(); }
export function tanh(input: Tensor): Tensor { return input.tanh(); }
export function sigmoid(input: Tensor): Tensor { return input.sigmoid(); }
export function relu(input: Tensor): Tensor { return input.relu(); }
export function clamp(input: Tensor, min?: Scalar | null, max?: Scalar | null): Tensor { return input.clamp(min, max); }
export function sum(input: Tensor, dim?: number | number[] | null, keepdim = false, options?: { dtype?: dtype }): Tensor {
  return input.sum(dim, keepdim, options);
}
export function mean(input: Tensor, dim?: number | number[] | null, keepdim = false, options?: { dtype?: dtype }): Tensor {
  return input.mean(dim, keepdim, options);
}
export function max(input: Tensor): Tensor;
export function max(input: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(input: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? input.max() : input.max(dim, keepdim);
}
export function min(input: Tensor): Tensor;
export function min(input: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(input: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? input.min() : input.min(dim, keepdim);
}
export function argmax(input: Tensor, dim?: number | null, keepdim = false): Tensor { return input.argmax(dim, keepdim); }
export function argmin(input: Tensor, dim?: number | null, keepdim = false): Tensor { return input.argmin(dim, keepdim); }
export function reshape(input: Tensor, shape: readonly number[]): Tensor { return input.reshape(shape); }
export function transpose(input: Tensor, dim0: number, dim1: number): Tensor { return input.transpose(dim0, dim1); }
export function permute(input: Tensor, dims: readonly number[]): Tensor { return input.permute(dims); }
export function squeeze(input: Tensor, dim?: number): Tensor { return input.squeeze(dim); }
export function unsqueeze(input: Tensor, dim: number): Tensor { return input.unsqueeze(dim); }
export function flatten(input: Tensor, start_dim = 0, end_dim = -1): Tensor { return input.flatten(start_dim, end_dim); }
export function t(input: Tensor): Tensor { return input.t(); }
export function clone(input: Tensor): Tensor { return input.clone(); }
export function eq(input: Tensor, other: TensorOrScalar): Tensor { return input.eq(other); }
export function softmax(input: Tensor, dim: number, options?: { dtype?: dtype }): Tensor { return input.softmax(dim, options); }
export function log_softmax(input: Tensor, dim: number, options?: { dtype?: dtype }): Tensor { return input.log_softmax(dim, options); }
export function is_tensor(obj: unknown): obj is Tensor { return obj instanceof Tensor; }
export function numel(input: Tensor): number { return input.numel(); }
