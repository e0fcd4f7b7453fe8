// nn.Module as PyTorch's. A subclass holds submodules, parameters and buffers
// in ordinary fields; they register under the field names, in the order they
// are assigned, exactly as Python's __setattr__ does. The mechanism: the
// Module constructor returns a Proxy of the instance whose `set` and
// `defineProperty` traps see every assignment (class-field initializers run
// after the base constructor and use defineProperty; `this.x = ...` in a
// constructor uses set). Registered values live both in the ordered maps
// (_parameters, _buffers, _modules) and as own properties, so reading
// `this.layer1` is a plain property read with its precise TypeScript type.
//
// JS has no __call__: subclasses define forward(); users and containers call
// module.call(...args), which runs forward pre-hooks, forward, then forward
// hooks (as Python's Module.__call__). Calling forward() directly also works
// and skips the hooks.
import { inspect } from 'node:util';
import { op } from '../bridge.js';
import { OrderedDict, type DictLike, type StateDictMetadata } from '../collections.js';
import { device as Device, type DeviceLike } from '../device.js';
import { type dtype, isComplexDtype, isFloatingDtype, parseDtype } from '../dtype.js';
import { no_grad } from '../autograd/grad_mode.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { Parameter } from './parameter.js';
import { pyTypeName, torchSize } from './_utils.js';

const RAW: unique symbol = Symbol('nn.Module.raw');
const BUFFER_MARK: unique symbol = Symbol('nn.Buffer');

const SET_DATA = op('set_data');
const COMPATIBLE = op('_has_compatible_shallow_copy_type');
const SELECT = op('select', 'int');
const EMPTY_LIKE = op('empty_like');

type AnyFn = (...args: any[]) => any;

/** What register_forward_pre_hook takes: may return replacement arguments (one value or an array). */
export type ForwardPreHook<M extends Module = Module> = (module: M, args: unknown[]) => unknown;
/** What register_forward_hook takes: may return a replacement output. */
export type ForwardHook<M extends Module = Module> = (module: M, args: unknown[], output: unknown) => unknown;
export type LoadStateDictPostHook = (module: Module, incompatible_keys: IncompatibleKeys) => void;

/** torch.utils.hooks.RemovableHandle */
export class RemovableHandle {
  private static nextId = 0;
  readonly id: number;
  constructor(private readonly dicts: Map<number, unknown>[]) {
    this.id = RemovableHandle.nextId++;
  }
  remove(): void {
    for (const d of this.dicts) d.delete(this.id);
  }
  [Symbol.dispose](): void {
    this.remove();
  }
}

/** What load_state_dict returns (Python's _IncompatibleKeys named tuple). */
export interface IncompatibleKeys {
  missing_keys: string[];
  unexpected_keys: string[];
}

export interface StateDictOptions {
  destination?: OrderedDict<string, Tensor>;
  prefix?: string;
  keep_vars?: boolean;
}

export interface LoadStateDictOptions {
  strict?: boolean;
  /** Use the state_dict's tensors as the module's (keeping each parameter's requires_grad) instead of copying into the existing ones. */
  assign?: boolean;
}

/**
 * nn.Buffer(tensor, {persistent}): marks a tensor so that assigning it to a
 * module field registers it as a buffer (PyTorch 2.5's nn.Buffer), e.g.
 * `running_mean = nn.Buffer(torch.zeros(10))`. Returns the same tensor.
 */
export function Buffer<T extends Tensor>(data: T, options: { persistent?: boolean } = {}): T {
  (data as unknown as Record<symbol, unknown>)[BUFFER_MARK] = { persistent: options.persistent ?? true };
  return data;
}

function defineOwn(target: object, name: string, value: unknown): void {
  Reflect.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
}

function isParameter(v: unknown): v is Parameter {
  return v instanceof Parameter;
}

/**
 * Python's Module.__setattr__. Returns true when the assignment registered (or
 * updated) a parameter, buffer or module; false for a plain attribute.
 * `fromFieldDeclaration`: a class field declared without initializer (value
 * undefined) must not wipe out what the base constructor registered.
 */
