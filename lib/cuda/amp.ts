// torch.cuda.amp: the CUDA spellings of torch.amp (Python keeps them for older code).
import { autocast as ampAutocast, autocast_mode, type AutocastOptions } from '../amp/autocast_mode.js';
import { GradScaler as AmpGradScaler, type GradScalerOptions } from '../amp/grad_scaler.js';

/** torch.cuda.amp.GradScaler(options): torch.amp.GradScaler on 'cuda'. */
export class GradScaler extends AmpGradScaler {
  constructor(options: GradScalerOptions = {}) {
    super('cuda', options);
  }
}

/** torch.cuda.amp.autocast({dtype, enabled, cache_enabled}, fn?): torch.autocast('cuda', ...). */
export function autocast(options?: AutocastOptions): autocast_mode;
export function autocast<T>(options: AutocastOptions, fn: () => T): T;
export function autocast<T>(options: AutocastOptions = {}, fn?: () => T): T | autocast_mode {
  return fn === undefined ? ampAutocast('cuda', options) : ampAutocast('cuda', options, fn);
}
