// torch.nn.parallel: DistributedDataParallel on c10d's Reducer.
export {
  DistributedDataParallel, _DEFAULT_FIRST_BUCKET_BYTES, type DistributedDataParallelOptions,
} from './distributed.js';
