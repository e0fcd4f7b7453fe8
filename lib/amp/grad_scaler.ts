// torch.amp.GradScaler (torch/amp/grad_scaler.py; torch.cuda.amp.GradScaler in
// 1.13): scales the loss so that float16 gradients do not underflow, unscales
// the gradients before the optimizer step, skips steps whose gradients hold
// inf/NaN, and adapts the scale. The state machine (READY, UNSCALED, STEPPED
// per optimizer) and the error messages follow Python's.
//
// The arithmetic runs in libtorch's fused kernels _amp_foreach_non_finite_check_and_unscale_
// and _amp_update_scale_ where the device has them (CUDA; CPU since 2.x), and
// otherwise in a composite of ordinary ops computing the same values (the
// kernels multiply in float32 and scale the growth/backoff in double).
import { scope } from '../memory.js';
import { op } from '../bridge.js';
import { full } from '../factories.js';
import { no_grad } from '../autograd/grad_mode.js';
import { persist } from '../optim/optimizer.js';
import { Tensor } from '../tensor.js';
import { cnative } from '../cuda/native.js';
import { anative } from './native.js';

/** What GradScaler needs of an optimizer: its parameter groups and step(). */
export interface OptimizerLike {
  param_groups: readonly { params: readonly Tensor[] }[];
  step(...args: never[]): unknown;
}

export interface GradScalerOptions {
  /** The first scale factor (default 2**16). */
  init_scale?: number;
  /** The factor the scale grows by after growth_interval steps without inf/NaN (default 2.0). */
  growth_factor?: number;
  /** The factor the scale shrinks by in a step with inf/NaN gradients (default 0.5). */
  backoff_factor?: number;
  /** Steps without inf/NaN between growths (default 2000). */
  growth_interval?: number;
  /** With false, scale() returns its input and step() just calls optimizer.step() (default true). */
  enabled?: boolean;
}

export interface GradScalerStateDict {
  scale: number;
  growth_factor: number;
  backoff_factor: number;
  growth_interval: number;
  _growth_tracker: number;
}

/** Python's OptState. */
export enum OptState {
  READY = 0,
  UNSCALED = 1,
  STEPPED = 2,
}

interface PerOptimizerState {
  stage: OptState;
  /** Device string -> 1-element float32 tensor, 1.0 where a gradient on that device had inf/NaN. */
  found_inf_per_device: Map<string, Tensor>;
}

type Scaled<T> = T extends Tensor ? Tensor : T extends readonly (infer U)[] ? Scaled<U>[] : never;

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, 'UserWarning');
}

const UNSCALE = op('_amp_foreach_non_finite_check_and_unscale_', '');
const UPDATE_SCALE = op('_amp_update_scale_', '');

function backendOf(device: string): 'CPU' | 'CUDA' | null {
  if (device === 'cpu') return 'CPU';
  if (device.startsWith('cuda')) return 'CUDA';
  return null;
}

const kernelCache = new Map<string, boolean>();
/** Whether libtorch has the fused kernel for this device (CPU kernels exist from 2.x on, not in 1.13). */
export function hasFusedKernel(name: '_amp_foreach_non_finite_check_and_unscale_' | '_amp_update_scale_', device: string): boolean {
  const backend = backendOf(device);
  if (backend === null) return false;
  const key = `${name}/${backend}`;
  let has = kernelCache.get(key);
  if (has === undefined) {
    has = anative.opHasKernel(name, '', backend);
    kernelCache.set(key, has);
  }
  return has;
}

/**
 * found_inf := 1.0 if any grad holds inf/NaN; every grad *= inv_scale, computed
 * in float32 (as the kernel's opmath) and stored in the grad's dtype.
 */
export function nonFiniteCheckAndUnscale(grads: readonly Tensor[], found_inf: Tensor, inv_scale: Tensor, options: { useKernel?: boolean } = {}): void {
  if (grads.length === 0) return;
  const dev = found_inf.device.toString();
  if (options.useKernel ?? hasFusedKernel('_amp_foreach_non_finite_check_and_unscale_', dev)) {
    UNSCALE.call(grads, found_inf, inv_scale);
    return;
  }
  scope(() => {
    const inv = inv_scale.reshape([]);
    for (const g of grads) {
      const bad = g.isfinite().logical_not().any().to('float32').reshape([1]);
      found_inf.copy_(found_inf.maximum(bad));
      if (g.dtype === 'float32') g.mul_(inv);
      else g.copy_(g.to('float32').mul_(inv));
    }
  });
}

