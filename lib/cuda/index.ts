// torch.cuda: the devices of the libtorch this addon links. Debian's libtorch
// is CPU-only: there every call that needs a device raises Python's "Torch not
// compiled with CUDA enabled", and the memory figures are 0, as in Python.
import { device, type DeviceLike } from '../device.js';
import { cnative as native } from './native.js';
import * as amp from './amp.js';

export { amp };
export { explainCudaError, handleCudaOpError } from './errors.js';
export { withCudaOomRetry, withCudaOomRetryAsync, retryAfterCudaOom, isCudaOomError, CudaOutOfMemoryError } from './oom.js';

/** A device argument: an index, 'cuda:1', a torch.device, or null/undefined for the current device. */
export type CudaDeviceArg = number | DeviceLike | null | undefined;

export function is_available(): boolean {
  return native.cudaIsAvailable();
}

export function device_count(): number {
  return native.cudaDeviceCount();
}

/** Whether this addon was built against a CUDA libtorch (GPU present or not). */
export function is_built(): boolean {
  return native.cudaCompiled();
}

/**
 * The device index for an argument, as Python's _get_device_index(optional=True):
 * -1 (the current device) for null/undefined and for 'cuda' without an index.
 */
export function _get_device_index(d: CudaDeviceArg): number {
  if (d === null || d === undefined) return -1;
  if (typeof d === 'number') {
    if (!Number.isInteger(d)) throw new TypeError(`Expected a cuda device index (an int), got ${d}`);
    return d;
  }
  const dev = new device(d);
  if (dev.type !== 'cuda') throw new Error(`Expected a cuda device, but got: ${dev.toString()}`);
  return dev.index ?? -1;
}

export function current_device(): number {
  return native.cudaCurrentDevice();
}

/** Makes device the current one; a negative index does nothing, as Python. */
export function set_device(d: number | DeviceLike): void {
  const index = _get_device_index(d);
  native.cudaSetDevice(index);
}

export function get_device_name(d?: CudaDeviceArg): string {
  return native.cudaGetDeviceName(_get_device_index(d));
}

/** Waits for every kernel queued on the device to finish. */
export function synchronize(d?: CudaDeviceArg): void {
  native.cudaSynchronize(_get_device_index(d));
}

/** Seeds the current CUDA device's generator; without CUDA it does nothing, as Python. */
export function manual_seed(seed: number | bigint): void {
  native.cudaManualSeed(seed, false);
}

/** Seeds every CUDA device's generator; without CUDA it does nothing. */
export function manual_seed_all(seed: number | bigint): void {
  native.cudaManualSeed(seed, true);
}

/** Bytes of tensors the caching allocator holds on the device (0 without CUDA). */
export function memory_allocated(d?: CudaDeviceArg): number {
  return native.cudaMemoryStats(_get_device_index(d)).allocated;
}

/** Bytes the caching allocator has reserved from the driver (0 without CUDA). */
export function memory_reserved(d?: CudaDeviceArg): number {
  return native.cudaMemoryStats(_get_device_index(d)).reserved;
}

/** The most bytes allocated at once since start or reset_peak_memory_stats (0 without CUDA). */
export function max_memory_allocated(d?: CudaDeviceArg): number {
  return native.cudaMemoryStats(_get_device_index(d)).peakAllocated;
}

export function max_memory_reserved(d?: CudaDeviceArg): number {
  return native.cudaMemoryStats(_get_device_index(d)).peakReserved;
}

export function reset_peak_memory_stats(d?: CudaDeviceArg): void {
  native.cudaResetPeakMemoryStats(_get_device_index(d));
}

/** Returns the caching allocator's unused blocks to the driver (nothing to do without CUDA). */
export function empty_cache(): void {
  native.cudaEmptyCache();
}

/** [free, total] bytes of device memory, as the driver reports them. */
export function mem_get_info(d?: CudaDeviceArg): [number, number] {
  return native.cudaMemGetInfo(_get_device_index(d));
}
