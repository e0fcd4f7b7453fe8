// LoraConfig as Hugging Face peft's (src/peft/tuners/lora/config.py): the
// same field names and defaults, for the fields torch-node implements.

export type LoraBias = 'none' | 'all' | 'lora_only';

export interface LoraConfigOptions {
  /** Rank of the update matrices. Default 8. */
  r?: number;
  /** Scaling numerator: the update is multiplied by lora_alpha / r (or / sqrt(r) with use_rslora). Default 8. */
  lora_alpha?: number;
  /** Dropout applied to the adapter's input. Default 0. */
  lora_dropout?: number;
  /**
   * Which modules get adapters: a list of names, each matching a module's full
   * name or its last dotted parts ('q_proj' matches 'layers.0.attn.q_proj'),
   * or one string read as a regular expression that must match the whole name.
   */
  target_modules?: readonly string[] | string | null;
  /** Modules (same matching) that are not adapted even when target_modules matches them. */
  exclude_modules?: readonly string[] | string | null;
  /** The target stores its weight as (in_features, out_features), as GPT-2's Conv1D. Default false. */
  fan_in_fan_out?: boolean;
  /** Which biases train: 'none' (default), 'all', or 'lora_only' (the biases of adapted layers). */
  bias?: LoraBias;
  /** true: A as nn.Linear's default init, B zeros (the adapter starts as a no-op); 'gaussian': A ~ N(0, 1/r); false: no re-init. */
  init_lora_weights?: boolean | 'gaussian';
  /** Scale by lora_alpha / sqrt(r) instead of lora_alpha / r. Default false. */
  use_rslora?: boolean;
  /** Not training: adapters are created frozen. Default false. */
  inference_mode?: boolean;
}

export class LoraConfig {
  readonly peft_type = 'LORA';
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  target_modules: readonly string[] | string | null;
  exclude_modules: readonly string[] | string | null;
  fan_in_fan_out: boolean;
  bias: LoraBias;
  init_lora_weights: boolean | 'gaussian';
  use_rslora: boolean;
  inference_mode: boolean;

  constructor(options: LoraConfigOptions = {}) {
    this.r = options.r ?? 8;
    this.lora_alpha = options.lora_alpha ?? 8;
    this.lora_dropout = options.lora_dropout ?? 0;
    this.target_modules = options.target_modules ?? null;
    this.exclude_modules = options.exclude_modules ?? null;
    this.fan_in_fan_out = options.fan_in_fan_out ?? false;
    this.bias = options.bias ?? 'none';
    this.init_lora_weights = options.init_lora_weights ?? true;
    this.use_rslora = options.use_rslora ?? false;
    this.inference_mode = options.inference_mode ?? false;
    if (!Number.isInteger(this.r) || this.r <= 0) throw new Error(`ValueError: \`r\` should be a positive integer value but the value passed is ${this.r}`);
    if (!(this.lora_dropout >= 0 && this.lora_dropout < 1)) throw new Error(`ValueError: lora_dropout must be in [0, 1), got ${this.lora_dropout}`);
    if (!['none', 'all', 'lora_only'].includes(this.bias)) throw new Error(`ValueError: bias must be 'none', 'all' or 'lora_only', got '${this.bias}'`);
  }

  /** The fields as peft writes them to adapter_config.json (those torch-node has). */
  to_dict(): Record<string, unknown> {
    const targets = this.target_modules;
    return {
      peft_type: this.peft_type,
      r: this.r,
      lora_alpha: this.lora_alpha,
      lora_dropout: this.lora_dropout,
      target_modules: typeof targets === 'string' || targets === null ? targets : [...targets],
      exclude_modules: typeof this.exclude_modules === 'string' || this.exclude_modules === null ? this.exclude_modules : [...this.exclude_modules],
      fan_in_fan_out: this.fan_in_fan_out,
      bias: this.bias,
      init_lora_weights: this.init_lora_weights,
      use_rslora: this.use_rslora,
      inference_mode: this.inference_mode,
    };
  }
}

/** peft's check_target_module_exists: whether the module named `key` is a target of `config`. */
export function check_target_module_exists(config: Pick<LoraConfig, 'target_modules' | 'exclude_modules'>, key: string): boolean {
  if (matches(config.exclude_modules, key)) return false;
  return matches(config.target_modules, key);
}

function matches(patterns: readonly string[] | string | null, key: string): boolean {
  if (patterns === null) return false;
  if (typeof patterns === 'string') return new RegExp(`^(?:${patterns})$`).test(key);
  return patterns.includes(key) || patterns.some((t) => key.endsWith(`.${t}`));
}