function setattr(self: Module, name: string, value: unknown, fromFieldDeclaration: boolean): boolean {
  const raw = self[RAW];
  const params = raw._parameters;
  if (params === undefined) return false;
  const buffers = raw._buffers;
  const modules = raw._modules;
  if (fromFieldDeclaration && value === undefined && (params.has(name) || buffers.has(name) || modules.has(name))) return true;
  if (isParameter(value)) {
    buffers.delete(name);
    modules.delete(name);
    raw._non_persistent_buffers_set.delete(name);
    if (!params.has(name)) Reflect.deleteProperty(raw, name);
    self.register_parameter(name, value);
    return true;
  }
  if (params.has(name)) {
    if (value !== null && value !== undefined) {
      throw new TypeError(`cannot assign '${pyTypeName(value)}' as parameter '${name}' (torch.nn.Parameter or None expected)`);
    }
    self.register_parameter(name, null);
    return true;
  }
  if (value instanceof Module) {
    params.delete(name);
    buffers.delete(name);
    raw._non_persistent_buffers_set.delete(name);
    modules.set(name, value);
    defineOwn(raw, name, value);
    return true;
  }
  if (modules.has(name)) {
    if (value !== null && value !== undefined) {
      throw new TypeError(`cannot assign '${pyTypeName(value)}' as child module '${name}' (torch.nn.Module or None expected)`);
    }
    modules.set(name, null);
    defineOwn(raw, name, null);
    return true;
  }
  if (value instanceof Tensor && BUFFER_MARK in value) {
    const mark = (value as unknown as Record<symbol, { persistent: boolean }>)[BUFFER_MARK]!;
    delete (value as unknown as Record<symbol, unknown>)[BUFFER_MARK];
    if (!buffers.has(name)) Reflect.deleteProperty(raw, name);
    self.register_buffer(name, value, { persistent: mark.persistent });
    return true;
  }
  if (buffers.has(name)) {
    if (value !== null && value !== undefined && !(value instanceof Tensor)) {
      throw new TypeError(`cannot assign '${pyTypeName(value)}' as buffer '${name}' (torch.Tensor or None expected)`);
    }
    buffers.set(name, (value as Tensor | null | undefined) ?? null);
    defineOwn(raw, name, value ?? null);
    return true;
  }
  return false;
}

const HANDLER: ProxyHandler<Module> = {
  set(target, prop, value, receiver) {
    if (typeof prop === 'string' && setattr(receiver as Module, prop, value, false)) return true;
    return Reflect.set(target, prop, value, receiver);
  },
  defineProperty(target, prop, desc) {
    if (typeof prop === 'string' && 'value' in desc && !('get' in desc) && target._parameters !== undefined) {
      const proxy = PROXIES.get(target);
      if (proxy && setattr(proxy, prop, desc.value, true)) return true;
    }
    return Reflect.defineProperty(target, prop, desc);
  },
  deleteProperty(target, prop) {
    if (typeof prop === 'string' && target._parameters !== undefined) {
      if (target._parameters.delete(prop)) return Reflect.deleteProperty(target, prop);
      if (target._buffers.delete(prop)) {
        target._non_persistent_buffers_set.delete(prop);
        return Reflect.deleteProperty(target, prop);
      }
      if (target._modules.delete(prop)) return Reflect.deleteProperty(target, prop);
    }
    return Reflect.deleteProperty(target, prop);
  },
};
const PROXIES = new WeakMap<object, Module>();

function makeProxy<T extends Module>(raw: T): T {
  (raw as { [RAW]: Module })[RAW] = raw;
  const proxy = new Proxy(raw, HANDLER as ProxyHandler<T>);
  PROXIES.set(raw, proxy);
  return proxy;
}

function addIndent(s: string, numSpaces: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const first = lines.shift()!;
  return first + '\n' + lines.map((l) => ' '.repeat(numSpaces) + l).join('\n');
}

/** Base class for all neural network modules, as torch.nn.Module. */
export class Module {
  /** @internal the instance behind the Proxy */
  declare readonly [RAW]: Module;
  /** The state_dict format version of this class (BatchNorm: 2), kept in state_dict()._metadata. */
  static _version = 1;

  declare training: boolean;
  declare _parameters: Map<string, Parameter | null>;
  declare _buffers: Map<string, Tensor | null>;
  declare _non_persistent_buffers_set: Set<string>;
  declare _modules: Map<string, Module | null>;
  declare _forward_pre_hooks: Map<number, ForwardPreHook<any>>;
  declare _forward_hooks: Map<number, ForwardHook<any>>;
  declare _state_dict_hooks: Map<number, AnyFn>;
  declare _load_state_dict_pre_hooks: Map<number, AnyFn>;
  declare _load_state_dict_post_hooks: Map<number, LoadStateDictPostHook>;

