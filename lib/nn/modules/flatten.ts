// nn.Flatten and nn.Unflatten (torch/nn/modules/flatten.py).
import { op } from '../../bridge.js';
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { py } from '../_utils.js';

const FLATTEN = op('flatten', 'using_ints');
const UNFLATTEN = op('unflatten', 'int');

/** Flattens dimensions start_dim..end_dim (by default all but the batch dimension). */
export class Flatten extends Module {
  declare start_dim: number;
  declare end_dim: number;
  constructor(start_dim = 1, end_dim = -1) {
    super();
    this.start_dim = start_dim;
    this.end_dim = end_dim;
  }
  override forward(input: Tensor): Tensor {
    return FLATTEN.t(input, this.start_dim, this.end_dim);
  }
  override extra_repr(): string {
    return `start_dim=${this.start_dim}, end_dim=${this.end_dim}`;
  }
}

/** Expands dimension dim into unflattened_size. */
export class Unflatten extends Module {
  declare dim: number;
  declare unflattened_size: number[];
  constructor(dim: number, unflattened_size: number[]) {
    super();
    if (typeof dim !== 'number') throw new TypeError('invalid argument type for dim parameter');
    if (!Array.isArray(unflattened_size)) {
      throw new TypeError(`unflattened_size must be a tuple of ints, but found type ${typeof unflattened_size}`);
    }
    unflattened_size.forEach((e, i) => {
      if (!Number.isInteger(e)) throw new TypeError(`unflattened_size must be tuple of ints, but found element of type ${typeof e} at pos ${i}`);
    });
    this.dim = dim;
    this.unflattened_size = unflattened_size;
  }
  override forward(input: Tensor): Tensor {
    return UNFLATTEN.t(input, this.dim, this.unflattened_size);
  }
  override extra_repr(): string {
    return `dim=${this.dim}, unflattened_size=${py(this.unflattened_size)}`;
  }
}
