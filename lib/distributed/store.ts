// torch.distributed.Store, TCPStore and PrefixStore: c10d's key-value stores,
// through which ranks find each other (and which Python ranks share).
import { dist, type StoreHandle } from './native.js';

/** A c10d key-value store shared by all ranks. Blocking calls wait up to the store's timeout. */
export class Store {
  /** @internal */
  constructor(readonly _handle: StoreHandle) {}

  set(key: string, value: string | Uint8Array): void {
    dist.distStoreSet(this._handle, key, value);
  }
  /** The value's bytes; waits for the key to be set (up to the store's timeout). */
  get(key: string): Uint8Array {
    return dist.distStoreGet(this._handle, key);
  }
  /** Adds `amount` to the integer stored under key (0 when unset) and returns the new value. */
  add(key: string, amount: number): number {
    return dist.distStoreAdd(this._handle, key, amount);
  }
  /** Waits until every key is set; `timeout` in milliseconds overrides the store's. */
  wait(keys: string[], timeout?: number): void {
    dist.distStoreWait(this._handle, keys, timeout ?? null);
  }
  /** The default timeout of the blocking calls, in milliseconds. */
  set_timeout(timeout: number): void {
    dist.distStoreSetTimeout(this._handle, timeout);
  }
  num_keys(): number {
    return dist.distStoreNumKeys(this._handle);
  }
  delete_key(key: string): boolean {
    return dist.distStoreDeleteKey(this._handle, key);
  }
}

export interface TCPStoreOptions {
  world_size?: number | null;
  is_master?: boolean;
  /** Milliseconds (Python: timedelta, default 300 s). */
  timeout?: number;
  wait_for_workers?: boolean;
  multi_tenant?: boolean;
}

/**
 * torch.distributed.TCPStore(host_name, port, world_size, is_master, timeout, ...).
 * The master (rank 0) serves the store; with wait_for_workers its constructor
 * blocks until world_size clients have connected, as in Python.
 */
export class TCPStore extends Store {
  readonly host: string;

  constructor(host_name: string, port: number, options: TCPStoreOptions = {}) {
    if (typeof dist.distTcpStore !== 'function') {
      throw new Error('RuntimeError: torch.distributed is unavailable: the libtorch this addon was built against has no c10d');
    }
    super(dist.distTcpStore(host_name, port, options.world_size ?? null, options.is_master ?? false,
      options.timeout ?? 300_000, options.wait_for_workers ?? true, options.multi_tenant ?? false));
    this.host = host_name;
  }

  /** The port it serves or connected to (the OS's choice when created with port 0). */
  get port(): number {
    return dist.distTcpStorePort(this._handle);
  }
}

/** torch.distributed.PrefixStore(prefix, store): every key becomes `${prefix}/${key}`. */
export class PrefixStore extends Store {
  constructor(readonly prefix: string, readonly underlying_store: Store) {
    super(dist.distPrefixStore(prefix, underlying_store._handle));
  }
}
