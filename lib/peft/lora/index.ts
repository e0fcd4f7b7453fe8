// peft.tuners.lora
export { LoraConfig, check_target_module_exists, type LoraConfigOptions, type LoraBias } from './config.js';
export { Linear, isConv1D, type LoraLayerOptions } from './layer.js';
export { LoraModel } from './model.js';
