// The native entry points mixed precision uses (native/amp.cpp), typed here so
// lib/native.ts stays as it is.
import { native } from '../native.js';

export type AutocastDeviceType = 'cpu' | 'cuda';

export interface AutocastState {
  enabled: boolean;
  /** The dtype autocast casts to on this device (a dtype name such as 'bfloat16'). */
  dtype: string;
  /** Whether autocast caches the casts of leaf tensors (global, not per device). */
  cacheEnabled: boolean;
}

export interface AmpNative {
  autocastState(device_type: AutocastDeviceType): AutocastState;
  autocastSetState(device_type: AutocastDeviceType, enabled: boolean, dtype: string, cacheEnabled: boolean): void;
  autocastIncrementNesting(): number;
  autocastDecrementNesting(): number;
  autocastClearCache(): void;
  /** Whether libtorch has a kernel for aten::name.overload on the backend. */
  opHasKernel(name: string, overload: string, dispatchKey: 'CPU' | 'CUDA'): boolean;
}

export const anative = native as unknown as AmpNative;
