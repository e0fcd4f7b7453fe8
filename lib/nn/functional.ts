// torch.nn.functional, ported from torch/nn/functional.py (1.13). Each
// function calls the ATen operator that Python's calls, with the same
// arguments, so results are the same kernels' results. Keyword arguments are
// a trailing options object: F.conv2d(x, w, b, { padding: 1 }).
// Functions that build intermediates free them before returning.
import { op } from '../bridge.js';
import type { dtype } from '../dtype.js';
import { scope } from '../memory.js';
import { no_grad } from '../autograd/grad_mode.js';
import { Tensor } from '../tensor.js';
import { type Args, parseArgs, pyTypeName, sameShape, torchSize } from './_utils.js';

export type IntOrList = number | number[];
export type Reduction = 'none' | 'mean' | 'sum';

const warned = new Set<string>();
/** Python's warnings.warn with the default filter: each message once. */
export function warn(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, 'UserWarning');
}

/** _Reduction.get_enum */
export function _reductionEnum(reduction: string): number {
  switch (reduction) {
    case 'none': return 0;
    case 'mean': return 1;
    case 'elementwise_mean':
      warn("reduction='elementwise_mean' is deprecated, please use reduction='mean' instead.");
      return 1;
    case 'sum': return 2;
    default: throw new Error(`ValueError: ${reduction} is not a valid value for reduction`);
  }
}

const O = {
  linear: op('linear'), bilinear: op('bilinear'),
  conv1d: op('conv1d'), conv2d: op('conv2d'), conv3d: op('conv3d'),
  conv1dPad: op('conv1d', 'padding'), conv2dPad: op('conv2d', 'padding'), conv3dPad: op('conv3d', 'padding'),
  convT1d: op('conv_transpose1d'), convT2d: op('conv_transpose2d', 'input'), convT3d: op('conv_transpose3d', 'input'),
  pad: op('pad'),
  maxPool1d: op('max_pool1d'), maxPool2d: op('max_pool2d'), maxPool3d: op('max_pool3d'),
  maxPool1dIdx: op('max_pool1d_with_indices'), maxPool2dIdx: op('max_pool2d_with_indices'), maxPool3dIdx: op('max_pool3d_with_indices'),
  avgPool1d: op('avg_pool1d'), avgPool2d: op('avg_pool2d'), avgPool3d: op('avg_pool3d'),
  adaptiveAvg1d: op('adaptive_avg_pool1d'), adaptiveAvg2d: op('adaptive_avg_pool2d'), adaptiveAvg3d: op('adaptive_avg_pool3d'),
  adaptiveMax1d: op('adaptive_max_pool1d'), adaptiveMax2d: op('adaptive_max_pool2d'), adaptiveMax3d: op('adaptive_max_pool3d'),
  dropout: op('dropout'), dropout_: op('dropout_'), featureDropout: op('feature_dropout'), featureDropout_: op('feature_dropout_'),
  alphaDropout: op('alpha_dropout'), alphaDropout_: op('alpha_dropout_'),
  featureAlphaDropout: op('feature_alpha_dropout'), featureAlphaDropout_: op('feature_alpha_dropout_'),
  threshold: op('threshold'), threshold_: op('threshold_'),
  relu: op('relu'), relu_: op('relu_'), relu6: op('relu6'), relu6_: op('relu6_'),
  hardtanh: op('hardtanh'), hardtanh_: op('hardtanh_'),
  elu: op('elu'), elu_: op('elu_'), selu: op('selu'), selu_: op('selu_'), celu: op('celu'), celu_: op('celu_'),
  leakyRelu: op('leaky_relu'), leakyRelu_: op('leaky_relu_'), prelu: op('prelu'),
  rrelu: op('rrelu'), rrelu_: op('rrelu_'), glu: op('glu'), gelu: op('gelu'), logSigmoid: op('log_sigmoid'),
  hardshrink: op('hardshrink'), softshrink: op('softshrink'), softplus: op('softplus'),
  softmax: op('softmax', 'int'), logSoftmax: op('log_softmax', 'int'),
  tanh: op('tanh'), sigmoid: op('sigmoid'), hardsigmoid: op('hardsigmoid'), hardsigmoid_: op('hardsigmoid_'),
  silu: op('silu'), silu_: op('silu_'), mish: op('mish'), mish_: op('mish_'), hardswish: op('hardswish'), hardswish_: op('hardswish_'),
  embedding: op('embedding'), embeddingRenorm_: op('embedding_renorm_'), oneHot: op('one_hot'),
  batchNorm: op('batch_norm'), instanceNorm: op('instance_norm'), layerNorm: op('layer_norm'), groupNorm: op('group_norm'),
  l1: op('l1_loss'), mse: op('mse_loss'), smoothL1: op('smooth_l1_loss'), huber: op('huber_loss'),
  crossEntropy: op('cross_entropy_loss'), nllNd: op('nll_loss_nd'), bce: op('binary_cross_entropy'),
  bceLogits: op('binary_cross_entropy_with_logits'), klDiv: op('kl_div'),
  broadcastTensors: op('broadcast_tensors'), expand: op('expand'), neg: op('neg'), abs: op('abs'), sub: op('sub', 'Tensor'),
  div: op('div', 'Tensor'), addS: op('add', 'Scalar'), divS: op('div', 'Scalar'),
  norm: op('norm', 'ScalarOpt_dim'), clampMin: op('clamp_min'), expandAs: op('expand_as'),
  cosineSimilarity: op('cosine_similarity'), pairwiseDistance: op('pairwise_distance'),
  chunk: op('chunk'), splitWithSizes: op('split_with_sizes'), cat: op('cat'), repeat: op('repeat'),
  view: op('view'), reshape: op('reshape'), transpose: op('transpose', 'int'), contiguous: op('contiguous'),
  unsqueeze: op('unsqueeze'), squeeze: op('squeeze', 'dim'), logicalOr: op('logical_or'),
  maskedFill: op('masked_fill', 'Scalar'), maskedFill_: op('masked_fill_', 'Scalar'), zerosLike: op('zeros_like'), zeros: op('zeros'),
  baddbmm: op('baddbmm'), bmm: op('bmm'), sumDim: op('sum', 'dim_IntList'),
} as const;

// ---- linear ---------------------------------------------------------------------

/** y = x Wᵀ + b */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return O.linear.t(input, weight, bias ?? null);
}

/** y = x1ᵀ W x2 + b */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return O.bilinear.t(input1, input2, weight, bias ?? null);
}

// ---- convolution ------------------------------------------------------------------

export interface ConvKw {
  bias?: Tensor | null;
  stride?: IntOrList;
  padding?: IntOrList | 'same' | 'valid';
  dilation?: IntOrList;
  groups?: number;
}
type ConvPos = [bias: Tensor | null, stride: IntOrList, padding: IntOrList | 'same' | 'valid', dilation: IntOrList, groups: number];
const CONV_NAMES = ['bias', 'stride', 'padding', 'dilation', 'groups'] as const;

