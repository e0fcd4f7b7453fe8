// What the bridge does when an op fails on a CUDA path: libtorch's own wording
// for "this build has no CUDA" is a dispatcher dump ("Could not run
// 'aten::empty.memory_format' with arguments from the 'CUDA' backend ...");
// Python reports "Torch not compiled with CUDA enabled". And a CUDA
// out-of-memory gets one retry (oom.ts).
import { cnative } from './native.js';
import { defaultOomHooks, isCudaOomError, type OomRetryHooks, retryAfterCudaOom } from './oom.js';

const NO_CUDA_BACKEND = /Could not run '([^']+)' with arguments from the 'CUDA' backend|PyTorch is not linked with support for cuda devices/;

/**
 * The Error to show for e: when e says the CUDA backend is missing, an Error in
 * Python's words that also says what to do (and keeps libtorch's first line);
 * any other error unchanged.
 */
export function explainCudaError(e: unknown): unknown {
  if (!(e instanceof Error) || !NO_CUDA_BACKEND.test(e.message)) return e;
  const firstLine = e.message.split('\n')[0]!.replace(/ This could be because.*$/, '');
  const what = cnative.cudaCompiled()
    ? 'No CUDA GPUs are available: this libtorch has CUDA, but no device is visible (check the driver and CUDA_VISIBLE_DEVICES)'
    : "Torch not compiled with CUDA enabled: this addon links a CPU-only libtorch (torch.cuda.is_available() is false); keep tensors on 'cpu' or rebuild against a CUDA libtorch (see docs/cuda.md)";
  const out = new Error(`${what}. libtorch said: ${firstLine}`);
  (out as Error & { cause?: unknown }).cause = e;
  return out;
}

/**
 * The one call for the bridge's error path: a CUDA OOM is retried once after
 * freeing memory (retry re-runs the op); a missing CUDA backend becomes Python's
 * message; anything else is rethrown unchanged.
 */
export function handleCudaOpError<T>(error: unknown, retry: () => T, hooks: OomRetryHooks = defaultOomHooks): T {
  if (isCudaOomError(error)) return retryAfterCudaOom(error, retry, hooks);
  throw explainCudaError(error);
}
