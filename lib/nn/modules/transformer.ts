// nn.TransformerEncoderLayer and nn.TransformerEncoder (torch/nn/modules/transformer.py, 1.13),
// including the inference fast paths PyTorch takes (so eval outputs match too).
import { is_grad_enabled } from '../../autograd/grad_mode.js';
import { op } from '../../bridge.js';
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import { Module, deepcopy } from '../module.js';
import { type Args, type FactoryKwargs, parseArgs } from '../_utils.js';
import { GELU, MultiheadAttention, ReLU } from './activation.js';
import { ModuleList } from './container.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { LayerNorm } from './normalization.js';

const ENCODER_LAYER_FWD = op('_transformer_encoder_layer_fwd');
const NESTED_FROM_MASK = op('_nested_tensor_from_mask');
const LEFT_ALIGNED = op('_nested_tensor_from_mask_left_aligned');
const TO_PADDED = op('to_padded_tensor');
const LOGICAL_NOT = op('logical_not');
const ADD = op('add', 'Tensor');

export type Activation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

export interface TransformerEncoderLayerOptions extends FactoryKwargs {
  dim_feedforward?: number;
  dropout?: number;
  activation?: Activation;
  layer_norm_eps?: number;
  batch_first?: boolean;
  norm_first?: boolean;
}
type EncoderLayerPos = [dim_feedforward: number, dropout: number, activation: Activation, layer_norm_eps: number, batch_first: boolean, norm_first: boolean];

export interface EncoderForwardOptions {
  src_mask?: Tensor | null;
  src_key_padding_mask?: Tensor | null;
}

/** Self-attention and a feed-forward block, each with residual connection and LayerNorm (post-norm, or pre-norm with norm_first). */
export class TransformerEncoderLayer extends Module {
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm_first: boolean;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare activation_relu_or_gelu: number;
  declare activation: ((x: Tensor) => Tensor) | Module;

  constructor(d_model: number, nhead: number, ...args: Args<EncoderLayerPos, TransformerEncoderLayerOptions>) {
    super();
    const o = parseArgs<TransformerEncoderLayerOptions>('TransformerEncoderLayer', args, ['dim_feedforward', 'dropout', 'activation', 'layer_norm_eps', 'batch_first', 'norm_first'], ['device', 'dtype']);
    const factory: FactoryKwargs = { device: o.device, dtype: o.dtype };
    const dropout = o.dropout ?? 0.1;
    const eps = o.layer_norm_eps ?? 1e-5;
    this.self_attn = new MultiheadAttention(d_model, nhead, { dropout, batch_first: o.batch_first ?? false, ...factory });
    this.linear1 = new Linear(d_model, o.dim_feedforward ?? 2048, factory);
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(o.dim_feedforward ?? 2048, d_model, factory);
    this.norm_first = o.norm_first ?? false;
    this.norm1 = new LayerNorm(d_model, { eps, ...factory });
    this.norm2 = new LayerNorm(d_model, { eps, ...factory });
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
    let activation: ((x: Tensor) => Tensor) | Module;
    const a = o.activation ?? 'relu';
    if (a === 'relu') activation = F.relu;
    else if (a === 'gelu') activation = F.gelu;
    else if (typeof a === 'string') throw new Error(`activation should be relu/gelu, not ${String(a)}`);
    else activation = a;
    if (activation === F.relu || activation instanceof ReLU) this.activation_relu_or_gelu = 1;
    else if (activation === F.gelu || activation instanceof GELU) this.activation_relu_or_gelu = 2;
    else this.activation_relu_or_gelu = 0;
    this.activation = activation;
  }

  private act(x: Tensor): Tensor {
    const a = this.activation;
    return a instanceof Module ? (a.call(x) as Tensor) : a(x);
  }