function convNd(name: string, plain: typeof O.conv1d, withPad: typeof O.conv1d, input: Tensor, weight: Tensor, args: readonly unknown[]): Tensor {
  const o = parseArgs<ConvKw>(name, args, [...CONV_NAMES]);
  const padding = o.padding ?? 0;
  const f = typeof padding === 'string' ? withPad : plain;
  return f.t(input, weight, o.bias ?? null, o.stride ?? 1, padding, o.dilation ?? 1, o.groups ?? 1);
}
export function conv1d(input: Tensor, weight: Tensor, ...args: Args<ConvPos, ConvKw>): Tensor {
  return convNd('conv1d', O.conv1d, O.conv1dPad, input, weight, args);
}
export function conv2d(input: Tensor, weight: Tensor, ...args: Args<ConvPos, ConvKw>): Tensor {
  return convNd('conv2d', O.conv2d, O.conv2dPad, input, weight, args);
}
export function conv3d(input: Tensor, weight: Tensor, ...args: Args<ConvPos, ConvKw>): Tensor {
  return convNd('conv3d', O.conv3d, O.conv3dPad, input, weight, args);
}

export interface ConvTransposeKw {
  bias?: Tensor | null;
  stride?: IntOrList;
  padding?: IntOrList;
  output_padding?: IntOrList;
  groups?: number;
  dilation?: IntOrList;
}
type ConvTPos = [bias: Tensor | null, stride: IntOrList, padding: IntOrList, output_padding: IntOrList, groups: number, dilation: IntOrList];
const CONVT_NAMES = ['bias', 'stride', 'padding', 'output_padding', 'groups', 'dilation'] as const;
function convTNd(name: string, f: typeof O.convT1d, input: Tensor, weight: Tensor, args: readonly unknown[]): Tensor {
  const o = parseArgs<ConvTransposeKw>(name, args, [...CONVT_NAMES]);
  return f.t(input, weight, o.bias ?? null, o.stride ?? 1, o.padding ?? 0, o.output_padding ?? 0, o.groups ?? 1, o.dilation ?? 1);
}
export function conv_transpose1d(input: Tensor, weight: Tensor, ...args: Args<ConvTPos, ConvTransposeKw>): Tensor {
  return convTNd('conv_transpose1d', O.convT1d, input, weight, args);
}
export function conv_transpose2d(input: Tensor, weight: Tensor, ...args: Args<ConvTPos, ConvTransposeKw>): Tensor {
  return convTNd('conv_transpose2d', O.convT2d, input, weight, args);
}
export function conv_transpose3d(input: Tensor, weight: Tensor, ...args: Args<ConvTPos, ConvTransposeKw>): Tensor {
  return convTNd('conv_transpose3d', O.convT3d, input, weight, args);
}

/** Pads the last dimensions: pad = [left, right, top, bottom, ...]; mode constant, reflect, replicate or circular. */
export function pad(input: Tensor, padding: readonly number[], ...args: Args<[mode: 'constant' | 'reflect' | 'replicate' | 'circular', value: number | null], { mode?: string; value?: number | null }>): Tensor {
  const o = parseArgs<{ mode: string; value: number | null }>('pad', args, ['mode', 'value']);
  return O.pad.t(input, padding, o.mode ?? 'constant', o.value ?? null);
}

// ---- pooling ------------------------------------------------------------------

export interface MaxPoolKw {
  stride?: IntOrList | null;
  padding?: IntOrList;
  dilation?: IntOrList;
  ceil_mode?: boolean;
  return_indices?: boolean;
}
type MaxPoolPos = [stride: IntOrList | null, padding: IntOrList, dilation: IntOrList, ceil_mode: boolean, return_indices: boolean];
const MAXPOOL_NAMES = ['stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'] as const;

function maxPool(name: string, plain: typeof O.maxPool1d, withIdx: typeof O.maxPool1d, input: Tensor, kernel: IntOrList, args: readonly unknown[], forceIdx: boolean): Tensor | [Tensor, Tensor] {
  const o = parseArgs<MaxPoolKw>(name, args, [...MAXPOOL_NAMES]);
  const stride = o.stride ?? [];
  if (forceIdx || o.return_indices) {
    return withIdx.call(input, kernel, stride, o.padding ?? 0, o.dilation ?? 1, o.ceil_mode ?? false) as [Tensor, Tensor];
  }
  return plain.t(input, kernel, stride, o.padding ?? 0, o.dilation ?? 1, o.ceil_mode ?? false);
}
export function max_pool1d(input: Tensor, kernel_size: IntOrList, options: MaxPoolKw & { return_indices: true }): [Tensor, Tensor];
export function max_pool1d(input: Tensor, kernel_size: IntOrList, ...args: Args<MaxPoolPos, MaxPoolKw>): Tensor;
export function max_pool1d(input: Tensor, kernel_size: IntOrList, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  return maxPool('max_pool1d', O.maxPool1d, O.maxPool1dIdx, input, kernel_size, args, false);
}
export function max_pool2d(input: Tensor, kernel_size: IntOrList, options: MaxPoolKw & { return_indices: true }): [Tensor, Tensor];
export function max_pool2d(input: Tensor, kernel_size: IntOrList, ...args: Args<MaxPoolPos, MaxPoolKw>): Tensor;
export function max_pool2d(input: Tensor, kernel_size: IntOrList, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  return maxPool('max_pool2d', O.maxPool2d, O.maxPool2dIdx, input, kernel_size, args, false);
}
export function max_pool3d(input: Tensor, kernel_size: IntOrList, options: MaxPoolKw & { return_indices: true }): [Tensor, Tensor];
export function max_pool3d(input: Tensor, kernel_size: IntOrList, ...args: Args<MaxPoolPos, MaxPoolKw>): Tensor;
export function max_pool3d(input: Tensor, kernel_size: IntOrList, ...args: unknown[]): Tensor | [Tensor, Tensor] {
  return maxPool('max_pool3d', O.maxPool3d, O.maxPool3dIdx, input, kernel_size, args, false);
}
export function max_pool1d_with_indices(input: Tensor, kernel_size: IntOrList, ...args: Args<MaxPoolPos, MaxPoolKw>): [Tensor, Tensor] {
  return maxPool('max_pool1d_with_indices', O.maxPool1d, O.maxPool1dIdx, input, kernel_size, args, true) as [Tensor, Tensor];
}
export function max_pool2d_with_indices(input: Tensor, kernel_size: IntOrList, ...args: Args<MaxPoolPos, MaxPoolKw>): [Tensor, Tensor] {
  return maxPool('max_pool2d_with_indices', O.maxPool2d, O.maxPool2dIdx, input, kernel_size, args, true) as [Tensor, Tensor];
}
export function max_pool3d_with_indices(input: Tensor, kernel_size: IntOrList, ...args: Args<MaxPoolPos, MaxPoolKw>): [Tensor, Tensor] {
  return maxPool('max_pool3d_with_indices', O.maxPool3d, O.maxPool3dIdx, input, kernel_size, args, true) as [Tensor, Tensor];
}

export interface AvgPoolKw {
  stride?: IntOrList | null;
  padding?: IntOrList;
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number | null;
}
type AvgPool1dPos = [stride: IntOrList | null, padding: IntOrList, ceil_mode: boolean, count_include_pad: boolean];
type AvgPoolPos = [...AvgPool1dPos, divisor_override: number | null];
const AVGPOOL_NAMES = ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'] as const;
export function avg_pool1d(input: Tensor, kernel_size: IntOrList, ...args: Args<AvgPool1dPos, Omit<AvgPoolKw, 'divisor_override'>>): Tensor {
  const o = parseArgs<AvgPoolKw>('avg_pool1d', args, AVGPOOL_NAMES.slice(0, 4) as (keyof AvgPoolKw)[]);
  return O.avgPool1d.t(input, kernel_size, o.stride ?? [], o.padding ?? 0, o.ceil_mode ?? false, o.count_include_pad ?? true);
}
export function avg_pool2d(input: Tensor, kernel_size: IntOrList, ...args: Args<AvgPoolPos, AvgPoolKw>): Tensor {
  const o = parseArgs<AvgPoolKw>('avg_pool2d', args, [...AVGPOOL_NAMES]);
  return O.avgPool2d.t(input, kernel_size, o.stride ?? [], o.padding ?? 0, o.ceil_mode ?? false, o.count_include_pad ?? true, o.divisor_override ?? null);
}
export function avg_pool3d(input: Tensor, kernel_size: IntOrList, ...args: Args<AvgPoolPos, AvgPoolKw>): Tensor {
  const o = parseArgs<AvgPoolKw>('avg_pool3d', args, [...AVGPOOL_NAMES]);
  return O.avgPool3d.t(input, kernel_size, o.stride ?? [], o.padding ?? 0, o.ceil_mode ?? false, o.count_include_pad ?? true, o.divisor_override ?? null);
}

