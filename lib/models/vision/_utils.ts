// What the vision model files share (torchvision/models/_utils.py and the
// builders' weights handling): _make_divisible, loading a local checkpoint in
// place of torchvision's download, and the fresh classifier head that
// replace_head() puts in.
import type { Sequential } from '../../nn/modules/container.js';
import { Linear } from '../../nn/modules/linear.js';
import { Module } from '../../nn/module.js';
import { py } from '../../nn/_utils.js';
import { load } from '../../serialization/index.js';
import type { Tensor } from '../../tensor.js';

/**
 * A torchvision checkpoint: the path of a `.pth` written by torch.save
 * (e.g. torchvision's `resnet18-f37072fd.pth`), or a state_dict already in
 * memory (what torch.load returns). It stands where torchvision's `weights=`
 * enum stands: nothing is downloaded, the file must be on disk.
 */
export type VisionWeights = string | Map<string, Tensor>;

/** Options every builder takes, as torchvision's `weights=None` keyword. */
export interface VisionBuilderOptions {
  /** A checkpoint loaded with strict=true after construction; null (the default) leaves the fresh initialisation. */
  weights?: VisionWeights | null;
}

/** Models whose classifier layer(s) can be swapped for fresh ones: the usual transfer-learning move. */
export interface HasReplaceableHead {
  /**
   * Replaces the final classifier Linear (and any auxiliary one) by a freshly
   * initialised nn.Linear with the same in_features and num_classes outputs,
   * on the old layer's device and dtype. Returns the model.
   */
  replace_head(num_classes: number): this;
}

/**
 * Rounds a channel count to a multiple of `divisor`, never below min_value
 * (default divisor) and never more than 10% below v (MobileNet's rule).
 */
export function _make_divisible(v: number, divisor: number, min_value: number | null = null): number {
  const min = min_value ?? divisor;
  let newV = Math.max(min, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (newV < 0.9 * v) newV += divisor;
  return newV;
}

/**
 * torchvision's _ovewrite_named_param: sets kwargs[param] to newValue, unless
 * the caller already passed a different value, which is an error.
 */
export function _ovewrite_named_param<K extends object, P extends keyof K & string>(kwargs: K, param: P, newValue: K[P]): void {
  if (kwargs[param] !== undefined) {
    if (kwargs[param] !== newValue) {
      throw new Error(`ValueError: The parameter '${param}' expected value ${py(newValue)} but got ${py(kwargs[param])} instead.`);
    }
  } else {
    kwargs[param] = newValue;
  }
}

/** Loads `weights` into model with strict=true (torchvision's `model.load_state_dict(weights.get_state_dict())`). */
export function loadWeights(model: Module, weights: VisionWeights): void {
  let stateDict: Map<string, Tensor>;
  if (typeof weights === 'string') {
    const loaded: unknown = load(weights);
    if (!(loaded instanceof Map)) {
      throw new TypeError(`weights: expected ${weights} to hold a state_dict (an OrderedDict of tensors), got ${loaded === null ? 'None' : typeof loaded}`);
    }
    stateDict = loaded as Map<string, Tensor>;
  } else if (weights instanceof Map) {
    stateDict = weights;
  } else {
    throw new TypeError(`weights: expected a checkpoint path or a state_dict Map, got ${typeof weights}`);
  }
  model.load_state_dict(stateDict, true);
  if (typeof weights === 'string') for (const t of stateDict.values()) t.dispose();
}

/** A fresh nn.Linear(old.in_features, num_classes) on old's device and dtype, with old's bias setting. */
export function freshLinear(old: Linear, num_classes: number): Linear {
  if (!Number.isInteger(num_classes) || num_classes < 1) {
    throw new RangeError(`replace_head: num_classes must be a positive integer, got ${num_classes}`);
  }
  return new Linear(old.in_features, num_classes, { bias: old.bias !== null, device: old.weight.device, dtype: old.weight.dtype });
}

/** classifier[-1] = nn.Linear(classifier[-1].in_features, num_classes): the head of VGG and MobileNet. */
export function replaceClassifierHead(classifier: Sequential, num_classes: number): void {
  const last = classifier.at(-1);
  if (!(last instanceof Linear)) throw new TypeError(`replace_head: expected classifier[-1] to be an nn.Linear, got ${last._get_name()}`);
  classifier.set(-1, freshLinear(last, num_classes));
}

/**
 * A layer argument as torchvision takes it (norm_layer=nn.BatchNorm2d,
 * activation_layer=nn.ReLU6, or a partial): a Module class, or a function
 * returning a module (e.g. `(c) => new nn.GroupNorm(32, c)`).
 */
export type LayerFactory<A extends unknown[]> = (new (...args: A) => Module) | ((...args: A) => Module);

/** A normalisation layer argument: nn.BatchNorm2d (the usual default) or anything built from a channel count. */
export type NormLayer = LayerFactory<[num_features: number]>;

/** Builds a layer from a LayerFactory: classes are called with `new`, plain functions without. */
export function makeLayer<A extends unknown[]>(factory: LayerFactory<A>, ...args: A): Module {
  const proto: unknown = (factory as { prototype?: unknown }).prototype;
  if (proto !== undefined && (proto === Module.prototype || proto instanceof Module)) {
    return new (factory as new (...a: A) => Module)(...args);
  }
  const m = (factory as (...a: A) => Module)(...args);
  if (!(m instanceof Module)) throw new TypeError(`expected the layer factory to return an nn.Module, got ${typeof m}`);
  return m;
}
