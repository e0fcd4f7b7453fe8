// torch.distributed's process-group API (torch/distributed/distributed_c10d.py,
// 1.13): init_process_group, the default group, and the collectives, on c10d's
// ProcessGroupGloo. Rendezvous and store layout follow Python's exactly
// (PrefixStore 'default_pg', group name '0', the store-based barrier), so
// Node and Python ranks can join one group.
import type { Tensor } from '../tensor.js';
import { dist, type GroupHandle } from './native.js';
import { ReduceOp, reduceOpCode } from './reduce_op.js';
import { rendezvous } from './rendezvous.js';
import { PrefixStore, type Store } from './store.js';
import { Work } from './work.js';

export type Backend = 'gloo' | 'nccl';

/** torch.distributed.default_pg_timeout: 30 minutes, in milliseconds. */
export const default_pg_timeout = 30 * 60 * 1000;

/** A c10d process group: a set of ranks that run collectives together. */
export class ProcessGroup {
  /** @internal */
  constructor(
    readonly _handle: GroupHandle,
    private readonly backendName: Backend,
    /** @internal the store the group was built on (the prefixed one) */
    readonly _store: Store,
  ) {}

  rank(): number {
    return dist.distGroupRank(this._handle);
  }
  size(): number {
    return dist.distGroupSize(this._handle);
  }
  name(): Backend {
    return this.backendName;
  }
}

let defaultGroup: ProcessGroup | null = null;
let groupCount = 0;
const STORE_BASED_BARRIER_PREFIX = 'store_based_barrier_key';

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface InitProcessGroupOptions {
  backend?: Backend;
  /** 'tcp://host:port' or 'env://' (the default when no store is given). */
  init_method?: string;
  /** Milliseconds; Python's timedelta (default 30 minutes). Collectives fail with an error after it. */
  timeout?: number;
  world_size?: number;
  rank?: number;
  store?: Store;
  group_name?: string;
}

/**
 * torch.distributed.init_process_group(backend, init_method=..., ...):
 * rendezvous (rank 0 serves a TCPStore), build the group, then wait in a
 * store-based barrier until every rank has joined. Blocks, as in Python.
 */
export function init_process_group(backend: Backend, options?: Omit<InitProcessGroupOptions, 'backend'>): void;
export function init_process_group(options: InitProcessGroupOptions & { backend: Backend }): void;
export function init_process_group(
  backendOrOptions: Backend | (InitProcessGroupOptions & { backend: Backend }),
  maybeOptions: Omit<InitProcessGroupOptions, 'backend'> = {},
): void {
  const o: InitProcessGroupOptions =
    typeof backendOrOptions === 'string' ? { ...maybeOptions, backend: backendOrOptions } : backendOrOptions;
  const backend = o.backend;
  if (backend !== 'gloo' && backend !== 'nccl') {
    throw new Error(`ValueError: Invalid backend: '${String(backend)}' (expected 'gloo' or 'nccl')`);
  }
  // Before any rendezvous: a missing backend must fail at once, not after waiting for the other ranks.
  const built = dist.distAvailable();
  if (backend === 'gloo' && !built.gloo) {
    throw new Error("RuntimeError: Distributed package doesn't have Gloo built in: install libgloo-dev (Debian/Ubuntu) and rebuild the addon");
  }
  if (backend === 'nccl' && !built.nccl) {
    throw new Error("RuntimeError: Distributed package doesn't have NCCL built in: this torch-node addon binds Gloo only; use backend 'gloo'");
  }
  const timeout = o.timeout ?? default_pg_timeout;
  if (typeof timeout !== 'number' || !(timeout > 0)) {
    throw new Error(`init_process_group(): timeout must be a positive number of milliseconds, got ${String(timeout)}`);
  }
  if (defaultGroup !== null) throw new Error('RuntimeError: trying to initialize the default process group twice!');
  if (o.store !== undefined && o.init_method !== undefined) throw new Error('AssertionError: Cannot specify both init_method and store.');

  let rank = o.rank ?? -1;
  let world_size = o.world_size ?? -1;
  let store: Store;
  if (o.store !== undefined) {
    if (!(world_size > 0)) throw new Error('AssertionError: world_size must be positive if using store');
    if (!(rank >= 0)) throw new Error('AssertionError: rank must be non-negative if using store');
    store = o.store;
  } else {
    const r = rendezvous(o.init_method ?? 'env://', rank, world_size, timeout);
    r.store.set_timeout(timeout);
    // As Python: keys of the default group live under 'default_pg/' in case the store is shared.
    store = new PrefixStore('default_pg', r.store);
    rank = r.rank;
    world_size = r.world_size;
  }

  const groupName = o.group_name || String(groupCount++);
  const groupStore = new PrefixStore(groupName, store);
  const handle = dist.distNewGroup(backend, groupStore._handle, rank, world_size, timeout);
  defaultGroup = new ProcessGroup(handle, backend, groupStore);
  try {
    storeBasedBarrier(store, rank, world_size, timeout);
    // After the barrier, as Python: rank 0 publishes the sequence number the others wait for.
    dist.distGroupSetSequenceNumber(handle);
  } catch (e) {
    destroy_process_group();
    throw e;
  }
}