/** output_size entries may be null (keep the input's size), as Python's None. */
export type OutputSize = number | (number | null)[];
function listWithDefault(out: OutputSize, defaults: readonly number[]): number[] {
  if (typeof out === 'number') return [out];
  const k = out.length;
  if (defaults.length <= k) throw new Error(`ValueError: Input dimension should be at least ${k + 1}`);
  const tail = defaults.slice(defaults.length - k);
  return out.map((v, i) => v ?? tail[i]!);
}
export function adaptive_avg_pool1d(input: Tensor, output_size: IntOrList): Tensor {
  return O.adaptiveAvg1d.t(input, output_size);
}
export function adaptive_avg_pool2d(input: Tensor, output_size: OutputSize): Tensor {
  const size = typeof output_size === 'number' ? output_size : listWithDefault(output_size, input.shape);
  return O.adaptiveAvg2d.t(input, size);
}
export function adaptive_avg_pool3d(input: Tensor, output_size: OutputSize): Tensor {
  const size = typeof output_size === 'number' ? output_size : listWithDefault(output_size, input.shape);
  return O.adaptiveAvg3d.t(input, size);
}
export function adaptive_max_pool1d(input: Tensor, output_size: IntOrList, return_indices?: false): Tensor;
export function adaptive_max_pool1d(input: Tensor, output_size: IntOrList, return_indices: true): [Tensor, Tensor];
export function adaptive_max_pool1d(input: Tensor, output_size: IntOrList, return_indices = false): Tensor | [Tensor, Tensor] {
  const [out, idx] = O.adaptiveMax1d.call(input, output_size) as [Tensor, Tensor];
  if (return_indices) return [out, idx];
  idx.dispose();
  return out;
}
export function adaptive_max_pool2d(input: Tensor, output_size: OutputSize, return_indices?: false): Tensor;
export function adaptive_max_pool2d(input: Tensor, output_size: OutputSize, return_indices: true): [Tensor, Tensor];
export function adaptive_max_pool2d(input: Tensor, output_size: OutputSize, return_indices = false): Tensor | [Tensor, Tensor] {
  const size = typeof output_size === 'number' ? output_size : listWithDefault(output_size, input.shape);
  const [out, idx] = O.adaptiveMax2d.call(input, size) as [Tensor, Tensor];
  if (return_indices) return [out, idx];
  idx.dispose();
  return out;
}

// ---- dropout ------------------------------------------------------------------

export interface DropoutKw {
  p?: number;
  training?: boolean;
  inplace?: boolean;
}
type DropoutPos = [p: number, training: boolean, inplace: boolean];
function dropoutArgs(name: string, args: readonly unknown[], trainingDefault: boolean): Required<DropoutKw> {
  const o = parseArgs<DropoutKw>(name, args, ['p', 'training', 'inplace']);
  const p = o.p ?? 0.5;
  if (p < 0 || p > 1) throw new Error(`ValueError: dropout probability has to be between 0 and 1, but got ${p}`);
  return { p, training: o.training ?? trainingDefault, inplace: o.inplace ?? false };
}
/** Zeroes elements with probability p during training and scales the rest by 1/(1-p). */
export function dropout(input: Tensor, ...args: Args<DropoutPos, DropoutKw>): Tensor {
  const { p, training, inplace } = dropoutArgs('dropout', args, true);
  return inplace ? (O.dropout_.call(input, p, training) as Tensor) : O.dropout.t(input, p, training);
}
export function alpha_dropout(input: Tensor, ...args: Args<DropoutPos, DropoutKw>): Tensor {
  const { p, training, inplace } = dropoutArgs('alpha_dropout', args, false);
  return inplace ? (O.alphaDropout_.call(input, p, training) as Tensor) : O.alphaDropout.t(input, p, training);
}
export function feature_alpha_dropout(input: Tensor, ...args: Args<DropoutPos, DropoutKw>): Tensor {
  const { p, training, inplace } = dropoutArgs('feature_alpha_dropout', args, false);
  return inplace ? (O.featureAlphaDropout_.call(input, p, training) as Tensor) : O.featureAlphaDropout.t(input, p, training);
}
function featureDropoutUnbatched(input: Tensor, p: number, training: boolean, inplace: boolean, batched: boolean): Tensor {
  if (batched) return inplace ? (O.featureDropout_.call(input, p, training) as Tensor) : O.featureDropout.t(input, p, training);
  if (inplace) {
    op('unsqueeze_').call(input, 0);
    O.featureDropout_.call(input, p, training);
    op('squeeze_', 'dim').call(input, 0);
    return input;
  }
  const u = O.unsqueeze.t(input, 0);
  const r = O.featureDropout.t(u, p, training);
  const out = O.squeeze.t(r, 0);
  u.dispose();
  r.dispose();
  return out;
}
/** Zeroes whole channels of (N, C, L) or (C, L) inputs. */
export function dropout1d(input: Tensor, ...args: Args<DropoutPos, DropoutKw>): Tensor {
  const { p, training, inplace } = dropoutArgs('dropout1d', args, true);
  const d = input.dim();
  if (d !== 2 && d !== 3) {
    throw new Error(
      `dropout1d: Expected 2D or 3D input, but received a ${d}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`,
    );
  }
  return featureDropoutUnbatched(input, p, training, inplace, d === 3);
}
/** Zeroes whole channels of (N, C, H, W) inputs (a 3-D input is taken as (N, C, L), as PyTorch 1.13 does). */
export function dropout2d(input: Tensor, ...args: Args<DropoutPos, DropoutKw>): Tensor {
  const { p, training, inplace } = dropoutArgs('dropout2d', args, true);
  const d = input.dim();
  if (d !== 3 && d !== 4) {
    warn(
      `dropout2d: Received a ${d}-D input to dropout2d, which is deprecated and will result in an error in a future release. To retain the behavior and silence this warning, please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).`,
    );
  }
  if (d === 3) {
    warn(
      'dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will change in a future release to interpret the input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.',
    );
  }
  return inplace ? (O.featureDropout_.call(input, p, training) as Tensor) : O.featureDropout.t(input, p, training);
}
export function dropout3d(input: Tensor, ...args: Args<DropoutPos, DropoutKw>): Tensor {
  const { p, training, inplace } = dropoutArgs('dropout3d', args, true);
  const d = input.dim();
  if (d !== 4 && d !== 5) {
    warn(
      `dropout3d: Received a ${d}-D input to dropout3d, which is deprecated and will result in an error in a future release. To retain the behavior and silence this warning, please use dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).`,
    );
  }
  return featureDropoutUnbatched(input, p, training, inplace, d === 5);
}

