// nn.Conv1d/2d/3d and nn.ConvTranspose1d/2d/3d (torch/nn/modules/conv.py).
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type Args, type FactoryKwargs, ntuple, parseArgs, py, reverseRepeatTuple } from '../_utils.js';
import { emptyParameter } from './_common.js';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
type IntOrList = number | number[];

export interface ConvOptions extends FactoryKwargs {
  kernel_size?: IntOrList;
  stride?: IntOrList;
  padding?: IntOrList | 'same' | 'valid';
  dilation?: IntOrList;
  groups?: number;
  bias?: boolean;
  padding_mode?: PaddingMode;
}
type ConvPos = [kernel_size: IntOrList, stride: IntOrList, padding: IntOrList | 'same' | 'valid', dilation: IntOrList, groups: number, bias: boolean, padding_mode: PaddingMode];
const CONV_NAMES = ['kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode'] as const;

export interface ConvTransposeOptions extends FactoryKwargs {
  kernel_size?: IntOrList;
  stride?: IntOrList;
  padding?: IntOrList;
  output_padding?: IntOrList;
  groups?: number;
  bias?: boolean;
  dilation?: IntOrList;
  padding_mode?: 'zeros';
}
type ConvTPos = [kernel_size: IntOrList, stride: IntOrList, padding: IntOrList, output_padding: IntOrList, groups: number, bias: boolean, dilation: IntOrList, padding_mode: 'zeros'];
const CONVT_NAMES = ['kernel_size', 'stride', 'padding', 'output_padding', 'groups', 'bias', 'dilation', 'padding_mode'] as const;

