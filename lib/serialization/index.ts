// torch.serialization: torch.save / torch.load compatible with PyTorch, safetensors,
// sharded checkpoints and partial (transfer-learning) loading. See docs/serialization.md.
export { load, type LoadOptions, type MapLocation } from './load.js';
export { save, type SaveOptions, type WritableLike } from './save.js';
export { isTuple, tuple, isSize, UnpicklingError } from './pickle.js';
export { CheckpointError } from './source.js';
export { load_sharded, save_sharded, type LoadShardedOptions, type SaveShardedOptions, type ShardIndex } from './sharded.js';
export { load_partial, type LoadPartialOptions, type LoadPartialReport, type PartialLoadable, type SkippedEntry } from './partial.js';
export * as safetensors from './safetensors.js';
export { loadAsync, saveAsync } from './async.js';