// ---- activations -----------------------------------------------------------------

type InplaceArgs = Args<[inplace: boolean], { inplace?: boolean }>;
function inplaceOf(name: string, args: readonly unknown[]): boolean {
  return parseArgs<{ inplace: boolean }>(name, args, ['inplace']).inplace ?? false;
}

export function threshold(input: Tensor, threshold: number, value: number, ...args: InplaceArgs): Tensor {
  return inplaceOf('threshold', args) ? (O.threshold_.call(input, threshold, value) as Tensor) : O.threshold.t(input, threshold, value);
}
export function relu(input: Tensor, ...args: InplaceArgs): Tensor {
  return inplaceOf('relu', args) ? (O.relu_.call(input) as Tensor) : O.relu.t(input);
}
export function relu_(input: Tensor): Tensor {
  return O.relu_.call(input) as Tensor;
}
export function relu6(input: Tensor, ...args: InplaceArgs): Tensor {
  return inplaceOf('relu6', args) ? (O.relu6_.call(input) as Tensor) : O.relu6.t(input);
}
export function hardtanh(input: Tensor, ...args: Args<[min_val: number, max_val: number, inplace: boolean], { min_val?: number; max_val?: number; inplace?: boolean }>): Tensor {
  const o = parseArgs<{ min_val: number; max_val: number; inplace: boolean }>('hardtanh', args, ['min_val', 'max_val', 'inplace']);
  const lo = o.min_val ?? -1, hi = o.max_val ?? 1;
  return o.inplace ? (O.hardtanh_.call(input, lo, hi) as Tensor) : O.hardtanh.t(input, lo, hi);
}
export function elu(input: Tensor, ...args: Args<[alpha: number, inplace: boolean], { alpha?: number; inplace?: boolean }>): Tensor {
  const o = parseArgs<{ alpha: number; inplace: boolean }>('elu', args, ['alpha', 'inplace']);
  return o.inplace ? (O.elu_.call(input, o.alpha ?? 1) as Tensor) : O.elu.t(input, o.alpha ?? 1);
}
export function selu(input: Tensor, ...args: InplaceArgs): Tensor {
  return inplaceOf('selu', args) ? (O.selu_.call(input) as Tensor) : O.selu.t(input);
}
export function celu(input: Tensor, ...args: Args<[alpha: number, inplace: boolean], { alpha?: number; inplace?: boolean }>): Tensor {
  const o = parseArgs<{ alpha: number; inplace: boolean }>('celu', args, ['alpha', 'inplace']);
  return o.inplace ? (O.celu_.call(input, o.alpha ?? 1) as Tensor) : O.celu.t(input, o.alpha ?? 1);
}
export function leaky_relu(input: Tensor, ...args: Args<[negative_slope: number, inplace: boolean], { negative_slope?: number; inplace?: boolean }>): Tensor {
  const o = parseArgs<{ negative_slope: number; inplace: boolean }>('leaky_relu', args, ['negative_slope', 'inplace']);
  const s = o.negative_slope ?? 0.01;
  return o.inplace ? (O.leakyRelu_.call(input, s) as Tensor) : O.leakyRelu.t(input, s);
}
export function prelu(input: Tensor, weight: Tensor): Tensor {
  return O.prelu.t(input, weight);
}
export function rrelu(input: Tensor, ...args: Args<[lower: number, upper: number, training: boolean, inplace: boolean], { lower?: number; upper?: number; training?: boolean; inplace?: boolean }>): Tensor {
  const o = parseArgs<{ lower: number; upper: number; training: boolean; inplace: boolean }>('rrelu', args, ['lower', 'upper', 'training', 'inplace']);
  const a = [input, o.lower ?? 1 / 8, o.upper ?? 1 / 3, o.training ?? false];
  return o.inplace ? (O.rrelu_.call(...a) as Tensor) : O.rrelu.t(...a);
}
export function glu(input: Tensor, dim = -1): Tensor {
  if (input.dim() === 0) throw new Error('glu does not support scalars because halving size must be even');
  return O.glu.t(input, dim);
}
/** GELU; approximate 'none' (exact, erf) or 'tanh'. */
export function gelu(input: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  return O.gelu.t(input, options.approximate ?? 'none');
}
export function logsigmoid(input: Tensor): Tensor {
  return O.logSigmoid.t(input);
}
export function hardshrink(input: Tensor, lambd = 0.5): Tensor {
  return O.hardshrink.t(input, lambd);
}
export function softshrink(input: Tensor, lambd = 0.5): Tensor {
  return O.softshrink.t(input, lambd);
}
export function tanhshrink(input: Tensor): Tensor {
  const t = O.tanh.t(input);
  const r = O.sub.t(input, t);
  t.dispose();
  return r;
}
export function softsign(input: Tensor): Tensor {
  const a = O.abs.t(input);
  const d = O.addS.t(a, 1);
  const r = O.div.t(input, d);
  a.dispose();
  d.dispose();
  return r;
}
export function softplus(input: Tensor, ...args: Args<[beta: number, threshold: number], { beta?: number; threshold?: number }>): Tensor {
  const o = parseArgs<{ beta: number; threshold: number }>('softplus', args, ['beta', 'threshold']);
  return O.softplus.t(input, o.beta ?? 1, o.threshold ?? 20);
}

function softmaxDim(name: string, ndim: number): number {
  warn(`Implicit dimension choice for ${name} has been deprecated. Change the call to include dim=X as an argument.`);
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}
type SoftmaxArgs = Args<[dim: number | null, _stacklevel: number, dtype: dtype | null], { dim?: number | null; _stacklevel?: number; dtype?: dtype | null }>;
function softmaxArgs(name: string, input: Tensor, args: readonly unknown[]): [number, dtype | null] {
  const o = parseArgs<{ dim: number | null; _stacklevel: number; dtype: dtype | null }>(name, args, ['dim', '_stacklevel', 'dtype']);
  const dim = o.dim === undefined || o.dim === null ? softmaxDim(name, input.dim()) : o.dim;
  return [dim, o.dtype ?? null];
}
export function softmax(input: Tensor, ...args: SoftmaxArgs): Tensor {
  const [dim, dt] = softmaxArgs('softmax', input, args);
  return O.softmax.t(input, dim, dt);
}
export function softmin(input: Tensor, ...args: SoftmaxArgs): Tensor {
  const [dim, dt] = softmaxArgs('softmin', input, args);
  const n = O.neg.t(input);
  const r = O.softmax.t(n, dim, dt);
  n.dispose();
  return r;
}
export function log_softmax(input: Tensor, ...args: SoftmaxArgs): Tensor {
  const [dim, dt] = softmaxArgs('log_softmax', input, args);
  return O.logSoftmax.t(input, dim, dt);
}
export function tanh(input: Tensor): Tensor {
  return O.tanh.t(input);
}
export function sigmoid(input: Tensor): Tensor {
  return O.sigmoid.t(input);
}
export function hardsigmoid(input: Tensor, ...args: InplaceArgs): Tensor {
  return inplaceOf('hardsigmoid', args) ? (O.hardsigmoid_.call(input) as Tensor) : O.hardsigmoid.t(input);
}
export function silu(input: Tensor, ...args: InplaceArgs): Tensor {
  return inplaceOf('silu', args) ? (O.silu_.call(input) as Tensor) : O.silu.t(input);
}
export function mish(input: Tensor, ...args: InplaceArgs): Tensor {
  return inplaceOf('mish', args) ? (O.mish_.call(input) as Tensor) : O.mish.t(input);
}
export function hardswish(input: Tensor, ...args: InplaceArgs): Tensor {
  return inplaceOf('hardswish', args) ? (O.hardswish_.call(input) as Tensor) : O.hardswish.t(input);
}

