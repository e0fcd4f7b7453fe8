// MobileNet v2 as torchvision writes it (torchvision/models/mobilenetv2.py,
// 0.14): features.N / classifier.1 names, so mobilenet_v2-*.pth loads with
// strict=true, and the same init in the same order.
import { scope } from '../../memory.js';
import * as F from '../../nn/functional.js';
import * as init from '../../nn/init.js';
import { ReLU6 } from '../../nn/modules/activation.js';
import { Sequential } from '../../nn/modules/container.js';
import { Conv2d } from '../../nn/modules/conv.js';
import { Dropout } from '../../nn/modules/dropout.js';
import { Linear } from '../../nn/modules/linear.js';
import { BatchNorm2d, GroupNorm } from '../../nn/modules/normalization.js';
import { Module } from '../../nn/module.js';
import { type Args, parseArgs } from '../../nn/_utils.js';
import type { Tensor } from '../../tensor.js';
import { type VisionBuilderOptions, type HasReplaceableHead, type NormLayer, _make_divisible, replaceClassifierHead, loadWeights, makeLayer } from './_utils.js';
import { Conv2dNormActivation } from './misc.js';

/** Expand (1x1) → depthwise 3x3 → project (1x1, linear), with a residual when shapes allow. */
export class InvertedResidual extends Module {
  declare stride: number;
  declare use_res_connect: boolean;
  declare conv: Sequential;
  declare out_channels: number;
  declare _is_cn: boolean;

  constructor(inp: number, oup: number, stride: number, expand_ratio: number, norm_layer: NormLayer | null = null) {
    super();
    this.stride = stride;
    if (stride !== 1 && stride !== 2) throw new Error(`ValueError: stride should be 1 or 2 insted of ${stride}`);
    const norm = norm_layer ?? BatchNorm2d;
    // Python's round(): halves go to even.
    const hidden = inp * expand_ratio;
    const hiddenDim = Math.abs(hidden % 1) === 0.5 ? 2 * Math.round(hidden / 2) : Math.round(hidden);
    this.use_res_connect = this.stride === 1 && inp === oup;
    const layers: Module[] = [];
    if (expand_ratio !== 1) {
      layers.push(new Conv2dNormActivation(inp, hiddenDim, { kernel_size: 1, norm_layer: norm, activation_layer: ReLU6 })); // pw
    }
    layers.push(
      new Conv2dNormActivation(hiddenDim, hiddenDim, { stride, groups: hiddenDim, norm_layer: norm, activation_layer: ReLU6 }), // dw
      new Conv2d(hiddenDim, oup, 1, 1, 0, { bias: false }), // pw-linear
      makeLayer(norm, oup),
    );
    this.conv = new Sequential(...layers);
    this.out_channels = oup;
    this._is_cn = stride > 1;
  }

  override forward(x: Tensor): Tensor {
    if (!this.use_res_connect) return this.conv.call(x) as Tensor;
    return scope(() => x.add(this.conv.call(x) as Tensor));
  }
}

/** The inverted-residual block constructor MobileNetV2 takes (InvertedResidual by default). */
export type InvertedResidualBlock = new (inp: number, oup: number, stride: number, expand_ratio: number, norm_layer: NormLayer | null) => Module;

export interface MobileNetV2Options {
  num_classes?: number;
  /** Scales every layer's channel count. */
  width_mult?: number;
  /** Rows of [t (expansion), c (channels), n (repeats), s (first stride)]. */
  inverted_residual_setting?: number[][] | null;
  /** Round channel counts to a multiple of this (1: no rounding). */
  round_nearest?: number;
  block?: InvertedResidualBlock | null;
  norm_layer?: NormLayer | null;
  dropout?: number;
}
type MobileNetV2Pos = [
  num_classes: number, width_mult: number, inverted_residual_setting: number[][] | null, round_nearest: number,
  block: InvertedResidualBlock | null, norm_layer: NormLayer | null, dropout: number,
];