/** Python's _store_based_barrier: every rank adds 1 to a key, then polls until it reads world_size. */
function storeBasedBarrier(store: Store, rank: number, world_size: number, timeout: number): void {
  const key = `${STORE_BASED_BARRIER_PREFIX}:${groupCount}`;
  store.add(key, 1);
  const start = Date.now();
  let count = store.add(key, 0);
  while (count !== world_size) {
    sleepSync(10);
    count = store.add(key, 0);
    if (Date.now() - start > timeout) {
      throw new Error(
        `RuntimeError: Timed out initializing process group in store based barrier on rank: ${rank}, ` +
          `for key: ${key} (world_size=${world_size}, worker_count=${count}, timeout=${timeout} ms)`,
      );
    }
  }
}

function defaultOrThrow(): ProcessGroup {
  if (defaultGroup === null) {
    throw new Error('RuntimeError: Default process group has not been initialized, please make sure to call init_process_group.');
  }
  return defaultGroup;
}

function groupOf(group: ProcessGroup | null | undefined): ProcessGroup {
  return group ?? defaultOrThrow();
}

/** The default group (torch.distributed.group.WORLD), or null before init_process_group. */
export function _get_default_group(): ProcessGroup {
  return defaultOrThrow();
}

export const group = {
  get WORLD(): ProcessGroup | null {
    return defaultGroup;
  },
};

/** Ends the default group (or the given one); init_process_group may then be called again. */
export function destroy_process_group(group?: ProcessGroup | null): void {
  const g = group ?? defaultGroup;
  if (g === null) throw new Error('RuntimeError: Invalid process group specified');
  dist.distDestroyGroup(g._handle);
  if (g === defaultGroup) {
    defaultGroup = null;
    groupCount = 0;
  }
}

export function is_initialized(): boolean {
  return defaultGroup !== null;
}

/** Whether this addon was built with a distributed backend (Gloo). */
export function is_available(): boolean {
  return dist.distAvailable().gloo;
}
export function is_gloo_available(): boolean {
  return dist.distAvailable().gloo;
}
export function is_nccl_available(): boolean {
  return dist.distAvailable().nccl;
}

export function get_rank(group?: ProcessGroup | null): number {
  return groupOf(group).rank();
}

export function get_world_size(group?: ProcessGroup | null): number {
  return groupOf(group).size();
}

export function get_backend(group?: ProcessGroup | null): Backend {
  return groupOf(group).name();
}

// ---- collectives ---------------------------------------------------------------

