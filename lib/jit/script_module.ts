// ScriptModule: a TorchScript module (scripted or traced in Python, loaded with
// torch.jit.load) as an nn.Module. Its parameters, buffers and submodules are
// registered like any module's, so parameters(), state_dict(), load_state_dict(),
// train()/eval(), requires_grad_(), to() and the optimizers work on it, and it
// can sit inside a TypeScript module as a submodule.
//
// The Parameter objects alias the native module's own tensors (the same
// TensorImpl), so requires_grad_, gradients and in-place updates made from JS
// are what the scripted code sees, and the reverse. What JS replaces outright
// (a buffer reassigned by to(), a parameter by load_state_dict({assign})) is
// written back into the native module before it next runs or is saved.
import { randomBytes } from 'node:crypto';
import { renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { wrap } from '../bridge.js';
import { native } from '../native.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Tensor } from '../tensor.js';
import { jnative, type MethodSchema, type NativeScriptModule } from './native.js';

const NATIVE: unique symbol = Symbol('ScriptModule.native');
const SYNCED: unique symbol = Symbol('ScriptModule.synced');
const TRAINING_SYNCED: unique symbol = Symbol('ScriptModule.trainingSynced');

/** Tensors and submodules already wrapped, by native identity: shared ones get one JS object. */
type Memo = Map<number, Tensor | ScriptModule>;

function internal(obj: object, key: PropertyKey, value: unknown): void {
  Reflect.defineProperty(obj, key, { value, writable: true, enumerable: false, configurable: true });
}

/** A Parameter object over an existing handle (Parameter's constructor would detach a new tensor). */
function aliasParameter(handle: number): Parameter {
  return Reflect.construct(Tensor, [handle], Parameter) as Parameter;
}

/** torch.jit.ScriptModule (Python's RecursiveScriptModule): made by torch.jit.load. */
export class ScriptModule extends Module {
  /** The class name the module had in Python, e.g. "Net". */
  declare readonly original_name: string;
  /** The TorchScript class name, e.g. "__torch__.Net". */
  declare readonly qualified_name: string;
  /** @internal */
  declare readonly [NATIVE]: NativeScriptModule;
  /** @internal what the native slots hold, by name, as last written or read */
  declare readonly [SYNCED]: Map<string, unknown>;
  /** @internal */
  declare [TRAINING_SYNCED]: boolean;

  /** @internal Use torch.jit.load. */
  constructor(handle: NativeScriptModule, memo: Memo = new Map()) {
    super();
    internal(this, NATIVE, handle);
    const [name, qualified] = jnative.jitTypeName(handle);
    internal(this, 'original_name', name);
    internal(this, 'qualified_name', qualified);
    const training = jnative.jitIsTraining(handle);
    this.training = training;
    internal(this, TRAINING_SYNCED, training);
    const synced = new Map<string, unknown>();
    internal(this, SYNCED, synced);

    for (const [pname, h, key] of jnative.jitNamedParameters(handle, false)) {
      let p = memo.get(key) as Parameter | undefined;
      if (p !== undefined) native.release(h);
      else memo.set(key, (p = aliasParameter(h)));
      this.registerMember('parameter', pname, p);
      synced.set(pname, p);
    }
    for (const [bname, h, key] of jnative.jitNamedBuffers(handle, false)) {
      let b = memo.get(key) as Tensor | undefined;
      if (b !== undefined) native.release(h);
      else memo.set(key, (b = wrap(h)));
      this.registerMember('buffer', bname, b);
      synced.set(bname, b);
    }
    for (const [cname, ch, key] of jnative.jitNamedChildren(handle)) {
      let c = memo.get(key) as ScriptModule | undefined;
      if (c === undefined) memo.set(key, (c = new ScriptModule(ch, memo)));
      this.registerMember('module', cname, c);
      synced.set(cname, c);
    }
    // Exported methods are also reachable as properties (m.encode(x)) where the name is free.
    for (const mname of jnative.jitMethodNames(handle)) {
      if (mname === 'forward' || mname in this) continue;
      internal(this, mname, (...args: unknown[]) => this.run_method(mname, ...args));
    }
  }

  /** Registers as Module's register_* do; a name Module itself uses (e.g. a submodule called "train") goes into the maps only. */
  private registerMember(kind: 'parameter' | 'buffer' | 'module', name: string, value: Parameter | Tensor | ScriptModule): void {
    try {
      if (kind === 'parameter') this.register_parameter(name, value as Parameter);
      else if (kind === 'buffer') this.register_buffer(name, value as Tensor);
      else this.add_module(name, value as ScriptModule);
    } catch {
      if (kind === 'parameter') this._parameters.set(name, value as Parameter);
      else if (kind === 'buffer') this._buffers.set(name, value as Tensor);
      else this._modules.set(name, value as ScriptModule);
    }
  }

  /** Runs the scripted forward. Arguments are converted by its schema (see run_method). */
  override forward(...args: unknown[]): any {
    return this.run_method('forward', ...args);
  }

  /**
   * Runs a method of the module by name. Arguments, by the method's schema:
   * Tensor, number (int / float), bool, string, null (None, Optional), arrays
   * (List[T] and Tuple[...]), Map or plain object (Dict[K, V]). Passing
   * undefined (or leaving trailing arguments out) uses the default.
   * Results: tensors, numbers, booleans, strings, null; tuples and lists as
   * arrays (a NamedTuple also has its fields as properties); dicts as Maps.
   */
  run_method(name: string, ...args: unknown[]): any {
    this._sync();
    return jnative.jitRunMethod(this[NATIVE], name, args, wrap);
  }

  /** The names of the module's methods (forward and those exported with @torch.jit.export, and what they call). */
  methodNames(): string[] {
    return jnative.jitMethodNames(this[NATIVE]);
  }

  /** A method's TorchScript signature. */
  methodSchema(name = 'forward'): MethodSchema {
    return jnative.jitMethodSchema(this[NATIVE], name);
  }

  /** Python's getattr(module, name): a parameter, buffer, submodule, or any other attribute of the scripted module (a number, string, list...). */
  getattr(name: string): any {
    if (this._parameters.has(name)) return this._parameters.get(name);
    if (this._buffers.has(name)) return this._buffers.get(name);
    if (this._modules.has(name)) return this._modules.get(name);
    this._sync();
    return jnative.jitGetAttr(this[NATIVE], name, wrap);
  }

  /** Python's ScriptModule.save(f): writes a TorchScript archive (atomically) that torch.jit.load reads, in Python too. */
  save(f: string): void {
    this._sync();
    const full = resolve(f);
    const tmp = join(dirname(full), `.${basename(full)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      jnative.jitSave(this[NATIVE], tmp);
      renameSync(tmp, full);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // never written
      }
      throw e;
    }
  }

  /** The archive save() would write, as bytes. */
  save_to_buffer(): Buffer {
    this._sync();
    return jnative.jitSaveToBuffer(this[NATIVE]);
  }

  override train(mode = true): this {
    super.train(mode);
    this.syncTraining();
    return this;
  }

  /** Frees the parameters and buffers (as Module.dispose) and the native module of this module and its submodules now; it cannot run afterwards. */
  override dispose(): void {
    const scripted = this.modules().filter((m): m is ScriptModule => m instanceof ScriptModule);
    super.dispose();
    for (const m of scripted) jnative.jitRelease(m[NATIVE]);
  }

  override _get_name(): string {
    return 'RecursiveScriptModule';
  }

  override extra_repr(): string {
    return `original_name=${this.original_name}`;
  }

  /** copy.deepcopy: an independent module (through an archive in memory), with the same requires_grad flags and mode. */
  override _deepcopy(memo: Map<unknown, unknown> = new Map()): this {
    const found = memo.get(this);
    if (found) return found as this;
    const copy = new ScriptModule(jnative.jitLoad(this.save_to_buffer(), null, 'the copy')) as this;
    memo.set(this, copy);
    const grads = new Map(this.named_parameters().map(([n, p]) => [n, p.requires_grad]));
    for (const [n, p] of copy.named_parameters()) p.requires_grad_(grads.get(n) ?? true);
    const modes = new Map(this.named_modules().map(([n, m]) => [n, m.training]));
    for (const [n, m] of copy.named_modules()) m.train(modes.get(n) ?? true);
    return copy;
  }

  private syncTraining(): void {
    if (this[TRAINING_SYNCED] !== this.training) {
      jnative.jitTrain(this[NATIVE], this.training, false);
      this[TRAINING_SYNCED] = this.training;
    }
  }

  /**
   * @internal Writes what JS replaced (parameters, buffers, submodules, the
   * training flag) into the native module, here and in every submodule. Members
   * JS added that the scripted class does not have are JS-only and ignored.
   */
  _sync(): void {
    this.syncTraining();
    const synced = this[SYNCED];
    for (const map of [this._parameters, this._buffers, this._modules] as Map<string, unknown>[]) {
      for (const [name, value] of map) {
        if (!synced.has(name) || synced.get(name) === value) continue;
        if (value instanceof Module && !(value instanceof ScriptModule)) {
          throw new TypeError(
            `ScriptModule '${this.original_name}': submodule '${name}' was replaced by a ${value._get_name()}, but the scripted code can only call a ScriptModule of a matching type`,
          );
        }
        jnative.jitSetAttr(this[NATIVE], name, value instanceof ScriptModule ? value[NATIVE] : (value as Tensor | null));
        synced.set(name, value);
      }
    }
    for (const m of this._modules.values()) if (m instanceof ScriptModule) m._sync();
  }
}
