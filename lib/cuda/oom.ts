// Out of memory on the GPU. When a CUDA allocation fails, tensors that JS no
// longer references may still hold device memory until the garbage collector
// finds them. So, once: run the GC, return the caching allocator's unused
// blocks to the driver, and retry; if the retry fails too, throw an Error
// saying how much was asked for and how much is free.
//
// Limitation (Node, not libtorch): tensors that only the FinalizationRegistry
// frees are released when the event loop turns, never inside synchronous code.
// The synchronous retry therefore recovers what the GC frees at once (and the
// allocator's cache); withCudaOomRetryAsync also lets the finalizers run before it retries.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cnative } from './native.js';

/** The error thrown when a CUDA allocation still fails after the retry. */
export class CudaOutOfMemoryError extends Error {
  constructor(
    message: string,
    /** Bytes the failed allocation asked for (null when libtorch's message did not say). */
    readonly requested: number | null,
    /** Free bytes on the device after the retry (null when unknown). */
    readonly free: number | null,
    /** The CUDA device index (null when unknown). */
    readonly device: number | null,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'OutOfMemoryError';
  }
}

/** libtorch's OOM messages: 1.x/2.0 "CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; ...; 7.56 MiB free; ...)", 2.1+ "... GPU 0 has a total capacity of 79.15 GiB of which 1.05 GiB is free ...". */
export function isCudaOomError(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  return /CUDA out of memory|CUDA error: out of memory/.test(msg);
}

const UNITS: Record<string, number> = { bytes: 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

function bytesOf(value: string, unit: string): number {
  return Math.round(Number(value) * (UNITS[unit] ?? Number.NaN));
}

export interface CudaOomInfo {
  requested: number | null;
  free: number | null;
  total: number | null;
  device: number | null;
}

/** The figures in libtorch's OOM message (sizes as it prints them: bytes, KiB, MiB, GiB). */
export function parseCudaOomMessage(message: string): CudaOomInfo {
  const size = String.raw`([\d.]+) (bytes|KiB|MiB|GiB|TiB)`;
  const requested = new RegExp(`Tried to allocate ${size}`).exec(message);
  const device = /GPU (\d+)/.exec(message);
  const free = new RegExp(`of which ${size} is free`).exec(message) ?? new RegExp(`${size} free`).exec(message);
  const total = new RegExp(`total capacity of ${size}`).exec(message) ?? new RegExp(`${size} total capacity`).exec(message);
  return {
    requested: requested ? bytesOf(requested[1]!, requested[2]!) : null,
    free: free ? bytesOf(free[1]!, free[2]!) : null,
    total: total ? bytesOf(total[1]!, total[2]!) : null,
    device: device ? Number(device[1]) : null,
  };
}

/** Python's format of a byte count (torch.cuda.memory._format_size style: 2 decimals, binary units). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)} ${units[i]}`;
}

/** What the retry does between attempts; tests replace these. */
export interface OomRetryHooks {
  collectGarbage(): void;
  emptyCache(): void;
  /** [free, total] bytes of the device, or null when unknown. */
  memGetInfo(device: number | null): [number, number] | null;
}

let gcFn: (() => void) | null | undefined;
/** global.gc when Node runs with --expose-gc; otherwise the flag is set and a gc function taken from a fresh context. */
function gcFunction(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return (gcFn = g);
  try {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  } catch {
    gcFn = null;
  }
  return gcFn;
}

export const defaultOomHooks: OomRetryHooks = {
  collectGarbage() {
    gcFunction()?.();
  },
  emptyCache() {
    cnative.cudaEmptyCache();
  },
  memGetInfo(device) {
    try {
      return cnative.cudaMemGetInfo(device ?? -1);
    } catch {
      return null;
    }
  },
};

function finalError(first: unknown, hooks: OomRetryHooks): CudaOutOfMemoryError {
  const message = first instanceof Error ? first.message : String(first);
  const parsed = parseCudaOomMessage(message);
  const info = hooks.memGetInfo(parsed.device);
  const free = info ? info[0] : parsed.free;
  const total = info ? info[1] : parsed.total;
  const where = parsed.device === null ? 'the CUDA device' : `CUDA device ${parsed.device}`;
  const exact = (n: number): string => (n < 1024 ? formatBytes(n) : `${formatBytes(n)} (${n} bytes)`);
  const asked = parsed.requested === null ? 'an allocation (size not reported)' : exact(parsed.requested);
  const freeText = free === null ? 'unknown' : exact(free);
  const totalText = total === null ? '' : ` of ${formatBytes(total)}`;
  const firstLine = message.split('\n')[0];
  return new CudaOutOfMemoryError(
    `CUDA out of memory on ${where}: asked for ${asked}, ${freeText} free${totalText}, after freeing unreferenced tensors, ` +
      `emptying the cache and retrying once. Free tensors you no longer need (dispose() or torch.scope), or use smaller batches. libtorch said: ${firstLine}`,
    parsed.requested,
    free,
    parsed.device,
    first,
  );
}

/**
 * Called with the error of a failed op: anything but a CUDA OOM is rethrown as is;
 * for an OOM, frees what it can and runs retry once; a second OOM becomes a CudaOutOfMemoryError.
 */
export function retryAfterCudaOom<T>(error: unknown, retry: () => T, hooks: OomRetryHooks = defaultOomHooks): T {
  if (!isCudaOomError(error)) throw error;
  hooks.collectGarbage();
  hooks.emptyCache();
  try {
    return retry();
  } catch (e) {
    if (!isCudaOomError(e)) throw e;
    throw finalError(e, hooks);
  }
}

/** Runs fn; on a CUDA OOM frees what it can and runs it once more. */
export function withCudaOomRetry<T>(fn: () => T, hooks: OomRetryHooks = defaultOomHooks): T {
  try {
    return fn();
  } catch (e) {
    return retryAfterCudaOom(e, fn, hooks);
  }
}

/** As withCudaOomRetry, but after the GC it yields to the event loop so that finalizers free their tensors first. */
export async function withCudaOomRetryAsync<T>(fn: () => T | Promise<T>, hooks: OomRetryHooks = defaultOomHooks): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isCudaOomError(e)) throw e;
    hooks.collectGarbage();
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    hooks.emptyCache();
    try {
      return await fn();
    } catch (e2) {
      if (!isCudaOomError(e2)) throw e2;
      throw finalError(e2, hooks);
    }
  }
}
