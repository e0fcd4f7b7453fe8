// The addon's torch.distributed entry points (native/distributed*.cpp), typed.
// c10d objects arrive as opaque, type-tagged handles; only lib/distributed
// and lib/nn/parallel hold them.
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';

declare const opaque: unique symbol;
/** A native c10d object (Store, ProcessGroup, Work, Reducer); opaque to JS. */
export type NativeObject<Kind extends string> = { readonly [opaque]: Kind };
export type StoreHandle = NativeObject<'Store'>;
export type GroupHandle = NativeObject<'ProcessGroup'>;
export type WorkHandle = NativeObject<'Work'>;
export type ReducerHandle = NativeObject<'Reducer'>;

export interface DistNative {
  distAvailable(): { gloo: boolean; nccl: boolean; torchVersion: string };

  distTcpStore(host: string, port: number, worldSize: number | null, isServer: boolean, timeoutMs: number | null,
    waitWorkers: boolean, multiTenant: boolean): StoreHandle;
  distTcpStorePort(store: StoreHandle): number;
  distPrefixStore(prefix: string, store: StoreHandle): StoreHandle;
  distStoreSet(store: StoreHandle, key: string, value: string | Uint8Array): void;
  distStoreGet(store: StoreHandle, key: string): Uint8Array;
  distStoreAdd(store: StoreHandle, key: string, amount: number): number;
  distStoreWait(store: StoreHandle, keys: string[], timeoutMs?: number | null): void;
  distStoreSetTimeout(store: StoreHandle, timeoutMs: number): void;
  distStoreNumKeys(store: StoreHandle): number;
  distStoreDeleteKey(store: StoreHandle, key: string): boolean;

  distNewGroup(backend: string, store: StoreHandle, rank: number, worldSize: number, timeoutMs: number | null): GroupHandle;
  distGroupSetSequenceNumber(group: GroupHandle): void;
  distGroupRank(group: GroupHandle): number;
  distGroupSize(group: GroupHandle): number;
  distDestroyGroup(group: GroupHandle): void;

  distAllReduce(group: GroupHandle, tensor: Tensor, op: number): WorkHandle;
  distBroadcast(group: GroupHandle, tensor: Tensor, src: number): WorkHandle;
  distReduce(group: GroupHandle, tensor: Tensor, dst: number, op: number): WorkHandle;
  distAllGather(group: GroupHandle, outputs: Tensor[], input: Tensor): WorkHandle;
  distReduceScatter(group: GroupHandle, output: Tensor, inputs: Tensor[], op: number): WorkHandle;
  distBarrier(group: GroupHandle): WorkHandle;
  distWorkWait(work: WorkHandle, timeoutMs?: number | null): boolean;
  distWorkWaitAsync(work: WorkHandle, timeoutMs?: number | null): Promise<boolean>;
  distWorkIsCompleted(work: WorkHandle): boolean;

  distComputeBucketAssignment(tensors: Tensor[], limits: number[], expectSparse?: boolean[], tensorIndices?: number[]): { buckets: number[][]; limits: number[] };
  distReducerNew(params: Tensor[], buckets: number[][], perBucketLimits: number[], group: GroupHandle, expectSparse: boolean[],
    bucketBytesCap: number, findUnused: boolean, gradientAsBucketView: boolean, paramNames: string[], firstBucketBytesCap: number): ReducerHandle;
  distReducerPrepareForForward(reducer: ReducerHandle): void;
  distReducerPrepareForBackward(reducer: ReducerHandle, outputs: Tensor[]): void;
  distReducerRebuildBuckets(reducer: ReducerHandle): boolean;
  distReducerRelease(reducer: ReducerHandle): void;
  distBroadcastCoalesced(group: GroupHandle, tensors: Tensor[], bufferSize: number, src: number): void;
  distVerifyParams(group: GroupHandle, params: Tensor[]): void;
}

export const dist = native as unknown as DistNative;
