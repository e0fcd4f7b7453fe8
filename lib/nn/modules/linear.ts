// nn.Identity, nn.Linear, nn.Bilinear (torch/nn/modules/linear.py).
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type Args, type FactoryKwargs, parseArgs, py } from '../_utils.js';
import { emptyParameter } from './_common.js';

/** Returns its input; accepts and ignores any constructor arguments. */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }
  override forward<T>(input: T): T {
    return input;
  }
}

export interface LinearOptions extends FactoryKwargs {
  bias?: boolean;
}

/** y = x Wᵀ + b, W of shape (out_features, in_features). */
export class Linear extends Module {
  declare in_features: number;
  declare out_features: number;
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(in_features: number, out_features: number, ...args: Args<[bias: boolean], LinearOptions>) {
    super();
    const o = parseArgs<LinearOptions>('Linear', args, ['bias'], ['device', 'dtype']);
    this.in_features = in_features;
    this.out_features = out_features;
    this.weight = emptyParameter([out_features, in_features], o);
    if (o.bias ?? true) this.bias = emptyParameter([out_features], o);
    else this.register_parameter('bias', null);
    this.reset_parameters();
  }

  reset_parameters(): void {
    init.kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = init._calculate_fan_in_and_fan_out(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  override forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${py(this.bias !== null)}`;
  }
}

/** The out_proj of nn.MultiheadAttention (a Linear under another name, as in PyTorch). */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** y = x1ᵀ A x2 + b, A of shape (out_features, in1_features, in2_features). */
export class Bilinear extends Module {
  declare in1_features: number;
  declare in2_features: number;
  declare out_features: number;
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(in1_features: number, in2_features: number, out_features: number, ...args: Args<[bias: boolean], LinearOptions>) {
    super();
    const o = parseArgs<LinearOptions>('Bilinear', args, ['bias'], ['device', 'dtype']);
    this.in1_features = in1_features;
    this.in2_features = in2_features;
    this.out_features = out_features;
    this.weight = emptyParameter([out_features, in1_features, in2_features], o);
    if (o.bias ?? true) this.bias = emptyParameter([out_features], o);
    else this.register_parameter('bias', null);
    this.reset_parameters();
  }

  reset_parameters(): void {
    const bound = 1 / Math.sqrt(this.weight.size(1));
    init.uniform_(this.weight, -bound, bound);
    if (this.bias !== null) init.uniform_(this.bias, -bound, bound);
  }

  override forward(input1: Tensor, input2: Tensor): Tensor {
    return F.bilinear(input1, input2, this.weight, this.bias);
  }

  override extra_repr(): string {
    return `in1_features=${this.in1_features}, in2_features=${this.in2_features}, out_features=${this.out_features}, bias=${py(this.bias !== null)}`;
  }
}
