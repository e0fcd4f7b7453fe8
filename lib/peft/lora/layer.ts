// lora.Linear as peft's (src/peft/tuners/lora/layer.py): wraps a Linear (or a
// GPT-2-style Conv1D, weight stored (in, out)) and adds, per adapter,
// scaling · B(A(dropout(x))) to its output. Submodules and state_dict keys are
// peft's: base_layer.weight, lora_A.<adapter>.weight, lora_B.<adapter>.weight.
import { no_grad } from '../../autograd/grad_mode.js';
import type { Tensor } from '../../tensor.js';
import * as init from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import { ModuleDict } from '../../nn/modules/container.js';
import { Dropout } from '../../nn/modules/dropout.js';
import { Identity, Linear as NnLinear } from '../../nn/modules/linear.js';
import type { Parameter } from '../../nn/parameter.js';

export interface LoraLayerOptions {
  r?: number;
  lora_alpha?: number;
  lora_dropout?: number;
  /** The base layer stores its weight as (in_features, out_features). */
  fan_in_fan_out?: boolean;
  is_target_conv_1d_layer?: boolean;
  init_lora_weights?: boolean | 'gaussian';
  use_rslora?: boolean;
}

/** A Hugging Face Conv1D (GPT-2): y = x W + b with W of shape (nx, nf), recognized by shape since its class is not ours. */
export function isConv1D(m: Module): boolean {
  const w = (m as unknown as { weight?: unknown }).weight;
  const nf = (m as unknown as { nf?: unknown }).nf;
  return typeof nf === 'number' && w !== null && typeof w === 'object' && 'shape' in w && (w as Tensor).shape.length === 2 && (w as Tensor).shape[1] === nf;
}

/** The (in_features, out_features) of a layer LoRA can wrap, or null. */
export function layerFeatures(m: Module): [number, number] | null {
  if (m instanceof NnLinear) return [m.in_features, m.out_features];
  if (isConv1D(m)) {
    const [nx, nf] = (m as unknown as { weight: Tensor }).weight.shape;
    return [nx!, nf!];
  }
  return null;
}

function warn(message: string): void {
  process.emitWarning(message, 'UserWarning');
}

export class Linear extends Module {
  declare base_layer: Module;
  declare lora_dropout: ModuleDict<Dropout | Identity>;
  declare lora_A: ModuleDict<NnLinear>;
  declare lora_B: ModuleDict<NnLinear>;
  /** Per adapter: rank, alpha and the factor its update is multiplied by. */
  declare r: Record<string, number>;
  declare lora_alpha: Record<string, number>;
  declare scaling: Record<string, number>;
  declare in_features: number;
  declare out_features: number;
  declare fan_in_fan_out: boolean;
  declare is_target_conv_1d_layer: boolean;
  /** Adapters whose update is currently added into base_layer's weight. */
  declare merged_adapters: string[];
  declare _active_adapter: string[];
  declare _disable_adapters: boolean;

  constructor(base_layer: Module, adapter_name: string, options: LoraLayerOptions = {}) {
    super();
    const features = layerFeatures(base_layer);
    if (features === null) {
      throw new Error(
        `Target module ${base_layer._get_name()} is not supported. Currently, only the following modules are supported: \`torch.nn.Linear\`, \`transformers.pytorch_utils.Conv1D\`.`,
      );
    }
    this.base_layer = base_layer;
    this.r = {};
    this.lora_alpha = {};
    this.scaling = {};
    this.lora_dropout = new ModuleDict<Dropout | Identity>();
    this.lora_A = new ModuleDict<NnLinear>();
    this.lora_B = new ModuleDict<NnLinear>();
    this._disable_adapters = false;
    this.merged_adapters = [];
    [this.in_features, this.out_features] = features;
    this.fan_in_fan_out = options.fan_in_fan_out ?? false;
    this.is_target_conv_1d_layer = options.is_target_conv_1d_layer ?? false;
    this._active_adapter = [adapter_name];
    this.update_layer(adapter_name, options.r ?? 0, options.lora_alpha ?? 1, options.lora_dropout ?? 0, options.init_lora_weights ?? true, options.use_rslora ?? false);
  }

  /** Adds (or replaces) adapter `adapter_name`. Creation order and init follow peft, so seeded weights match Python's. */
  update_layer(adapter_name: string, r: number, lora_alpha: number, lora_dropout: number, init_lora_weights: boolean | 'gaussian', use_rslora: boolean): void {
    if (!Number.isInteger(r) || r <= 0) throw new Error(`ValueError: \`r\` should be a positive integer value but the value passed is ${r}`);
    this.r[adapter_name] = r;
    this.lora_alpha[adapter_name] = lora_alpha;
    this.lora_dropout.set(adapter_name, lora_dropout > 0 ? new Dropout(lora_dropout) : new Identity());
    const weight = this.baseWeight();
    // Adapters live where the base weight lives, in its dtype when that is a floating one.
    const factory = weight.is_floating_point() ? { device: weight.device, dtype: weight.dtype } : { device: weight.device };
    this.lora_A.set(adapter_name, new NnLinear(this.in_features, r, { bias: false, ...factory }));
    this.lora_B.set(adapter_name, new NnLinear(r, this.out_features, { bias: false, ...factory }));
    this.scaling[adapter_name] = use_rslora ? lora_alpha / Math.sqrt(r) : lora_alpha / r;
    this.reset_lora_parameters(adapter_name, init_lora_weights);
    this.set_adapter(this._active_adapter);
  }

