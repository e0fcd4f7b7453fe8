// ResNet as torchvision writes it (torchvision/models/resnet.py, 0.14): the
// same module names, so torchvision's state_dicts (resnet18-f37072fd.pth and
// friends) load with strict=true, and the same construction and init order,
// so after torch.manual_seed the initial weights are torchvision's too.
import { scope } from '../../memory.js';
import * as init from '../../nn/init.js';
import { ReLU } from '../../nn/modules/activation.js';
import { Sequential } from '../../nn/modules/container.js';
import { Conv2d } from '../../nn/modules/conv.js';
import { Linear } from '../../nn/modules/linear.js';
import { BatchNorm2d, GroupNorm } from '../../nn/modules/normalization.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../../nn/modules/pooling.js';
import { Module } from '../../nn/module.js';
import { type Args, parseArgs } from '../../nn/_utils.js';
import type { Tensor } from '../../tensor.js';
import {
  type VisionBuilderOptions, type HasReplaceableHead, type NormLayer, _ovewrite_named_param, freshLinear, loadWeights, makeLayer,
} from './_utils.js';

/** 3x3 convolution with padding. */
export function conv3x3(in_planes: number, out_planes: number, stride = 1, groups = 1, dilation = 1): Conv2d {
  return new Conv2d(in_planes, out_planes, { kernel_size: 3, stride, padding: dilation, groups, bias: false, dilation });
}

/** 1x1 convolution. */
export function conv1x1(in_planes: number, out_planes: number, stride = 1): Conv2d {
  return new Conv2d(in_planes, out_planes, { kernel_size: 1, stride, bias: false });
}

/** The block constructors ResNet takes (BasicBlock, Bottleneck): positional as torchvision calls them. */
export interface ResNetBlock {
  readonly expansion: number;
  new (
    inplanes: number, planes: number, stride: number, downsample: Module | null,
    groups: number, base_width: number, dilation: number, norm_layer: NormLayer | null,
  ): BasicBlock | Bottleneck;
}

/** Two 3x3 convolutions with a residual connection (ResNet-18/34). */
export class BasicBlock extends Module {
  static expansion = 1;
  declare conv1: Conv2d;
  declare bn1: Module;
  declare relu: ReLU;
  declare conv2: Conv2d;
  declare bn2: Module;
  declare downsample: Module | null;
  declare stride: number;

  constructor(
    inplanes: number, planes: number, stride = 1, downsample: Module | null = null,
    groups = 1, base_width = 64, dilation = 1, norm_layer: NormLayer | null = null,
  ) {
    super();
    const norm = norm_layer ?? BatchNorm2d;
    if (groups !== 1 || base_width !== 64) throw new Error('ValueError: BasicBlock only supports groups=1 and base_width=64');
    if (dilation > 1) throw new Error('NotImplementedError: Dilation > 1 not supported in BasicBlock');
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = makeLayer(norm, planes);
    this.relu = new ReLU(true);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = makeLayer(norm, planes);
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      let out = this.conv1.call(x);
      out = this.bn1.call(out) as Tensor;
      out = this.relu.call(out);
      out = this.conv2.call(out);
      out = this.bn2.call(out) as Tensor;
      const identity = this.downsample !== null ? (this.downsample.call(x) as Tensor) : x;
      out.add_(identity);
      return this.relu.call(out);
    });
  }
}

/**
 * 1x1 → 3x3 → 1x1 convolutions with a residual connection (ResNet-50 and up).
 * The stride sits on the 3x3 convolution (ResNet V1.5), as in torchvision.
 */
export class Bottleneck extends Module {
  static expansion = 4;
  declare conv1: Conv2d;
  declare bn1: Module;
  declare conv2: Conv2d;
  declare bn2: Module;
  declare conv3: Conv2d;
  declare bn3: Module;
  declare relu: ReLU;
  declare downsample: Module | null;
  declare stride: number;

