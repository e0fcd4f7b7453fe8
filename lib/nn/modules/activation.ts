// Activation modules and nn.MultiheadAttention (torch/nn/modules/activation.py).
import { is_grad_enabled } from '../../autograd/grad_mode.js';
import { op } from '../../bridge.js';
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type Args, type FactoryKwargs, parseArgs, py, pyf, pyStr } from '../_utils.js';
import { emptyParameter } from './_common.js';
import { NonDynamicallyQuantizableLinear } from './linear.js';

type InplaceArgs = Args<[inplace: boolean], { inplace?: boolean }>;
function inplaceArg(name: string, args: readonly unknown[]): boolean {
  return parseArgs<{ inplace: boolean }>(name, args, ['inplace']).inplace ?? false;
}

export class Threshold extends Module {
  declare threshold: number;
  declare value: number;
  declare inplace: boolean;
  constructor(threshold: number, value: number, ...args: InplaceArgs) {
    super();
    this.threshold = threshold;
    this.value = value;
    this.inplace = inplaceArg('Threshold', args);
  }
  override forward(input: Tensor): Tensor {
    return F.threshold(input, this.threshold, this.value, this.inplace);
  }
  override extra_repr(): string {
    return `threshold=${py(this.threshold)}, value=${py(this.value)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

export class ReLU extends Module {
  declare inplace: boolean;
  constructor(...args: InplaceArgs) {
    super();
    this.inplace = inplaceArg('ReLU', args);
  }
  override forward(input: Tensor): Tensor {
    return F.relu(input, this.inplace);
  }
  override extra_repr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

export class Hardtanh extends Module {
  declare min_val: number;
  declare max_val: number;
  declare inplace: boolean;
  constructor(...args: Args<[min_val: number, max_val: number, inplace: boolean], { min_val?: number; max_val?: number; inplace?: boolean }>) {
    super();
    const o = parseArgs<{ min_val: number; max_val: number; inplace: boolean }>('Hardtanh', args, ['min_val', 'max_val', 'inplace']);
    this.min_val = o.min_val ?? -1.0;
    this.max_val = o.max_val ?? 1.0;
    this.inplace = o.inplace ?? false;
    if (!(this.max_val > this.min_val)) throw new Error('AssertionError');
  }
  override forward(input: Tensor): Tensor {
    return F.hardtanh(input, this.min_val, this.max_val, this.inplace);
  }
  override extra_repr(): string {
    return `min_val=${pyf(this.min_val)}, max_val=${pyf(this.max_val)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

export class ReLU6 extends Hardtanh {
  constructor(...args: InplaceArgs) {
    super(0.0, 6.0, inplaceArg('ReLU6', args));
  }
  override extra_repr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }
}
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return F.tanh(input);
  }
}
export class LogSigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return F.logsigmoid(input);
  }
}
export class Tanhshrink extends Module {
  override forward(input: Tensor): Tensor {
    return F.tanhshrink(input);
  }
}
export class Softsign extends Module {
  override forward(input: Tensor): Tensor {
    return F.softsign(input);
  }
}

abstract class InplaceActivation extends Module {
  declare inplace: boolean;
  constructor(...args: InplaceArgs) {
    super();
    this.inplace = inplaceArg(new.target.name, args);
  }
  override extra_repr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}
export class SiLU extends InplaceActivation {
  override forward(input: Tensor): Tensor {
    return F.silu(input, this.inplace);
  }
}
export class Mish extends InplaceActivation {
  override forward(input: Tensor): Tensor {
    return F.mish(input, this.inplace);
  }
}
export class SELU extends InplaceActivation {
  override forward(input: Tensor): Tensor {
    return F.selu(input, this.inplace);
  }
}
export class Hardsigmoid extends InplaceActivation {
  override forward(input: Tensor): Tensor {
    return F.hardsigmoid(input, this.inplace);
  }
  override extra_repr(): string {
    return '';
  }
}
export class Hardswish extends InplaceActivation {
  override forward(input: Tensor): Tensor {
    return F.hardswish(input, this.inplace);
  }
  override extra_repr(): string {
    return '';
  }
}

