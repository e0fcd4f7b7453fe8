// torch.nn.parallel.DistributedDataParallel (torch/nn/parallel/distributed.py,
// 1.13) on c10d's own Reducer.
//
// At construction: check that every rank holds the same parameter shapes,
// broadcast rank 0's parameters and buffers, and build a c10d::Reducer over
// the trainable parameters. The Reducer hooks the parameters' gradient
// accumulators inside libtorch, so during loss.backward() each bucket of
// gradients is all-reduced and averaged as soon as it is complete, and
// backward returns with every .grad already averaged: no JS runs in between.
// forward() does what Python's does around the wrapped module's call:
// prepare_for_forward, the one-time bucket rebuild, the buffer broadcast, and
// prepare_for_backward.
import { is_grad_enabled } from '../../autograd/grad_mode.js';
import { _get_default_group, type ProcessGroup } from '../../distributed/distributed_c10d.js';
import { dist, type ReducerHandle } from '../../distributed/native.js';
import { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';

/** dist._DEFAULT_FIRST_BUCKET_BYTES: the small first bucket, so the last layers' gradients start moving early. */
export const _DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024;
/** Python's broadcast_bucket_size for the start-up and buffer broadcasts. */
const BROADCAST_BUCKET_SIZE = 250 * 1024 * 1024;

export interface DistributedDataParallelOptions {
  /** Only null/undefined: torch-node's libtorch is CPU-only here, and DDP on CPU takes no device_ids. */
  device_ids?: number[] | null;
  output_device?: number | null;
  dim?: number;
  /** Broadcast rank 0's buffers (BatchNorm statistics, ...) before every forward. Default true. */
  broadcast_buffers?: boolean;
  process_group?: ProcessGroup | null;
  /** Gradient bucket size in MiB (default 25). */
  bucket_cap_mb?: number;
  find_unused_parameters?: boolean;
  check_reduction?: boolean;
  gradient_as_bucket_view?: boolean;
  static_graph?: boolean;
}

/** Every tensor in a forward's output (tensors, arrays, plain objects, Maps), for find_unused_parameters. */
function findTensors(value: unknown, out: Tensor[] = []): Tensor[] {
  if (value instanceof Tensor) out.push(value);
  else if (Array.isArray(value)) for (const v of value) findTensors(v, out);
  else if (value instanceof Map) for (const v of value.values()) findTensors(v, out);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) findTensors(v, out);
  }
  return out;
}

/**
 * Data-parallel training over a process group: each rank runs the same model
 * on its own shard of the batch, and gradients are averaged across ranks
 * during backward. Run it as the module: `ddp.forward(x)` or `ddp.call(x)`.
 * The wrapped module is `ddp.module` (state_dict keys start with 'module.').
 */
export class DistributedDataParallel<M extends Module = Module> extends Module {
  declare module: M;
  readonly process_group: ProcessGroup;
  readonly broadcast_buffers: boolean;
  readonly find_unused_parameters: boolean;
  readonly gradient_as_bucket_view: boolean;
  readonly bucket_bytes_cap: number;
  readonly dim: number;
  readonly static_graph = false;
  require_backward_grad_sync = true;
  require_forward_param_sync = true;
  num_iterations = 0;
  private reducer: ReducerHandle | null;
  private readonly parametersToIgnore: Set<string>;

  constructor(module: M, options: DistributedDataParallelOptions = {}) {
    super();
    if (!module.parameters().some((p) => p.requires_grad)) {
      throw new Error("RuntimeError: DistributedDataParallel is not needed when a module doesn't have any parameter that requires a gradient.");
    }
    if (options.device_ids !== undefined && options.device_ids !== null) {
      if (options.device_ids.length > 1) throw new Error('ValueError: device_ids can only be None or contain a single element.');
      const devices = [...new Set(module.parameters().map((p) => p.device.type))];
      throw new Error(
        'ValueError: DistributedDataParallel device_ids and output_device arguments only work with single-device/multiple-device ' +
          `GPU modules or CPU modules, but got device_ids [${options.device_ids.join(', ')}], output_device ${options.output_device ?? 'None'}, ` +
          `and module parameters {${devices.map((d) => `device(type='${d}')`).join(', ')}}.`,
      );
    }
    if (options.static_graph) {
      throw new Error('DistributedDataParallel: static_graph=true is not supported by torch-node yet (it needs DDP\'s autograd sink); leave it false');
    }
    if (options.check_reduction) {
      console.warn('The `check_reduction` argument in `DistributedDataParallel` module is deprecated. Please avoid using it.');
    }
    this.process_group = options.process_group ?? _get_default_group();
    this.module = module;
    this.dim = options.dim ?? 0;
    this.broadcast_buffers = options.broadcast_buffers ?? true;
    this.find_unused_parameters = options.find_unused_parameters ?? false;
    this.gradient_as_bucket_view = options.gradient_as_bucket_view ?? false;
    this.bucket_bytes_cap = Math.trunc((options.bucket_cap_mb ?? 25) * 1024 * 1024);
    const ignored = (module as Module & { _ddp_params_and_buffers_to_ignore?: string[] })._ddp_params_and_buffers_to_ignore;
    this.parametersToIgnore = new Set(ignored ?? []);

    const named = this.trainableParameters();
    const parameters = named.map(([, p]) => p);
    const pg = this.process_group._handle;
    // Same shapes and dtypes on every rank, or a clear error now rather than garbage later.
    dist.distVerifyParams(pg, parameters);
    this.syncModuleStates();

    // Python 1.13: without find_unused_parameters the first iteration uses one
    // bucket (parameters may not be in execution order); the Reducer rebuilds
    // buckets of bucket_bytes_cap in gradient-arrival order after it.
    const limits = this.find_unused_parameters ? [_DEFAULT_FIRST_BUCKET_BYTES, this.bucket_bytes_cap] : [Number.POSITIVE_INFINITY];
    const sparse = parameters.map(() => false);
    const assignment = dist.distComputeBucketAssignment(parameters, limits, sparse);
    // Reversed: gradients arrive roughly in the reverse of definition order.
    this.reducer = dist.distReducerNew(
      parameters, [...assignment.buckets].reverse(), [...assignment.limits].reverse(), pg, sparse,
      this.bucket_bytes_cap, this.find_unused_parameters, this.gradient_as_bucket_view,
      named.map(([n]) => n), _DEFAULT_FIRST_BUCKET_BYTES,
    );
  }

