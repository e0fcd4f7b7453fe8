// The adapter-only state_dict, as peft's utils/save_and_load.py: the "lora_"
// entries (plus biases, per config.bias) of the PeftModel's state_dict, with the
// adapter name taken out of the keys, so a file holds only what fine-tuning changed
// and loads into any adapter name.
import { OrderedDict } from '../collections.js';
import type { IncompatibleKeys } from '../nn/module.js';
import type { Tensor } from '../tensor.js';
import type { PeftModel } from './peft_model.js';

const PREFIX = 'lora_';

export interface PeftStateDictOptions {
  /** The model's state_dict, when already at hand. */
  state_dict?: Map<string, Tensor> | null;
  adapter_name?: string;
}

export function get_peft_model_state_dict(model: PeftModel, options: PeftStateDictOptions = {}): OrderedDict<string, Tensor> {
  const adapter_name = options.adapter_name ?? 'default';
  const config = model.peft_config[adapter_name];
  if (!config) throw new Error(`KeyError: '${adapter_name}': the model has no adapter of that name`);
  const state = options.state_dict ?? model.state_dict();
  const keys = [...state.keys()];
  let chosen: string[];
  if (config.bias === 'none') chosen = keys.filter((k) => k.includes(PREFIX));
  else if (config.bias === 'all') chosen = keys.filter((k) => k.includes(PREFIX) || k.includes('bias'));
  else {
    chosen = [];
    for (const k of keys) {
      if (!k.includes(PREFIX)) continue;
      chosen.push(k);
      // peft looks for "<layer>.bias"; a wrapped layer's bias is "<layer>.base_layer.bias", so look there too.
      const layer = k.split(PREFIX)[0];
      for (const biasName of [layer + 'bias', layer + 'base_layer.bias']) {
        if (state.has(biasName) && !chosen.includes(biasName)) chosen.push(biasName);
      }
    }
  }
  chosen = chosen.filter((k) => (k.includes(PREFIX) && k.includes(adapter_name)) || k.includes('bias'));
  const out = new OrderedDict<string, Tensor>();
  for (const k of chosen) out.set(k.split(`.${adapter_name}`).join(''), state.get(k)!);
  return out;
}

/** Puts the adapter name back into the keys ("….lora_A.weight" -> "….lora_A.default.weight"). */
function insertAdapterName(key: string, adapter_name: string): string {
  const at = key.indexOf(PREFIX);
  if (at < 0) return key;
  const suffix = key.slice(at + PREFIX.length); // "A.weight"
  const dot = suffix.indexOf('.');
  if (dot < 0) return `${key}.${adapter_name}`;
  const rest = suffix.slice(dot + 1); // "weight"
  return key.slice(0, key.length - rest.length) + `${adapter_name}.${rest}`;
}

/**
 * Loads an adapter state_dict (from get_peft_model_state_dict, or a file of peft's)
 * into adapter `adapter_name` of model. Like peft, it loads non-strictly and returns
 * the missing and unexpected keys (the base weights are always "missing").
 */
export function set_peft_model_state_dict(
  model: PeftModel,
  peft_model_state_dict: Map<string, Tensor> | Record<string, Tensor>,
  adapter_name = 'default',
): IncompatibleKeys {
  if (!model.peft_config[adapter_name]) throw new Error(`KeyError: '${adapter_name}': the model has no adapter of that name`);
  const entries = peft_model_state_dict instanceof Map ? [...peft_model_state_dict.entries()] : Object.entries(peft_model_state_dict);
  const state = new OrderedDict<string, Tensor>();
  for (const [k, v] of entries) state.set(insertAdapterName(k, adapter_name), v);
  return model.load_state_dict(state, false);
}
