// Inception v3 as torchvision writes it (torchvision/models/inception.py,
// 0.14): torchvision's module names (Conv2d_1a_3x3, Mixed_5b, AuxLogits, ...)
// so inception_v3_google-*.pth loads with strict=true, its init (truncated
// normal, std 0.1, 0.001 for AuxLogits.fc) in its order, and its forward:
// in training mode with aux_logits it returns InceptionOutputs(logits, aux_logits).
import { cat } from '../../generated/functions.js';
import { scope } from '../../memory.js';
import * as F from '../../nn/functional.js';
import * as init from '../../nn/init.js';
import { Conv2d, type ConvOptions } from '../../nn/modules/conv.js';
import { Dropout } from '../../nn/modules/dropout.js';
import { Linear } from '../../nn/modules/linear.js';
import { BatchNorm2d } from '../../nn/modules/normalization.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../../nn/modules/pooling.js';
import { Module } from '../../nn/module.js';
import { type Args, parseArgs } from '../../nn/_utils.js';
import type { Tensor } from '../../tensor.js';
import { type VisionBuilderOptions, type HasReplaceableHead, _ovewrite_named_param, freshLinear, loadWeights } from './_utils.js';

/**
 * torchvision's InceptionOutputs namedtuple: a [logits, aux_logits] pair that
 * also reads as .logits and .aux_logits.
 */
export type InceptionOutputs = readonly [logits: Tensor, aux_logits: Tensor | null] & {
  readonly logits: Tensor;
  readonly aux_logits: Tensor | null;
};
export function InceptionOutputs(logits: Tensor, aux_logits: Tensor | null): InceptionOutputs {
  return Object.assign([logits, aux_logits] as const, { logits, aux_logits });
}

type ConvBlockOptions = Omit<ConvOptions, 'bias'>;
/** The conv_block Inception's parts are built from: BasicConv2d or a replacement with its signature. */
export type ConvBlock = new (in_channels: number, out_channels: number, options: ConvBlockOptions) => Module;

/** Conv2d without bias, BatchNorm2d(eps=0.001), ReLU. */
export class BasicConv2d extends Module {
  declare conv: Conv2d;
  declare bn: BatchNorm2d;
  /**
   * The init std torchvision attaches to some blocks. Like torchvision, the
   * init reads it only from Conv2d/Linear modules, so on a BasicConv2d it has no effect.
   */
  declare stddev?: number;

  constructor(in_channels: number, out_channels: number, options: ConvBlockOptions = {}) {
    super();
    this.conv = new Conv2d(in_channels, out_channels, { ...options, bias: false });
    this.bn = new BatchNorm2d(out_channels, { eps: 0.001 });
  }

  override forward(x: Tensor): Tensor {
    return scope(() => F.relu(this.bn.call(this.conv.call(x)), true));
  }
}

/** The 35x35 block (Mixed_5b..5d): 1x1, 5x5, double 3x3 and pooled branches. */
export class InceptionA extends Module {
  declare branch1x1: Module;
  declare branch5x5_1: Module;
  declare branch5x5_2: Module;
  declare branch3x3dbl_1: Module;
  declare branch3x3dbl_2: Module;
  declare branch3x3dbl_3: Module;
  declare branch_pool: Module;

  constructor(in_channels: number, pool_features: number, conv_block: ConvBlock | null = null) {
    super();
    const C = conv_block ?? BasicConv2d;
    this.branch1x1 = new C(in_channels, 64, { kernel_size: 1 });
    this.branch5x5_1 = new C(in_channels, 48, { kernel_size: 1 });
    this.branch5x5_2 = new C(48, 64, { kernel_size: 5, padding: 2 });
    this.branch3x3dbl_1 = new C(in_channels, 64, { kernel_size: 1 });
    this.branch3x3dbl_2 = new C(64, 96, { kernel_size: 3, padding: 1 });
    this.branch3x3dbl_3 = new C(96, 96, { kernel_size: 3, padding: 1 });
    this.branch_pool = new C(in_channels, pool_features, { kernel_size: 1 });
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      const branch1x1 = this.branch1x1.call(x) as Tensor;
      const branch5x5 = this.branch5x5_2.call(this.branch5x5_1.call(x)) as Tensor;
      const branch3x3dbl = this.branch3x3dbl_3.call(this.branch3x3dbl_2.call(this.branch3x3dbl_1.call(x))) as Tensor;
      const branchPool = this.branch_pool.call(F.avg_pool2d(x, 3, { stride: 1, padding: 1 })) as Tensor;
      return cat([branch1x1, branch5x5, branch3x3dbl, branchPool], 1);
    });
  }
}

