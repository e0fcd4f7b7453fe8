// Loss modules (torch/nn/modules/loss.py). Class weights are registered as
// buffers, as in PyTorch, so they move with .to() and appear in state_dict.
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';

type Reduction = F.Reduction;

export interface LossOptions {
  size_average?: boolean | null;
  reduce?: boolean | null;
  reduction?: Reduction;
}

function legacyReduction(o: LossOptions): Reduction {
  if (o.size_average !== undefined && o.size_average !== null || o.reduce !== undefined && o.reduce !== null) {
    F.warn("size_average and reduce args will be deprecated, please use reduction='mean' instead.");
    const sa = o.size_average ?? true;
    const rd = o.reduce ?? true;
    return sa && rd ? 'mean' : rd ? 'sum' : 'none';
  }
  return o.reduction ?? 'mean';
}

/** _Loss: holds `reduction` ('none' | 'mean' | 'sum'). */
export abstract class _Loss extends Module {
  declare reduction: Reduction;
  constructor(options: LossOptions = {}) {
    super();
    this.reduction = legacyReduction(options);
  }
}

/** _WeightedLoss: a `weight` buffer (or None). */
export abstract class _WeightedLoss extends _Loss {
  declare weight: Tensor | null;
  constructor(options: LossOptions & { weight?: Tensor | null } = {}) {
    super(options);
    this.register_buffer('weight', options.weight ?? null);
  }
}

export class L1Loss extends _Loss {
  constructor(options: LossOptions = {}) {
    super(options);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1_loss(input, target, { reduction: this.reduction });
  }
}

export class MSELoss extends _Loss {
  constructor(options: LossOptions = {}) {
    super(options);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mse_loss(input, target, { reduction: this.reduction });
  }
}

export class SmoothL1Loss extends _Loss {
  declare beta: number;
  constructor(options: LossOptions & { beta?: number } = {}) {
    super(options);
    this.beta = options.beta ?? 1.0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.smooth_l1_loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

export class HuberLoss extends _Loss {
  declare delta: number;
  constructor(options: { reduction?: Reduction; delta?: number } = {}) {
    super({ reduction: options.reduction });
    this.delta = options.delta ?? 1.0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.huber_loss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

export interface CrossEntropyLossOptions extends LossOptions {
  weight?: Tensor | null;
  ignore_index?: number;
  label_smoothing?: number;
}
/** log_softmax + nll_loss; targets are class indices or class probabilities. */
export class CrossEntropyLoss extends _WeightedLoss {
  declare ignore_index: number;
  declare label_smoothing: number;
  constructor(options: CrossEntropyLossOptions = {}) {
    super(options);
    this.ignore_index = options.ignore_index ?? -100;
    this.label_smoothing = options.label_smoothing ?? 0.0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.cross_entropy(input, target, { weight: this.weight, ignore_index: this.ignore_index, reduction: this.reduction, label_smoothing: this.label_smoothing });
  }
}

export interface NLLLossOptions extends LossOptions {
  weight?: Tensor | null;
  ignore_index?: number;
}
export class NLLLoss extends _WeightedLoss {
  declare ignore_index: number;
  constructor(options: NLLLossOptions = {}) {
    super(options);
    this.ignore_index = options.ignore_index ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nll_loss(input, target, { weight: this.weight, ignore_index: this.ignore_index, reduction: this.reduction });
  }
}

export class BCELoss extends _WeightedLoss {
  constructor(options: LossOptions & { weight?: Tensor | null } = {}) {
    super(options);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binary_cross_entropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

export interface BCEWithLogitsLossOptions extends LossOptions {
  weight?: Tensor | null;
  pos_weight?: Tensor | null;
}
export class BCEWithLogitsLoss extends _Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  constructor(options: BCEWithLogitsLossOptions = {}) {
    super(options);
    this.register_buffer('weight', options.weight ?? null);
    this.register_buffer('pos_weight', options.pos_weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binary_cross_entropy_with_logits(input, target, { weight: this.weight, pos_weight: this.pos_weight, reduction: this.reduction });
  }
}

export interface KLDivLossOptions {
  size_average?: boolean | null;
  reduce?: boolean | null;
  reduction?: Reduction | 'batchmean';
  log_target?: boolean;
}
export class KLDivLoss extends Module {
  declare reduction: Reduction | 'batchmean';
  declare log_target: boolean;
  constructor(options: KLDivLossOptions = {}) {
    super();
    this.reduction = options.size_average !== undefined || options.reduce !== undefined ? legacyReduction(options as LossOptions) : options.reduction ?? 'mean';
    this.log_target = options.log_target ?? false;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.kl_div(input, target, { reduction: this.reduction, log_target: this.log_target });
  }
}