// ---- sparse -------------------------------------------------------------------

export interface EmbeddingKw {
  padding_idx?: number | null;
  max_norm?: number | null;
  norm_type?: number;
  scale_grad_by_freq?: boolean;
  sparse?: boolean;
}
type EmbeddingPos = [padding_idx: number | null, max_norm: number | null, norm_type: number, scale_grad_by_freq: boolean, sparse: boolean];
/** Looks up rows of weight by the indices in input. */
export function embedding(input: Tensor, weight: Tensor, ...args: Args<EmbeddingPos, EmbeddingKw>): Tensor {
  const o = parseArgs<EmbeddingKw>('embedding', args, ['padding_idx', 'max_norm', 'norm_type', 'scale_grad_by_freq', 'sparse']);
  let paddingIdx = o.padding_idx ?? null;
  const n = weight.size(0);
  if (paddingIdx !== null) {
    if (paddingIdx > 0 && paddingIdx >= n) throw new Error('AssertionError: Padding_idx must be within num_embeddings');
    if (paddingIdx < 0) {
      if (paddingIdx < -n) throw new Error('AssertionError: Padding_idx must be within num_embeddings');
      paddingIdx = n + paddingIdx;
    }
  } else {
    paddingIdx = -1;
  }
  if (o.max_norm !== undefined && o.max_norm !== null) {
    const maxNorm = o.max_norm;
    const contiguous = O.contiguous.t(input);
    const detached = weight.detach();
    no_grad(() => O.embeddingRenorm_.call(detached, contiguous, maxNorm, o.norm_type ?? 2));
    detached.dispose();
    const r = O.embedding.t(weight, contiguous, paddingIdx, o.scale_grad_by_freq ?? false, o.sparse ?? false);
    contiguous.dispose();
    return r;
  }
  return O.embedding.t(weight, input, paddingIdx, o.scale_grad_by_freq ?? false, o.sparse ?? false);
}

export function one_hot(tensor: Tensor, num_classes = -1): Tensor {
  return O.oneHot.t(tensor, num_classes);
}

// ---- normalization ----------------------------------------------------------------

function verifyBatchSize(size: readonly number[]): void {
  let prod = size[0]!;
  for (let i = 2; i < size.length; i++) prod *= size[i]!;
  if (prod === 1) throw new Error(`ValueError: Expected more than 1 value per channel when training, got input size ${torchSize(size)}`);
}

export interface BatchNormKw {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}
type BatchNormPos = [weight: Tensor | null, bias: Tensor | null, training: boolean, momentum: number, eps: number];
/** Batch normalization; in training, updates running_mean/running_var in place. */
export function batch_norm(input: Tensor, running_mean: Tensor | null, running_var: Tensor | null, ...args: Args<BatchNormPos, BatchNormKw>): Tensor {
  const o = parseArgs<BatchNormKw>('batch_norm', args, ['weight', 'bias', 'training', 'momentum', 'eps']);
  const training = o.training ?? false;
  if (training) verifyBatchSize(input.shape);
  return O.batchNorm.t(input, o.weight ?? null, o.bias ?? null, running_mean, running_var, training, o.momentum ?? 0.1, o.eps ?? 1e-5, true);
}

export interface InstanceNormKw {
  running_mean?: Tensor | null;
  running_var?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  use_input_stats?: boolean;
  momentum?: number;
  eps?: number;
}
export function instance_norm(input: Tensor, ...args: Args<[running_mean: Tensor | null, running_var: Tensor | null, weight: Tensor | null, bias: Tensor | null, use_input_stats: boolean, momentum: number, eps: number], InstanceNormKw>): Tensor {
  const o = parseArgs<InstanceNormKw>('instance_norm', args, ['running_mean', 'running_var', 'weight', 'bias', 'use_input_stats', 'momentum', 'eps']);
  const useInput = o.use_input_stats ?? true;
  if (useInput) {
    const size = input.shape;
    let prod = 1;
    for (let i = 2; i < size.length; i++) prod *= size[i]!;
    if (prod === 1) throw new Error(`ValueError: Expected more than 1 spatial element when training, got input size ${torchSize(size)}`);
  }
  return O.instanceNorm.t(input, o.weight ?? null, o.bias ?? null, o.running_mean ?? null, o.running_var ?? null, useInput, o.momentum ?? 0.1, o.eps ?? 1e-5, true);
}

export interface LayerNormKw {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}
export function layer_norm(input: Tensor, normalized_shape: readonly number[], ...args: Args<[weight: Tensor | null, bias: Tensor | null, eps: number], LayerNormKw>): Tensor {
  const o = parseArgs<LayerNormKw>('layer_norm', args, ['weight', 'bias', 'eps']);
  return O.layerNorm.t(input, normalized_shape, o.weight ?? null, o.bias ?? null, o.eps ?? 1e-5, true);
}
export function group_norm(input: Tensor, num_groups: number, ...args: Args<[weight: Tensor | null, bias: Tensor | null, eps: number], LayerNormKw>): Tensor {
  const o = parseArgs<LayerNormKw>('group_norm', args, ['weight', 'bias', 'eps']);
  const s = input.shape;
  verifyBatchSize([Math.floor((s[0]! * s[1]!) / num_groups), num_groups, ...s.slice(2)]);
  return O.groupNorm.t(input, num_groups, o.weight ?? null, o.bias ?? null, o.eps ?? 1e-5, true);
}

/** x / max(‖x‖_p, eps) along dim. */
export function normalize(input: Tensor, ...args: Args<[p: number, dim: number, eps: number], { p?: number; dim?: number; eps?: number }>): Tensor {
  const o = parseArgs<{ p: number; dim: number; eps: number }>('normalize', args, ['p', 'dim', 'eps']);
  return scope(() => {
    const n = O.norm.t(input, o.p ?? 2, [o.dim ?? 1], true);
    const d = O.expandAs.t(O.clampMin.t(n, o.eps ?? 1e-12), input);
    return O.div.t(input, d);
  });
}

export function cosine_similarity(x1: Tensor, x2: Tensor, ...args: Args<[dim: number, eps: number], { dim?: number; eps?: number }>): Tensor {
  const o = parseArgs<{ dim: number; eps: number }>('cosine_similarity', args, ['dim', 'eps']);
  return O.cosineSimilarity.t(x1, x2, o.dim ?? 1, o.eps ?? 1e-8);
}
export function pairwise_distance(x1: Tensor, x2: Tensor, ...args: Args<[p: number, eps: number, keepdim: boolean], { p?: number; eps?: number; keepdim?: boolean }>): Tensor {
  const o = parseArgs<{ p: number; eps: number; keepdim: boolean }>('pairwise_distance', args, ['p', 'eps', 'keepdim']);
  return O.pairwiseDistance.t(x1, x2, o.p ?? 2, o.eps ?? 1e-6, o.keepdim ?? false);
}

// ---- losses -----------------------------------------------------------------------

export interface ReductionKw {
  reduction?: Reduction;
}

/** Losses compare shapes before any op sees their arguments: without this check a non-tensor fails with an unrelated TypeError. */
function checkLossTensors(name: string, input: unknown, target: unknown): void {
  if (!(input instanceof Tensor)) throw new TypeError(`${name}(): argument 'input' must be Tensor, not ${pyTypeName(input)}`);
  if (!(target instanceof Tensor)) throw new TypeError(`${name}(): argument 'target' must be Tensor, not ${pyTypeName(target)}`);
}