/** The 35x35 → 17x17 reduction (Mixed_6a). */
export class InceptionB extends Module {
  declare branch3x3: Module;
  declare branch3x3dbl_1: Module;
  declare branch3x3dbl_2: Module;
  declare branch3x3dbl_3: Module;

  constructor(in_channels: number, conv_block: ConvBlock | null = null) {
    super();
    const C = conv_block ?? BasicConv2d;
    this.branch3x3 = new C(in_channels, 384, { kernel_size: 3, stride: 2 });
    this.branch3x3dbl_1 = new C(in_channels, 64, { kernel_size: 1 });
    this.branch3x3dbl_2 = new C(64, 96, { kernel_size: 3, padding: 1 });
    this.branch3x3dbl_3 = new C(96, 96, { kernel_size: 3, stride: 2 });
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      const branch3x3 = this.branch3x3.call(x) as Tensor;
      const branch3x3dbl = this.branch3x3dbl_3.call(this.branch3x3dbl_2.call(this.branch3x3dbl_1.call(x))) as Tensor;
      const branchPool = F.max_pool2d(x, 3, { stride: 2 });
      return cat([branch3x3, branch3x3dbl, branchPool], 1);
    });
  }
}

/** The 17x17 block (Mixed_6b..6e) with factorised 7x7 convolutions. */
export class InceptionC extends Module {
  declare branch1x1: Module;
  declare branch7x7_1: Module;
  declare branch7x7_2: Module;
  declare branch7x7_3: Module;
  declare branch7x7dbl_1: Module;
  declare branch7x7dbl_2: Module;
  declare branch7x7dbl_3: Module;
  declare branch7x7dbl_4: Module;
  declare branch7x7dbl_5: Module;
  declare branch_pool: Module;

  constructor(in_channels: number, channels_7x7: number, conv_block: ConvBlock | null = null) {
    super();
    const C = conv_block ?? BasicConv2d;
    this.branch1x1 = new C(in_channels, 192, { kernel_size: 1 });
    const c7 = channels_7x7;
    this.branch7x7_1 = new C(in_channels, c7, { kernel_size: 1 });
    this.branch7x7_2 = new C(c7, c7, { kernel_size: [1, 7], padding: [0, 3] });
    this.branch7x7_3 = new C(c7, 192, { kernel_size: [7, 1], padding: [3, 0] });
    this.branch7x7dbl_1 = new C(in_channels, c7, { kernel_size: 1 });
    this.branch7x7dbl_2 = new C(c7, c7, { kernel_size: [7, 1], padding: [3, 0] });
    this.branch7x7dbl_3 = new C(c7, c7, { kernel_size: [1, 7], padding: [0, 3] });
    this.branch7x7dbl_4 = new C(c7, c7, { kernel_size: [7, 1], padding: [3, 0] });
    this.branch7x7dbl_5 = new C(c7, 192, { kernel_size: [1, 7], padding: [0, 3] });
    this.branch_pool = new C(in_channels, 192, { kernel_size: 1 });
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      const branch1x1 = this.branch1x1.call(x) as Tensor;
      const branch7x7 = this.branch7x7_3.call(this.branch7x7_2.call(this.branch7x7_1.call(x))) as Tensor;
      let branch7x7dbl = this.branch7x7dbl_1.call(x) as Tensor;
      branch7x7dbl = this.branch7x7dbl_2.call(branch7x7dbl) as Tensor;
      branch7x7dbl = this.branch7x7dbl_3.call(branch7x7dbl) as Tensor;
      branch7x7dbl = this.branch7x7dbl_4.call(branch7x7dbl) as Tensor;
      branch7x7dbl = this.branch7x7dbl_5.call(branch7x7dbl) as Tensor;
      const branchPool = this.branch_pool.call(F.avg_pool2d(x, 3, { stride: 1, padding: 1 })) as Tensor;
      return cat([branch1x1, branch7x7, branch7x7dbl, branchPool], 1);
    });
  }
}

