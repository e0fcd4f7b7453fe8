// torch.nn: Module, the layers, losses, containers, nn.functional (also as F),
// nn.init and nn.utils.
export { Parameter } from './parameter.js';
export {
  Module, Buffer, RemovableHandle, deepcopy,
  type ForwardHook, type ForwardPreHook, type IncompatibleKeys, type LoadStateDictOptions, type StateDictOptions,
} from './module.js';
export { Identity, Linear, Bilinear, NonDynamicallyQuantizableLinear, type LinearOptions } from './modules/linear.js';
export {
  Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, _ConvNd, _ConvTransposeNd,
  type ConvOptions, type ConvTransposeOptions, type PaddingMode,
} from './modules/conv.js';
export {
  MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d,
  AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
  type MaxPoolOptions, type AvgPoolOptions,
} from './modules/pooling.js';
export {
  BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm, GroupNorm, _NormBase, _BatchNorm,
  type NormOptions, type LayerNormOptions, type GroupNormOptions,
} from './modules/normalization.js';
export { Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout, type DropoutOptions } from './modules/dropout.js';
export {
  Threshold, ReLU, ReLU6, Hardtanh, Sigmoid, Tanh, LogSigmoid, Tanhshrink, Softsign, SiLU, Mish, SELU, Hardsigmoid, Hardswish,
  ELU, CELU, LeakyReLU, GELU, Softplus, Hardshrink, Softshrink, GLU, Softmax, LogSoftmax, Softmin, Softmax2d, PReLU,
  MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions,
} from './modules/activation.js';
export { Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict } from './modules/container.js';
export { Embedding, type EmbeddingOptions } from './modules/sparse.js';
export { Flatten, Unflatten } from './modules/flatten.js';
export { RNNBase, RNN, LSTM, GRU, type RNNOptions } from './modules/rnn.js';
export {
  TransformerEncoderLayer, TransformerEncoder, type TransformerEncoderLayerOptions, type TransformerEncoderOptions,
} from './modules/transformer.js';
export {
  L1Loss, MSELoss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss, _Loss, _WeightedLoss,
  type LossOptions, type CrossEntropyLossOptions, type NLLLossOptions, type BCEWithLogitsLossOptions, type KLDivLossOptions,
} from './modules/loss.js';
export * as functional from './functional.js';
export * as F from './functional.js';
export * as init from './init.js';
export * as utils from './utils/index.js';
export * as parallel from './parallel/index.js';