  constructor() {
    const internal = (name: string, value: unknown): void => {
      Reflect.defineProperty(this, name, { value, writable: true, enumerable: false, configurable: true });
    };
    internal('training', true);
    internal('_parameters', new Map());
    internal('_buffers', new Map());
    internal('_non_persistent_buffers_set', new Set());
    internal('_modules', new Map());
    internal('_forward_pre_hooks', new Map());
    internal('_forward_hooks', new Map());
    internal('_state_dict_hooks', new Map());
    internal('_load_state_dict_pre_hooks', new Map());
    internal('_load_state_dict_post_hooks', new Map());
    return makeProxy(this);
  }

  /** Defines the computation; every subclass overrides it. Run it through call() to get hooks. */
  forward(..._args: any[]): any {
    throw new Error(`Module [${this._get_name()}] is missing the required "forward" function`);
  }

  /** Python's module(...): forward pre-hooks, forward, forward hooks. */
  call(...args: Parameters<this['forward']>): ReturnType<this['forward']> {
    // Read through the instance behind the Proxy: a property read through a Proxy takes V8's slow path.
    const raw = this[RAW];
    if (raw._forward_pre_hooks.size === 0 && raw._forward_hooks.size === 0) {
      return (raw.forward as AnyFn).apply(this, args);
    }
    let input: unknown[] = args;
    for (const hook of [...this._forward_pre_hooks.values()]) {
      const r = hook(this, input);
      if (r !== undefined && r !== null) input = Array.isArray(r) ? r : [r];
    }
    let result = this.forward(...input);
    for (const hook of [...this._forward_hooks.values()]) {
      const r = hook(this, input, result);
      if (r !== undefined && r !== null) result = r;
    }
    return result;
  }

  // ---- registration ---------------------------------------------------------

  register_buffer(name: string, tensor: Tensor | null, persistent: boolean | { persistent?: boolean } = true): void {
    const keep = typeof persistent === 'boolean' ? persistent : persistent.persistent ?? true;
    if (typeof name !== 'string') throw new TypeError(`buffer name should be a string. Got ${pyTypeName(name)}`);
    if (name.includes('.')) throw new Error(`KeyError: "buffer name can't contain \\".\\""`);
    if (name === '') throw new Error(`KeyError: "buffer name can't be empty string \\"\\""`);
    if (this.hasOtherAttr(name) && !this._buffers.has(name)) throw new Error(`KeyError: "attribute '${name}' already exists"`);
    if (tensor !== null && tensor !== undefined && !(tensor instanceof Tensor)) {
      throw new TypeError(`cannot assign '${pyTypeName(tensor)}' object to buffer '${name}' (torch Tensor or None required)`);
    }
    this._buffers.set(name, tensor ?? null);
    if (keep) this._non_persistent_buffers_set.delete(name);
    else this._non_persistent_buffers_set.add(name);
    defineOwn(this[RAW], name, tensor ?? null);
  }

  register_parameter(name: string, param: Parameter | null): void {
    if (typeof name !== 'string') throw new TypeError(`parameter name should be a string. Got ${pyTypeName(name)}`);
    if (name.includes('.')) throw new Error(`KeyError: "parameter name can't contain \\".\\""`);
    if (name === '') throw new Error(`KeyError: "parameter name can't be empty string \\"\\""`);
    if (this.hasOtherAttr(name) && !this._parameters.has(name)) throw new Error(`KeyError: "attribute '${name}' already exists"`);
    if (param === null || param === undefined) {
      this._parameters.set(name, null);
      defineOwn(this[RAW], name, null);
      return;
    }
    if (!isParameter(param)) {
      throw new TypeError(`cannot assign '${pyTypeName(param)}' object to parameter '${name}' (torch.nn.Parameter or None required)`);
    }
    if (param.grad_fn) {
      throw new Error(
        `Cannot assign non-leaf Tensor to parameter '${name}'. Model parameters must be created explicitly. ` +
          `To express '${name}' as a function of another Tensor, compute the value in the forward() method.`,
      );
    }
    this._parameters.set(name, param);
    defineOwn(this[RAW], name, param);
  }