/** The 17x17 → 8x8 reduction (Mixed_7a). */
export class InceptionD extends Module {
  declare branch3x3_1: Module;
  declare branch3x3_2: Module;
  declare branch7x7x3_1: Module;
  declare branch7x7x3_2: Module;
  declare branch7x7x3_3: Module;
  declare branch7x7x3_4: Module;

  constructor(in_channels: number, conv_block: ConvBlock | null = null) {
    super();
    const C = conv_block ?? BasicConv2d;
    this.branch3x3_1 = new C(in_channels, 192, { kernel_size: 1 });
    this.branch3x3_2 = new C(192, 320, { kernel_size: 3, stride: 2 });
    this.branch7x7x3_1 = new C(in_channels, 192, { kernel_size: 1 });
    this.branch7x7x3_2 = new C(192, 192, { kernel_size: [1, 7], padding: [0, 3] });
    this.branch7x7x3_3 = new C(192, 192, { kernel_size: [7, 1], padding: [3, 0] });
    this.branch7x7x3_4 = new C(192, 192, { kernel_size: 3, stride: 2 });
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      const branch3x3 = this.branch3x3_2.call(this.branch3x3_1.call(x)) as Tensor;
      let branch7x7x3 = this.branch7x7x3_1.call(x) as Tensor;
      branch7x7x3 = this.branch7x7x3_2.call(branch7x7x3) as Tensor;
      branch7x7x3 = this.branch7x7x3_3.call(branch7x7x3) as Tensor;
      branch7x7x3 = this.branch7x7x3_4.call(branch7x7x3) as Tensor;
      const branchPool = F.max_pool2d(x, 3, { stride: 2 });
      return cat([branch3x3, branch7x7x3, branchPool], 1);
    });
  }
}

/** The 8x8 block (Mixed_7b, 7c) with split 1x3 / 3x1 branches. */
export class InceptionE extends Module {
  declare branch1x1: Module;
  declare branch3x3_1: Module;
  declare branch3x3_2a: Module;
  declare branch3x3_2b: Module;
  declare branch3x3dbl_1: Module;
  declare branch3x3dbl_2: Module;
  declare branch3x3dbl_3a: Module;
  declare branch3x3dbl_3b: Module;
  declare branch_pool: Module;

  constructor(in_channels: number, conv_block: ConvBlock | null = null) {
    super();
    const C = conv_block ?? BasicConv2d;
    this.branch1x1 = new C(in_channels, 320, { kernel_size: 1 });
    this.branch3x3_1 = new C(in_channels, 384, { kernel_size: 1 });
    this.branch3x3_2a = new C(384, 384, { kernel_size: [1, 3], padding: [0, 1] });
    this.branch3x3_2b = new C(384, 384, { kernel_size: [3, 1], padding: [1, 0] });
    this.branch3x3dbl_1 = new C(in_channels, 448, { kernel_size: 1 });
    this.branch3x3dbl_2 = new C(448, 384, { kernel_size: 3, padding: 1 });
    this.branch3x3dbl_3a = new C(384, 384, { kernel_size: [1, 3], padding: [0, 1] });
    this.branch3x3dbl_3b = new C(384, 384, { kernel_size: [3, 1], padding: [1, 0] });
    this.branch_pool = new C(in_channels, 192, { kernel_size: 1 });
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      const branch1x1 = this.branch1x1.call(x) as Tensor;
      const b3 = this.branch3x3_1.call(x) as Tensor;
      const branch3x3 = cat([this.branch3x3_2a.call(b3) as Tensor, this.branch3x3_2b.call(b3) as Tensor], 1);
      const b3dbl = this.branch3x3dbl_2.call(this.branch3x3dbl_1.call(x)) as Tensor;
      const branch3x3dbl = cat([this.branch3x3dbl_3a.call(b3dbl) as Tensor, this.branch3x3dbl_3b.call(b3dbl) as Tensor], 1);
      const branchPool = this.branch_pool.call(F.avg_pool2d(x, 3, { stride: 1, padding: 1 })) as Tensor;
      return cat([branch1x1, branch3x3, branch3x3dbl, branchPool], 1);
    });
  }
}

