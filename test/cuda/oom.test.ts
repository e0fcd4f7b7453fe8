// The CUDA out-of-memory retry, with fake OOM errors in libtorch's two message formats.
import { describe, expect, it } from 'vitest';
import {
  CudaOutOfMemoryError, formatBytes, isCudaOomError, type OomRetryHooks, parseCudaOomMessage, retryAfterCudaOom,
  withCudaOomRetry, withCudaOomRetryAsync,
} from '../../lib/cuda/oom.js';
import { handleCudaOpError } from '../../lib/cuda/errors.js';

const OLD = 'CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 10.76 GiB total capacity; 9.38 GiB already allocated; 7.56 MiB free; 9.50 GiB reserved in total by PyTorch) If reserved memory is >> allocated memory try setting max_split_size_mb to avoid fragmentation.';
const NEW = 'CUDA out of memory. Tried to allocate 2.00 GiB. GPU 1 has a total capacity of 139.72 GiB of which 1.25 GiB is free. Including non-PyTorch memory, this process has 138.4 GiB memory in use.';

function fakeHooks(log: string[], info: [number, number] | null = null): OomRetryHooks {
  return {
    collectGarbage: () => log.push('gc'),
    emptyCache: () => log.push('empty_cache'),
    memGetInfo: (d) => (log.push(`mem_get_info ${d}`), info),
  };
}

describe('CUDA OOM messages', () => {
  it('recognises both formats and reads the requested and free bytes', () => {
    expect(isCudaOomError(new Error(OLD))).toBe(true);
    expect(isCudaOomError(new Error(NEW))).toBe(true);
    expect(isCudaOomError(new Error('shape mismatch'))).toBe(false);
    expect(parseCudaOomMessage(OLD)).toEqual({ requested: 20 * 1024 ** 2, free: Math.round(7.56 * 1024 ** 2), total: Math.round(10.76 * 1024 ** 3), device: 0 });
    expect(parseCudaOomMessage(NEW)).toEqual({ requested: 2 * 1024 ** 3, free: Math.round(1.25 * 1024 ** 3), total: Math.round(139.72 * 1024 ** 3), device: 1 });
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00 GiB');
  });
});

describe('retry after a CUDA OOM', () => {
  it('frees memory (GC, then empty_cache) and retries once; success returns the result', () => {
    const log: string[] = [];
    let calls = 0;
    const r = withCudaOomRetry(() => {
      calls++;
      log.push(`call ${calls}`);
      if (calls === 1) throw new Error(OLD);
      return 42;
    }, fakeHooks(log));
    expect(r).toBe(42);
    expect(log).toEqual(['call 1', 'gc', 'empty_cache', 'call 2']);
  });

  it('a second OOM becomes an Error with the requested and free bytes (free from cudaMemGetInfo when available)', () => {
    const log: string[] = [];
    let err: unknown;
    try {
      withCudaOomRetry(() => {
        throw new Error(NEW);
      }, fakeHooks(log, [1000, 5000]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CudaOutOfMemoryError);
    const e = err as CudaOutOfMemoryError;
    expect(e.requested).toBe(2 * 1024 ** 3);
    expect(e.free).toBe(1000);
    expect(e.device).toBe(1);
    expect(e.message).toContain('asked for 2.00 GiB (2147483648 bytes), 1000 bytes free');
    expect(e.message).toContain('CUDA device 1');
    expect(log).toEqual(['gc', 'empty_cache', 'mem_get_info 1']);
  });

  it("falls back to the message's free figure when the driver cannot be asked", () => {
    expect(() => retryAfterCudaOom(new Error(OLD), () => {
      throw new Error(OLD);
    }, fakeHooks([]))).toThrow(`asked for 20.00 MiB (20971520 bytes), 7.56 MiB (${Math.round(7.56 * 1024 ** 2)} bytes) free of 10.76 GiB`);
  });

  it('passes other errors through untouched, without retrying', () => {
    const log: string[] = [];
    const boom = new Error('mat1 and mat2 shapes cannot be multiplied');
    expect(() => retryAfterCudaOom(boom, () => 1, fakeHooks(log))).toThrow(boom);
    expect(() => handleCudaOpError(boom, () => 1, fakeHooks(log))).toThrow(boom);
    expect(log).toEqual([]);
    // a non-OOM error on the retry is thrown as is
    expect(() => retryAfterCudaOom(new Error(OLD), () => {
      throw boom;
    }, fakeHooks(log))).toThrow(boom);
  });

  it('the async form yields to the event loop after the GC (so finalizers run) before retrying', async () => {
    const log: string[] = [];
    let calls = 0;
    setImmediate(() => log.push('event loop turned'));
    const r = await withCudaOomRetryAsync(async () => {
      calls++;
      if (calls === 1) throw new Error(NEW);
      log.push('retry');
      return 'ok';
    }, fakeHooks(log));
    expect(r).toBe('ok');
    expect(log).toEqual(['gc', 'event loop turned', 'empty_cache', 'retry']);
  });

  it('the default hooks run without CUDA (the GC is reachable without --expose-gc)', () => {
    let calls = 0;
    expect(withCudaOomRetry(() => {
      if (++calls === 1) throw new Error(OLD);
      return calls;
    })).toBe(2);
  });
});