/**
 * The scale update of _amp_update_scale_: on inf/NaN, scale *= backoff_factor and
 * the tracker resets; otherwise the tracker counts up, and at growth_interval
 * the scale grows by growth_factor (only if the result is finite) and the tracker resets.
 */
export function updateScale(scale: Tensor, growth_tracker: Tensor, found_inf: Tensor, growth_factor: number, backoff_factor: number, growth_interval: number, options: { useKernel?: boolean } = {}): void {
  const dev = scale.device.toString();
  if (options.useKernel ?? hasFusedKernel('_amp_update_scale_', dev)) {
    UPDATE_SCALE.call(scale, growth_tracker, found_inf, growth_factor, backoff_factor, growth_interval);
    return;
  }
  scope(() => {
    const found = found_inf.ne(0);
    const successful = growth_tracker.add(1);
    const grow = successful.eq(growth_interval).logical_and(found.logical_not());
    // The kernel multiplies a float by a double and rounds the product to float.
    const grown = scale.to('float64').mul(growth_factor).to('float32');
    const shrunk = scale.to('float64').mul(backoff_factor).to('float32');
    const useGrown = grow.logical_and(grown.isfinite());
    const newScale = shrunk.where(found, grown.where(useGrown, scale));
    const newTracker = full([1], 0, { dtype: 'int32', device: dev }).where(found.logical_or(grow), successful);
    scale.copy_(newScale);
    growth_tracker.copy_(newTracker);
  });
}

/** Python's GradScaler. `new GradScaler('cuda', {init_scale: 2**16})`; torch.cuda.amp.GradScaler is the same on 'cuda'. */
export class GradScaler {
  readonly _device: string;
  _enabled: boolean;
  _init_scale = 2 ** 16;
  _scale: Tensor | null = null;
  _growth_factor = 2.0;
  _backoff_factor = 0.5;
  _growth_interval = 2000;
  _init_growth_tracker = 0;
  _growth_tracker: Tensor | null = null;
  _per_optimizer_states = new Map<OptimizerLike, PerOptimizerState>();

  constructor(device?: string | GradScalerOptions, options: GradScalerOptions = {}) {
    if (typeof device === 'object' && device !== null) {
      options = device;
      device = undefined;
    }
    this._device = device ?? 'cuda';
    if (this._device !== 'cuda' && this._device !== 'cpu') {
      throw new Error(`GradScaler: device must be 'cuda' or 'cpu', got ${JSON.stringify(this._device)}`);
    }
    const o = options;
    let enabled = o.enabled ?? true;
    if (enabled && this._device === 'cuda' && !cnative.cudaIsAvailable()) {
      warnOnce('torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.');
      enabled = false;
    }
    this._enabled = enabled;
    if (enabled) {
      const growth = o.growth_factor ?? 2.0;
      const backoff = o.backoff_factor ?? 0.5;
      if (!(growth > 1.0)) throw new Error('The growth factor must be > 1.0.');
      if (!(backoff < 1.0)) throw new Error('The backoff factor must be < 1.0.');
      this._init_scale = o.init_scale ?? 2 ** 16;
      this._growth_factor = growth;
      this._backoff_factor = backoff;
      this._growth_interval = o.growth_interval ?? 2000;
    }
  }

  private state(optimizer: OptimizerLike): PerOptimizerState {
    let s = this._per_optimizer_states.get(optimizer);
    if (s === undefined) {
      s = { stage: OptState.READY, found_inf_per_device: new Map() };
      this._per_optimizer_states.set(optimizer, s);
    }
    return s;
  }

  private checkScaleGrowthTracker(funcname: string): [Tensor, Tensor] {
    const fix = 'This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration.';
    if (this._scale === null) throw new Error(`Attempted ${funcname} but _scale is None.  ${fix}`);
    if (this._growth_tracker === null) throw new Error(`Attempted ${funcname} but _growth_tracker is None.  ${fix}`);
    return [this._scale, this._growth_tracker];
  }

  private lazyInit(dev: string): void {
    // Owned by the scaler, not by a torch.scope that happens to be open.
    this._scale = persist(full([1], this._init_scale, { dtype: 'float32', device: dev }));
    this._growth_tracker = persist(full([1], this._init_growth_tracker, { dtype: 'int32', device: dev }));
  }

