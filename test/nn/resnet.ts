// ResNet-18 written as torchvision writes it (torchvision/models/resnet.py):
// same module names, so the state_dict keys are torchvision's, and the same
// construction and init order, so after manual_seed the weights are too.
import * as torch from '../../lib/index.js';
import { nn } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';

function conv3x3(inPlanes: number, outPlanes: number, stride = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, { kernel_size: 3, stride, padding: 1, bias: false });
}
function conv1x1(inPlanes: number, outPlanes: number, stride = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, { kernel_size: 1, stride, bias: false });
}

export class BasicBlock extends nn.Module {
  static expansion = 1;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu = new nn.ReLU(true);
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  downsample: nn.Sequential | null;
  stride: number;

  constructor(inplanes: number, planes: number, stride = 1, downsample: nn.Sequential | null = null) {
    super();
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = new nn.BatchNorm2d(planes);
    this.relu = new nn.ReLU(true);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new nn.BatchNorm2d(planes);
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    return torch.scope(() => {
      let out = this.conv1.call(x);
      out = this.bn1.call(out);
      out = this.relu.call(out);
      out = this.conv2.call(out);
      out = this.bn2.call(out);
      const identity = this.downsample !== null ? this.downsample.call(x) : x;
      out.add_(identity);
      return this.relu.call(out);
    });
  }
}

export class ResNet extends nn.Module {
  inplanes = 64;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu: nn.ReLU;
  maxpool: nn.MaxPool2d;
  layer1: nn.Sequential<BasicBlock>;
  layer2: nn.Sequential<BasicBlock>;
  layer3: nn.Sequential<BasicBlock>;
  layer4: nn.Sequential<BasicBlock>;
  avgpool: nn.AdaptiveAvgPool2d;
  fc: nn.Linear;

  constructor(layers: [number, number, number, number], num_classes = 1000) {
    super();
    this.conv1 = new nn.Conv2d(3, this.inplanes, { kernel_size: 7, stride: 2, padding: 3, bias: false });
    this.bn1 = new nn.BatchNorm2d(this.inplanes);
    this.relu = new nn.ReLU(true);
    this.maxpool = new nn.MaxPool2d({ kernel_size: 3, stride: 2, padding: 1 });
    this.layer1 = this._make_layer(64, layers[0]);
    this.layer2 = this._make_layer(128, layers[1], 2);
    this.layer3 = this._make_layer(256, layers[2], 2);
    this.layer4 = this._make_layer(512, layers[3], 2);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(512 * BasicBlock.expansion, num_classes);
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) {
        nn.init.kaiming_normal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      } else if (m instanceof nn.BatchNorm2d || m instanceof nn.GroupNorm) {
        nn.init.constant_(m.weight!, 1);
        nn.init.constant_(m.bias!, 0);
      }
    }
  }

  private _make_layer(planes: number, blocks: number, stride = 1): nn.Sequential<BasicBlock> {
    let downsample: nn.Sequential | null = null;
    if (stride !== 1 || this.inplanes !== planes * BasicBlock.expansion) {
      downsample = new nn.Sequential(conv1x1(this.inplanes, planes * BasicBlock.expansion, stride), new nn.BatchNorm2d(planes * BasicBlock.expansion));
    }
    const layers = [new BasicBlock(this.inplanes, planes, stride, downsample)];
    this.inplanes = planes * BasicBlock.expansion;
    for (let i = 1; i < blocks; i++) layers.push(new BasicBlock(this.inplanes, planes));
    return new nn.Sequential<BasicBlock>(...layers);
  }

  override forward(x: Tensor): Tensor {
    return torch.scope(() => {
      x = this.conv1.call(x);
      x = this.bn1.call(x);
      x = this.relu.call(x);
      x = this.maxpool.call(x);
      x = this.layer1.call(x);
      x = this.layer2.call(x);
      x = this.layer3.call(x);
      x = this.layer4.call(x);
      x = this.avgpool.call(x);
      x = x.flatten(1);
      return this.fc.call(x);
    });
  }
}

export function resnet18(num_classes = 1000): ResNet {
  return new ResNet([2, 2, 2, 2], num_classes);
}
