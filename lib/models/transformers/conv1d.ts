// transformers.pytorch_utils.Conv1D: the "1D convolution" of OpenAI's GPT and
// GPT-2 checkpoints, which is a Linear layer whose weight is stored transposed,
// shape (nx, nf) = (in_features, out_features). GPT-2's c_attn / c_proj / c_fc
// keep this layout so that published state_dicts load without transposing.
import { op } from '../../bridge.js';
import { zeros } from '../../factories.js';
import * as init from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { emptyParameter } from '../../nn/modules/_common.js';
import type { Tensor } from '../../tensor.js';

const ADDMM = op('addmm');

export class Conv1D extends Module {
  /** Output features. */
  declare nf: number;
  /** Input features. */
  declare nx: number;
  declare weight: Parameter;
  declare bias: Parameter;

  /** Conv1D(nf, nx): note the order, output features first, as in HF. */
  constructor(nf: number, nx: number) {
    super();
    this.nf = nf;
    this.nx = nx;
    this.weight = emptyParameter([nx, nf]);
    const b = zeros([nf]);
    this.bias = new Parameter(b);
    b.dispose();
    init.normal_(this.weight, { std: 0.02 });
  }

  override forward(x: Tensor): Tensor {
    // size_out = x.size()[:-1] + (nf,); x = addmm(bias, x.view(-1, x.size(-1)), weight).view(size_out)
    const sizeOut = [...x.shape.slice(0, -1), this.nf];
    const flat = x.view(-1, x.size(-1));
    const mm = ADDMM.t(this.bias, flat, this.weight) as Tensor;
    flat.dispose();
    const out = mm.view(sizeOut);
    mm.dispose();
    return out;
  }

  override extra_repr(): string {
    return `nf=${this.nf}, nx=${this.nx}`;
  }
}
