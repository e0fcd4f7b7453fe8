// VGG as torchvision writes it (torchvision/models/vgg.py, 0.14): features.N
// / classifier.N names, so vgg11-*.pth and friends load with strict=true, and
// the same init in the same order.
import { scope } from '../../memory.js';
import * as init from '../../nn/init.js';
import { ReLU } from '../../nn/modules/activation.js';
import { Sequential } from '../../nn/modules/container.js';
import { Conv2d } from '../../nn/modules/conv.js';
import { Dropout } from '../../nn/modules/dropout.js';
import { Linear } from '../../nn/modules/linear.js';
import { BatchNorm2d } from '../../nn/modules/normalization.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../../nn/modules/pooling.js';
import { Module } from '../../nn/module.js';
import { type Args, parseArgs } from '../../nn/_utils.js';
import type { Tensor } from '../../tensor.js';
import { type VisionBuilderOptions, type HasReplaceableHead, replaceClassifierHead, loadWeights } from './_utils.js';

export interface VGGOptions {
  num_classes?: number;
  init_weights?: boolean;
  dropout?: number;
}
type VGGPos = [num_classes: number, init_weights: boolean, dropout: number];

/** torchvision.models.VGG(features, num_classes=1000, init_weights=True, dropout=0.5). */
export class VGG extends Module implements HasReplaceableHead {
  declare features: Module;
  declare avgpool: AdaptiveAvgPool2d;
  declare classifier: Sequential;

  constructor(features: Module, ...args: Args<VGGPos, VGGOptions>) {
    super();
    const o = parseArgs<VGGOptions>('VGG', args, ['num_classes', 'init_weights', 'dropout']);
    const dropout = o.dropout ?? 0.5;
    this.features = features;
    this.avgpool = new AdaptiveAvgPool2d([7, 7]);
    this.classifier = new Sequential(
      new Linear(512 * 7 * 7, 4096),
      new ReLU(true),
      new Dropout({ p: dropout }),
      new Linear(4096, 4096),
      new ReLU(true),
      new Dropout({ p: dropout }),
      new Linear(4096, o.num_classes ?? 1000),
    );
    if (o.init_weights ?? true) {
      for (const m of this.modules()) {
        if (m instanceof Conv2d) {
          init.kaiming_normal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
          if (m.bias !== null) init.constant_(m.bias, 0);
        } else if (m instanceof BatchNorm2d) {
          init.constant_(m.weight!, 1);
          init.constant_(m.bias!, 0);
        } else if (m instanceof Linear) {
          init.normal_(m.weight, 0, 0.01);
          init.constant_(m.bias!, 0);
        }
      }
    }
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      let y = this.features.call(x) as Tensor;
      y = this.avgpool.call(y);
      y = y.flatten(1);
      return this.classifier.call(y) as Tensor;
    });
  }

  /** classifier[-1] = nn.Linear(4096, num_classes). */
  replace_head(num_classes: number): this {
    replaceClassifierHead(this.classifier, num_classes);
    return this;
  }
}

/** A VGG configuration: output channels of each 3x3 convolution, 'M' for a 2x2 max pool. */
export type VGGConfig = readonly (number | 'M')[];

/** The feature extractor for a configuration: Conv2d(3x3, padding 1) [→ BatchNorm2d] → ReLU, with max pools at 'M'. */
export function make_layers(cfg: VGGConfig, batch_norm = false): Sequential {
  const layers: Module[] = [];
  let inChannels = 3;
  for (const v of cfg) {
    if (v === 'M') {
      layers.push(new MaxPool2d({ kernel_size: 2, stride: 2 }));
    } else {
      const conv2d = new Conv2d(inChannels, v, { kernel_size: 3, padding: 1 });
      if (batch_norm) layers.push(conv2d, new BatchNorm2d(v), new ReLU(true));
      else layers.push(conv2d, new ReLU(true));
      inChannels = v;
    }
  }
  return new Sequential(...layers);
}

/** torchvision's configurations: A = VGG-11, B = VGG-13, D = VGG-16, E = VGG-19. */
export const cfgs: Readonly<Record<'A' | 'B' | 'D' | 'E', VGGConfig>> = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

/** What the vgg builders take: torchvision's keyword arguments (weights, then VGG's). */
export type VGGBuilderOptions = VisionBuilderOptions & VGGOptions;

function _vgg(cfg: keyof typeof cfgs, batchNorm: boolean, options: VGGBuilderOptions): VGG {
  const { weights, ...kwargs } = options;
  // As torchvision: with weights, skip the init the checkpoint overwrites anyway.
  if (weights !== undefined && weights !== null) kwargs.init_weights = false;
  const model = new VGG(make_layers(cfgs[cfg], batchNorm), kwargs);
  if (weights !== undefined && weights !== null) loadWeights(model, weights);
  return model;
}

/** VGG-11 (configuration A). */
export function vgg11(options: VGGBuilderOptions = {}): VGG {
  return _vgg('A', false, options);
}
/** VGG-11 with BatchNorm. */
export function vgg11_bn(options: VGGBuilderOptions = {}): VGG {
  return _vgg('A', true, options);
}
/** VGG-13 (configuration B). */
export function vgg13(options: VGGBuilderOptions = {}): VGG {
  return _vgg('B', false, options);
}
/** VGG-13 with BatchNorm. */
export function vgg13_bn(options: VGGBuilderOptions = {}): VGG {
  return _vgg('B', true, options);
}
/** VGG-16 (configuration D). */
export function vgg16(options: VGGBuilderOptions = {}): VGG {
  return _vgg('D', false, options);
}
/** VGG-16 with BatchNorm. */
export function vgg16_bn(options: VGGBuilderOptions = {}): VGG {
  return _vgg('D', true, options);
}
/** VGG-19 (configuration E). */
export function vgg19(options: VGGBuilderOptions = {}): VGG {
  return _vgg('E', false, options);
}
/** VGG-19 with BatchNorm. */
export function vgg19_bn(options: VGGBuilderOptions = {}): VGG {
  return _vgg('E', true, options);
}
