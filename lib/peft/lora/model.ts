// LoraModel as peft's (src/peft/tuners/lora/model.py): finds the target
// layers of a model by name, replaces each with a lora.Linear wrapping it,
// freezes everything but the adapters (and the biases config.bias asks for),
// and merges or strips the adapters again.
import { Module } from '../../nn/module.js';
import { Linear as NnLinear } from '../../nn/modules/linear.js';
import { check_target_module_exists, type LoraConfig } from './config.js';
import { Linear, isConv1D } from './layer.js';

const PREFIX = 'lora_';

function splitKey(key: string): [string, string] {
  const i = key.lastIndexOf('.');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

/** Replaces parent's child `name` by `module`, keeping its place in the module order. */
function replaceModule(root: Module, key: string, module: Module): void {
  const [parentKey, name] = splitKey(key);
  (root.get_submodule(parentKey) as unknown as Record<string, Module>)[name] = module;
}

/** The lora.Linear layers of a model with their names. */
export function loraLayers(model: Module): [string, Linear][] {
  return model.named_modules().filter((e): e is [string, Linear] => e[1] instanceof Linear);
}

export class LoraModel extends Module {
  declare model: Module;
  declare peft_config: Record<string, LoraConfig>;
  declare active_adapter: string;

  constructor(model: Module, config: LoraConfig, adapter_name = 'default') {
    super();
    this.model = model;
    this.peft_config = {};
    this.active_adapter = adapter_name;
    this.inject_adapter(model, config, adapter_name);
  }

  /** Adds adapter `adapter_name` to every layer that config.target_modules names. */
  inject_adapter(model: Module, config: LoraConfig, adapter_name: string): void {
    if (config.target_modules === null) {
      throw new Error('ValueError: Please specify `target_modules` in `peft_config`');
    }
    this.peft_config[adapter_name] = config;
    const existing = loraLayers(model).map(([k]) => k);
    let found = false;
    for (const [key, target] of model.named_modules()) {
      if (key === '' || existing.some((k) => key.startsWith(`${k}.`))) continue; // inside a LoRA layer
      if (!check_target_module_exists(config, key)) continue;
      found = true;
      if (target instanceof Linear) {
        target.update_layer(adapter_name, config.r, config.lora_alpha, config.lora_dropout, config.init_lora_weights, config.use_rslora);
      } else {
        replaceModule(model, key, this.create_new_module(config, adapter_name, target));
      }
    }
    if (!found) {
      const targets = typeof config.target_modules === 'string' ? config.target_modules : `[${config.target_modules.map((t) => `'${t}'`).join(', ')}]`;
      throw new Error(`ValueError: Target modules ${targets} not found in the base model. Please check the target modules and try again.`);
    }
    this._mark_only_adapters_as_trainable(model);
    if (config.inference_mode) {
      for (const [n, p] of model.named_parameters()) if (n.includes(`.${adapter_name}.`)) p.requires_grad_(false);
    }
  }

  /** peft's _create_new_module for the layer types torch-node supports. */
  create_new_module(config: LoraConfig, adapter_name: string, target: Module): Linear {
    let fan_in_fan_out = config.fan_in_fan_out;
    let is_target_conv_1d_layer = false;
    if (target instanceof NnLinear) {
      if (fan_in_fan_out) {
        process.emitWarning('fan_in_fan_out is set to True but the target module is `torch.nn.Linear`. Setting fan_in_fan_out to False.', 'UserWarning');
        fan_in_fan_out = config.fan_in_fan_out = false;
      }
    } else if (isConv1D(target)) {
      is_target_conv_1d_layer = true;
      if (!fan_in_fan_out) {
        process.emitWarning('fan_in_fan_out is set to False but the target module is `Conv1D`. Setting fan_in_fan_out to True.', 'UserWarning');
        fan_in_fan_out = config.fan_in_fan_out = true;
      }
    }
    return new Linear(target, adapter_name, {
      r: config.r,
      lora_alpha: config.lora_alpha,
      lora_dropout: config.lora_dropout,
      fan_in_fan_out,
      is_target_conv_1d_layer,
      init_lora_weights: config.init_lora_weights,
      use_rslora: config.use_rslora,
    });
  }

  /** Freezes every parameter whose name lacks "lora_", then unfreezes the biases config.bias names. */
  _mark_only_adapters_as_trainable(model: Module): void {
    for (const [n, p] of model.named_parameters()) if (!n.includes(PREFIX)) p.requires_grad_(false);
    for (const config of Object.values(this.peft_config)) {
      if (config.bias === 'all') {
        for (const [n, p] of model.named_parameters()) if (n.includes('bias')) p.requires_grad_(true);
      } else if (config.bias === 'lora_only') {
        for (const [, layer] of loraLayers(model)) {
          const bias = (layer.base_layer as unknown as { bias?: { requires_grad_(flag: boolean): unknown } | null }).bias;
          if (bias) bias.requires_grad_(true);
        }
      }
    }
  }

  override forward(...args: unknown[]): unknown {
    return this.model.call(...args);
  }

  /** Makes adapter_name the active adapter of every LoRA layer (only it trains and runs). */
  set_adapter(adapter_name: string | readonly string[]): void {
    for (const [, layer] of loraLayers(this.model)) {
      if (layer.merged) {
        process.emitWarning('Adapter cannot be set when the model is merged. Unmerging the model first.', 'UserWarning');
        layer.unmerge();
      }
      layer.set_adapter(adapter_name);
    }
    this.active_adapter = typeof adapter_name === 'string' ? adapter_name : adapter_name[0]!;
  }

  enable_adapter_layers(): void {
    for (const [, layer] of loraLayers(this.model)) layer.enable_adapters(true);
  }
  disable_adapter_layers(): void {
    for (const [, layer] of loraLayers(this.model)) layer.enable_adapters(false);
  }

  /** Merges the active adapters into the base weights, keeping the LoRA layers (unmerge_adapter undoes it). */
  merge_adapter(adapter_names?: readonly string[]): void {
    for (const [, layer] of loraLayers(this.model)) layer.merge({ adapter_names: adapter_names ?? null });
  }
  unmerge_adapter(): void {
    for (const [, layer] of loraLayers(this.model)) if (layer.merged) layer.unmerge();
  }

  /**
   * Merges the adapters into the base weights and puts the original layers back:
   * the result is the plain model, as fast as before, with the fine-tuning baked in.
   */
  merge_and_unload(options: { safe_merge?: boolean; adapter_names?: readonly string[] | null } = {}): Module {
    return this.unloadAndOptionallyMerge(true, options);
  }

  /** Puts the original layers back without merging: the base model as it was. */
  unload(): Module {
    return this.unloadAndOptionallyMerge(false, {});
  }

  private unloadAndOptionallyMerge(merge: boolean, options: { safe_merge?: boolean; adapter_names?: readonly string[] | null }): Module {
    for (const [key, layer] of loraLayers(this.model)) {
      if (merge) layer.merge(options);
      replaceModule(this.model, key, layer.get_base_layer());
    }
    return this.model;
  }
}
