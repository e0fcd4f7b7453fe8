// torch.distributed Work: the handle an async collective returns.
import { dist, type WorkHandle } from './native.js';

/**
 * A collective in flight. wait() blocks the calling thread until it is done
 * (as Python's Work.wait()); waitAsync() waits on a pool thread instead and
 * leaves the event loop free. Both throw the collective's error, for instance
 * Gloo's timeout when a peer is gone.
 */
export class Work {
  /** @internal */
  constructor(readonly _handle: WorkHandle) {}

  /** Blocks until the collective finishes; `timeout` in milliseconds. Returns true. */
  wait(timeout?: number): boolean {
    return dist.distWorkWait(this._handle, timeout ?? null);
  }

  /** Resolves when the collective finishes; rejects with its error. */
  waitAsync(timeout?: number): Promise<boolean> {
    return dist.distWorkWaitAsync(this._handle, timeout ?? null);
  }

  is_completed(): boolean {
    return dist.distWorkIsCompleted(this._handle);
  }
}