function broadcastPair(name: string, input: Tensor, target: Tensor, call: (a: Tensor, b: Tensor) => Tensor): Tensor {
  checkLossTensors(name, input, target);
  if (sameShape(input.shape, target.shape)) return call(input, target);
  warn(
    `Using a target size (${torchSize(target.shape)}) that is different to the input size (${torchSize(input.shape)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`,
  );
  const [a, b] = O.broadcastTensors.call([input, target]) as [Tensor, Tensor];
  const r = call(a, b);
  a.dispose();
  b.dispose();
  return r;
}

const REDUCTION_ARGS = ['size_average', 'reduce', 'reduction'];

function reductionOf(name: string, args: readonly unknown[], names: string[] = REDUCTION_ARGS): Record<string, unknown> & { reduction: Reduction } {
  const o = parseArgs<Record<string, unknown>>(name, args, names) as Record<string, unknown>;
  let reduction = (o.reduction as Reduction | undefined) ?? 'mean';
  if (o.size_average !== undefined || o.reduce !== undefined) reduction = legacyGetString(o.size_average as boolean | undefined, o.reduce as boolean | undefined);
  o.reduction = reduction;
  return o as Record<string, unknown> & { reduction: Reduction };
}

/** _Reduction.legacy_get_string */
function legacyGetString(size_average: boolean | null | undefined, reduce: boolean | null | undefined): Reduction {
  warn("size_average and reduce args will be deprecated, please use reduction='mean' instead.");
  const sa = size_average ?? true;
  const rd = reduce ?? true;
  if (sa && rd) return 'mean';
  if (rd) return 'sum';
  return 'none';
}

type LossArgs<K = object> = Args<[size_average: boolean | null, reduce: boolean | null, reduction: Reduction], ReductionKw & { size_average?: boolean | null; reduce?: boolean | null } & K>;

/** Mean absolute error. */
export function l1_loss(input: Tensor, target: Tensor, ...args: LossArgs): Tensor {
  const { reduction } = reductionOf('l1_loss', args);
  return broadcastPair('l1_loss', input, target, (a, b) => O.l1.t(a, b, _reductionEnum(reduction)));
}
/** Mean squared error. */
export function mse_loss(input: Tensor, target: Tensor, ...args: LossArgs): Tensor {
  const { reduction } = reductionOf('mse_loss', args);
  return broadcastPair('mse_loss', input, target, (a, b) => O.mse.t(a, b, _reductionEnum(reduction)));
}
const SMOOTH_L1_ARGS = [...REDUCTION_ARGS, 'beta'];
export function smooth_l1_loss(input: Tensor, target: Tensor, ...args: Args<[size_average: boolean | null, reduce: boolean | null, reduction: Reduction, beta: number], ReductionKw & { beta?: number; size_average?: boolean | null; reduce?: boolean | null }>): Tensor {
  const o = reductionOf('smooth_l1_loss', args, SMOOTH_L1_ARGS);
  return broadcastPair('smooth_l1_loss', input, target, (a, b) => O.smoothL1.t(a, b, _reductionEnum(o.reduction), (o.beta as number | undefined) ?? 1.0));
}
export function huber_loss(input: Tensor, target: Tensor, ...args: Args<[reduction: Reduction, delta: number], ReductionKw & { delta?: number }>): Tensor {
  const o = parseArgs<{ reduction: Reduction; delta: number }>('huber_loss', args, ['reduction', 'delta']);
  return broadcastPair('huber_loss', input, target, (a, b) => O.huber.t(a, b, _reductionEnum(o.reduction ?? 'mean'), o.delta ?? 1.0));
}

export interface CrossEntropyKw extends ReductionKw {
  weight?: Tensor | null;
  size_average?: boolean | null;
  ignore_index?: number;
  reduce?: boolean | null;
  label_smoothing?: number;
}
/** Cross entropy of logits against class indices (int64) or class probabilities (float). */
export function cross_entropy(input: Tensor, target: Tensor, ...args: Args<[weight: Tensor | null, size_average: boolean | null, ignore_index: number, reduce: boolean | null, reduction: Reduction, label_smoothing: number], CrossEntropyKw>): Tensor {
  const o = parseArgs<CrossEntropyKw>('cross_entropy', args, ['weight', 'size_average', 'ignore_index', 'reduce', 'reduction', 'label_smoothing']);
  let reduction = o.reduction ?? 'mean';
  if (o.size_average !== undefined || o.reduce !== undefined) reduction = legacyGetString(o.size_average, o.reduce);
  return O.crossEntropy.t(input, target, o.weight ?? null, _reductionEnum(reduction), o.ignore_index ?? -100, o.label_smoothing ?? 0.0);
}

export interface NllLossKw extends ReductionKw {
  weight?: Tensor | null;
  size_average?: boolean | null;
  ignore_index?: number;
  reduce?: boolean | null;
}
/** Negative log likelihood of log-probabilities against class indices. */
export function nll_loss(input: Tensor, target: Tensor, ...args: Args<[weight: Tensor | null, size_average: boolean | null, ignore_index: number, reduce: boolean | null, reduction: Reduction], NllLossKw>): Tensor {
  const o = parseArgs<NllLossKw>('nll_loss', args, ['weight', 'size_average', 'ignore_index', 'reduce', 'reduction']);
  let reduction = o.reduction ?? 'mean';
  if (o.size_average !== undefined || o.reduce !== undefined) reduction = legacyGetString(o.size_average, o.reduce);
  return O.nllNd.t(input, target, o.weight ?? null, _reductionEnum(reduction), o.ignore_index ?? -100);
}

export interface BceKw extends ReductionKw {
  weight?: Tensor | null;
  size_average?: boolean | null;
  reduce?: boolean | null;
}
/** Binary cross entropy of probabilities. */
export function binary_cross_entropy(input: Tensor, target: Tensor, ...args: Args<[weight: Tensor | null, size_average: boolean | null, reduce: boolean | null, reduction: Reduction], BceKw>): Tensor {
  checkLossTensors('binary_cross_entropy', input, target);
  const o = parseArgs<BceKw>('binary_cross_entropy', args, ['weight', 'size_average', 'reduce', 'reduction']);
  let reduction = o.reduction ?? 'mean';
  if (o.size_average !== undefined || o.reduce !== undefined) reduction = legacyGetString(o.size_average, o.reduce);
  if (!sameShape(target.shape, input.shape)) {
    throw new Error(
      `ValueError: Using a target size (${torchSize(target.shape)}) that is different to the input size (${torchSize(input.shape)}) is deprecated. Please ensure they have the same size.`,
    );
  }
  let weight = o.weight ?? null;
  let expanded: Tensor | undefined;
  if (weight !== null && !sameShape(weight.shape, target.shape)) {
    weight = expanded = O.expand.t(weight, inferSize(target.shape, weight.shape));
  }
  const r = O.bce.t(input, target, weight, _reductionEnum(reduction));
  expanded?.dispose();
  return r;
}