export interface CollectiveOptions {
  group?: ProcessGroup | null;
  /** true: return a Work at once instead of waiting for the result. */
  async_op?: boolean;
}
export type ReduceOpLike = ReduceOp | keyof typeof ReduceOp;
type Sync = CollectiveOptions & { async_op?: false };
type Async = CollectiveOptions & { async_op: true };

function finish(work: Work, options: CollectiveOptions | undefined): Work | undefined {
  if (options?.async_op) return work;
  work.wait();
  return undefined;
}

/** all_reduce(tensor, {op: ReduceOp.SUM}): every rank's tensor becomes the reduction of all of them, in place. */
export function all_reduce(tensor: Tensor, options: Async & { op?: ReduceOpLike }): Work;
export function all_reduce(tensor: Tensor, options?: Sync & { op?: ReduceOpLike }): void;
export function all_reduce(tensor: Tensor, options?: CollectiveOptions & { op?: ReduceOpLike }): Work | undefined {
  const g = groupOf(options?.group);
  return finish(new Work(dist.distAllReduce(g._handle, tensor, reduceOpCode(options?.op ?? ReduceOp.SUM))), options);
}

/** broadcast(tensor, src): rank src's tensor is copied into every rank's, in place. */
export function broadcast(tensor: Tensor, src: number, options: Async): Work;
export function broadcast(tensor: Tensor, src: number, options?: Sync): void;
export function broadcast(tensor: Tensor, src: number, options?: CollectiveOptions): Work | undefined {
  const g = groupOf(options?.group);
  return finish(new Work(dist.distBroadcast(g._handle, tensor, src)), options);
}

/** reduce(tensor, dst, {op}): rank dst's tensor becomes the reduction; the others' are scratch. */
export function reduce(tensor: Tensor, dst: number, options: Async & { op?: ReduceOpLike }): Work;
export function reduce(tensor: Tensor, dst: number, options?: Sync & { op?: ReduceOpLike }): void;
export function reduce(tensor: Tensor, dst: number, options?: CollectiveOptions & { op?: ReduceOpLike }): Work | undefined {
  const g = groupOf(options?.group);
  return finish(new Work(dist.distReduce(g._handle, tensor, dst, reduceOpCode(options?.op ?? ReduceOp.SUM))), options);
}

/** all_gather(tensor_list, tensor): tensor_list[i] receives rank i's tensor (world_size tensors of its shape). */
export function all_gather(tensor_list: Tensor[], tensor: Tensor, options: Async): Work;
export function all_gather(tensor_list: Tensor[], tensor: Tensor, options?: Sync): void;
export function all_gather(tensor_list: Tensor[], tensor: Tensor, options?: CollectiveOptions): Work | undefined {
  const g = groupOf(options?.group);
  return finish(new Work(dist.distAllGather(g._handle, tensor_list, tensor)), options);
}

/**
 * reduce_scatter(output, input_list, {op}): output on rank i becomes the
 * reduction of input_list[i] over all ranks. Gloo in libtorch 1.13 does not
 * implement it (c10d says so in the error); NCCL and later Gloo do.
 */
export function reduce_scatter(output: Tensor, input_list: Tensor[], options: Async & { op?: ReduceOpLike }): Work;
export function reduce_scatter(output: Tensor, input_list: Tensor[], options?: Sync & { op?: ReduceOpLike }): void;
export function reduce_scatter(output: Tensor, input_list: Tensor[], options?: CollectiveOptions & { op?: ReduceOpLike }): Work | undefined {
  const g = groupOf(options?.group);
  return finish(new Work(dist.distReduceScatter(g._handle, output, input_list, reduceOpCode(options?.op ?? ReduceOp.SUM))), options);
}

/** barrier(): returns once every rank has entered it. */
export function barrier(options: Async): Work;
export function barrier(options?: Sync): void;
export function barrier(options?: CollectiveOptions): Work | undefined {
  const g = groupOf(options?.group);
  return finish(new Work(dist.distBarrier(g._handle)), options);
}
