// nn.Embedding (torch/nn/modules/sparse.py).
import { no_grad } from '../../autograd/grad_mode.js';
import { op } from '../../bridge.js';
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { type Args, type FactoryKwargs, parseArgs, pyf } from '../_utils.js';
import { emptyParameter } from './_common.js';

const SELECT = op('select', 'int');

export interface EmbeddingOptions extends FactoryKwargs {
  padding_idx?: number | null;
  max_norm?: number | null;
  norm_type?: number;
  scale_grad_by_freq?: boolean;
  sparse?: boolean;
  _weight?: Tensor | null;
}
type EmbeddingPos = [padding_idx: number | null, max_norm: number | null, norm_type: number, scale_grad_by_freq: boolean, sparse: boolean, _weight: Tensor | null];

/** A lookup table of num_embeddings vectors of size embedding_dim; the padding_idx row stays zero and gets no gradient. */
export class Embedding extends Module {
  declare num_embeddings: number;
  declare embedding_dim: number;
  declare padding_idx: number | null;
  declare max_norm: number | null;
  declare norm_type: number;
  declare scale_grad_by_freq: boolean;
  declare sparse: boolean;
  declare weight: Parameter;

  constructor(num_embeddings: number, embedding_dim: number, ...args: Args<EmbeddingPos, EmbeddingOptions>) {
    super();
    const o = parseArgs<EmbeddingOptions>('Embedding', args, ['padding_idx', 'max_norm', 'norm_type', 'scale_grad_by_freq', 'sparse', '_weight'], ['device', 'dtype']);
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    let paddingIdx = o.padding_idx ?? null;
    if (paddingIdx !== null) {
      if (paddingIdx > 0 && paddingIdx >= num_embeddings) throw new Error('AssertionError: Padding_idx must be within num_embeddings');
      if (paddingIdx < 0) {
        if (paddingIdx < -num_embeddings) throw new Error('AssertionError: Padding_idx must be within num_embeddings');
        paddingIdx = num_embeddings + paddingIdx;
      }
    }
    this.padding_idx = paddingIdx;
    this.max_norm = o.max_norm ?? null;
    this.norm_type = o.norm_type ?? 2.0;
    this.scale_grad_by_freq = o.scale_grad_by_freq ?? false;
    if (o._weight === undefined || o._weight === null) {
      this.weight = emptyParameter([num_embeddings, embedding_dim], o);
      this.reset_parameters();
    } else {
      const s = o._weight.shape;
      if (s.length !== 2 || s[0] !== num_embeddings || s[1] !== embedding_dim) {
        throw new Error('AssertionError: Shape of weight does not match num_embeddings and embedding_dim');
      }
      this.weight = new Parameter(o._weight);
    }
    this.sparse = o.sparse ?? false;
  }

  reset_parameters(): void {
    init.normal_(this.weight);
    this._fill_padding_idx_with_zero();
  }

  _fill_padding_idx_with_zero(): void {
    if (this.padding_idx !== null) {
      const idx = this.padding_idx;
      no_grad(() => {
        const row = SELECT.t(this.weight, 0, idx);
        row.fill_(0);
        row.dispose();
      });
    }
  }

  override forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, this.padding_idx, this.max_norm, this.norm_type, this.scale_grad_by_freq, this.sparse);
  }

  override extra_repr(): string {
    let s = `${this.num_embeddings}, ${this.embedding_dim}`;
    if (this.padding_idx !== null) s += `, padding_idx=${this.padding_idx}`;
    if (this.max_norm !== null) s += `, max_norm=${pyf(this.max_norm)}`;
    if (this.norm_type !== 2) s += `, norm_type=${pyf(this.norm_type)}`;
    if (this.scale_grad_by_freq !== false) s += `, scale_grad_by_freq=${this.scale_grad_by_freq ? 'True' : 'False'}`;
    if (this.sparse !== false) s += ', sparse=True';
    return s;
  }

  /** An Embedding holding the given 2-D weights (frozen unless freeze is false). */
  static from_pretrained(embeddings: Tensor, options: Omit<EmbeddingOptions, '_weight'> & { freeze?: boolean } = {}): Embedding {
    if (embeddings.dim() !== 2) throw new Error('AssertionError: Embeddings parameter is expected to be 2-dimensional');
    const [rows, cols] = embeddings.shape as [number, number];
    const { freeze, ...rest } = options;
    const e = new Embedding(rows, cols, { ...rest, _weight: embeddings });
    e.weight.requires_grad = !(freeze ?? true);
    return e;
  }
}
