// torch.distributed on c10d (PyTorch's own engine): stores, the Gloo process
// group, the collectives and their Work handles. DistributedDataParallel lives
// in torch.nn.parallel, DistributedSampler in torch.utils.data.
export { ReduceOp } from './reduce_op.js';
export { Store, TCPStore, PrefixStore, type TCPStoreOptions } from './store.js';
export { Work } from './work.js';
export { _compute_bucket_assignment_by_size } from './buckets.js';
export {
  ProcessGroup, init_process_group, destroy_process_group, is_initialized, is_available, is_gloo_available,
  is_nccl_available, get_rank, get_world_size, get_backend, group, default_pg_timeout,
  all_reduce, broadcast, reduce, all_gather, reduce_scatter, barrier,
  type Backend, type InitProcessGroupOptions, type CollectiveOptions, type ReduceOpLike,
} from './distributed_c10d.js';
