// The native entry points serialization uses (native/serialization.cpp), typed here
// so lib/native.ts stays as it is.
import { native, type Handle } from '../native.js';

export interface SerializationNative {
  /**
   * A new 1-D tensor of nbytes / itemsize elements, filled by pread(fd, offset): the bytes land in its storage directly.
   * hugePages (default: THP_MEM_ALLOC_ENABLE=1 in the environment, PyTorch 2.x's switch) backs storages of 2 MiB
   * and more with transparent huge pages.
   */
  readFileInto(fd: number, offset: number, nbytes: number, dtype: string, hugePages?: boolean): Handle;
  /** A uint8 tensor over the whole file, mapped copy-on-write (MAP_PRIVATE). */
  mapFile(fd: number, size: number): Handle;
  /** A new 1-D tensor whose own storage is nbytes of the mapping at offset (a multiple of the dtype's size). */
  mappedStorage(mapping: object, offset: number, nbytes: number, dtype: string): Handle;
  /** Reverses each `unit`-byte group of a contiguous CPU tensor in place. */
  byteswap_(t: object, unit: number): void;
  /** [key shared by all tensors on that storage, storage bytes, storage offset in elements, itemsize]. */
  storageInfo(t: object): [number, number, number, number];
  /** Writes t's whole storage at position; returns its CRC-32. */
  writeStorage(fd: number, t: object, position: number): number;
  /** A copy of t's whole storage. */
  storageBytes(t: object): ArrayBuffer;
  crc32(bytes: Uint8Array, init?: number): number;
  /** true: hold back V8 external-memory reports (calls nest); false: resume, reporting what accumulated. */
  deferMemoryReports(defer: boolean): void;
  /** The bytes V8 has been told about through napi_adjust_external_memory. */
  externalMemory(): number;
}

export const snative = native as unknown as SerializationNative;

/** Runs fn with V8's external-memory reports held back and reported in one step after it. */
export function withDeferredMemoryReports<T>(fn: () => T): T {
  snative.deferMemoryReports(true);
  try {
    return fn();
  } finally {
    snative.deferMemoryReports(false);
  }
}
