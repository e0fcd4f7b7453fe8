// DataLoader's pin_memory: batches copied into page-locked host memory, so that
// .to('cuda', {non_blocking: true}) can overlap the copy with compute. Pinned
// memory needs CUDA; without it the option is ignored with one warning (as
// PyTorch 2.x; 1.13 ignores it silently).
import { Tensor } from '../tensor.js';
import { cnative } from './native.js';

let warned = false;

/** Whether a loader asked for pin_memory should pin: true only when CUDA is available. */
export function shouldPinMemory(requested: boolean): boolean {
  if (!requested) return false;
  if (cnative.cudaIsAvailable()) return true;
  if (!warned) {
    warned = true;
    process.emitWarning("'pin_memory' argument is set as true but no accelerator is found, then device pinned memory won't be used.", 'UserWarning');
  }
  return false;
}

/**
 * Every tensor inside a batch (arrays, Maps, plain objects) replaced by a pinned
 * copy; the unpinned originals are left to the caller's scope.
 */
export function pinMemoryTree<T>(data: T): T {
  const pin = (v: unknown): unknown => {
    if (v instanceof Tensor) return v.pin_memory();
    if (Array.isArray(v)) return v.map(pin);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, pin(x)]));
    if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pin(x)]));
    }
    return v;
  };
  return pin(data) as T;
}