/** The auxiliary classifier on Mixed_6e's output, used in training only. */
export class InceptionAux extends Module {
  declare conv0: Module;
  declare conv1: Module;
  declare fc: Linear;

  constructor(in_channels: number, num_classes: number, conv_block: ConvBlock | null = null) {
    super();
    const C = conv_block ?? BasicConv2d;
    this.conv0 = new C(in_channels, 128, { kernel_size: 1 });
    this.conv1 = new C(128, 768, { kernel_size: 5 });
    // torchvision sets these; the Inception3 init reads stddev from Conv2d and
    // Linear modules only, so conv1's 0.01 is inert there as well.
    (this.conv1 as Module & { stddev?: number }).stddev = 0.01;
    this.fc = new Linear(768, num_classes);
    (this.fc as Linear & { stddev?: number }).stddev = 0.001;
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      // N x 768 x 17 x 17 -> N x 768 x 5 x 5 -> 128 x 5 x 5 -> 768 x 1 x 1
      let y = F.avg_pool2d(x, 5, { stride: 3 });
      y = this.conv0.call(y) as Tensor;
      y = this.conv1.call(y) as Tensor;
      y = F.adaptive_avg_pool2d(y, [1, 1]);
      return this.fc.call(y.flatten(1));
    });
  }
}

/** Replacement classes for Inception3's seven building blocks, in torchvision's order. */
export type InceptionBlocks = [
  conv_block: ConvBlock,
  inception_a: new (in_channels: number, pool_features: number) => Module,
  inception_b: new (in_channels: number) => Module,
  inception_c: new (in_channels: number, channels_7x7: number) => Module,
  inception_d: new (in_channels: number) => Module,
  inception_e: new (in_channels: number) => Module,
  inception_aux: new (in_channels: number, num_classes: number) => Module,
];

export interface Inception3Options {
  num_classes?: number;
  /** Add the auxiliary classifier (AuxLogits); in training mode forward then returns InceptionOutputs. */
  aux_logits?: boolean;
  /** Re-normalise input given with ImageNet's mean/std to the [-1, 1] scaling the Google weights expect. */
  transform_input?: boolean;
  inception_blocks?: InceptionBlocks | null;
  /** Truncated-normal init (torchvision's default; null also means true, with torchvision's FutureWarning). */
  init_weights?: boolean | null;
  dropout?: number;
}
type Inception3Pos = [
  num_classes: number, aux_logits: boolean, transform_input: boolean, inception_blocks: InceptionBlocks | null, init_weights: boolean | null, dropout: number,
];

let warnedInitWeights = false;

/** torchvision.models.Inception3: expects N x 3 x 299 x 299 input. */
export class Inception3 extends Module implements HasReplaceableHead {
  declare aux_logits: boolean;
  declare transform_input: boolean;
  declare Conv2d_1a_3x3: Module;
  declare Conv2d_2a_3x3: Module;
  declare Conv2d_2b_3x3: Module;
  declare maxpool1: MaxPool2d;
  declare Conv2d_3b_1x1: Module;
  declare Conv2d_4a_3x3: Module;
  declare maxpool2: MaxPool2d;
  declare Mixed_5b: Module;
  declare Mixed_5c: Module;
  declare Mixed_5d: Module;
  declare Mixed_6a: Module;
  declare Mixed_6b: Module;
  declare Mixed_6c: Module;
  declare Mixed_6d: Module;
  declare Mixed_6e: Module;
  declare AuxLogits: Module | null;
  declare Mixed_7a: Module;
  declare Mixed_7b: Module;
  declare Mixed_7c: Module;
  declare avgpool: AdaptiveAvgPool2d;
  declare dropout: Dropout;
  declare fc: Linear;

