// BatchNorm1d/2d/3d (torch/nn/modules/batchnorm.py), LayerNorm and GroupNorm
// (torch/nn/modules/normalization.py).
import { tensor as makeTensor } from '../../factories.js';
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { type Args, type FactoryKwargs, parseArgs, py, pyf } from '../_utils.js';
import { emptyParameter, longScalar, onesBuffer, zerosBuffer } from './_common.js';

export interface NormOptions extends FactoryKwargs {
  eps?: number;
  /** null: a cumulative moving average (as momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  track_running_stats?: boolean;
}
type NormPos = [eps: number, momentum: number | null, affine: boolean, track_running_stats: boolean];

/** _NormBase: parameters, running statistics and their state_dict versioning. */
export abstract class _NormBase extends Module {
  static override _version = 2;
  declare num_features: number;
  declare eps: number;
  declare momentum: number | null;
  declare affine: boolean;
  declare track_running_stats: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(num_features: number, ...args: Args<NormPos, NormOptions>) {
    super();
    const o = parseArgs<NormOptions>(new.target.name, args, ['eps', 'momentum', 'affine', 'track_running_stats'], ['device', 'dtype']);
    this.num_features = num_features;
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine ?? true;
    this.track_running_stats = o.track_running_stats ?? true;
    if (this.affine) {
      this.weight = emptyParameter([num_features], o);
      this.bias = emptyParameter([num_features], o);
    } else {
      this.register_parameter('weight', null);
      this.register_parameter('bias', null);
    }
    if (this.track_running_stats) {
      this.register_buffer('running_mean', zerosBuffer([num_features], o));
      this.register_buffer('running_var', onesBuffer([num_features], o));
      this.register_buffer('num_batches_tracked', longScalar(0, { device: o.device }));
    } else {
      this.register_buffer('running_mean', null);
      this.register_buffer('running_var', null);
      this.register_buffer('num_batches_tracked', null);
    }
    this.reset_parameters();
  }

  reset_running_stats(): void {
    if (this.track_running_stats) {
      this.running_mean!.zero_();
      this.running_var!.fill_(1);
      this.num_batches_tracked!.zero_();
    }
  }

  reset_parameters(): void {
    this.reset_running_stats();
    if (this.affine) {
      init.ones_(this.weight!);
      init.zeros_(this.bias!);
    }
  }

  protected abstract _check_input_dim(input: Tensor): void;

  override extra_repr(): string {
    return `${this.num_features}, eps=${pyf(this.eps)}, momentum=${pyf(this.momentum)}, affine=${py(this.affine)}, track_running_stats=${py(this.track_running_stats)}`;
  }

  override _load_from_state_dict(
    state_dict: Map<string, unknown>, prefix: string, local_metadata: Record<string, unknown>, strict: boolean,
    missing_keys: string[], unexpected_keys: string[], error_msgs: string[], assign = false,
  ): void {
    const version = local_metadata.version as number | undefined;
    if ((version === undefined || version === null || version < 2) && this.track_running_stats) {
      const key = prefix + 'num_batches_tracked';
      if (!state_dict.has(key)) state_dict.set(key, makeTensor(0, { dtype: 'int64' }));
    }
    super._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs, assign);
  }
}

/** _BatchNorm: batch statistics in training (updating the running ones), running statistics in eval. */
export abstract class _BatchNorm extends _NormBase {
  override forward(input: Tensor): Tensor {
    this._check_input_dim(input);
    let factor = this.momentum === null ? 0.0 : this.momentum;
    if (this.training && this.track_running_stats && this.num_batches_tracked !== null) {
      this.num_batches_tracked.add_(1);
      factor = this.momentum === null ? 1.0 / this.num_batches_tracked.item() : this.momentum;
    }
    const bnTraining = this.training ? true : this.running_mean === null && this.running_var === null;
    const useRunning = !this.training || this.track_running_stats;
    return F.batch_norm(
      input,
      useRunning ? this.running_mean : null,
      useRunning ? this.running_var : null,
      this.weight, this.bias, bnTraining, factor, this.eps,
    );
  }
}