  /** outputs * scale: a Tensor, or (nested) arrays of Tensors. Returns outputs unchanged when disabled. */
  scale<T extends Tensor | readonly unknown[]>(outputs: T): Scaled<T> {
    if (!this._enabled) return outputs as unknown as Scaled<T>;
    const apply = (v: unknown): unknown => {
      if (v instanceof Tensor) {
        if (this._scale === null) this.lazyInit(v.device.toString());
        const s = this._scale!;
        return scope(() => v.mul(s.to(v.device)));
      }
      if (Array.isArray(v)) return v.map(apply);
      throw new Error('ValueError: outputs must be a Tensor or an iterable of Tensors');
    };
    return apply(outputs) as Scaled<T>;
  }

  private unscaleGrads(optimizer: OptimizerLike, inv_scale: Tensor, found_inf: Tensor, allow_fp16: boolean): Map<string, Tensor> {
    const perDevice = new Map<string, Tensor>();
    no_grad(() =>
      scope(() => {
        // device -> dtype -> grads (fresh handles onto each parameter's .grad; in-place ops reach the grad)
        const groups = new Map<string, Map<string, Tensor[]>>();
        for (const group of optimizer.param_groups) {
          for (const param of group.params) {
            const g = param.grad;
            if (g === null) continue;
            if (!allow_fp16 && g.dtype === 'float16') throw new Error('ValueError: Attempting to unscale FP16 gradients.');
            const dev = g.device.toString();
            let byDtype = groups.get(dev);
            if (byDtype === undefined) groups.set(dev, (byDtype = new Map()));
            let list = byDtype.get(g.dtype);
            if (list === undefined) byDtype.set(g.dtype, (list = []));
            list.push(g);
          }
        }
        for (const [dev, byDtype] of groups) {
          let fi = perDevice.get(dev);
          if (fi === undefined) {
            fi = persist(found_inf.to(dev, { copy: true }));
            perDevice.set(dev, fi);
          }
          const inv = inv_scale.to(dev);
          for (const grads of byDtype.values()) nonFiniteCheckAndUnscale(grads, fi, inv);
        }
      }),
    );
    return perDevice;
  }

  /** Divides ("unscales") the optimizer's gradients by the scale, once per step (e.g. before clipping). */
  unscale_(optimizer: OptimizerLike): void {
    if (!this._enabled) return;
    this.checkScaleGrowthTracker('unscale_');
    const st = this.state(optimizer);
    if (st.stage === OptState.UNSCALED) throw new Error('unscale_() has already been called on this optimizer since the last update().');
    if (st.stage === OptState.STEPPED) throw new Error('unscale_() is being called after step().');
    const scaleT = this._scale!;
    scope(() => {
      const inv_scale = scaleT.to('float64').reciprocal().to('float32');
      const found_inf = full([1], 0.0, { dtype: 'float32', device: scaleT.device });
      disposeAll(st.found_inf_per_device);
      st.found_inf_per_device = this.unscaleGrads(optimizer, inv_scale, found_inf, false);
    });
    st.stage = OptState.UNSCALED;
  }

  /** Unscales the gradients (unless unscale_ did), then runs optimizer.step(...args) unless they hold inf/NaN. */
  step<O extends OptimizerLike>(optimizer: O, ...args: Parameters<O['step']>): ReturnType<O['step']> | null {
    const run = (): ReturnType<O['step']> => (optimizer.step as (...a: unknown[]) => ReturnType<O['step']>)(...args);
    if (!this._enabled) return run();
    if ((args as unknown[]).some((a) => typeof a === 'function')) throw new Error('Closure use is not currently supported if GradScaler is enabled.');
    this.checkScaleGrowthTracker('step');
    const st = this.state(optimizer);
    if (st.stage === OptState.STEPPED) throw new Error('step() has already been called since the last update().');
    if (st.stage === OptState.READY) this.unscale_(optimizer);
    if (st.found_inf_per_device.size === 0) throw new Error('No inf checks were recorded for this optimizer.');
    let found = 0;
    for (const v of st.found_inf_per_device.values()) found += v.item();
    const retval = found === 0 ? run() : null;
    st.stage = OptState.STEPPED;
    return retval;
  }

