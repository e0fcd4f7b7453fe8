// Max, average and adaptive pooling (torch/nn/modules/pooling.py).
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';
import { type Args, _single, parseArgs, py } from '../_utils.js';

type IntOrList = number | number[];

export interface MaxPoolOptions {
  kernel_size?: IntOrList;
  stride?: IntOrList | null;
  padding?: IntOrList;
  dilation?: IntOrList;
  return_indices?: boolean;
  ceil_mode?: boolean;
}
type MaxPoolPos = [stride: IntOrList | null, padding: IntOrList, dilation: IntOrList, return_indices: boolean, ceil_mode: boolean];

/** _MaxPoolNd. With return_indices, forward returns [output, indices]. */
export abstract class _MaxPoolNd extends Module {
  declare kernel_size: IntOrList;
  declare stride: IntOrList;
  declare padding: IntOrList;
  declare dilation: IntOrList;
  declare return_indices: boolean;
  declare ceil_mode: boolean;

  constructor(kernel_size: IntOrList | (MaxPoolOptions & { kernel_size: IntOrList }), ...args: Args<MaxPoolPos, MaxPoolOptions>) {
    super();
    if (!(typeof kernel_size === 'number' || Array.isArray(kernel_size))) {
      args = [kernel_size] as typeof args;
      kernel_size = kernel_size.kernel_size;
    }
    const o = parseArgs<MaxPoolOptions>(new.target.name, args, ['stride', 'padding', 'dilation', 'return_indices', 'ceil_mode'], ['kernel_size']);
    this.kernel_size = kernel_size;
    this.stride = o.stride ?? kernel_size;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.return_indices = o.return_indices ?? false;
    this.ceil_mode = o.ceil_mode ?? false;
  }

  protected options(): F.MaxPoolKw {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceil_mode: this.ceil_mode, return_indices: this.return_indices };
  }

  override extra_repr(): string {
    return `kernel_size=${py(this.kernel_size)}, stride=${py(this.stride)}, padding=${py(this.padding)}, dilation=${py(this.dilation)}, ceil_mode=${py(this.ceil_mode)}`;
  }
}

export class MaxPool1d extends _MaxPoolNd {
  override forward(input: Tensor): Tensor {
    return F.max_pool1d(input, this.kernel_size, this.options()) as Tensor;
  }
}
export class MaxPool2d extends _MaxPoolNd {
  override forward(input: Tensor): Tensor {
    return F.max_pool2d(input, this.kernel_size, this.options()) as Tensor;
  }
}
export class MaxPool3d extends _MaxPoolNd {
  override forward(input: Tensor): Tensor {
    return F.max_pool3d(input, this.kernel_size, this.options()) as Tensor;
  }
}

export interface AvgPoolOptions {
  stride?: IntOrList | null;
  padding?: IntOrList;
  ceil_mode?: boolean;
  count_include_pad?: boolean;
  divisor_override?: number | null;
}

/** _AvgPoolNd */
export abstract class _AvgPoolNd extends Module {
  declare kernel_size: IntOrList;
  declare stride: IntOrList;
  declare padding: IntOrList;
  declare ceil_mode: boolean;
  declare count_include_pad: boolean;
  override extra_repr(): string {
    return `kernel_size=${py(this.kernel_size)}, stride=${py(this.stride)}, padding=${py(this.padding)}`;
  }
}

export class AvgPool1d extends _AvgPoolNd {
  constructor(
    kernel_size: IntOrList | (Omit<AvgPoolOptions, 'divisor_override'> & { kernel_size: IntOrList }),
    ...args: Args<[stride: IntOrList | null, padding: IntOrList, ceil_mode: boolean, count_include_pad: boolean], Omit<AvgPoolOptions, 'divisor_override'>>
  ) {
    super();
    if (!(typeof kernel_size === 'number' || Array.isArray(kernel_size))) {
      args = [kernel_size] as typeof args;
      kernel_size = kernel_size.kernel_size;
    }
    const o = parseArgs<AvgPoolOptions>('AvgPool1d', args, ['stride', 'padding', 'ceil_mode', 'count_include_pad'], ['kernel_size']);
    this.kernel_size = _single(kernel_size);
    this.stride = _single(o.stride ?? kernel_size);
    this.padding = _single(o.padding ?? 0);
    this.ceil_mode = o.ceil_mode ?? false;
    this.count_include_pad = o.count_include_pad ?? true;
  }
  override forward(input: Tensor): Tensor {
    return F.avg_pool1d(input, this.kernel_size, this.stride, this.padding, this.ceil_mode, this.count_include_pad);
  }
}

