// nn.Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout (torch/nn/modules/dropout.py).
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';
import { type Args, parseArgs, py, pyf } from '../_utils.js';

export interface DropoutOptions {
  p?: number;
  inplace?: boolean;
}

/** _DropoutNd */
export abstract class _DropoutNd extends Module {
  declare p: number;
  declare inplace: boolean;
  constructor(...args: Args<[p: number, inplace: boolean], DropoutOptions>) {
    super();
    const o = parseArgs<DropoutOptions>(new.target.name, args, ['p', 'inplace']);
    const p = o.p ?? 0.5;
    if (p < 0 || p > 1) throw new Error(`ValueError: dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = o.inplace ?? false;
  }
  override extra_repr(): string {
    return `p=${pyf(this.p)}, inplace=${py(this.inplace)}`;
  }
}

/** Zeroes elements with probability p in training mode; identity in eval mode. */
export class Dropout extends _DropoutNd {
  override forward(input: Tensor): Tensor {
    return F.dropout(input, this.p, this.training, this.inplace);
  }
}
/** Zeroes whole channels of (N, C, L) inputs. */
export class Dropout1d extends _DropoutNd {
  override forward(input: Tensor): Tensor {
    return F.dropout1d(input, this.p, this.training, this.inplace);
  }
}
/** Zeroes whole channels of (N, C, H, W) inputs. */
export class Dropout2d extends _DropoutNd {
  override forward(input: Tensor): Tensor {
    return F.dropout2d(input, this.p, this.training, this.inplace);
  }
}
/** Zeroes whole channels of (N, C, D, H, W) inputs. */
export class Dropout3d extends _DropoutNd {
  override forward(input: Tensor): Tensor {
    return F.dropout3d(input, this.p, this.training, this.inplace);
  }
}
/** Dropout that keeps SELU's self-normalizing property. */
export class AlphaDropout extends _DropoutNd {
  override forward(input: Tensor): Tensor {
    return F.alpha_dropout(input, this.p, this.training);
  }
}
export class FeatureAlphaDropout extends _DropoutNd {
  override forward(input: Tensor): Tensor {
    return F.feature_alpha_dropout(input, this.p, this.training);
  }
}