  constructor(...args: Args<Inception3Pos, Inception3Options>) {
    super();
    const o = parseArgs<Inception3Options>('Inception3', args, ['num_classes', 'aux_logits', 'transform_input', 'inception_blocks', 'init_weights', 'dropout']);
    const numClasses = o.num_classes ?? 1000;
    const blocks = o.inception_blocks ?? [BasicConv2d, InceptionA, InceptionB, InceptionC, InceptionD, InceptionE, InceptionAux];
    let initWeights = o.init_weights ?? null;
    if (initWeights === null) {
      if (!warnedInitWeights) {
        warnedInitWeights = true;
        process.emitWarning(
          'The default weight initialization of inception_v3 will be changed in future releases of torchvision. If you wish to keep the old behavior (which leads to long initialization times due to scipy/scipy#11299), please set init_weights=True.',
          'FutureWarning',
        );
      }
      initWeights = true;
    }
    if (blocks.length !== 7) throw new Error(`ValueError: lenght of inception_blocks should be 7 instead of ${blocks.length}`);
    const [convBlock, inceptionA, inceptionB, inceptionC, inceptionD, inceptionE, inceptionAux] = blocks;
    this.aux_logits = o.aux_logits ?? true;
    this.transform_input = o.transform_input ?? false;
    this.Conv2d_1a_3x3 = new convBlock(3, 32, { kernel_size: 3, stride: 2 });
    this.Conv2d_2a_3x3 = new convBlock(32, 32, { kernel_size: 3 });
    this.Conv2d_2b_3x3 = new convBlock(32, 64, { kernel_size: 3, padding: 1 });
    this.maxpool1 = new MaxPool2d({ kernel_size: 3, stride: 2 });
    this.Conv2d_3b_1x1 = new convBlock(64, 80, { kernel_size: 1 });
    this.Conv2d_4a_3x3 = new convBlock(80, 192, { kernel_size: 3 });
    this.maxpool2 = new MaxPool2d({ kernel_size: 3, stride: 2 });
    this.Mixed_5b = new inceptionA(192, 32);
    this.Mixed_5c = new inceptionA(256, 64);
    this.Mixed_5d = new inceptionA(288, 64);
    this.Mixed_6a = new inceptionB(288);
    this.Mixed_6b = new inceptionC(768, 128);
    this.Mixed_6c = new inceptionC(768, 160);
    this.Mixed_6d = new inceptionC(768, 160);
    this.Mixed_6e = new inceptionC(768, 192);
    this.AuxLogits = null;
    if (this.aux_logits) this.AuxLogits = new inceptionAux(768, numClasses);
    this.Mixed_7a = new inceptionD(768);
    this.Mixed_7b = new inceptionE(1280);
    this.Mixed_7c = new inceptionE(2048);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.dropout = new Dropout({ p: o.dropout ?? 0.5 });
    this.fc = new Linear(2048, numClasses);
    if (initWeights) {
      for (const m of this.modules()) {
        if (m instanceof Conv2d || m instanceof Linear) {
          const stddev = (m as Module & { stddev?: number }).stddev ?? 0.1;
          init.trunc_normal_(m.weight, { mean: 0.0, std: stddev, a: -2, b: 2 });
        } else if (m instanceof BatchNorm2d) {
          init.constant_(m.weight!, 1);
          init.constant_(m.bias!, 0);
        }
      }
    }
  }

  _transform_input(x: Tensor): Tensor {
    if (!this.transform_input) return x;
    return scope(() => {
      // Undo ImageNet normalisation per channel and apply the (x - 0.5) / 0.5 the Google weights were trained with.
      const ch0 = x.select(1, 0).unsqueeze(1).mul(0.229 / 0.5).add((0.485 - 0.5) / 0.5);
      const ch1 = x.select(1, 1).unsqueeze(1).mul(0.224 / 0.5).add((0.456 - 0.5) / 0.5);
      const ch2 = x.select(1, 2).unsqueeze(1).mul(0.225 / 0.5).add((0.406 - 0.5) / 0.5);
      return cat([ch0, ch1, ch2], 1);
    });
  }