/** _ConvNd: the parameters, initialisation and printing shared by all convolutions. */
export abstract class _ConvNd extends Module {
  declare in_channels: number;
  declare out_channels: number;
  declare kernel_size: number[];
  declare stride: number[];
  declare padding: number[] | 'same' | 'valid';
  declare dilation: number[];
  declare transposed: boolean;
  declare output_padding: number[];
  declare groups: number;
  declare padding_mode: PaddingMode;
  declare _reversed_padding_repeated_twice: number[];
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(
    in_channels: number, out_channels: number, kernel_size: number[], stride: number[], padding: number[] | 'same' | 'valid',
    dilation: number[], transposed: boolean, output_padding: number[], groups: number, bias: boolean, padding_mode: PaddingMode,
    factory: FactoryKwargs,
  ) {
    super();
    if (groups <= 0) throw new Error('ValueError: groups must be a positive integer');
    if (in_channels % groups !== 0) throw new Error('ValueError: in_channels must be divisible by groups');
    if (out_channels % groups !== 0) throw new Error('ValueError: out_channels must be divisible by groups');
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid') throw new Error(`ValueError: Invalid padding string '${String(padding)}', should be one of {'valid', 'same'}`);
      if (padding === 'same' && stride.some((s) => s !== 1)) throw new Error("ValueError: padding='same' is not supported for strided convolutions");
    }
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(padding_mode)) {
      throw new Error(`ValueError: padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='${padding_mode}'`);
    }
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.kernel_size = kernel_size;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.transposed = transposed;
    this.output_padding = output_padding;
    this.groups = groups;
    this.padding_mode = padding_mode;
    if (typeof padding === 'string') {
      const r = new Array<number>(2 * kernel_size.length).fill(0);
      if (padding === 'same') {
        for (let d = 0; d < kernel_size.length; d++) {
          const i = kernel_size.length - 1 - d;
          const total = dilation[d]! * (kernel_size[d]! - 1);
          const left = Math.floor(total / 2);
          r[2 * i] = left;
          r[2 * i + 1] = total - left;
        }
      }
      this._reversed_padding_repeated_twice = r;
    } else {
      this._reversed_padding_repeated_twice = reverseRepeatTuple(padding, 2);
    }
    this.weight = transposed
      ? emptyParameter([in_channels, out_channels / groups, ...kernel_size], factory)
      : emptyParameter([out_channels, in_channels / groups, ...kernel_size], factory);
    if (bias) this.bias = emptyParameter([out_channels], factory);
    else this.register_parameter('bias', null);
    this.reset_parameters();
  }

  reset_parameters(): void {
    init.kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = init._calculate_fan_in_and_fan_out(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        init.uniform_(this.bias, -bound, bound);
      }
    }
  }

  override extra_repr(): string {
    let s = `${this.in_channels}, ${this.out_channels}, kernel_size=${py(this.kernel_size)}, stride=${py(this.stride)}`;
    if (typeof this.padding === 'string' || this.padding.some((p) => p !== 0)) s += `, padding=${py(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${py(this.dilation)}`;
    if (this.output_padding.some((p) => p !== 0)) s += `, output_padding=${py(this.output_padding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.padding_mode !== 'zeros') s += `, padding_mode=${this.padding_mode}`;
    return s;
  }
}

function convArgs(name: string, args: readonly unknown[]): ConvOptions {
  const o = parseArgs<ConvOptions>(name, args, [...CONV_NAMES], ['device', 'dtype']);
  if (o.kernel_size === undefined) throw new TypeError(`${name}.__init__() missing 1 required positional argument: 'kernel_size'`);
  return o;
}

export abstract class ConvBase extends _ConvNd {
  protected abstract readonly nd: number;
  protected abstract fn(input: Tensor, weight: Tensor, bias: Tensor | null, stride: number[], padding: number[] | string, dilation: number[], groups: number): Tensor;

  _conv_forward(input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
    if (this.padding_mode !== 'zeros') {
      const padded = F.pad(input, this._reversed_padding_repeated_twice, { mode: this.padding_mode });
      const out = this.fn(padded, weight, bias, this.stride, new Array<number>(this.nd).fill(0), this.dilation, this.groups);
      padded.dispose();
      return out;
    }
    return this.fn(input, weight, bias, this.stride, this.padding, this.dilation, this.groups);
  }

  override forward(input: Tensor): Tensor {
    return this._conv_forward(input, this.weight, this.bias);
  }
}

function convSuperArgs(name: string, nd: number, args: readonly unknown[]) {
  const tuple = ntuple(nd);
  const o = convArgs(name, args);
  const padding = o.padding ?? 0;
  return {
    o,
    kernel: tuple(o.kernel_size!), stride: tuple(o.stride ?? 1), padding: typeof padding === 'string' ? padding : tuple(padding),
    dilation: tuple(o.dilation ?? 1), outPad: tuple(0), groups: o.groups ?? 1, bias: o.bias ?? true, mode: o.padding_mode ?? 'zeros',
  };
}

/** 1-D convolution over (N, C_in, L) or (C_in, L). */
export class Conv1d extends ConvBase {
  protected readonly nd = 1;
  constructor(in_channels: number, out_channels: number, ...args: Args<ConvPos, ConvOptions>) {
    const a = convSuperArgs('Conv1d', 1, args);
    super(in_channels, out_channels, a.kernel, a.stride, a.padding, a.dilation, false, a.outPad, a.groups, a.bias, a.mode, a.o);
  }
  protected fn(input: Tensor, weight: Tensor, bias: Tensor | null, stride: number[], padding: number[] | string, dilation: number[], groups: number): Tensor {
    return F.conv1d(input, weight, bias, stride, padding as number[], dilation, groups);
  }
}
/** 2-D convolution over (N, C_in, H, W) or (C_in, H, W). */
export class Conv2d extends ConvBase {
  protected readonly nd = 2;
  constructor(in_channels: number, out_channels: number, ...args: Args<ConvPos, ConvOptions>) {
    const a = convSuperArgs('Conv2d', 2, args);
    super(in_channels, out_channels, a.kernel, a.stride, a.padding, a.dilation, false, a.outPad, a.groups, a.bias, a.mode, a.o);
  }
  protected fn(input: Tensor, weight: Tensor, bias: Tensor | null, stride: number[], padding: number[] | string, dilation: number[], groups: number): Tensor {
    return F.conv2d(input, weight, bias, stride, padding as number[], dilation, groups);
  }
}
/** 3-D convolution over (N, C_in, D, H, W) or (C_in, D, H, W). */
export class Conv3d extends ConvBase {
  protected readonly nd = 3;
  constructor(in_channels: number, out_channels: number, ...args: Args<ConvPos, ConvOptions>) {
    const a = convSuperArgs('Conv3d', 3, args);
    super(in_channels, out_channels, a.kernel, a.stride, a.padding, a.dilation, false, a.outPad, a.groups, a.bias, a.mode, a.o);
  }
  protected fn(input: Tensor, weight: Tensor, bias: Tensor | null, stride: number[], padding: number[] | string, dilation: number[], groups: number): Tensor {
    return F.conv3d(input, weight, bias, stride, padding as number[], dilation, groups);
  }
}

/** _ConvTransposeNd: output_padding from a requested output_size. */
export abstract class _ConvTransposeNd extends _ConvNd {
  _output_padding(input: Tensor, output_size: number[] | null | undefined, stride: number[], padding: number[], kernel_size: number[], num_spatial_dims: number, dilation?: number[]): number[] {
    if (output_size === null || output_size === undefined) return [...this.output_padding];
    const hasBatch = input.dim() === num_spatial_dims + 2;
    const nonSpatial = hasBatch ? 2 : 1;
    let size = output_size;
    if (size.length === nonSpatial + num_spatial_dims) size = size.slice(nonSpatial);
    if (size.length !== num_spatial_dims) {
      throw new Error(`ValueError: ConvTranspose${num_spatial_dims}D: for ${input.dim()}D input, output_size must have ${num_spatial_dims} or ${nonSpatial + num_spatial_dims} elements (got ${size.length})`);
    }
    const minSizes: number[] = [];
    const maxSizes: number[] = [];
    for (let d = 0; d < num_spatial_dims; d++) {
      const dimSize = (input.size(d + nonSpatial) - 1) * stride[d]! - 2 * padding[d]! + (dilation ? dilation[d]! : 1) * (kernel_size[d]! - 1) + 1;
      minSizes.push(dimSize);
      maxSizes.push(dimSize + stride[d]! - 1);
    }
    for (let i = 0; i < size.length; i++) {
      if (size[i]! < minSizes[i]! || size[i]! > maxSizes[i]!) {
        throw new Error(`ValueError: requested an output size of [${size.join(', ')}], but valid sizes range from [${minSizes.join(', ')}] to [${maxSizes.join(', ')}] (for an input of torch.Size([${input.shape.slice(2).join(', ')}]))`);
      }
    }
    return size.map((s, d) => s - minSizes[d]!);
  }
}

function convTSuperArgs(name: string, nd: number, args: readonly unknown[]) {
  const tuple = ntuple(nd);
  const o = parseArgs<ConvTransposeOptions>(name, args, [...CONVT_NAMES], ['device', 'dtype']);
  if (o.kernel_size === undefined) throw new TypeError(`${name}.__init__() missing 1 required positional argument: 'kernel_size'`);
  if ((o.padding_mode ?? 'zeros') !== 'zeros') throw new Error(`ValueError: Only "zeros" padding mode is supported for ${name}`);
  return {
    o, kernel: tuple(o.kernel_size), stride: tuple(o.stride ?? 1), padding: tuple(o.padding ?? 0), dilation: tuple(o.dilation ?? 1),
    outPad: tuple(o.output_padding ?? 0), groups: o.groups ?? 1, bias: o.bias ?? true,
  };
}

/** Transposed 1-D convolution ("deconvolution"). */
export class ConvTranspose1d extends _ConvTransposeNd {
  constructor(in_channels: number, out_channels: number, ...args: Args<ConvTPos, ConvTransposeOptions>) {
    const a = convTSuperArgs('ConvTranspose1d', 1, args);
    super(in_channels, out_channels, a.kernel, a.stride, a.padding, a.dilation, true, a.outPad, a.groups, a.bias, 'zeros', a.o);
  }
  override forward(input: Tensor, output_size?: number[] | null): Tensor {
    const padding = this.padding as number[];
    const op = this._output_padding(input, output_size, this.stride, padding, this.kernel_size, 1, this.dilation);
    return F.conv_transpose1d(input, this.weight, this.bias, this.stride, padding, op, this.groups, this.dilation);
  }
}
/** Transposed 2-D convolution. */
export class ConvTranspose2d extends _ConvTransposeNd {
  constructor(in_channels: number, out_channels: number, ...args: Args<ConvTPos, ConvTransposeOptions>) {
    const a = convTSuperArgs('ConvTranspose2d', 2, args);
    super(in_channels, out_channels, a.kernel, a.stride, a.padding, a.dilation, true, a.outPad, a.groups, a.bias, 'zeros', a.o);
  }
  override forward(input: Tensor, output_size?: number[] | null): Tensor {
    const padding = this.padding as number[];
    const op = this._output_padding(input, output_size, this.stride, padding, this.kernel_size, 2, this.dilation);
    return F.conv_transpose2d(input, this.weight, this.bias, this.stride, padding, op, this.groups, this.dilation);
  }
}
/** Transposed 3-D convolution. */
export class ConvTranspose3d extends _ConvTransposeNd {
  constructor(in_channels: number, out_channels: number, ...args: Args<ConvTPos, ConvTransposeOptions>) {
    const a = convTSuperArgs('ConvTranspose3d', 3, args);
    super(in_channels, out_channels, a.kernel, a.stride, a.padding, a.dilation, true, a.outPad, a.groups, a.bias, 'zeros', a.o);
  }
  override forward(input: Tensor, output_size?: number[] | null): Tensor {
    const padding = this.padding as number[];
    const op = this._output_padding(input, output_size, this.stride, padding, this.kernel_size, 3, this.dilation);
    return F.conv_transpose3d(input, this.weight, this.bias, this.stride, padding, op, this.groups, this.dilation);
  }
}
