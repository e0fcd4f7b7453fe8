// torch-node's torchvision.models: ResNet, Inception v3, MobileNet v2 and VGG
// with torchvision's module names, so torchvision's checkpoints load strictly.
export {
  type VisionWeights, type VisionBuilderOptions, type HasReplaceableHead, type LayerFactory, type NormLayer, _make_divisible,
} from './_utils.js';
export { Conv2dNormActivation, type Conv2dNormActivationOptions } from './misc.js';
export {
  ResNet, BasicBlock, Bottleneck, conv1x1, conv3x3, resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d, wide_resnet50_2,
  type ResNetBlock, type ResNetOptions, type ResNetBuilderOptions,
} from './resnet.js';
export {
  Inception3, InceptionOutputs, BasicConv2d, InceptionA, InceptionB, InceptionC, InceptionD, InceptionE, InceptionAux, inception_v3,
  type ConvBlock, type InceptionBlocks, type Inception3Options, type Inception3BuilderOptions,
} from './inception.js';
export {
  MobileNetV2, InvertedResidual, mobilenet_v2, type InvertedResidualBlock, type MobileNetV2Options, type MobileNetV2BuilderOptions,
} from './mobilenetv2.js';
export {
  VGG, make_layers, cfgs, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn,
  type VGGConfig, type VGGOptions, type VGGBuilderOptions,
} from './vgg.js';
