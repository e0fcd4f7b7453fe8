// torchvision.ops.misc.Conv2dNormActivation: the Conv2d → norm → activation
// block MobileNet is built from. A Sequential, so its children are named
// 0, 1, 2 and checkpoints read `features.0.0.weight`, `features.0.1.running_mean`.
import { ReLU } from '../../nn/modules/activation.js';
import { Sequential } from '../../nn/modules/container.js';
import { Conv2d } from '../../nn/modules/conv.js';
import { BatchNorm2d } from '../../nn/modules/normalization.js';
import type { Module } from '../../nn/module.js';
import { type Args, parseArgs } from '../../nn/_utils.js';
import { type LayerFactory, makeLayer } from './_utils.js';

type IntPair = number | [number, number];

export interface Conv2dNormActivationOptions {
  kernel_size?: IntPair;
  stride?: IntPair;
  /** Default: (kernel_size - 1) // 2 * dilation, per dimension ("same" for odd kernels). */
  padding?: IntPair | 'same' | 'valid' | null;
  groups?: number;
  /** Default nn.BatchNorm2d; null for none. */
  norm_layer?: LayerFactory<[num_features: number]> | null;
  /** Default nn.ReLU; null for none. Called with {inplace} unless inplace is null. */
  activation_layer?: LayerFactory<[options: { inplace?: boolean }]> | LayerFactory<[]> | null;
  dilation?: IntPair;
  inplace?: boolean | null;
  /** Default: true only when there is no norm layer. */
  bias?: boolean | null;
}
type Pos = [
  kernel_size: IntPair, stride: IntPair, padding: IntPair | 'same' | 'valid' | null, groups: number,
  norm_layer: LayerFactory<[num_features: number]> | null, activation_layer: LayerFactory<[options: { inplace?: boolean }]> | LayerFactory<[]> | null,
  dilation: IntPair, inplace: boolean | null, bias: boolean | null,
];
const NAMES = ['kernel_size', 'stride', 'padding', 'groups', 'norm_layer', 'activation_layer', 'dilation', 'inplace', 'bias'] as const;

function layers(inChannels: number, outChannels: number, args: readonly unknown[]): Module[] {
  const o = parseArgs<Conv2dNormActivationOptions>('Conv2dNormActivation', args, NAMES);
  const kernel = o.kernel_size ?? 3;
  const dilation = o.dilation ?? 1;
  let padding = o.padding ?? null;
  if (padding === null) {
    if (typeof kernel === 'number' && typeof dilation === 'number') {
      padding = Math.floor((kernel - 1) / 2) * dilation;
    } else {
      const k = typeof kernel === 'number' ? [kernel, kernel] : kernel;
      const d = typeof dilation === 'number' ? [dilation, dilation] : dilation;
      padding = [Math.floor((k[0] - 1) / 2) * d[0], Math.floor((k[1] - 1) / 2) * d[1]];
    }
  }
  const normLayer = o.norm_layer === undefined ? BatchNorm2d : o.norm_layer;
  const activationLayer = o.activation_layer === undefined ? ReLU : o.activation_layer;
  const bias = o.bias ?? normLayer === null;
  const out: Module[] = [
    new Conv2d(inChannels, outChannels, kernel, o.stride ?? 1, padding, { dilation, groups: o.groups ?? 1, bias }),
  ];
  if (normLayer !== null) out.push(makeLayer(normLayer, outChannels));
  if (activationLayer !== null) {
    const inplace = o.inplace === undefined ? true : o.inplace;
    out.push(inplace === null ? makeLayer(activationLayer as LayerFactory<[]>) : makeLayer(activationLayer as LayerFactory<[{ inplace?: boolean }]>, { inplace }));
  }
  return out;
}

/** Conv2d, then norm_layer(out_channels), then activation_layer(inplace=inplace), as torchvision.ops.Conv2dNormActivation. */
export class Conv2dNormActivation extends Sequential {
  declare out_channels: number;

  constructor(in_channels: number, out_channels: number, ...args: Args<Pos, Conv2dNormActivationOptions>) {
    super(...layers(in_channels, out_channels, args));
    this.out_channels = out_channels;
  }
}
