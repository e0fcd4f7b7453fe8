// Parameter-efficient fine-tuning, as Hugging Face's peft: LoRA adapters on the
// Linear (and GPT-2 Conv1D) layers of any module.
//   const model = peft.get_peft_model(base, new peft.LoraConfig({ r: 8, lora_alpha: 16, target_modules: ['q_proj', 'v_proj'] }));
export { LoraConfig, type LoraConfigOptions, type LoraBias } from './lora/config.js';
export { LoraModel } from './lora/model.js';
export * as lora from './lora/index.js';
export { PeftModel, get_peft_model } from './peft_model.js';
export { get_peft_model_state_dict, set_peft_model_state_dict, type PeftStateDictOptions } from './save_and_load.js';