  _forward(x: Tensor): [Tensor, Tensor | null] {
    return scope(() => {
      x = this.Conv2d_1a_3x3.call(x) as Tensor; // N x 32 x 149 x 149
      x = this.Conv2d_2a_3x3.call(x) as Tensor; // N x 32 x 147 x 147
      x = this.Conv2d_2b_3x3.call(x) as Tensor; // N x 64 x 147 x 147
      x = this.maxpool1.call(x); // N x 64 x 73 x 73
      x = this.Conv2d_3b_1x1.call(x) as Tensor; // N x 80 x 73 x 73
      x = this.Conv2d_4a_3x3.call(x) as Tensor; // N x 192 x 71 x 71
      x = this.maxpool2.call(x); // N x 192 x 35 x 35
      x = this.Mixed_5b.call(x) as Tensor; // N x 256 x 35 x 35
      x = this.Mixed_5c.call(x) as Tensor; // N x 288 x 35 x 35
      x = this.Mixed_5d.call(x) as Tensor; // N x 288 x 35 x 35
      x = this.Mixed_6a.call(x) as Tensor; // N x 768 x 17 x 17
      x = this.Mixed_6b.call(x) as Tensor;
      x = this.Mixed_6c.call(x) as Tensor;
      x = this.Mixed_6d.call(x) as Tensor;
      x = this.Mixed_6e.call(x) as Tensor; // N x 768 x 17 x 17
      const aux = this.AuxLogits !== null && this.training ? (this.AuxLogits.call(x) as Tensor) : null;
      x = this.Mixed_7a.call(x) as Tensor; // N x 1280 x 8 x 8
      x = this.Mixed_7b.call(x) as Tensor; // N x 2048 x 8 x 8
      x = this.Mixed_7c.call(x) as Tensor; // N x 2048 x 8 x 8
      x = this.avgpool.call(x); // N x 2048 x 1 x 1
      x = this.dropout.call(x);
      x = x.flatten(1); // N x 2048
      x = this.fc.call(x); // N x num_classes
      return [x, aux];
    });
  }

  /** Logits; in training mode with aux_logits, InceptionOutputs(logits, aux_logits). */
  override forward(x: Tensor): Tensor | InceptionOutputs {
    return scope(() => {
      const [logits, aux] = this._forward(this._transform_input(x));
      if (this.training && this.aux_logits) return InceptionOutputs(logits, aux);
      if (aux !== null) aux.dispose();
      return logits;
    });
  }

  /** Replaces fc, and AuxLogits.fc when present, by fresh nn.Linear layers with num_classes outputs. */
  replace_head(num_classes: number): this {
    this.fc = freshLinear(this.fc, num_classes);
    const aux = this.AuxLogits as (Module & { fc?: unknown }) | null;
    if (aux !== null && aux.fc instanceof Linear) aux.fc = freshLinear(aux.fc, num_classes);
    return this;
  }
}

/** What inception_v3 takes: torchvision's keyword arguments (weights, then Inception3's). */
export type Inception3BuilderOptions = VisionBuilderOptions & Inception3Options;

/**
 * Inception v3. With weights (torchvision's inception_v3_google checkpoint),
 * as torchvision: transform_input defaults to true, and the model is built
 * with AuxLogits and without init (passing aux_logits: false or init_weights:
 * true together with weights is torchvision's ValueError).
 */
export function inception_v3(options: Inception3BuilderOptions = {}): Inception3 {
  const { weights, ...kwargs } = options;
  const originalAuxLogits = kwargs.aux_logits ?? true;
  if (weights !== undefined && weights !== null) {
    if (kwargs.transform_input === undefined) kwargs.transform_input = true;
    _ovewrite_named_param(kwargs, 'aux_logits', true);
    _ovewrite_named_param(kwargs, 'init_weights', false);
  }
  const model = new Inception3(kwargs);
  if (weights !== undefined && weights !== null) {
    loadWeights(model, weights);
    if (!originalAuxLogits) {
      model.aux_logits = false;
      model.AuxLogits = null;
    }
  }
  return model;
}