function inferSize(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

export interface BceLogitsKw extends BceKw {
  pos_weight?: Tensor | null;
}
/** Sigmoid + binary cross entropy, fused and numerically stable; pos_weight weighs positive examples. */
export function binary_cross_entropy_with_logits(input: Tensor, target: Tensor, ...args: Args<[weight: Tensor | null, size_average: boolean | null, reduce: boolean | null, reduction: Reduction, pos_weight: Tensor | null], BceLogitsKw>): Tensor {
  checkLossTensors('binary_cross_entropy_with_logits', input, target);
  const o = parseArgs<BceLogitsKw>('binary_cross_entropy_with_logits', args, ['weight', 'size_average', 'reduce', 'reduction', 'pos_weight']);
  let reduction = o.reduction ?? 'mean';
  if (o.size_average !== undefined || o.reduce !== undefined) reduction = legacyGetString(o.size_average, o.reduce);
  if (!sameShape(target.shape, input.shape)) {
    throw new Error(`ValueError: Target size (${torchSize(target.shape)}) must be the same as input size (${torchSize(input.shape)})`);
  }
  return O.bceLogits.t(input, target, o.weight ?? null, o.pos_weight ?? null, _reductionEnum(reduction));
}

export interface KlDivKw {
  size_average?: boolean | null;
  reduce?: boolean | null;
  reduction?: Reduction | 'batchmean';
  log_target?: boolean;
}
/** KL divergence; input holds log-probabilities (target too when log_target). 'batchmean' divides the sum by the batch size. */
export function kl_div(input: Tensor, target: Tensor, ...args: Args<[size_average: boolean | null, reduce: boolean | null, reduction: Reduction | 'batchmean', log_target: boolean], KlDivKw>): Tensor {
  const o = parseArgs<KlDivKw>('kl_div', args, ['size_average', 'reduce', 'reduction', 'log_target']);
  const reduction = o.reduction ?? 'mean';
  let reductionEnum: number;
  if (o.size_average !== undefined || o.reduce !== undefined) {
    reductionEnum = _reductionEnum(legacyGetString(o.size_average, o.reduce));
  } else {
    if (reduction === 'mean') {
      warn(
        "reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to behave the same as 'batchmean' in the next major release.",
      );
    }
    reductionEnum = reduction === 'batchmean' ? _reductionEnum('sum') : _reductionEnum(reduction);
  }
  const reduced = O.klDiv.t(input, target, reductionEnum, o.log_target ?? false);
  if (reduction === 'batchmean' && input.dim() !== 0) {
    const r = O.divS.t(reduced, input.size(0));
    reduced.dispose();
    return r;
  }
  return reduced;
}

// ---- attention ----------------------------------------------------------------

export interface MultiHeadAttentionKw {
  training?: boolean;
  key_padding_mask?: Tensor | null;
  need_weights?: boolean;
  attn_mask?: Tensor | null;
  use_separate_proj_weight?: boolean;
  q_proj_weight?: Tensor | null;
  k_proj_weight?: Tensor | null;
  v_proj_weight?: Tensor | null;
  static_k?: Tensor | null;
  static_v?: Tensor | null;
  average_attn_weights?: boolean;
}

function inProjectionPacked(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | null): Tensor[] {
  const E = q.size(-1);
  if (k === v) {
    if (q === k) return O.chunk.call(linear(q, w, b), 3, -1) as Tensor[];
    const [wq, wkv] = O.splitWithSizes.call(w, [E, E * 2], 0) as [Tensor, Tensor];
    let bq: Tensor | null = null, bkv: Tensor | null = null;
    if (b !== null) [bq, bkv] = O.splitWithSizes.call(b, [E, E * 2], 0) as [Tensor, Tensor];
    return [linear(q, wq, bq), ...(O.chunk.call(linear(k, wkv, bkv), 2, -1) as Tensor[])];
  }
  const [wq, wk, wv] = O.chunk.call(w, 3, 0) as [Tensor, Tensor, Tensor];
  let bq: Tensor | null = null, bk: Tensor | null = null, bv: Tensor | null = null;
  if (b !== null) [bq, bk, bv] = O.chunk.call(b, 3, 0) as [Tensor, Tensor, Tensor];
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

function shapeIs(t: Tensor, s: readonly number[]): boolean {
  return sameShape(t.shape, s);
}

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`AssertionError: ${msg}`);
}

/** The attention of nn.MultiheadAttention (torch.nn.functional.multi_head_attention_forward, 1.13). Returns [output, weights or null]. */
export function multi_head_attention_forward(
  query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: number, num_heads: number,
  in_proj_weight: Tensor | null, in_proj_bias: Tensor | null, bias_k: Tensor | null, bias_v: Tensor | null,
  add_zero_attn: boolean, dropout_p: number, out_proj_weight: Tensor, out_proj_bias: Tensor | null,
  options: MultiHeadAttentionKw = {},
): [Tensor, Tensor | null] {
  return scope(() => mhaForward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, options));
}