  /**
   * Updates the scale: new_scale (a number or a 1-element float32 tensor) if given,
   * else backoff on inf/NaN in this iteration, growth after growth_interval clean steps.
   */
  update(new_scale?: number | Tensor | null): void {
    if (!this._enabled) return;
    const [scaleT, tracker] = this.checkScaleGrowthTracker('update');
    if (new_scale !== undefined && new_scale !== null) {
      if (typeof new_scale === 'number') scaleT.fill_(new_scale);
      else {
        const reason = 'new_scale should be a float or a 1-element torch.cuda.FloatTensor with requires_grad=False.';
        if (!(new_scale instanceof Tensor) || new_scale.dtype !== 'float32' || new_scale.numel() !== 1 || new_scale.requires_grad) throw new Error(reason);
        scaleT.copy_(new_scale);
      }
    } else {
      scope(() => {
        const found: Tensor[] = [];
        for (const st of this._per_optimizer_states.values()) for (const fi of st.found_inf_per_device.values()) found.push(fi.to(scaleT.device));
        if (found.length === 0) throw new Error('No inf checks were recorded prior to update.');
        const combined = found[0]!.clone();
        for (let i = 1; i < found.length; i++) combined.add_(found[i]!);
        updateScale(scaleT, tracker, combined, this._growth_factor, this._backoff_factor, this._growth_interval);
      });
    }
    for (const st of this._per_optimizer_states.values()) disposeAll(st.found_inf_per_device);
    this._per_optimizer_states = new Map();
  }

  /** The current scale as a number (init_scale before the first scale(); 1.0 when disabled). */
  get_scale(): number {
    if (!this._enabled) return 1.0;
    return this._scale === null ? this._init_scale : this._scale.item();
  }
  get_growth_factor(): number {
    return this._growth_factor;
  }
  set_growth_factor(new_factor: number): void {
    this._growth_factor = new_factor;
  }
  get_backoff_factor(): number {
    return this._backoff_factor;
  }
  set_backoff_factor(new_factor: number): void {
    this._backoff_factor = new_factor;
  }
  get_growth_interval(): number {
    return this._growth_interval;
  }
  set_growth_interval(new_interval: number): void {
    this._growth_interval = new_interval;
  }
  _get_growth_tracker(): number {
    if (!this._enabled) return 0;
    return this._growth_tracker === null ? this._init_growth_tracker : this._growth_tracker.item();
  }
  is_enabled(): boolean {
    return this._enabled;
  }

  /** {scale, growth_factor, backoff_factor, growth_interval, _growth_tracker}; {} when disabled (as Python). */
  state_dict(): GradScalerStateDict | Record<string, never> {
    if (!this._enabled) return {};
    return {
      scale: this.get_scale(),
      growth_factor: this._growth_factor,
      backoff_factor: this._backoff_factor,
      growth_interval: this._growth_interval,
      _growth_tracker: this._get_growth_tracker(),
    };
  }

  /** Accepts a plain object or a Map (as torch.load returns Python dicts). */
  load_state_dict(state_dict: GradScalerStateDict | Map<string, unknown> | Record<string, unknown>): void {
    if (!this._enabled) return;
    const get = (k: keyof GradScalerStateDict): number => {
      const v = state_dict instanceof Map ? state_dict.get(k) : (state_dict as Record<string, unknown>)[k];
      if (typeof v !== 'number') throw new Error(`GradScaler.load_state_dict(): '${k}' must be a number, got ${v === undefined ? 'nothing' : typeof v}`);
      return v;
    };
    const size = state_dict instanceof Map ? state_dict.size : Object.keys(state_dict).length;
    if (size === 0) throw new Error('The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.');
    this._init_scale = get('scale');
    if (this._scale !== null) this._scale.fill_(this._init_scale);
    this._growth_factor = get('growth_factor');
    this._backoff_factor = get('backoff_factor');
    this._growth_interval = get('growth_interval');
    this._init_growth_tracker = get('_growth_tracker');
    if (this._growth_tracker !== null) this._growth_tracker.fill_(this._init_growth_tracker);
  }

  /** Frees the scale and tracker tensors (they are also freed by the GC when the scaler is dropped). */
  dispose(): void {
    for (const st of this._per_optimizer_states.values()) disposeAll(st.found_inf_per_device);
    this._per_optimizer_states = new Map();
    this._scale?.dispose();
    this._growth_tracker?.dispose();
    this._scale = null;
    this._growth_tracker = null;
  }
}

function disposeAll(m: Map<string, Tensor>): void {
  for (const t of m.values()) t.dispose();
  m.clear();
}