  private trainableParameters(): [string, Parameter][] {
    return this.module.named_parameters().filter(([name, p]) => p.requires_grad && !this.parametersToIgnore.has(name));
  }

  private moduleBuffers(): Tensor[] {
    return this.module.named_buffers().filter(([name]) => !this.parametersToIgnore.has(name)).map(([, b]) => b);
  }

  /** Rank 0's parameters and buffers to every rank (Python's _sync_module_states). */
  private syncModuleStates(): void {
    const states = [
      ...this.module.named_parameters().filter(([n]) => !this.parametersToIgnore.has(n)).map(([, p]) => p),
      ...this.moduleBuffers(),
    ];
    this.broadcastCoalesced(states);
  }

  private broadcastCoalesced(tensors: Tensor[]): void {
    if (tensors.length === 0) return;
    // detach(): the broadcast writes in place, which autograd forbids on leaves that require grad.
    const views = tensors.map((t) => t.detach());
    try {
      dist.distBroadcastCoalesced(this.process_group._handle, views, BROADCAST_BUCKET_SIZE, 0);
    } finally {
      for (const v of views) v.dispose();
    }
  }

  private liveReducer(): ReducerHandle {
    if (this.reducer === null) throw new Error('DistributedDataParallel: this instance was disposed');
    return this.reducer;
  }

  will_sync_module_buffers(): boolean {
    return this.require_forward_param_sync && this.broadcast_buffers && this.moduleBuffers().length > 0;
  }

  override forward(...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    const reducer = this.liveReducer();
    const grad = is_grad_enabled();
    if (grad && this.require_backward_grad_sync) {
      this.num_iterations += 1;
      dist.distReducerPrepareForForward(reducer);
    }
    // Once, after the first backward: re-bucket in gradient-arrival order (a broadcast from rank 0).
    if (grad) dist.distReducerRebuildBuckets(reducer);
    if (this.will_sync_module_buffers()) this.broadcastCoalesced(this.moduleBuffers());

    const output = this.module.call(...inputs) as ReturnType<M['forward']>;

    if (grad && this.require_backward_grad_sync) {
      this.require_forward_param_sync = true;
      dist.distReducerPrepareForBackward(reducer, this.find_unused_parameters ? findTensors(output) : []);
    } else {
      this.require_forward_param_sync = false;
    }
    return output;
  }

  /**
   * Gradient accumulation without communication: backward passes inside
   * no_sync only accumulate local gradients; the first synchronized backward
   * after it averages the accumulated sum. As a scope function,
   * `ddp.no_sync(() => ...)`, or as a guard: `using _ = ddp.no_sync();`.
   */
  no_sync(): { [Symbol.dispose](): void };
  no_sync<T>(fn: () => T): T;
  no_sync<T>(fn?: () => T): T | { [Symbol.dispose](): void } {
    const old = this.require_backward_grad_sync;
    this.require_backward_grad_sync = false;
    const restore = (): void => {
      this.require_backward_grad_sync = old;
    };
    if (fn === undefined) return { [Symbol.dispose]: restore };
    let result: T;
    try {
      result = fn();
    } catch (e) {
      restore();
      throw e;
    }
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  }

  /** Removes the Reducer's autograd hooks now (GC would do it later); the module's tensors stay. */
  release(): void {
    if (this.reducer !== null) dist.distReducerRelease(this.reducer);
    this.reducer = null;
  }

  /** Releases the Reducer, then frees the wrapped module's parameters and buffers, as Module.dispose(). */
  override dispose(): void {
    this.release();
    super.dispose();
  }
}