  add_module(name: string, module: Module | null): void {
    if (!(module instanceof Module) && module !== null && module !== undefined) {
      throw new TypeError(`${pyTypeName(module)} is not a Module subclass`);
    }
    if (typeof name !== 'string') throw new TypeError(`module name should be a string. Got ${pyTypeName(name)}`);
    if (this.hasOtherAttr(name) && !this._modules.has(name)) throw new Error(`KeyError: "attribute '${name}' already exists"`);
    if (name.includes('.')) throw new Error(`KeyError: "module name can't contain \\".\\", got: ${name}"`);
    if (name === '') throw new Error(`KeyError: "module name can't be empty string \\"\\""`);
    this._modules.set(name, module ?? null);
    defineOwn(this[RAW], name, module ?? null);
  }

  register_module(name: string, module: Module | null): void {
    this.add_module(name, module);
  }

  /** hasattr(self, name) for a name that is not a registered member (an undefined own field does not count). */
  private hasOtherAttr(name: string): boolean {
    if (this._parameters.has(name) || this._buffers.has(name) || this._modules.has(name)) return true;
    if (!(name in this)) return false;
    return (this as unknown as Record<string, unknown>)[name] !== undefined;
  }

  get_submodule(target: string): Module {
    if (target === '') return this;
    let mod: Module = this;
    for (const item of target.split('.')) {
      const next = mod._modules.get(item);
      if (!next) throw new Error(`AttributeError: ${mod._get_name()} has no attribute \`${item}\``);
      mod = next;
    }
    return mod;
  }

  get_parameter(target: string): Parameter {
    const i = target.lastIndexOf('.');
    const mod = this.get_submodule(i < 0 ? '' : target.slice(0, i));
    const name = target.slice(i + 1);
    const p = mod._parameters.get(name);
    if (!p) throw new Error(`AttributeError: ${mod._get_name()} has no parameter \`${name}\``);
    return p;
  }

  get_buffer(target: string): Tensor {
    const i = target.lastIndexOf('.');
    const mod = this.get_submodule(i < 0 ? '' : target.slice(0, i));
    const name = target.slice(i + 1);
    const b = mod._buffers.get(name);
    if (!b) throw new Error(`AttributeError: ${mod._get_name()} has no buffer \`${name}\``);
    return b;
  }

  // ---- iteration ------------------------------------------------------------

  private namedMembers<T>(get: (m: Module) => Iterable<[string, T | null]>, prefix = '', recurse = true): [string, T][] {
    const memo = new Set<T>();
    const out: [string, T][] = [];
    const modules: [string, Module][] = recurse ? this.named_modules(undefined, prefix) : [[prefix, this]];
    for (const [modulePrefix, module] of modules) {
      for (const [k, v] of get(module)) {
        if (v === null || v === undefined || memo.has(v)) continue;
        memo.add(v);
        out.push([modulePrefix + (modulePrefix ? '.' : '') + k, v]);
      }
    }
    return out;
  }

