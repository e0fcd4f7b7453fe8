// torch.amp: automatic mixed precision (autocast regions and GradScaler).
export { autocast, autocast_mode, is_autocast_enabled, get_autocast_dtype, type AutocastOptions, type AutocastDeviceType } from './autocast_mode.js';
export { GradScaler, OptState, type GradScalerOptions, type GradScalerStateDict, type OptimizerLike } from './grad_scaler.js';