  constructor(
    inplanes: number, planes: number, stride = 1, downsample: Module | null = null,
    groups = 1, base_width = 64, dilation = 1, norm_layer: NormLayer | null = null,
  ) {
    super();
    const norm = norm_layer ?? BatchNorm2d;
    const width = Math.trunc(planes * (base_width / 64.0)) * groups;
    this.conv1 = conv1x1(inplanes, width);
    this.bn1 = makeLayer(norm, width);
    this.conv2 = conv3x3(width, width, stride, groups, dilation);
    this.bn2 = makeLayer(norm, width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = makeLayer(norm, planes * Bottleneck.expansion);
    this.relu = new ReLU(true);
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      let out = this.conv1.call(x);
      out = this.bn1.call(out) as Tensor;
      out = this.relu.call(out);
      out = this.conv2.call(out);
      out = this.bn2.call(out) as Tensor;
      out = this.relu.call(out);
      out = this.conv3.call(out);
      out = this.bn3.call(out) as Tensor;
      const identity = this.downsample !== null ? (this.downsample.call(x) as Tensor) : x;
      out.add_(identity);
      return this.relu.call(out);
    });
  }
}

export interface ResNetOptions {
  num_classes?: number;
  /** Zero-initialise the last BatchNorm of each residual branch, so each block starts as an identity. */
  zero_init_residual?: boolean;
  groups?: number;
  width_per_group?: number;
  /** For each of layer2..layer4, whether to replace its stride by dilation. */
  replace_stride_with_dilation?: [boolean, boolean, boolean] | null;
  norm_layer?: NormLayer | null;
}
type ResNetPos = [
  num_classes: number, zero_init_residual: boolean, groups: number, width_per_group: number,
  replace_stride_with_dilation: [boolean, boolean, boolean] | null, norm_layer: NormLayer | null,
];

/** torchvision.models.ResNet(block, layers, num_classes=1000, ...). */
export class ResNet extends Module implements HasReplaceableHead {
  declare _norm_layer: NormLayer;
  declare inplanes: number;
  declare dilation: number;
  declare groups: number;
  declare base_width: number;
  declare conv1: Conv2d;
  declare bn1: Module;
  declare relu: ReLU;
  declare maxpool: MaxPool2d;
  declare layer1: Sequential<BasicBlock | Bottleneck>;
  declare layer2: Sequential<BasicBlock | Bottleneck>;
  declare layer3: Sequential<BasicBlock | Bottleneck>;
  declare layer4: Sequential<BasicBlock | Bottleneck>;
  declare avgpool: AdaptiveAvgPool2d;
  declare fc: Linear;

  constructor(block: ResNetBlock, layers: readonly [number, number, number, number], ...args: Args<ResNetPos, ResNetOptions>) {
    super();
    const o = parseArgs<ResNetOptions>('ResNet', args, ['num_classes', 'zero_init_residual', 'groups', 'width_per_group', 'replace_stride_with_dilation', 'norm_layer']);
    const norm = o.norm_layer ?? BatchNorm2d;
    this._norm_layer = norm;
    this.inplanes = 64;
    this.dilation = 1;
    const dilate = o.replace_stride_with_dilation ?? [false, false, false];
    if (dilate.length !== 3) {
      throw new Error(`ValueError: replace_stride_with_dilation should be None or a 3-element tuple, got [${dilate.join(', ')}]`);
    }
    this.groups = o.groups ?? 1;
    this.base_width = o.width_per_group ?? 64;
    this.conv1 = new Conv2d(3, this.inplanes, { kernel_size: 7, stride: 2, padding: 3, bias: false });
    this.bn1 = makeLayer(norm, this.inplanes);
    this.relu = new ReLU(true);
    this.maxpool = new MaxPool2d({ kernel_size: 3, stride: 2, padding: 1 });
    this.layer1 = this._make_layer(block, 64, layers[0]);
    this.layer2 = this._make_layer(block, 128, layers[1], 2, dilate[0]);
    this.layer3 = this._make_layer(block, 256, layers[2], 2, dilate[1]);
    this.layer4 = this._make_layer(block, 512, layers[3], 2, dilate[2]);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(512 * block.expansion, o.num_classes ?? 1000);

    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        init.kaiming_normal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      } else if (m instanceof BatchNorm2d || m instanceof GroupNorm) {
        init.constant_(m.weight!, 1);
        init.constant_(m.bias!, 0);
      }
    }
    if (o.zero_init_residual) {
      for (const m of this.modules()) {
        const lastBn = m instanceof Bottleneck ? m.bn3 : m instanceof BasicBlock ? m.bn2 : null;
        const w = lastBn?._parameters.get('weight');
        if (w) init.constant_(w, 0);
      }
    }
  }

  _make_layer(block: ResNetBlock, planes: number, blocks: number, stride = 1, dilate = false): Sequential<BasicBlock | Bottleneck> {
    const norm = this._norm_layer;
    let downsample: Sequential | null = null;
    const previousDilation = this.dilation;
    if (dilate) {
      this.dilation *= stride;
      stride = 1;
    }
    if (stride !== 1 || this.inplanes !== planes * block.expansion) {
      downsample = new Sequential(conv1x1(this.inplanes, planes * block.expansion, stride), makeLayer(norm, planes * block.expansion));
    }
    const layers = [new block(this.inplanes, planes, stride, downsample, this.groups, this.base_width, previousDilation, norm)];
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) {
      layers.push(new block(this.inplanes, planes, 1, null, this.groups, this.base_width, this.dilation, norm));
    }
    return new Sequential<BasicBlock | Bottleneck>(...layers);
  }

  override forward(x: Tensor): Tensor {
    return scope(() => {
      x = this.conv1.call(x);
      x = this.bn1.call(x) as Tensor;
      x = this.relu.call(x);
      x = this.maxpool.call(x);
      x = this.layer1.call(x) as Tensor;
      x = this.layer2.call(x) as Tensor;
      x = this.layer3.call(x) as Tensor;
      x = this.layer4.call(x) as Tensor;
      x = this.avgpool.call(x);
      x = x.flatten(1);
      return this.fc.call(x);
    });
  }

  /** model.fc = nn.Linear(model.fc.in_features, num_classes). */
  replace_head(num_classes: number): this {
    this.fc = freshLinear(this.fc, num_classes);
    return this;
  }
}