type AvgPoolPos = [stride: IntOrList | null, padding: IntOrList, ceil_mode: boolean, count_include_pad: boolean, divisor_override: number | null];
abstract class AvgPoolWithDivisor extends _AvgPoolNd {
  declare divisor_override: number | null;
  constructor(kernel_size: IntOrList | (AvgPoolOptions & { kernel_size: IntOrList }), ...args: Args<AvgPoolPos, AvgPoolOptions>) {
    super();
    if (!(typeof kernel_size === 'number' || Array.isArray(kernel_size))) {
      args = [kernel_size] as typeof args;
      kernel_size = kernel_size.kernel_size;
    }
    const o = parseArgs<AvgPoolOptions>(new.target.name, args, ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'], ['kernel_size']);
    this.kernel_size = kernel_size;
    this.stride = o.stride ?? kernel_size;
    this.padding = o.padding ?? 0;
    this.ceil_mode = o.ceil_mode ?? false;
    this.count_include_pad = o.count_include_pad ?? true;
    this.divisor_override = o.divisor_override ?? null;
  }
}
export class AvgPool2d extends AvgPoolWithDivisor {
  override forward(input: Tensor): Tensor {
    return F.avg_pool2d(input, this.kernel_size, this.stride, this.padding, this.ceil_mode, this.count_include_pad, this.divisor_override);
  }
}
export class AvgPool3d extends AvgPoolWithDivisor {
  override forward(input: Tensor): Tensor {
    return F.avg_pool3d(input, this.kernel_size, this.stride, this.padding, this.ceil_mode, this.count_include_pad, this.divisor_override);
  }
}

/** _AdaptiveAvgPoolNd: output_size entries may be null (keep the input's size). */
export abstract class _AdaptiveAvgPoolNd extends Module {
  declare output_size: F.OutputSize;
  constructor(output_size: F.OutputSize) {
    super();
    this.output_size = output_size;
  }
  override extra_repr(): string {
    return `output_size=${py(this.output_size)}`;
  }
}
export class AdaptiveAvgPool1d extends _AdaptiveAvgPoolNd {
  override forward(input: Tensor): Tensor {
    return F.adaptive_avg_pool1d(input, this.output_size as IntOrList);
  }
}
export class AdaptiveAvgPool2d extends _AdaptiveAvgPoolNd {
  override forward(input: Tensor): Tensor {
    return F.adaptive_avg_pool2d(input, this.output_size);
  }
}
export class AdaptiveAvgPool3d extends _AdaptiveAvgPoolNd {
  override forward(input: Tensor): Tensor {
    return F.adaptive_avg_pool3d(input, this.output_size);
  }
}

/** _AdaptiveMaxPoolNd. With return_indices, forward returns [output, indices]. */
export abstract class _AdaptiveMaxPoolNd extends Module {
  declare output_size: F.OutputSize;
  declare return_indices: boolean;
  constructor(output_size: F.OutputSize, return_indices = false) {
    super();
    this.output_size = output_size;
    this.return_indices = return_indices;
  }
  override extra_repr(): string {
    return `output_size=${py(this.output_size)}`;
  }
}
export class AdaptiveMaxPool1d extends _AdaptiveMaxPoolNd {
  override forward(input: Tensor): Tensor {
    return (this.return_indices ? F.adaptive_max_pool1d(input, this.output_size as IntOrList, true) : F.adaptive_max_pool1d(input, this.output_size as IntOrList)) as Tensor;
  }
}
export class AdaptiveMaxPool2d extends _AdaptiveMaxPoolNd {
  override forward(input: Tensor): Tensor {
    return (this.return_indices ? F.adaptive_max_pool2d(input, this.output_size, true) : F.adaptive_max_pool2d(input, this.output_size)) as Tensor;
  }
}
