// PeftModel and get_peft_model as peft's (src/peft/peft_model.py, mapping.py):
// the model wrapped as base_model (a LoraModel) whose .model is the original,
// so state_dict keys read base_model.model.<path>, as in Python.
import { Module } from '../nn/module.js';
import type { LoraConfig } from './lora/config.js';
import { LoraModel } from './lora/model.js';

export class PeftModel extends Module {
  declare base_model: LoraModel;

  constructor(model: Module, peft_config: LoraConfig, adapter_name = 'default') {
    super();
    this.base_model = new LoraModel(model, peft_config, adapter_name);
  }

  get peft_config(): Record<string, LoraConfig> {
    return this.base_model.peft_config;
  }
  get active_adapter(): string {
    return this.base_model.active_adapter;
  }

  override forward(...args: unknown[]): unknown {
    return this.base_model.call(...args);
  }

  /** The wrapped model (with its LoRA layers in place). */
  get_base_model(): Module {
    return this.base_model.model;
  }

  /** Adds another adapter (it starts inactive; set_adapter switches to it). */
  add_adapter(adapter_name: string, peft_config: LoraConfig): void {
    if (adapter_name in this.peft_config) throw new Error(`ValueError: Adapter with name ${adapter_name} already exists.`);
    const active = this.active_adapter;
    this.base_model.inject_adapter(this.base_model.model, peft_config, adapter_name);
    this.base_model.set_adapter(active);
  }

  set_adapter(adapter_name: string): void {
    if (!(adapter_name in this.peft_config)) throw new Error(`ValueError: Adapter ${adapter_name} not found.`);
    this.base_model.set_adapter(adapter_name);
  }

  /** [trainable parameters, all parameters] (element counts). */
  get_nb_trainable_parameters(): [number, number] {
    let trainable = 0;
    let all = 0;
    for (const p of this.parameters()) {
      const n = p.numel();
      all += n;
      if (p.requires_grad) trainable += n;
    }
    return [trainable, all];
  }

  /** Prints "trainable params: … || all params: … || trainable%: …" as peft does. */
  print_trainable_parameters(): void {
    const [trainable, all] = this.get_nb_trainable_parameters();
    const fmt = (n: number): string => n.toLocaleString('en-US');
    console.log(`trainable params: ${fmt(trainable)} || all params: ${fmt(all)} || trainable%: ${((100 * trainable) / all).toFixed(4)}`);
  }

  /** Python's `with model.disable_adapter():` runs fn on the base model alone. */
  disable_adapter<T>(fn: () => T): T {
    this.base_model.disable_adapter_layers();
    try {
      return fn();
    } finally {
      this.base_model.enable_adapter_layers();
    }
  }

  merge_and_unload(options: { safe_merge?: boolean; adapter_names?: readonly string[] | null } = {}): Module {
    return this.base_model.merge_and_unload(options);
  }
  unload(): Module {
    return this.base_model.unload();
  }
}

/** peft.get_peft_model(model, peft_config, adapter_name='default'): wraps model with LoRA adapters, only they train. */
export function get_peft_model(model: Module, peft_config: LoraConfig, adapter_name = 'default'): PeftModel {
  return new PeftModel(model, peft_config, adapter_name);
}