export class BatchNorm1d extends _BatchNorm {
  protected _check_input_dim(input: Tensor): void {
    if (input.dim() !== 2 && input.dim() !== 3) throw new Error(`ValueError: expected 2D or 3D input (got ${input.dim()}D input)`);
  }
}
export class BatchNorm2d extends _BatchNorm {
  protected _check_input_dim(input: Tensor): void {
    if (input.dim() !== 4) throw new Error(`ValueError: expected 4D input (got ${input.dim()}D input)`);
  }
}
export class BatchNorm3d extends _BatchNorm {
  protected _check_input_dim(input: Tensor): void {
    if (input.dim() !== 5) throw new Error(`ValueError: expected 5D input (got ${input.dim()}D input)`);
  }
}

export interface LayerNormOptions extends FactoryKwargs {
  eps?: number;
  elementwise_affine?: boolean;
}

/** Normalizes over the trailing normalized_shape dimensions. */
export class LayerNorm extends Module {
  declare normalized_shape: number[];
  declare eps: number;
  declare elementwise_affine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(normalized_shape: number | number[], ...args: Args<[eps: number, elementwise_affine: boolean], LayerNormOptions>) {
    super();
    const o = parseArgs<LayerNormOptions>('LayerNorm', args, ['eps', 'elementwise_affine'], ['device', 'dtype']);
    this.normalized_shape = typeof normalized_shape === 'number' ? [normalized_shape] : [...normalized_shape];
    this.eps = o.eps ?? 1e-5;
    this.elementwise_affine = o.elementwise_affine ?? true;
    if (this.elementwise_affine) {
      this.weight = emptyParameter(this.normalized_shape, o);
      this.bias = emptyParameter(this.normalized_shape, o);
    } else {
      this.register_parameter('weight', null);
      this.register_parameter('bias', null);
    }
    this.reset_parameters();
  }

  reset_parameters(): void {
    if (this.elementwise_affine) {
      init.ones_(this.weight!);
      init.zeros_(this.bias!);
    }
  }

  override forward(input: Tensor): Tensor {
    return F.layer_norm(input, this.normalized_shape, this.weight, this.bias, this.eps);
  }

  override extra_repr(): string {
    return `${py(this.normalized_shape)}, eps=${pyf(this.eps)}, elementwise_affine=${py(this.elementwise_affine)}`;
  }
}

export interface GroupNormOptions extends FactoryKwargs {
  eps?: number;
  affine?: boolean;
}

/** Normalizes over groups of channels. */
export class GroupNorm extends Module {
  declare num_groups: number;
  declare num_channels: number;
  declare eps: number;
  declare affine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(num_groups: number, num_channels: number, ...args: Args<[eps: number, affine: boolean], GroupNormOptions>) {
    super();
    const o = parseArgs<GroupNormOptions>('GroupNorm', args, ['eps', 'affine'], ['device', 'dtype']);
    if (num_channels % num_groups !== 0) throw new Error('ValueError: num_channels must be divisible by num_groups');
    this.num_groups = num_groups;
    this.num_channels = num_channels;
    this.eps = o.eps ?? 1e-5;
    this.affine = o.affine ?? true;
    if (this.affine) {
      this.weight = emptyParameter([num_channels], o);
      this.bias = emptyParameter([num_channels], o);
    } else {
      this.register_parameter('weight', null);
      this.register_parameter('bias', null);
    }
    this.reset_parameters();
  }

  reset_parameters(): void {
    if (this.affine) {
      init.ones_(this.weight!);
      init.zeros_(this.bias!);
    }
  }

  override forward(input: Tensor): Tensor {
    return F.group_norm(input, this.num_groups, this.weight, this.bias, this.eps);
  }

  override extra_repr(): string {
    return `${this.num_groups}, ${this.num_channels}, eps=${pyf(this.eps)}, affine=${py(this.affine)}`;
  }
}