  /** The fused CPU/CUDA kernel PyTorch uses for inference. */
  private fastPathOk(src: Tensor, src_mask: Tensor | null): boolean {
    if (src.dim() !== 3 || this.training || !this.self_attn.batch_first || !this.self_attn._qkv_same_embed_dim) return false;
    if (!this.activation_relu_or_gelu || this.norm1.eps !== this.norm2.eps || src_mask !== null) return false;
    if (this.self_attn.num_heads % 2 === 1) return false;
    const tensors = [
      src, this.self_attn.in_proj_weight, this.self_attn.in_proj_bias, this.self_attn.out_proj.weight, this.self_attn.out_proj.bias,
      this.norm1.weight, this.norm1.bias, this.norm2.weight, this.norm2.bias, this.linear1.weight, this.linear1.bias, this.linear2.weight, this.linear2.bias,
    ];
    if (is_grad_enabled() && tensors.some((t) => t !== null && t.requires_grad)) return false;
    return true;
  }

  override forward(src: Tensor, ...args: Args<[src_mask: Tensor | null, src_key_padding_mask: Tensor | null], EncoderForwardOptions>): Tensor {
    const o = parseArgs<EncoderForwardOptions>('TransformerEncoderLayer.forward', args, ['src_mask', 'src_key_padding_mask']);
    const srcMask = o.src_mask ?? null;
    const kpm = o.src_key_padding_mask ?? null;
    if (kpm !== null && kpm.dtype !== 'bool' && !kpm.is_floating_point()) {
      throw new Error('AssertionError: only bool and floating types of key_padding_mask are supported');
    }
    if (this.fastPathOk(src, srcMask)) {
      const sa = this.self_attn;
      return ENCODER_LAYER_FWD.t(
        src, sa.embed_dim, sa.num_heads, sa.in_proj_weight, sa.in_proj_bias, sa.out_proj.weight, sa.out_proj.bias,
        this.activation_relu_or_gelu === 2, this.norm_first, this.norm1.eps, this.norm1.weight, this.norm1.bias,
        this.norm2.weight, this.norm2.bias, this.linear1.weight, this.linear1.bias, this.linear2.weight, this.linear2.bias,
        srcMask ?? kpm, kpm !== null ? 1 : srcMask !== null ? 0 : null,
      );
    }
    const made: Tensor[] = [];
    const keep = (t: Tensor): Tensor => {
      made.push(t);
      return t;
    };
    let x = src;
    if (this.norm_first) {
      x = keep(ADD.t(x, keep(this._sa_block(keep(this.norm1.call(x)), srcMask, kpm))));
      x = ADD.t(x, keep(this._ff_block(keep(this.norm2.call(x)))));
    } else {
      x = keep(this.norm1.call(keep(ADD.t(x, keep(this._sa_block(x, srcMask, kpm))))));
      x = this.norm2.call(keep(ADD.t(x, keep(this._ff_block(x)))));
    }
    for (const t of made) if (t !== x && t !== src) t.dispose();
    return x;
  }

  _sa_block(x: Tensor, attn_mask: Tensor | null, key_padding_mask: Tensor | null): Tensor {
    const [out] = this.self_attn.call(x, x, x, { attn_mask, key_padding_mask, need_weights: false });
    const r = this.dropout1.call(out);
    if (r !== out) out.dispose();
    return r;
  }

  _ff_block(x: Tensor): Tensor {
    const h1 = this.linear1.call(x);
    const h2 = this.act(h1);
    const h3 = this.dropout.call(h2);
    const h4 = this.linear2.call(h3);
    const out = this.dropout2.call(h4);
    for (const t of new Set([h1, h2, h3, h4])) if (t !== out) t.dispose();
    return out;
  }
}

export interface TransformerEncoderOptions {
  norm?: Module | null;
  enable_nested_tensor?: boolean;
  mask_check?: boolean;
}

/** num_layers deep copies of encoder_layer, then an optional final norm. */
export class TransformerEncoder extends Module {
  declare layers: ModuleList<TransformerEncoderLayer>;
  declare num_layers: number;
  declare norm: Module | null;
  declare enable_nested_tensor: boolean;
  declare mask_check: boolean;

