// torch.set_num_threads and friends: libtorch's intra-op and inter-op thread pools.
import { native } from './native.js';

/** Sets the number of threads used for intra-op parallelism on CPU (PyTorch's default: the physical cores). */
export function set_num_threads(int: number): void {
  native.setNumThreads(int);
}

/** The number of threads used for intra-op parallelism on CPU. */
export function get_num_threads(): number {
  return native.getNumThreads();
}

/** Sets the inter-op thread count; libtorch accepts this once, before any inter-op work starts. */
export function set_num_interop_threads(int: number): void {
  native.setNumInteropThreads(int);
}

/** The number of threads used for inter-op parallelism on CPU. */
export function get_num_interop_threads(): number {
  return native.getNumInteropThreads();
}
