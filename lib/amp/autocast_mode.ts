// torch.autocast (torch/amp/autocast_mode.py): a region where libtorch runs
// eligible ops in lower precision (float16/bfloat16 on CUDA, bfloat16 on CPU).
// The state is libtorch's own (thread-local); this class sets it on enter and
// restores it on exit exactly as Python's __enter__/__exit__ do. Three forms:
//
//   torch.autocast('cpu', { dtype: 'bfloat16' }, () => model.forward(x))   // scope: returns fn's result
//   using _ = torch.autocast('cuda');                                        // guard, restored on dispose
//   const ac = new torch.amp.autocast_mode('cuda'); ac.enter(); ...; ac.exit();
import { cnative } from '../cuda/native.js';
import { type dtype, parseDtype } from '../dtype.js';
import { anative, type AutocastDeviceType, type AutocastState } from './native.js';

export type { AutocastDeviceType } from './native.js';

export interface AutocastOptions {
  /** float16 or bfloat16; by default the device's autocast dtype (CUDA float16, CPU bfloat16). */
  dtype?: dtype | null;
  /** Whether autocasting is on in the region (default true). */
  enabled?: boolean;
  /** Whether casts of leaf tensors (weights) are cached inside the region; default: the current setting (true). */
  cache_enabled?: boolean | null;
}

const warned = new Set<string>();
/** Python's warnings.warn with the default filter: each message once per place. */
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, 'UserWarning');
}

/** Python's `torch.autocast` object: construct, then enter()/exit() (or use run / the autocast() function). */
export class autocast_mode implements Disposable {
  readonly device: AutocastDeviceType;
  readonly fast_dtype: dtype;
  readonly _enabled: boolean;
  readonly _cache_enabled: boolean;
  private prev: AutocastState | null = null;

  constructor(device_type: string, options: AutocastOptions = {}) {
    if (device_type !== 'cuda' && device_type !== 'cpu') {
      throw new Error(`User specified autocast device_type must be 'cuda' or 'cpu' (got ${JSON.stringify(device_type)})`);
    }
    this.device = device_type;
    const current = anative.autocastState(device_type);
    let fast = parseDtype(current.dtype);
    let cacheEnabled = current.cacheEnabled;
    let enabled = options.enabled ?? true;
    if (typeof enabled !== 'boolean') throw new TypeError(`autocast(): enabled must be a bool, not ${typeof enabled}`);
    if (enabled && device_type === 'cuda' && !cnative.cudaIsAvailable()) {
      warnOnce("User provided device_type of 'cuda', but CUDA is not available. Disabling");
      enabled = false;
    }
    if (options.dtype !== undefined && options.dtype !== null) fast = parseDtype(options.dtype);
    if (options.cache_enabled !== undefined && options.cache_enabled !== null) cacheEnabled = options.cache_enabled;
    if (device_type === 'cpu' && fast !== 'bfloat16') {
      warnOnce('In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU Autocast only supports dtype of torch.bfloat16 currently.');
      enabled = false;
    }
    if (device_type === 'cuda' && fast !== 'float16' && fast !== 'bfloat16' && enabled) {
      throw new Error(`In CUDA autocast, dtype must be torch.float16 or torch.bfloat16, got torch.${fast}`);
    }
    this.fast_dtype = fast;
    this._enabled = enabled;
    this._cache_enabled = cacheEnabled;
  }

  /** Python's __enter__: saves the device's autocast state and sets this region's. */
  enter(): this {
    if (this.prev !== null) throw new Error('autocast: this region is already entered (make a new autocast for a nested region)');
    this.prev = anative.autocastState(this.device);
    anative.autocastSetState(this.device, this._enabled, this.fast_dtype, this._cache_enabled);
    anative.autocastIncrementNesting();
    return this;
  }

  /** Python's __exit__: leaving the outermost region drops the cast cache; the previous state comes back. */
  exit(): void {
    const prev = this.prev;
    if (prev === null) return;
    this.prev = null;
    if (anative.autocastDecrementNesting() === 0) anative.autocastClearCache();
    anative.autocastSetState(this.device, prev.enabled, prev.dtype, prev.cacheEnabled);
  }

  [Symbol.dispose](): void {
    this.exit();
  }

  /** Runs fn inside the region; the state is restored when fn returns, throws, or its Promise settles. */
  run<T>(fn: () => T): T {
    this.enter();
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.exit();
      throw e;
    }
    if (result instanceof Promise) {
      // Other code that runs meanwhile sees this region's state too (it is per thread, as in Python).
      return result.finally(() => this.exit()) as T;
    }
    this.exit();
    return result;
  }
}

/**
 * torch.autocast(device_type, {dtype, enabled, cache_enabled}, fn): runs fn with
 * autocast on and returns its result; without fn, enters the region and returns
 * a guard whose dispose (or `using`) leaves it.
 */
export function autocast(device_type: AutocastDeviceType, options?: AutocastOptions): autocast_mode;
export function autocast<T>(device_type: AutocastDeviceType, fn: () => T): T;
export function autocast<T>(device_type: AutocastDeviceType, options: AutocastOptions, fn: () => T): T;
export function autocast<T>(device_type: AutocastDeviceType, a?: AutocastOptions | (() => T), b?: () => T): T | autocast_mode {
  const fn = typeof a === 'function' ? a : b;
  const options = typeof a === 'function' ? {} : a ?? {};
  const mode = new autocast_mode(device_type, options);
  return fn === undefined ? mode.enter() : mode.run(fn);
}

/** Whether autocast is on for the device (Python's torch.is_autocast_enabled / is_autocast_cpu_enabled). */
export function is_autocast_enabled(device_type: AutocastDeviceType = 'cuda'): boolean {
  return anative.autocastState(device_type).enabled;
}

/** The dtype autocast uses on the device (torch.get_autocast_dtype / get_autocast_gpu_dtype / get_autocast_cpu_dtype). */
export function get_autocast_dtype(device_type: AutocastDeviceType): dtype {
  return parseDtype(anative.autocastState(device_type).dtype);
}