export class ELU extends Module {
  declare alpha: number;
  declare inplace: boolean;
  constructor(...args: Args<[alpha: number, inplace: boolean], { alpha?: number; inplace?: boolean }>) {
    super();
    const o = parseArgs<{ alpha: number; inplace: boolean }>('ELU', args, ['alpha', 'inplace']);
    this.alpha = o.alpha ?? 1.0;
    this.inplace = o.inplace ?? false;
  }
  override forward(input: Tensor): Tensor {
    return F.elu(input, this.alpha, this.inplace);
  }
  override extra_repr(): string {
    return `alpha=${pyf(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

export class CELU extends Module {
  declare alpha: number;
  declare inplace: boolean;
  constructor(...args: Args<[alpha: number, inplace: boolean], { alpha?: number; inplace?: boolean }>) {
    super();
    const o = parseArgs<{ alpha: number; inplace: boolean }>('CELU', args, ['alpha', 'inplace']);
    this.alpha = o.alpha ?? 1.0;
    this.inplace = o.inplace ?? false;
  }
  override forward(input: Tensor): Tensor {
    return F.celu(input, this.alpha, this.inplace);
  }
  override extra_repr(): string {
    return `alpha=${pyf(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

export class LeakyReLU extends Module {
  declare negative_slope: number;
  declare inplace: boolean;
  constructor(...args: Args<[negative_slope: number, inplace: boolean], { negative_slope?: number; inplace?: boolean }>) {
    super();
    const o = parseArgs<{ negative_slope: number; inplace: boolean }>('LeakyReLU', args, ['negative_slope', 'inplace']);
    this.negative_slope = o.negative_slope ?? 0.01;
    this.inplace = o.inplace ?? false;
  }
  override forward(input: Tensor): Tensor {
    return F.leaky_relu(input, this.negative_slope, this.inplace);
  }
  override extra_repr(): string {
    return `negative_slope=${pyf(this.negative_slope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

export class GELU extends Module {
  declare approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh' } | 'none' | 'tanh' = {}) {
    super();
    this.approximate = typeof options === 'string' ? options : options.approximate ?? 'none';
  }
  override forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }
  override extra_repr(): string {
    return `approximate=${pyStr(this.approximate)}`;
  }
}

export class Softplus extends Module {
  declare beta: number;
  declare threshold: number;
  constructor(...args: Args<[beta: number, threshold: number], { beta?: number; threshold?: number }>) {
    super();
    const o = parseArgs<{ beta: number; threshold: number }>('Softplus', args, ['beta', 'threshold']);
    this.beta = o.beta ?? 1;
    this.threshold = o.threshold ?? 20;
  }
  override forward(input: Tensor): Tensor {
    return F.softplus(input, this.beta, this.threshold);
  }
  override extra_repr(): string {
    return `beta=${py(this.beta)}, threshold=${py(this.threshold)}`;
  }
}

export class Hardshrink extends Module {
  declare lambd: number;
  constructor(lambd = 0.5) {
    super();
    this.lambd = lambd;
  }
  override forward(input: Tensor): Tensor {
    return F.hardshrink(input, this.lambd);
  }
  override extra_repr(): string {
    return pyf(this.lambd);
  }
}
export class Softshrink extends Hardshrink {
  override forward(input: Tensor): Tensor {
    return F.softshrink(input, this.lambd);
  }
}

export class GLU extends Module {
  declare dim: number;
  constructor(dim = -1) {
    super();
    this.dim = dim;
  }
  override forward(input: Tensor): Tensor {
    return F.glu(input, this.dim);
  }
  override extra_repr(): string {
    return `dim=${this.dim}`;
  }
}

abstract class SoftmaxBase extends Module {
  declare dim: number | null;
  constructor(dim: number | null | { dim?: number | null } = null) {
    super();
    this.dim = dim !== null && typeof dim === 'object' ? dim.dim ?? null : dim;
  }
  override extra_repr(): string {
    return `dim=${py(this.dim)}`;
  }
}
export class Softmax extends SoftmaxBase {
  override forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim, 5);
  }
}
export class LogSoftmax extends SoftmaxBase {
  override forward(input: Tensor): Tensor {
    return F.log_softmax(input, this.dim, 5);
  }
}
export class Softmin extends SoftmaxBase {
  override forward(input: Tensor): Tensor {
    return F.softmin(input, this.dim, 5);
  }
}
/** Softmax over the channels of (N, C, H, W) or (C, H, W). */
export class Softmax2d extends Module {
  override forward(input: Tensor): Tensor {
    if (input.dim() !== 3 && input.dim() !== 4) throw new Error(`AssertionError: Softmax2d: expected input to be 3D or 4D, got ${input.dim()}D instead`);
    return F.softmax(input, -3, 5);
  }
}

export class PReLU extends Module {
  declare num_parameters: number;
  declare weight: Parameter;
  constructor(...args: Args<[num_parameters: number, init: number], { num_parameters?: number; init?: number } & FactoryKwargs>) {
    super();
    const o = parseArgs<{ num_parameters: number; init: number } & FactoryKwargs>('PReLU', args, ['num_parameters', 'init'], ['device', 'dtype']);
    this.num_parameters = o.num_parameters ?? 1;
    const w = emptyParameter([this.num_parameters], o);
    init.constant_(w, o.init ?? 0.25);
    this.weight = w;
  }
  override forward(input: Tensor): Tensor {
    return F.prelu(input, this.weight);
  }
  override extra_repr(): string {
    return `num_parameters=${this.num_parameters}`;
  }
}

// ---- MultiheadAttention ----------------------------------------------------------------

const NATIVE_MHA = op('_native_multi_head_attention');
const TRANSPOSE = op('transpose', 'int');

export interface MultiheadAttentionOptions extends FactoryKwargs {
  dropout?: number;
  bias?: boolean;
  add_bias_kv?: boolean;
  add_zero_attn?: boolean;
  kdim?: number | null;
  vdim?: number | null;
  batch_first?: boolean;
}
type MhaPos = [dropout: number, bias: boolean, add_bias_kv: boolean, add_zero_attn: boolean, kdim: number | null, vdim: number | null, batch_first: boolean];

export interface MultiheadAttentionForwardOptions {
  key_padding_mask?: Tensor | null;
  need_weights?: boolean;
  attn_mask?: Tensor | null;
  average_attn_weights?: boolean;
}
type MhaForwardPos = [key_padding_mask: Tensor | null, need_weights: boolean, attn_mask: Tensor | null, average_attn_weights: boolean];

/** Multi-head attention; forward returns [attn_output, attn_output_weights or null]. */
export class MultiheadAttention extends Module {
  declare embed_dim: number;
  declare kdim: number;
  declare vdim: number;
  declare _qkv_same_embed_dim: boolean;
  declare num_heads: number;
  declare dropout: number;
  declare batch_first: boolean;
  declare head_dim: number;
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: NonDynamicallyQuantizableLinear;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;
  declare add_zero_attn: boolean;

  constructor(embed_dim: number, num_heads: number, ...args: Args<MhaPos, MultiheadAttentionOptions>) {
    super();
    const o = parseArgs<MultiheadAttentionOptions>('MultiheadAttention', args, ['dropout', 'bias', 'add_bias_kv', 'add_zero_attn', 'kdim', 'vdim', 'batch_first'], ['device', 'dtype']);
    const factory: FactoryKwargs = { device: o.device, dtype: o.dtype };
    this.embed_dim = embed_dim;
    this.kdim = o.kdim ?? embed_dim;
    this.vdim = o.vdim ?? embed_dim;
    this._qkv_same_embed_dim = this.kdim === embed_dim && this.vdim === embed_dim;
    this.num_heads = num_heads;
    this.dropout = o.dropout ?? 0.0;
    this.batch_first = o.batch_first ?? false;
    this.head_dim = Math.floor(embed_dim / num_heads);
    if (this.head_dim * num_heads !== embed_dim) throw new Error('AssertionError: embed_dim must be divisible by num_heads');
    if (!this._qkv_same_embed_dim) {
      this.q_proj_weight = emptyParameter([embed_dim, embed_dim], factory);
      this.k_proj_weight = emptyParameter([embed_dim, this.kdim], factory);
      this.v_proj_weight = emptyParameter([embed_dim, this.vdim], factory);
      this.register_parameter('in_proj_weight', null);
    } else {
      this.in_proj_weight = emptyParameter([3 * embed_dim, embed_dim], factory);
      this.register_parameter('q_proj_weight', null);
      this.register_parameter('k_proj_weight', null);
      this.register_parameter('v_proj_weight', null);
    }
    const bias = o.bias ?? true;
    if (bias) this.in_proj_bias = emptyParameter([3 * embed_dim], factory);
    else this.register_parameter('in_proj_bias', null);
    this.out_proj = new NonDynamicallyQuantizableLinear(embed_dim, embed_dim, { bias, ...factory });
    if (o.add_bias_kv) {
      this.bias_k = emptyParameter([1, 1, embed_dim], factory);
      this.bias_v = emptyParameter([1, 1, embed_dim], factory);
    } else {
      this.bias_k = null;
      this.bias_v = null;
    }
    this.add_zero_attn = o.add_zero_attn ?? false;
    this._reset_parameters();
  }

  _reset_parameters(): void {
    if (this._qkv_same_embed_dim) {
      init.xavier_uniform_(this.in_proj_weight!);
    } else {
      init.xavier_uniform_(this.q_proj_weight!);
      init.xavier_uniform_(this.k_proj_weight!);
      init.xavier_uniform_(this.v_proj_weight!);
    }
    if (this.in_proj_bias !== null) {
      init.constant_(this.in_proj_bias, 0.0);
      init.constant_(this.out_proj.bias!, 0.0);
    }
    if (this.bias_k !== null) init.xavier_normal_(this.bias_k);
    if (this.bias_v !== null) init.xavier_normal_(this.bias_v);
  }

  override forward(query: Tensor, key: Tensor, value: Tensor, ...args: Args<MhaForwardPos, MultiheadAttentionForwardOptions>): [Tensor, Tensor | null] {
    const o = parseArgs<MultiheadAttentionForwardOptions>('MultiheadAttention.forward', args, ['key_padding_mask', 'need_weights', 'attn_mask', 'average_attn_weights']);
    const keyPaddingMask = o.key_padding_mask ?? null;
    const needWeights = o.need_weights ?? true;
    const attnMask = o.attn_mask ?? null;
    const average = o.average_attn_weights ?? true;
    const isBatched = query.dim() === 3;
    if (keyPaddingMask !== null && keyPaddingMask.dtype !== 'bool' && !keyPaddingMask.is_floating_point()) {
      throw new Error('AssertionError: only bool and floating types of key_padding_mask are supported');
    }
    if (this.fastPathOk(query, key, value, attnMask)) {
      const maskType = keyPaddingMask !== null ? 1 : attnMask !== null ? 0 : null;
      const [out, w] = NATIVE_MHA.call(
        query, key, value, this.embed_dim, this.num_heads, this.in_proj_weight, this.in_proj_bias, this.out_proj.weight, this.out_proj.bias,
        keyPaddingMask ?? attnMask, needWeights, average, maskType,
      ) as [Tensor, Tensor | null];
      if (!needWeights && w) {
        w.dispose();
        return [out, null];
      }
      return [out, w];
    }
    const made: Tensor[] = [];
    if (this.batch_first && isBatched) {
      const tr = (x: Tensor): Tensor => {
        const t = TRANSPOSE.t(x, 1, 0);
        made.push(t);
        return t;
      };
      if (key === value) {
        if (query === key) {
          query = key = value = tr(query);
        } else {
          query = tr(query);
          key = tr(key);
          value = key;
        }
      } else {
        query = tr(query);
        key = tr(key);
        value = tr(value);
      }
    }
    const [out, weights] = F.multi_head_attention_forward(
      query, key, value, this.embed_dim, this.num_heads, this.in_proj_weight, this.in_proj_bias, this.bias_k, this.bias_v,
      this.add_zero_attn, this.dropout, this.out_proj.weight, this.out_proj.bias,
      {
        training: this.training, key_padding_mask: keyPaddingMask, need_weights: needWeights, attn_mask: attnMask,
        average_attn_weights: average,
        ...(this._qkv_same_embed_dim
          ? {}
          : { use_separate_proj_weight: true, q_proj_weight: this.q_proj_weight, k_proj_weight: this.k_proj_weight, v_proj_weight: this.v_proj_weight }),
      },
    );
    for (const t of made) t.dispose();
    if (this.batch_first && isBatched) {
      const r = TRANSPOSE.t(out, 1, 0);
      out.dispose();
      return [r, weights];
    }
    return [out, weights];
  }

  /** Python's conditions for torch._native_multi_head_attention (inference: eval mode, no grad needed). */
  private fastPathOk(query: Tensor, key: Tensor, value: Tensor, attnMask: Tensor | null): boolean {
    if (query.dim() !== 3) return false;
    if (query !== key || key !== value) return false;
    if (this.in_proj_bias !== null && query.dtype !== this.in_proj_bias.dtype) return false;
    if (this.in_proj_weight !== null && query.dtype !== this.in_proj_weight.dtype) return false;
    if (this.training || !this.batch_first || this.bias_k !== null || this.bias_v !== null) return false;
    if (this.dropout || this.add_zero_attn || !this._qkv_same_embed_dim || attnMask !== null) return false;
    if (this.num_heads % 2 === 1) return false;
    const tensors = [query, this.in_proj_weight, this.in_proj_bias, this.out_proj.weight, this.out_proj.bias];
    if (is_grad_enabled() && tensors.some((t) => t !== null && t.requires_grad)) return false;
    return true;
  }
}

