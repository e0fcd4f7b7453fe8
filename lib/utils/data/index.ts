// torch.utils.data: datasets, samplers, collation and the DataLoader, with
// Python's semantics (seeded shuffles give Python's order). Also re-exports
// FashionMNIST, whose home is torch.vision.datasets (lib/vision/).
export {
  Dataset, IterableDataset, TensorDataset, ConcatDataset, ChainDataset, Subset, random_split,
  type MapStyleDataset, type MapDatasetLike,
} from './dataset.js';
export {
  Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler,
  type SamplerLike, type RandomSamplerOptions,
} from './sampler.js';
export { default_collate, default_convert, type Collated } from './collate.js';
export { DataLoader, get_worker_info, type DataLoaderOptions, type DatasetArg } from './dataloader.js';
export { FashionMNIST, MNIST, type MNISTOptions } from '../../vision/datasets/mnist.js';
export { DistributedSampler, type DistributedSamplerOptions } from './distributed.js';
export * as distributed from './distributed.js';
