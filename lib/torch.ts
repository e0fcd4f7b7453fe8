// The torch namespace, as Python's `import torch` shows it.
import './indexing.js';
// Tensor methods generated from the operator schemas (scripts/gen/gen-ops.mjs).
import './generated/tensor_methods.js';
export { Tensor, type Scalar, type TensorOrScalar, type NestedArray, type ValuesIndices } from './tensor.js';
export {
  type dtype, float32, float, float64, double, float16, half, bfloat16, int8, int16, short, int32, int, int64, long,
  uint8, bool, complex64, cfloat, complex128, cdouble,
} from './dtype.js';
export { device, type DeviceLike } from './device.js';
export * from './factories.js';
export * from './functions.js';
// torch.* functions generated from the operator schemas; the hand-written ones above win.
export * from './generated/functions.js';
export * as linalg from './generated/linalg.js';
export * as special from './generated/special.js';
export * as fft from './generated/fft.js';
export { type Layout, type MemoryFormat } from './op_support.js';
export { Generator, default_generator, manual_seed, initial_seed, seed, get_rng_state, set_rng_state } from './random.js';
export { no_grad, enable_grad, set_grad_enabled, is_grad_enabled } from './autograd/grad_mode.js';
export { scope, keep, memory, type MemoryStats } from './memory.js';
export { set_num_threads, get_num_threads, set_num_interop_threads, get_num_interop_threads } from './parallel.js';
export { set_printoptions, type PrintOptions } from './tensor_str.js';
export { ops } from './ops.js';
export * as autograd from './autograd/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as utils from './utils/index.js';
export * as jit from './jit/index.js';
export * as cuda from './cuda/index.js';
export * as amp from './amp/index.js';
export { autocast } from './amp/autocast_mode.js';
export * as distributed from './distributed/index.js';
export { slice, type Slice } from './indexing.js';
export { save, load, saveAsync, loadAsync } from './serialization/index.js';
export * as serialization from './serialization/index.js';
export { safetensors } from './serialization/index.js';
export * as vision from './vision/index.js';
export * as models from './models/index.js';
