// The native entry points TorchScript uses (native/jit.cpp), typed here so
// lib/native.ts stays as it is.
import { native, type Handle } from '../native.js';

/** A loaded torch::jit::Module, owned by this JS object (freed when it is collected). */
export type NativeScriptModule = object;

export interface MethodSchema {
  name: string;
  /** The TorchScript schema, e.g. "forward(__torch__.Net self, Tensor x, int k=2) -> Tensor". */
  schema: string;
  /** The arguments after self. */
  args: { name: string; type: string; hasDefault: boolean }[];
  returns: string[];
}

export interface JitNative {
  /** Loads a TorchScript archive from a path or bytes, its tensors onto device (default: where they were saved). label names the source in errors. */
  jitLoad(source: string | Uint8Array | ArrayBuffer, device?: string | null, label?: string): NativeScriptModule;
  jitSave(m: NativeScriptModule, path: string): void;
  jitSaveToBuffer(m: NativeScriptModule): Buffer;
  /** Runs a method with arguments converted by its schema; tensors in the result come back through wrap. */
  jitRunMethod(m: NativeScriptModule, name: string, args: unknown[], wrap: (h: Handle) => unknown): unknown;
  jitMethodNames(m: NativeScriptModule): string[];
  jitMethodSchema(m: NativeScriptModule, name: string): MethodSchema;
  /** [name, handle, key]: the handles alias the module's own tensors; key identifies the tensor (shared ones have the same key). */
  jitNamedParameters(m: NativeScriptModule, recurse: boolean): [string, Handle, number][];
  jitNamedBuffers(m: NativeScriptModule, recurse: boolean): [string, Handle, number][];
  /** [name, child, key]: key identifies the child object (a shared submodule has one key). */
  jitNamedChildren(m: NativeScriptModule): [string, NativeScriptModule, number][];
  /** [class name, qualified name], e.g. ['Net', '__torch__.Net']. */
  jitTypeName(m: NativeScriptModule): [string, string];
  jitTrain(m: NativeScriptModule, on: boolean, recurse?: boolean): void;
  jitIsTraining(m: NativeScriptModule): boolean;
  /** Module::to: every parameter and buffer (integer ones included) in place. */
  jitTo(m: NativeScriptModule, device: string | null, dtype: string | null, nonBlocking?: boolean): void;
  jitGetAttr(m: NativeScriptModule, name: string, wrap: (h: Handle) => unknown): unknown;
  /** Replaces the tensor (or submodule) in a parameter, buffer or submodule slot. */
  jitSetAttr(m: NativeScriptModule, name: string, value: object | NativeScriptModule | null): void;
  /** Drops this handle's reference to the module now; later calls through it throw. */
  jitRelease(m: NativeScriptModule): void;
}

export const jnative = native as unknown as JitNative;