function mhaForward(
  query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: number, numHeads: number,
  inProjWeight: Tensor | null, inProjBias: Tensor | null, biasK: Tensor | null, biasV: Tensor | null,
  addZeroAttn: boolean, dropoutP: number, outProjWeight: Tensor, outProjBias: Tensor | null,
  o: MultiHeadAttentionKw,
): [Tensor, Tensor | null] {
  const training = o.training ?? true;
  let keyPaddingMask = o.key_padding_mask ?? null;
  const needWeights = o.need_weights ?? true;
  let attnMask = o.attn_mask ?? null;
  const useSeparate = o.use_separate_proj_weight ?? false;
  const staticK = o.static_k ?? null, staticV = o.static_v ?? null;
  const average = o.average_attn_weights ?? true;

  // _mha_shape_check
  let isBatched: boolean;
  if (query.dim() === 3) {
    isBatched = true;
    assert(key.dim() === 3 && value.dim() === 3, `For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${key.dim()}-D and ${value.dim()}-D tensors respectively`);
    if (keyPaddingMask) assert(keyPaddingMask.dim() === 2, `For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${keyPaddingMask.dim()}-D tensor instead`);
    if (attnMask) assert(attnMask.dim() === 2 || attnMask.dim() === 3, `For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.dim()}-D tensor instead`);
  } else if (query.dim() === 2) {
    isBatched = false;
    assert(key.dim() === 2 && value.dim() === 2, `For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${key.dim()}-D and ${value.dim()}-D tensors respectively`);
    if (keyPaddingMask) assert(keyPaddingMask.dim() === 1, `For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${keyPaddingMask.dim()}-D tensor instead`);
    if (attnMask) {
      assert(attnMask.dim() === 2 || attnMask.dim() === 3, `For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.dim()}-D tensor instead`);
      if (attnMask.dim() === 3) {
        const expected = [numHeads, query.shape[0]!, key.shape[0]!];
        assert(shapeIs(attnMask, expected), `Expected \`attn_mask\` shape to be (${expected.join(', ')}) but got ${torchSize(attnMask.shape)}`);
      }
    }
  } else {
    throw new Error(`AssertionError: query should be unbatched 2D or batched 3D tensor but received ${query.dim()}-D query tensor`);
  }
  if (!isBatched) {
    // Separate unsqueezes, as Python: query, key and value stop being the same object here.
    query = O.unsqueeze.t(query, 1);
    key = O.unsqueeze.t(key, 1);
    value = O.unsqueeze.t(value, 1);
    if (keyPaddingMask) keyPaddingMask = O.unsqueeze.t(keyPaddingMask, 0);
  }
  const [tgtLen, bsz, embedDim] = query.shape as [number, number, number];
  let srcLen = key.shape[0]!;
  if (keyPaddingMask) {
    const d = keyPaddingMask.dtype;
    if (d !== 'bool' && !keyPaddingMask.is_floating_point()) throw new Error('AssertionError: only bool and floating types of key_padding_mask are supported');
  }
  assert(embedDim === embedDimToCheck, `was expecting embedding dimension of ${embedDimToCheck}, but got ${embedDim}`);
  const headDim = Math.floor(embedDim / numHeads);
  assert(headDim * numHeads === embedDim, `embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
  if (useSeparate) {
    assert(sameShape(key.shape.slice(0, 2), value.shape.slice(0, 2)), `key's sequence and batch dims ${torchSize(key.shape.slice(0, 2))} do not match value's ${torchSize(value.shape.slice(0, 2))}`);
  } else {
    assert(sameShape(key.shape, value.shape), `key shape ${torchSize(key.shape)} does not match value shape ${torchSize(value.shape)}`);
  }
  let q: Tensor, k: Tensor, v: Tensor;
  if (!useSeparate) {
    assert(inProjWeight !== null, 'use_separate_proj_weight is False but in_proj_weight is None');
    [q, k, v] = inProjectionPacked(query, key, value, inProjWeight, inProjBias) as [Tensor, Tensor, Tensor];
  } else {
    const wq = o.q_proj_weight ?? null, wk = o.k_proj_weight ?? null, wv = o.v_proj_weight ?? null;
    assert(wq !== null, 'use_separate_proj_weight is True but q_proj_weight is None');
    assert(wk !== null, 'use_separate_proj_weight is True but k_proj_weight is None');
    assert(wv !== null, 'use_separate_proj_weight is True but v_proj_weight is None');
    let bq: Tensor | null = null, bk: Tensor | null = null, bv: Tensor | null = null;
    if (inProjBias !== null) [bq, bk, bv] = O.chunk.call(inProjBias, 3, 0) as [Tensor, Tensor, Tensor];
    q = linear(query, wq, bq);
    k = linear(key, wk, bk);
    v = linear(value, wv, bv);
  }
  if (attnMask) {
    if (attnMask.dtype === 'uint8') {
      warn('Byte tensor for attn_mask in nn.MultiheadAttention is deprecated. Use bool tensor instead.');
      attnMask = attnMask.to('bool');
    } else {
      assert(attnMask.is_floating_point() || attnMask.dtype === 'bool', `Only float, byte, and bool types are supported for attn_mask, not torch.${attnMask.dtype}`);
    }
    if (attnMask.dim() === 2) {
      if (!shapeIs(attnMask, [tgtLen, srcLen])) throw new Error(`The shape of the 2D attn_mask is ${torchSize(attnMask.shape)}, but should be (${tgtLen}, ${srcLen}).`);
      attnMask = O.unsqueeze.t(attnMask, 0);
    } else if (attnMask.dim() === 3) {
      if (!shapeIs(attnMask, [bsz * numHeads, tgtLen, srcLen])) throw new Error(`The shape of the 3D attn_mask is ${torchSize(attnMask.shape)}, but should be (${bsz * numHeads}, ${tgtLen}, ${srcLen}).`);
    } else {
      throw new Error(`attn_mask's dimension ${attnMask.dim()} is not supported`);
    }
  }
  if (biasK !== null && biasV !== null) {
    assert(staticK === null, 'bias cannot be added to static key.');
    assert(staticV === null, 'bias cannot be added to static value.');
    k = O.cat.t([k, O.repeat.t(biasK, [1, bsz, 1])], 0);
    v = O.cat.t([v, O.repeat.t(biasV, [1, bsz, 1])], 0);
    if (attnMask) attnMask = pad(attnMask, [0, 1]);
    if (keyPaddingMask) keyPaddingMask = pad(keyPaddingMask, [0, 1]);
  } else {
    assert(biasK === null, 'bias_k');
    assert(biasV === null, 'bias_v');
  }
  q = O.transpose.t(O.view.t(O.contiguous.t(q), [tgtLen, bsz * numHeads, headDim]), 0, 1);
  if (staticK === null) {
    k = O.transpose.t(O.view.t(O.contiguous.t(k), [k.shape[0]!, bsz * numHeads, headDim]), 0, 1);
  } else {
    assert(staticK.size(0) === bsz * numHeads, `expecting static_k.size(0) of ${bsz * numHeads}, but got ${staticK.size(0)}`);
    assert(staticK.size(2) === headDim, `expecting static_k.size(2) of ${headDim}, but got ${staticK.size(2)}`);
    k = staticK;
  }
  if (staticV === null) {
    v = O.transpose.t(O.view.t(O.contiguous.t(v), [v.shape[0]!, bsz * numHeads, headDim]), 0, 1);
  } else {
    assert(staticV.size(0) === bsz * numHeads, `expecting static_v.size(0) of ${bsz * numHeads}, but got ${staticV.size(0)}`);
    assert(staticV.size(2) === headDim, `expecting static_v.size(2) of ${headDim}, but got ${staticV.size(2)}`);
    v = staticV;
  }
  if (addZeroAttn) {
    const zshape = [bsz * numHeads, 1, headDim];
    k = O.cat.t([k, O.zeros.t(zshape, k.dtype, undefined, k.device.toString())], 1);
    v = O.cat.t([v, O.zeros.t(zshape, v.dtype, undefined, v.device.toString())], 1);
    if (attnMask) attnMask = pad(attnMask, [0, 1]);
    if (keyPaddingMask) keyPaddingMask = pad(keyPaddingMask, [0, 1]);
  }
  srcLen = k.size(1);
  if (keyPaddingMask) {
    assert(shapeIs(keyPaddingMask, [bsz, srcLen]), `expecting key_padding_mask shape of (${bsz}, ${srcLen}), but got ${torchSize(keyPaddingMask.shape)}`);
    keyPaddingMask = O.reshape.t(O.expand.t(O.view.t(keyPaddingMask, [bsz, 1, 1, srcLen]), [-1, numHeads, -1, -1]), [bsz * numHeads, 1, srcLen]);
    if (attnMask === null) attnMask = keyPaddingMask;
    else if (attnMask.dtype === 'bool') attnMask = O.logicalOr.t(attnMask, keyPaddingMask);
    else attnMask = O.maskedFill.t(attnMask, keyPaddingMask, -Infinity);
  }
  if (attnMask && attnMask.dtype === 'bool') {
    const m = O.zerosLike.t(attnMask, q.dtype);
    O.maskedFill_.call(m, attnMask, -Infinity);
    attnMask = m;
  }
  if (!training) dropoutP = 0.0;
  const E = q.shape[2]!;
  const qScaled = O.divS.t(q, Math.sqrt(E));
  const kT = O.transpose.t(k, -2, -1);
  let weights = attnMask ? O.baddbmm.t(attnMask, qScaled, kT) : O.bmm.t(qScaled, kT);
  weights = softmax(weights, -1);
  if (dropoutP > 0.0) weights = dropout(weights, { p: dropoutP });
  let out = O.bmm.t(weights, v);
  out = O.view.t(O.contiguous.t(O.transpose.t(out, 0, 1)), [tgtLen * bsz, embedDim]);
  out = linear(out, outProjWeight, outProjBias);
  out = O.view.t(out, [tgtLen, bsz, out.size(1)]);
  if (needWeights) {
    weights = O.view.t(weights, [bsz, numHeads, tgtLen, srcLen]);
    if (average) weights = O.divS.t(O.sumDim.t(weights, [1]), numHeads);
    if (!isBatched) {
      out = O.squeeze.t(out, 1);
      weights = O.squeeze.t(weights, 0);
    }
    return [out, weights];
  }
  if (!isBatched) out = O.squeeze.t(out, 1);
  return [out, null];
}
