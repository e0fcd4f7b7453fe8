// The native entry points torch.cuda uses (native/cuda.cpp), typed here so
// lib/native.ts stays as it is. Device indices: -1 means the current device.
import { native } from '../native.js';

export interface CudaMemoryStats {
  allocated: number;
  reserved: number;
  peakAllocated: number;
  peakReserved: number;
}

export interface CudaNative {
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaCompiled(): boolean;
  cudaCurrentDevice(): number;
  cudaSetDevice(index: number): void;
  cudaSynchronize(index: number): void;
  cudaManualSeed(seed: number | bigint, all: boolean): void;
  cudaGetDeviceName(index: number): string;
  cudaMemoryStats(index: number): CudaMemoryStats;
  cudaResetPeakMemoryStats(index: number): void;
  cudaEmptyCache(): void;
  cudaMemGetInfo(index: number): [number, number];
}

export const cnative = native as unknown as CudaNative;