/** torchvision.models.MobileNetV2. */
export class MobileNetV2 extends Module implements HasReplaceableHead {
  declare last_channel: number;
  declare features: Sequential;
  declare classifier: Sequential;

  constructor(...args: Args<MobileNetV2Pos, MobileNetV2Options>) {
    super();
    const o = parseArgs<MobileNetV2Options>('MobileNetV2', args, ['num_classes', 'width_mult', 'inverted_residual_setting', 'round_nearest', 'block', 'norm_layer', 'dropout']);
    const block = o.block ?? InvertedResidual;
    const norm = o.norm_layer ?? BatchNorm2d;
    const widthMult = o.width_mult ?? 1.0;
    const roundNearest = o.round_nearest ?? 8;
    let inputChannel = 32;
    const lastChannel = 1280;
    const setting = o.inverted_residual_setting ?? [
      // t, c, n, s
      [1, 16, 1, 1],
      [6, 24, 2, 2],
      [6, 32, 3, 2],
      [6, 64, 4, 2],
      [6, 96, 3, 1],
      [6, 160, 3, 2],
      [6, 320, 1, 1],
    ];
    if (setting.length === 0 || setting[0]!.length !== 4) {
      throw new Error(`ValueError: inverted_residual_setting should be non-empty or a 4-element list, got ${JSON.stringify(setting)}`);
    }
    inputChannel = _make_divisible(inputChannel * widthMult, roundNearest);
    this.last_channel = _make_divisible(lastChannel * Math.max(1.0, widthMult), roundNearest);
    const features: Module[] = [new Conv2dNormActivation(3, inputChannel, { stride: 2, norm_layer: norm, activation_layer: ReLU6 })];
    for (const [t, c, n, s] of setting as [number, number, number, number][]) {
      const outputChannel = _make_divisible(c * widthMult, roundNearest);
      for (let i = 0; i < n; i++) {
        features.push(new block(inputChannel, outputChannel, i === 0 ? s : 1, t, norm));
        inputChannel = outputChannel;
      }
    }
    features.push(new Conv2dNormActivation(inputChannel, this.last_channel, { kernel_size: 1, norm_layer: norm, activation_layer: ReLU6 }));
    this.features = new Sequential(...features);
    this.classifier = new Sequential(new Dropout({ p: o.dropout ?? 0.2 }), new Linear(this.last_channel, o.num_classes ?? 1000));

    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        init.kaiming_normal_(m.weight, { mode: 'fan_out' });
        if (m.bias !== null) init.zeros_(m.bias);
      } else if (m instanceof BatchNorm2d || m instanceof GroupNorm) {
        init.ones_(m.weight!);
        init.zeros_(m.bias!);
      } else if (m instanceof Linear) {
        init.normal_(m.weight, 0, 0.01);
        init.zeros_(m.bias!);
      }
    }
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      let y = this.features.call(x) as Tensor;
      // Not squeeze: the batch may be of size 1.
      y = F.adaptive_avg_pool2d(y, [1, 1]);
      y = y.flatten(1);
      return this.classifier.call(y) as Tensor;
    });
  }

  /** classifier[-1] = nn.Linear(classifier[-1].in_features, num_classes). */
  replace_head(num_classes: number): this {
    replaceClassifierHead(this.classifier, num_classes);
    return this;
  }
}

/** What mobilenet_v2 takes: torchvision's keyword arguments (weights, then MobileNetV2's). */
export type MobileNetV2BuilderOptions = VisionBuilderOptions & MobileNetV2Options;

/** MobileNet v2. */
export function mobilenet_v2(options: MobileNetV2BuilderOptions = {}): MobileNetV2 {
  const { weights, ...kwargs } = options;
  const model = new MobileNetV2(kwargs);
  if (weights !== undefined && weights !== null) loadWeights(model, weights);
  return model;
}
