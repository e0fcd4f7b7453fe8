// torch.optim: the Optimizer base, the optimizers of torch/optim (1.13) and lr_scheduler.
export {
  Optimizer, required, persist, type ParamGroup, type ParamGroupInput, type ParamsT, type ParamState, type StateValue,
  type OptimizerStateDict, type OptimizerStateDictLike,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDParamGroup, type SGDState } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamWOptions, type AdamParamGroup, type AdamState } from './adam.js';
export { RMSprop, type RMSpropOptions, type RMSpropParamGroup, type RMSpropState } from './rmsprop.js';
export { Adagrad, type AdagradOptions, type AdagradParamGroup, type AdagradState } from './adagrad.js';
export { Adadelta, type AdadeltaOptions, type AdadeltaParamGroup, type AdadeltaState } from './adadelta.js';
export { Adamax, type AdamaxOptions, type AdamaxParamGroup, type AdamaxState } from './adamax.js';
export { NAdam, type NAdamOptions, type NAdamParamGroup, type NAdamState } from './nadam.js';
export { RAdam, type RAdamOptions, type RAdamParamGroup, type RAdamState } from './radam.js';
export { LBFGS, type LBFGSOptions, type LBFGSParamGroup, type LBFGSState } from './lbfgs.js';
export * as lr_scheduler from './lr_scheduler.js';
export * as _math from './_math.js';