/** What the resnet builders take: torchvision's keyword arguments (weights, then ResNet's). */
export type ResNetBuilderOptions = VisionBuilderOptions & ResNetOptions;

function _resnet(block: ResNetBlock, layers: [number, number, number, number], options: ResNetBuilderOptions): ResNet {
  const { weights, ...kwargs } = options;
  const model = new ResNet(block, layers, kwargs);
  if (weights !== undefined && weights !== null) loadWeights(model, weights);
  return model;
}

/** ResNet-18 (BasicBlock, [2, 2, 2, 2]). */
export function resnet18(options: ResNetBuilderOptions = {}): ResNet {
  return _resnet(BasicBlock, [2, 2, 2, 2], options);
}
/** ResNet-34 (BasicBlock, [3, 4, 6, 3]). */
export function resnet34(options: ResNetBuilderOptions = {}): ResNet {
  return _resnet(BasicBlock, [3, 4, 6, 3], options);
}
/** ResNet-50 (Bottleneck, [3, 4, 6, 3]). */
export function resnet50(options: ResNetBuilderOptions = {}): ResNet {
  return _resnet(Bottleneck, [3, 4, 6, 3], options);
}
/** ResNet-101 (Bottleneck, [3, 4, 23, 3]). */
export function resnet101(options: ResNetBuilderOptions = {}): ResNet {
  return _resnet(Bottleneck, [3, 4, 23, 3], options);
}
/** ResNet-152 (Bottleneck, [3, 8, 36, 3]). */
export function resnet152(options: ResNetBuilderOptions = {}): ResNet {
  return _resnet(Bottleneck, [3, 8, 36, 3], options);
}
/** ResNeXt-50 32x4d. */
export function resnext50_32x4d(options: ResNetBuilderOptions = {}): ResNet {
  const o = { ...options };
  _ovewrite_named_param(o, 'groups', 32);
  _ovewrite_named_param(o, 'width_per_group', 4);
  return _resnet(Bottleneck, [3, 4, 6, 3], o);
}
/** Wide ResNet-50-2: the bottleneck is twice as wide. */
export function wide_resnet50_2(options: ResNetBuilderOptions = {}): ResNet {
  const o = { ...options };
  _ovewrite_named_param(o, 'width_per_group', 64 * 2);
  return _resnet(Bottleneck, [3, 4, 6, 3], o);
}
