// Loads the compiled addon and describes what it exports. Only lib/ talks to it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Handle = number;

export interface ArgSchema {
  name: string;
  type: string;
  kind: number;
  optional: boolean;
  kwargOnly: boolean;
  hasDefault: boolean;
}
export interface ReturnSchema {
  type: string;
  kind: number;
  aliasOfArg: number;
}
export interface OpSchema {
  name: string;
  overload: string;
  schema: string;
  args: ArgSchema[];
  returns: ReturnSchema[];
  /** Whether calls with tensors given as handles can take the unboxed fast path (native/unboxed.cpp). */
  unboxed: boolean;
}

/** What a JS value passed to the bridge may be; the bridge checks it against the schema. */
export type NativeArg = unknown;

/** A Tensor object, or its handle number (one property read fewer on the native side). */
export type TensorRef = object | Handle;

export interface NativeAddon {
  setKeys(handleKey: symbol, generatorKey: symbol): void;
  opResolve(name: string, overload: string): number;
  opSchema(id: number): OpSchema;
  opList(): string[];
  /**
   * mask bit i (i < 24) set: args[i] is a Tensor's handle number rather than a JS value to
   * convert; bits 24-30: how many args the caller gives (trailing ones may be undefined padding).
   */
  opCall(id: number, mask: number, ...args: NativeArg[]): unknown;

  fromBytes(bytes: ArrayBufferView | ArrayBuffer, dtype: string, shape: readonly number[]): Handle;
  toBytes(t: TensorRef): ArrayBuffer;
  dataView(t: TensorRef): ArrayBuffer | null;
  release(h: Handle): boolean;
  /** Shares the queue that dispose() fills: element 0 is the count, then handles (see memory.ts). */
  setReleaseQueue(queue: Float64Array): void;
  drainReleases(): void;
  isLive(h: Handle): boolean;
  memoryStats(): { liveTensors: number; liveBytes: number; peakTensors: number };
  dtype(t: TensorRef): string;
  shape(t: TensorRef): number[];
  strides(t: TensorRef): number[];
  setDimsBuffer(buffer: Float64Array): void;
  /** The number of dims; their sizes are in the dims buffer when they fit. */
  shapeInto(t: TensorRef): number;
  /** The number of dims; their strides are in the dims buffer when they fit. */
  stridesInto(t: TensorRef): number;
  dim(t: TensorRef): number;
  numel(t: TensorRef): number;
  device(t: TensorRef): string;
  requiresGrad(t: TensorRef): boolean;
  setRequiresGrad(t: TensorRef, flag: boolean): void;
  isLeaf(t: TensorRef): boolean;
  isContiguous(t: TensorRef): boolean;
  gradFn(t: TensorRef): string | null;
  grad(t: TensorRef): Handle | null;
  setGrad(t: TensorRef, g: object | null): void;
  item(t: TensorRef): number | boolean | bigint | [number, number];

  backward(tensors: TensorRef[], grads: (object | null)[] | null, retainGraph?: boolean, createGraph?: boolean, inputs?: object[] | null): void;
  autogradGrad(outputs: object[], inputs: object[], gradOutputs: (object | null)[] | null, retainGraph?: boolean, createGraph?: boolean, allowUnused?: boolean): (Handle | null)[];
  isGradEnabled(): boolean;
  setGradEnabled(flag: boolean): void;
  manualSeed(seed: number | bigint): void;
  initialSeed(): number | bigint;
  generatorNew(device?: string | object): number;
  generatorManualSeed(g: number, seed: number | bigint): void;
  generatorInitialSeed(g: number): number | bigint;
  generatorDevice(g: number): string;
  generatorGetState(g: number): Handle;
  generatorSetState(g: number, state: object): void;
  generatorRelease(g: number): void;

  setNumThreads(n: number): void;
  getNumThreads(): number;
  setNumInteropThreads(n: number): void;
  getNumInteropThreads(): number;

  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
}

function findAddon(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // lib/ (tests run the sources) and dist/ (the built package) both sit one level below the root.
  const root = join(here, '..');
  const candidates = [
    process.env.TORCH_NODE_ADDON,
    join(root, 'build', 'Release', 'torch_node.node'),
    join(root, 'build', 'Debug', 'torch_node.node'),
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  for (const p of candidates) if (existsSync(p)) return p;
  throw new Error(
    `torch-node: the native addon is not built (looked for ${candidates.join(', ')}). ` +
      'Run `bash scripts/setup.sh` (or `npm run build:native` when libtorch is installed).',
  );
}

const require = createRequire(import.meta.url);
export const native: NativeAddon = require(findAddon()) as NativeAddon;

/** The property under which a Tensor keeps its native handle (read natively by the bridge). */
export const HANDLE: unique symbol = Symbol('torch.handle');
/** The property under which a Generator keeps its native index. */
export const GENERATOR: unique symbol = Symbol('torch.generator');
native.setKeys(HANDLE, GENERATOR);

// Sizes and strides come back through a Float64Array shared with the addon: the
// array built natively (an N-API call per element) cost five times the call itself.
const DIMS = new Float64Array(64);
native.setDimsBuffer(DIMS);

function readDims(into: (t: TensorRef) => number, asArray: (t: TensorRef) => number[]): (t: TensorRef) => number[] {
  return (t) => {
    const n = into(t);
    if (n > DIMS.length) return asArray(t);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(DIMS[i]!);
    return out;
  };
}
native.shape = readDims(native.shapeInto, native.shape);
native.strides = readDims(native.stridesInto, native.strides);