  constructor(encoder_layer: TransformerEncoderLayer, num_layers: number, ...args: Args<[norm: Module | null, enable_nested_tensor: boolean, mask_check: boolean], TransformerEncoderOptions>) {
    super();
    const o = parseArgs<TransformerEncoderOptions>('TransformerEncoder', args, ['norm', 'enable_nested_tensor', 'mask_check']);
    this.layers = new ModuleList<TransformerEncoderLayer>(Array.from({ length: num_layers }, () => deepcopy(encoder_layer)));
    this.num_layers = num_layers;
    this.norm = o.norm ?? null;
    this.enable_nested_tensor = o.enable_nested_tensor ?? true;
    this.mask_check = o.mask_check ?? true;
  }

  override forward(src: Tensor, ...args: Args<[mask: Tensor | null, src_key_padding_mask: Tensor | null], { mask?: Tensor | null; src_key_padding_mask?: Tensor | null }>): Tensor {
    const o = parseArgs<{ mask: Tensor | null; src_key_padding_mask: Tensor | null }>('TransformerEncoder.forward', args, ['mask', 'src_key_padding_mask']);
    const mask = o.mask ?? null;
    const kpm = o.src_key_padding_mask ?? null;
    if (kpm !== null && kpm.dtype !== 'bool' && !kpm.is_floating_point()) {
      throw new Error('AssertionError: only bool and floating types of key_padding_mask are supported');
    }
    const made: Tensor[] = [];
    let output = src;
    let convertToNested = false;
    let kpmForLayers = kpm;
    const first = this.layers.at(0);
    if (this.nestedFastPathOk(first, src, mask, kpm, made)) {
      convertToNested = true;
      const notMask = LOGICAL_NOT.t(kpm!);
      made.push(notMask);
      output = NESTED_FROM_MASK.t(output, notMask, false);
      made.push(output);
      kpmForLayers = null;
    }
    for (const mod of this.layers) {
      const next = mod.call(output, { src_mask: mask, src_key_padding_mask: kpmForLayers });
      if (output !== src) made.push(output);
      output = next;
    }
    if (convertToNested) {
      const padded = TO_PADDED.t(output, 0.0);
      made.push(output);
      output = padded;
    }
    if (this.norm !== null) {
      const normed = this.norm.call(output) as Tensor;
      if (output !== src) made.push(output);
      output = normed;
    }
    for (const t of new Set(made)) if (t !== output && t !== src) t.dispose();
    return output;
  }

  private nestedFastPathOk(first: Module, src: Tensor, mask: Tensor | null, kpm: Tensor | null, made: Tensor[]): boolean {
    if (!(first instanceof TransformerEncoderLayer)) return false;
    if (first.norm_first || first.training || !first.self_attn.batch_first || !first.self_attn._qkv_same_embed_dim) return false;
    if (!first.activation_relu_or_gelu || first.norm1.eps !== first.norm2.eps || src.dim() !== 3) return false;
    if (!this.enable_nested_tensor || kpm === null) return false;
    if (this.mask_check) {
      const notMask = LOGICAL_NOT.t(kpm);
      made.push(notMask);
      if (LEFT_ALIGNED.call(src, notMask) !== true) return false;
    }
    if (mask !== null || first.self_attn.num_heads % 2 === 1) return false;
    const sa = first.self_attn;
    const tensors = [
      src, sa.in_proj_weight, sa.in_proj_bias, sa.out_proj.weight, sa.out_proj.bias, first.norm1.weight, first.norm1.bias,
      first.norm2.weight, first.norm2.bias, first.linear1.weight, first.linear1.bias, first.linear2.weight, first.linear2.bias,
    ];
    if (is_grad_enabled() && tensors.some((t) => t !== null && t.requires_grad)) return false;
    return true;
  }
}