  reset_lora_parameters(adapter_name: string, init_lora_weights: boolean | 'gaussian'): void {
    if (init_lora_weights === false) return;
    const A = this.lora_A.get(adapter_name);
    const B = this.lora_B.get(adapter_name);
    if (!A || !B) return;
    if (init_lora_weights === true) init.kaiming_uniform_(A.weight, { a: Math.sqrt(5) });
    else if (init_lora_weights === 'gaussian') init.normal_(A.weight, { std: 1 / this.r[adapter_name]! });
    else throw new Error(`ValueError: Unknown initialization init_lora_weights=${String(init_lora_weights)}`);
    init.zeros_(B.weight);
  }

  get_base_layer(): Module {
    return this.base_layer;
  }

  private baseWeight(): Parameter {
    return (this.base_layer as unknown as { weight: Parameter }).weight;
  }

  get active_adapters(): string[] {
    return [...this._active_adapter];
  }
  get merged(): boolean {
    return this.merged_adapters.length > 0;
  }
  get disable_adapters(): boolean {
    return this._disable_adapters;
  }

  /** Makes `adapter_names` the active adapters: trainable, and used in forward; the others are frozen. */
  set_adapter(adapter_names: string | readonly string[]): void {
    const names = typeof adapter_names === 'string' ? [adapter_names] : [...adapter_names];
    for (const dict of [this.lora_A, this.lora_B]) {
      for (const [key, layer] of dict.items()) layer.requires_grad_(names.includes(key));
    }
    this._active_adapter = names;
  }

  /** enable_adapters(false) runs the base layer alone (and freezes the adapters); true turns them back on. */
  enable_adapters(enabled: boolean): void {
    if (enabled) {
      this.set_adapter(this._active_adapter);
      this._disable_adapters = false;
    } else {
      for (const dict of [this.lora_A, this.lora_B]) dict.requires_grad_(false);
      this._disable_adapters = true;
    }
  }

  /** The update adapter `adapter` adds to base_layer's weight: scaling · (B A), transposed for fan_in_fan_out layers. */
  get_delta_weight(adapter: string): Tensor {
    const A = this.lora_A.get(adapter)!.weight;
    const B = this.lora_B.get(adapter)!.weight;
    const dtype = B.dtype;
    // Half-precision matmuls are slow (or missing) on CPU: compute in float32, as peft does.
    const castToFp32 = !B.is_cuda && (dtype === 'float16' || dtype === 'bfloat16');
    const a = castToFp32 ? A.float() : A;
    const b = castToFp32 ? B.float() : B;
    const ba = b.matmul(a);
    const oriented = this.fan_in_fan_out ? ba.t() : ba;
    let delta = oriented.mul(this.scaling[adapter]!);
    if (castToFp32) delta = delta.to(dtype);
    for (const t of [a, b, ba, oriented]) if (t !== A && t !== B && t !== delta) t.dispose();
    return delta;
  }

  /**
   * Adds the active adapters' updates into base_layer's weight, so forward costs
   * one matmul again. safe_merge: merge into a copy first and refuse NaNs or infinities.
   */
  merge(options: { safe_merge?: boolean; adapter_names?: readonly string[] | null } = {}): void {
    const requested = options.adapter_names ?? this.active_adapters;
    const toMerge = requested.filter((a) => !this.merged_adapters.includes(a));
    if (this.merged && toMerge.length < requested.length) {
      warn(`Already following adapters were merged ${this.merged_adapters.join(',')}. You are now additionally merging ${toMerge.join(',')}.`);
    }
    no_grad(() => {
      for (const adapter of toMerge) {
        if (!this.lora_A.has(adapter)) continue;
        const weight = this.baseWeight();
        const delta = this.get_delta_weight(adapter);
        if (options.safe_merge) {
          const merged = weight.add(delta);
          const finite = merged.isfinite().all().item();
          if (!finite) {
            merged.dispose();
            delta.dispose();
            throw new Error(`ValueError: NaNs detected in the merged weights. The adapter ${adapter} seems to be broken`);
          }
          weight.copy_(merged);
          merged.dispose();
        } else {
          weight.add_(delta);
        }
        delta.dispose();
        this.merged_adapters.push(adapter);
      }
    });
  }

  /** Takes every merged update back out of base_layer's weight. */
  unmerge(): void {
    if (!this.merged) {
      warn('Already unmerged. Nothing to do.');
      return;
    }
    no_grad(() => {
      while (this.merged_adapters.length > 0) {
        const adapter = this.merged_adapters.pop()!;
        if (!this.lora_A.has(adapter)) continue;
        const delta = this.get_delta_weight(adapter);
        this.baseWeight().sub_(delta);
        delta.dispose();
      }
    });
  }

  override forward(x: Tensor, ...args: unknown[]): Tensor {
    const base = this.base_layer.call(x, ...args) as Tensor;
    if (this.disable_adapters) {
      if (this.merged) {
        base.dispose();
        this.unmerge();
        return this.base_layer.call(x, ...args) as Tensor;
      }
      return base;
    }
    if (this.merged) return base;
    let result = base;
    const resultDtype = base.dtype;
    for (const adapter of this._active_adapter) {
      const A = this.lora_A.get(adapter);
      if (!A) continue;
      const B = this.lora_B.get(adapter)!;
      const input = x.dtype === A.weight.dtype ? x : x.to(A.weight.dtype);
      const dropped = this.lora_dropout.get(adapter)!.call(input) as Tensor;
      const low = A.call(dropped);
      const up = B.call(low);
      const scaled = up.mul(this.scaling[adapter]!);
      const next = result.add(scaled);
      // The graph keeps what backward needs; these JS handles are no longer used.
      for (const t of [dropped, low, up, scaled, result]) if (t !== x && t !== input) t.dispose();
      if (input !== x) input.dispose();
      result = next;
    }
    if (result.dtype !== resultDtype) {
      const cast = result.to(resultDtype);
      result.dispose();
      result = cast;
    }
    return result;
  }

  override toString(): string {
    return 'lora.' + super.toString();
  }
}