  /** The parameters (each shared one once), recursing into submodules. */
  parameters(recurse = true): Parameter[] {
    return this.named_parameters('', recurse).map(([, p]) => p);
  }
  named_parameters(prefix = '', recurse = true): [string, Parameter][] {
    return this.namedMembers((m) => m._parameters.entries(), prefix, recurse);
  }
  buffers(recurse = true): Tensor[] {
    return this.named_buffers('', recurse).map(([, b]) => b);
  }
  named_buffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedMembers((m) => m._buffers.entries(), prefix, recurse);
  }
  children(): Module[] {
    return this.named_children().map(([, m]) => m);
  }
  named_children(): [string, Module][] {
    const memo = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [name, m] of this._modules) {
      if (m && !memo.has(m)) {
        memo.add(m);
        out.push([name, m]);
      }
    }
    return out;
  }
  modules(): Module[] {
    return this.named_modules().map(([, m]) => m);
  }
  named_modules(memo?: Set<Module>, prefix = '', remove_duplicate = true): [string, Module][] {
    const out: [string, Module][] = [];
    const walk = (m: Module, p: string, seen: Set<Module>): void => {
      if (seen.has(m)) return;
      if (remove_duplicate) seen.add(m);
      out.push([p, m]);
      for (const [name, child] of m._modules) {
        if (!child) continue;
        walk(child, p + (p ? '.' : '') + name, seen);
      }
    };
    walk(this, prefix, memo ?? new Set());
    return out;
  }

  // ---- modes ----------------------------------------------------------------

  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new Error('ValueError: training mode is expected to be boolean');
    this.training = mode;
    for (const m of this.children()) m.train(mode);
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  requires_grad_(requires_grad = true): this {
    for (const p of this.parameters()) p.requires_grad_(requires_grad);
    return this;
  }
  /** Resets the gradients of all parameters: to None (the default, as PyTorch 2) or to zero. */
  zero_grad(set_to_none = true): void {
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g === null) continue;
      if (set_to_none) {
        p.grad = null;
      } else {
        if (g.grad_fn !== null) g.detach_();
        else g.requires_grad_(false);
        g.zero_();
      }
      g.dispose();
    }
  }
  apply(fn: (module: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  // ---- conversion -------------------------------------------------------------

  /** Applies fn to every parameter, gradient and buffer, keeping Parameter objects where the result is compatible (as Python's _apply). */
  _apply(fn: (t: Tensor) => Tensor): this {
    for (const m of this.children()) m._apply(fn);
    const raw = this[RAW];
    for (const [key, param] of this._parameters) {
      if (!param) continue;
      const applied = no_grad(() => fn(param));
      let outParam: Parameter = param;
      if (applied !== param) {
        if (COMPATIBLE.call(param, applied) === true) {
          SET_DATA.call(param, applied);
        } else {
          outParam = new Parameter(applied, param.requires_grad);
          this._parameters.set(key, outParam);
          defineOwn(raw, key, outParam);
        }
        applied.dispose();
      }
      const g = param.grad;
      if (g !== null) {
        const ga = no_grad(() => fn(g));
        if (ga !== g) {
          if (COMPATIBLE.call(g, ga) === true) {
            const og = outParam.grad!;
            SET_DATA.call(og, ga);
            og.dispose();
            ga.dispose();
          } else {
            outParam.grad = ga.requires_grad_(g.requires_grad);
            ga.dispose();
          }
        }
        g.dispose();
      }
    }
    for (const [key, buf] of this._buffers) {
      if (!buf) continue;
      const applied = fn(buf);
      if (applied !== buf) {
        this._buffers.set(key, applied);
        defineOwn(raw, key, applied);
      }
    }
    return this;
  }

  /**
   * to(device), to(dtype), to(device, dtype), to(tensor), to({device, dtype, non_blocking}).
   * Only floating point (or complex) dtypes are accepted; integer buffers keep their dtype.
   */
  to(target: DeviceLike | dtype | Tensor | { device?: DeviceLike; dtype?: dtype; non_blocking?: boolean }, dtypeArg?: dtype | { non_blocking?: boolean }, options?: { non_blocking?: boolean }): this {
    let dev: DeviceLike | undefined;
    let dt: dtype | undefined;
    let nonBlocking = false;
    if (target instanceof Tensor) {
      dev = target.device;
      dt = target.dtype;
    } else if (typeof target === 'string') {
      let parsed: dtype | undefined;
      try {
        parsed = parseDtype(target);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined) dt = parsed;
      else dev = target;
    } else if (target instanceof Device) {
      dev = target;
    } else if (target && typeof target === 'object') {
      dev = target.device;
      dt = target.dtype;
      nonBlocking = target.non_blocking ?? false;
    }
    if (typeof dtypeArg === 'string') dt = parseDtype(dtypeArg);
    else if (dtypeArg) nonBlocking = dtypeArg.non_blocking ?? nonBlocking;
    if (options) nonBlocking = options.non_blocking ?? nonBlocking;
    if (dt !== undefined && !(isFloatingDtype(dt) || isComplexDtype(dt))) {
      throw new TypeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.${dt}`);
    }
    const devStr = dev === undefined ? undefined : new Device(dev).toString();
    return this._apply((t) => {
      const wantDtype = dt !== undefined && (t.is_floating_point() || isComplexDtype(t.dtype)) ? dt : t.dtype;
      const sameDevice = devStr === undefined || sameDeviceAs(t, devStr);
      if (sameDevice && wantDtype === t.dtype) return t;
      return t.to({ device: devStr ?? t.device.toString(), dtype: wantDtype, non_blocking: nonBlocking });
    });
  }
  cpu(): this {
    return this.to('cpu');
  }
  /** Replaces every parameter and buffer by an uninitialised tensor of the same shape on device. */
  to_empty(options: { device: DeviceLike }): this {
    const dev = new Device(options.device).toString();
    return this._apply((t) => EMPTY_LIKE.t(t, undefined, undefined, dev));
  }
  cuda(device?: number | DeviceLike): this {
    return this.to(device === undefined ? 'cuda' : typeof device === 'number' ? `cuda:${device}` : device);
  }
  type(dst_type: dtype): this {
    return this._apply((t) => (t.dtype === dst_type ? t : t.to(dst_type)));
  }
  float(): this {
    return this._apply((t) => (t.is_floating_point() && t.dtype !== 'float32' ? t.to('float32') : t));
  }
  double(): this {
    return this._apply((t) => (t.is_floating_point() && t.dtype !== 'float64' ? t.to('float64') : t));
  }
  half(): this {
    return this._apply((t) => (t.is_floating_point() && t.dtype !== 'float16' ? t.to('float16') : t));
  }
  bfloat16(): this {
    return this._apply((t) => (t.is_floating_point() && t.dtype !== 'bfloat16' ? t.to('bfloat16') : t));
  }

  // ---- hooks ----------------------------------------------------------------

  register_forward_pre_hook(hook: ForwardPreHook<this>): RemovableHandle {
    const handle = new RemovableHandle([this._forward_pre_hooks]);
    this._forward_pre_hooks.set(handle.id, hook);
    return handle;
  }
  register_forward_hook(hook: ForwardHook<this>): RemovableHandle {
    const handle = new RemovableHandle([this._forward_hooks]);
    this._forward_hooks.set(handle.id, hook);
    return handle;
  }
  register_load_state_dict_post_hook(hook: LoadStateDictPostHook): RemovableHandle {
    const handle = new RemovableHandle([this._load_state_dict_post_hooks]);
    this._load_state_dict_post_hooks.set(handle.id, hook);
    return handle;
  }
  /** hook(module, state_dict, prefix, local_metadata) may return a replacement state_dict. */
  _register_state_dict_hook(hook: (module: Module, state_dict: OrderedDict<string, Tensor>, prefix: string, local_metadata: Record<string, unknown>) => unknown): RemovableHandle {
    const handle = new RemovableHandle([this._state_dict_hooks]);
    this._state_dict_hooks.set(handle.id, hook);
    return handle;
  }
  /** hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs), run before this module loads. */
  _register_load_state_dict_pre_hook(hook: AnyFn): RemovableHandle {
    const handle = new RemovableHandle([this._load_state_dict_pre_hooks]);
    this._load_state_dict_pre_hooks.set(handle.id, hook);
    return handle;
  }

  // ---- state_dict -------------------------------------------------------------

  protected _save_to_state_dict(destination: OrderedDict<string, Tensor>, prefix: string, keep_vars: boolean): void {
    for (const [name, param] of this._parameters) {
      if (param) destination.set(prefix + name, keep_vars ? param : param.detach());
    }
    for (const [name, buf] of this._buffers) {
      if (buf && !this._non_persistent_buffers_set.has(name)) destination.set(prefix + name, keep_vars ? buf : buf.detach());
    }
  }

  /**
   * The parameters and persistent buffers by dotted name, as an OrderedDict
   * (a Map) with `_metadata` ({'' : {version: 1}, 'layer1': {version: 1}, ...}).
   * Tensors are detached (new handles the caller owns) unless keep_vars.
   */
  state_dict(options: StateDictOptions = {}): OrderedDict<string, Tensor> {
    let destination = options.destination;
    const prefix = options.prefix ?? '';
    const keepVars = options.keep_vars ?? false;
    if (destination === undefined) {
      destination = new OrderedDict<string, Tensor>();
      destination._metadata = new Map() as StateDictMetadata;
    }
    const localMetadata: Record<string, unknown> = { version: (this.constructor as typeof Module)._version };
    if (destination._metadata) destination._metadata.set(prefix.slice(0, -1), localMetadata);
    this._save_to_state_dict(destination, prefix, keepVars);
    for (const [name, m] of this._modules) {
      if (m) m.state_dict({ destination, prefix: prefix + name + '.', keep_vars: keepVars });
    }
    for (const hook of this._state_dict_hooks.values()) {
      const r = hook(this, destination, prefix, localMetadata);
      if (r !== undefined && r !== null) destination = r as OrderedDict<string, Tensor>;
    }
    return destination;
  }

  /** Python's _load_from_state_dict: copies this module's own entries; BatchNorm overrides it. */
  _load_from_state_dict(
    state_dict: Map<string, unknown>,
    prefix: string,
    local_metadata: Record<string, unknown>,
    strict: boolean,
    missing_keys: string[],
    unexpected_keys: string[],
    error_msgs: string[],
    assign = false,
  ): void {
    for (const hook of this._load_state_dict_pre_hooks.values()) {
      hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs);
    }
    const localState = new Map<string, Tensor>();
    for (const [k, v] of this._parameters) if (v) localState.set(k, v);
    for (const [k, v] of this._buffers) if (v && !this._non_persistent_buffers_set.has(k)) localState.set(k, v);
    for (const [name, param] of localState) {
      const key = prefix + name;
      if (state_dict.has(key)) {
        const value = state_dict.get(key);
        if (!(value instanceof Tensor)) {
          error_msgs.push(`While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${pyTypeClass(value)}`);
          continue;
        }
        let input: Tensor = value;
        let selected: Tensor | undefined;
        if (param.dim() === 0 && input.dim() === 1) input = selected = SELECT.t(input, 0, 0);
        const inShape = input.shape;
        const shape = param.shape;
        if (inShape.length !== shape.length || inShape.some((s, i) => s !== shape[i])) {
          error_msgs.push(`size mismatch for ${key}: copying a param with shape ${torchSize(inShape)} from checkpoint, the shape in current model is ${torchSize(shape)}.`);
          selected?.dispose();
          continue;
        }
        try {
          if (assign) {
            this.assignFromStateDict(name, param, input);
          } else {
            const src = input;
            no_grad(() => param.copy_(src));
          }
        } catch (e) {
          error_msgs.push(
            `While copying the parameter named "${key}", whose dimensions in the model are ${torchSize(shape)} and whose dimensions in the checkpoint are ${torchSize(inShape)}, an exception occurred : ('${(e as Error).message}',).`,
          );
        }
        if (selected && !assign) selected.dispose();
      } else if (strict) {
        missing_keys.push(key);
      }
    }
    if (strict) {
      for (const key of state_dict.keys()) {
        if (key.startsWith(prefix)) {
          const inputName = key.slice(prefix.length).split('.', 1)[0]!;
          if (!this._modules.has(inputName) && !localState.has(inputName)) unexpected_keys.push(key);
        }
      }
    }
  }

  private assignFromStateDict(name: string, param: Tensor, input: Tensor): void {
    if (param instanceof Parameter) {
      const p = input instanceof Parameter ? input.requires_grad_(param.requires_grad) : new Parameter(input, param.requires_grad);
      (this as unknown as Record<string, unknown>)[name] = p;
    } else {
      (this as unknown as Record<string, unknown>)[name] = input;
    }
  }

  /**
   * Copies parameters and buffers from state_dict (a Map such as torch.load's
   * OrderedDict, or a plain object) into this module and its descendants.
   * strict (default true) raises PyTorch's error listing missing and unexpected keys.
   */
  load_state_dict(state_dict: DictLike<unknown> | OrderedDict<string, unknown>, strict: boolean | LoadStateDictOptions = true): IncompatibleKeys {
    const opts: LoadStateDictOptions = typeof strict === 'boolean' ? { strict } : strict;
    const isStrict = opts.strict ?? true;
    const assign = opts.assign ?? false;
    if (state_dict === null || typeof state_dict !== 'object' || Array.isArray(state_dict) || state_dict instanceof Tensor) {
      throw new TypeError(`Expected state_dict to be dict-like, got ${pyTypeClass(state_dict)}.`);
    }
    const missing_keys: string[] = [];
    const unexpected_keys: string[] = [];
    const error_msgs: string[] = [];
    const metadata = (state_dict as OrderedDict<string, unknown>)._metadata as StateDictMetadata | undefined;
    const copy = new Map<string, unknown>(state_dict instanceof Map ? state_dict : Object.entries(state_dict));
    const incompatible: IncompatibleKeys = { missing_keys, unexpected_keys };
    const load = (module: Module, local: Map<string, unknown>, prefix: string): void => {
      const localMetadata = (metadata?.get(prefix.slice(0, -1)) ?? {}) as Record<string, unknown>;
      module._load_from_state_dict(local, prefix, localMetadata, true, missing_keys, unexpected_keys, error_msgs, assign);
      for (const [name, child] of module._modules) {
        if (!child) continue;
        const childPrefix = prefix + name + '.';
        const childState = new Map<string, unknown>();
        for (const [k, v] of local) if (k.startsWith(childPrefix)) childState.set(k, v);
        load(child, childState, childPrefix);
      }
      for (const hook of module._load_state_dict_post_hooks.values()) hook(module, incompatible);
    };
    load(this, copy, '');
    if (isStrict) {
      if (unexpected_keys.length > 0) {
        error_msgs.unshift(`Unexpected key(s) in state_dict: ${unexpected_keys.map((k) => `"${k}"`).join(', ')}. `);
      }
      if (missing_keys.length > 0) {
        error_msgs.unshift(`Missing key(s) in state_dict: ${missing_keys.map((k) => `"${k}"`).join(', ')}. `);
      }
    }
    if (error_msgs.length > 0) {
      throw new Error(`Error(s) in loading state_dict for ${this._get_name()}:\n\t${error_msgs.join('\n\t')}`);
    }
    return { missing_keys, unexpected_keys };
  }

  // ---- printing -----------------------------------------------------------------

  _get_name(): string {
    return this.constructor.name;
  }
  /** The layer's own settings, shown inside its parentheses when printed. */
  extra_repr(): string {
    return '';
  }
  /** The module tree as Python's repr(module) prints it. */
  toString(): string {
    const extra = this.extra_repr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines: string[] = [];
    for (const [key, m] of this._modules) {
      const modStr = addIndent(m === null ? 'None' : m.toString(), 2);
      childLines.push(`(${key}): ${modStr}`);
    }
    const lines = [...extraLines, ...childLines];
    let main = this._get_name() + '(';
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) main += extraLines[0];
      else main += '\n  ' + lines.join('\n  ') + '\n';
    }
    return main + ')';
  }
  [inspect.custom](): string {
    return this.toString();
  }

  // ---- lifetime ---------------------------------------------------------------

  /** Frees every parameter and buffer of this module and its descendants now. */
  dispose(): void {
    for (const m of this.modules()) {
      for (const p of m._parameters.values()) p?.dispose();
      for (const b of m._buffers.values()) b?.dispose();
    }
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** copy.deepcopy(module): an independent module with cloned parameters and buffers. */
  _deepcopy(memo: Map<unknown, unknown> = new Map()): this {
    const found = memo.get(this);
    if (found) return found as this;
    const raw = this[RAW];
    const copyRaw = Object.create(Object.getPrototypeOf(raw)) as Module;
    const proxy = makeProxy(copyRaw);
    memo.set(this, proxy);
    for (const key of Reflect.ownKeys(raw)) {
      if (key === RAW) continue;
      const desc = Object.getOwnPropertyDescriptor(raw, key)!;
      if ('value' in desc) desc.value = deepcopyValue(desc.value, memo);
      Reflect.defineProperty(copyRaw, key, desc);
    }
    return proxy as this;
  }
}

function sameDeviceAs(t: Tensor, dev: string): boolean {
  const have = native.device(t);
  if (have === dev) return true;
  return dev === 'cuda' && have === 'cuda:0';
}

function pyTypeClass(v: unknown): string {
  return `<class '${pyTypeName(v)}'>`;
}

/** copy.deepcopy for what modules hold: modules, tensors, parameters, arrays, maps, sets, plain objects. */
export function deepcopy<T>(value: T): T {
  return deepcopyValue(value, new Map()) as T;
}

function deepcopyValue(v: unknown, memo: Map<unknown, unknown>): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (memo.has(v)) return memo.get(v);
  if (v instanceof Module) return v._deepcopy(memo);
  if (v instanceof Parameter) {
    const data = no_grad(() => v.clone());
    const p = new Parameter(data, v.requires_grad);
    data.dispose();
    memo.set(v, p);
    return p;
  }
  if (v instanceof Tensor) {
    const c = no_grad(() => v.clone());
    if (v.requires_grad && v.is_leaf) c.requires_grad_(true);
    memo.set(v, c);
    return c;
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    memo.set(v, out);
    for (const x of v) out.push(deepcopyValue(x, memo));
    return out;
  }
  if (v instanceof Map) {
    const out = v instanceof OrderedDict ? new OrderedDict<unknown, unknown>() : new Map<unknown, unknown>();
    memo.set(v, out);
    for (const [k, x] of v) out.set(k, deepcopyValue(x, memo));
    if (v instanceof OrderedDict && v._metadata) (out as OrderedDict)._metadata = v._metadata;
    return out;
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    memo.set(v, out);
    for (const x of v) out.add(deepcopyValue(x, memo));
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = Object.create(proto);
    memo.set(v, out);
    for (const [k, x] of Object.entries(v)) out[k] = deepcopyValue(x, memo);
    return out;
  }
  return v;
}
