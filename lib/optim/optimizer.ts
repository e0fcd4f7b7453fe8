// torch.optim.Optimizer, following torch/optim/optimizer.py (1.13): params as
// tensors or as param groups with per-group options, defaults, param_groups
// (plain objects whose options may change at run time), add_param_group,
// zero_grad, step, per-parameter state, and state_dict() / load_state_dict()
// in PyTorch's structure, so that a state_dict saved by Python's optimizer
// loads here and continues identically, and the reverse.
//
// Memory: the state (momentum buffers, moving averages) belongs to the
// optimizer, never to the torch.scope() around the step that created it (see
// persist); dispose() frees it. state_dict() hands out new handles that share
// the state's storage (as module.state_dict() does), so the caller may
// dispose them without touching the optimizer.
import { no_grad, enable_grad } from '../autograd/grad_mode.js';
import { op } from '../bridge.js';
import { HANDLE, native } from '../native.js';
import { tuple } from '../serialization/pickle.js';
import { Tensor } from '../tensor.js';

const DETACH = op('detach');
const CLONE = op('clone');
const TO_DTYPE = op('to', 'dtype');
const ZERO_ = op('zero_');
const FOREACH_ZERO_ = op('_foreach_zero_');

/** Python's `required`: a default the caller must give, for the optimizer or for every param group (SGD's lr). */
export const required: unique symbol = Symbol('required');
export type Required = typeof required;

/** A parameter group: its tensors and its options (any option left out takes the optimizer's default). */
export interface ParamGroup {
  params: Tensor[];
  [option: string]: unknown;
}

/** What a param group may be given as: params as one tensor or any iterable of tensors. */
export type ParamGroupInput<O = Record<string, unknown>> = Partial<O> & { params: Tensor | Iterable<Tensor> } & Record<string, unknown>;

/** An optimizer's params argument: tensors, or param groups (dicts in Python). */
export type ParamsT<O = Record<string, unknown>> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** A value in an optimizer's per-parameter state. */
export type StateValue = Tensor | number | boolean | string | null | StateValue[] | { [k: string]: StateValue };

/** Per-parameter state, as Python's dict: state[p]['exp_avg']. */
export type ParamState = Record<string, StateValue | undefined>;

/**
 * What state_dict() returns and load_state_dict() takes: Python's
 * {'state': {0: {...}, 1: {...}}, 'param_groups': [{..., 'params': [0, 1]}]}.
 * state is keyed by integer index; each parameter's state is a Map with
 * PyTorch's key names. torch.save writes it as Python's dicts, lists and
 * tuples; torch.load gives it back as OrderedDicts (Maps), which
 * load_state_dict() accepts, as it accepts plain objects.
 */
export interface OptimizerStateDict {
  state: Map<number, Map<string, unknown>>;
  param_groups: Record<string, unknown>[];
}

/** The loaded form: Maps or plain objects anywhere a Python dict was. */
export type OptimizerStateDictLike =
  | OptimizerStateDict
  | Map<string, unknown>
  | { state: Map<unknown, unknown> | Record<string, unknown>; param_groups: unknown[] };

const warned = new Set<string>();
/** Python's warnings.warn with the default filter: each message once. */
export function warnOnce(message: string, category = 'UserWarning'): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, category);
}

/**
 * Makes a tensor created during a step belong to the optimizer rather than to
 * an open torch.scope(): the scope's release no longer frees it, and the
 * garbage collector frees it if the optimizer is dropped without dispose().
 * The Tensor object changes (the handle moves to a new one), so use the result.
 */
export function persist(t: Tensor): Tensor {
  // A tensor made outside every scope is already owned by the GC's finalizer.
  // TODO(memory.ts): a public torch.untrack(t) would replace this.
  const rec = t as unknown as { gcOwned: boolean };
  if (rec.gcOwned) return t;
  const out = Object.create(Object.getPrototypeOf(t) as object) as Tensor;
  (out as unknown as { gcOwned: boolean }).gcOwned = false;
  out[HANDLE] = t[HANDLE];
  t[HANDLE] = -1; // the scope's dispose() of the old object is now a no-op
  out.adoptByGC();
  return out;
}

function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

function isDictLike(v: unknown): v is Map<unknown, unknown> | Record<string, unknown> {
  if (v instanceof Map) return true;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || isTensor(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function dictGet(d: unknown, key: string): unknown {
  if (d instanceof Map) return d.get(key);
  return (d as Record<string, unknown>)[key];
}

function dictEntries(d: Map<unknown, unknown> | Record<string, unknown>): [unknown, unknown][] {
  return d instanceof Map ? [...d.entries()] : Object.entries(d);
}

/** Frees every tensor inside a state value (arrays and dicts included). */
export function disposeValue(v: unknown): void {
  if (isTensor(v)) v.dispose();
  else if (Array.isArray(v)) v.forEach(disposeValue);
  else if (isDictLike(v)) for (const [, x] of dictEntries(v)) disposeValue(x);
}

/** A state value as state_dict() gives it: tensors as new handles on the same storage, dicts as Maps. */
function exportValue(v: unknown): unknown {
  if (isTensor(v)) return DETACH.t(v);
  if (Array.isArray(v)) return v.map(exportValue);
  if (isDictLike(v)) return new Map(dictEntries(v).map(([k, x]) => [k, exportValue(x)]));
  return v;
}

/** A group option as state_dict() gives it: arrays copied (betas stay a tuple, as in Python). */
function exportOption(v: unknown): unknown {
  if (Array.isArray(v)) return tuple(v.map(exportOption));
  return v;
}

/** Plain object from a dict given as a Map or object (keys as strings). */
function toPlain(d: unknown): Record<string, unknown> {
  if (d instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of d) o[String(k)] = v;
    return o;
  }
  return { ...(d as Record<string, unknown>) };
}

/** Options with array values (betas) copied, so groups never share an array with the caller. */
function copyOption(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

export abstract class Optimizer<G extends ParamGroup = ParamGroup, S extends ParamState = ParamState> {
  readonly defaults: Record<string, unknown>;
  param_groups: G[] = [];
  /** Per-parameter state, keyed by the parameter (Python's self.state[p]). */
  state = new Map<Tensor, S>();
  /** Counts step() calls once an lr_scheduler is attached (Python's optimizer._step_count). */
  _step_count?: number;

  constructor(params: ParamsT, defaults: Record<string, unknown>) {
    this.defaults = defaults;
    if (isTensor(params)) {
      throw new TypeError('params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.Tensor');
    }
    if (params === null || params === undefined || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${typeof params}`);
    }
    let groups = [...(params as Iterable<unknown>)];
    if (groups.length === 0) throw new Error('ValueError: optimizer got an empty parameter list');
    if (!isDictLike(groups[0])) groups = [{ params: groups }];
    for (const g of groups) this.add_param_group(g as ParamGroupInput);
  }

  /** Adds a param group (fine-tuning: unfreeze layers and give them their own options as training goes). */
  add_param_group(param_group: ParamGroupInput | Map<string, unknown>): void {
    if (!isDictLike(param_group)) throw new TypeError('param group must be a dict');
    const given = toPlain(param_group);
    const raw = given.params;
    let params: Tensor[];
    if (isTensor(raw)) params = [raw];
    else if (raw instanceof Set) {
      throw new TypeError(
        'optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.',
      );
    } else if (raw !== null && raw !== undefined && typeof (raw as Iterable<unknown>)[Symbol.iterator] === 'function') {
      params = [...(raw as Iterable<Tensor>)];
    } else {
      throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${raw === null ? 'None' : typeof raw}`);
    }
    for (const p of params) {
      if (!isTensor(p)) throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${p === null ? 'None' : typeof p}`);
      if (!this.defaults.differentiable && !p.is_leaf) throw new Error("ValueError: can't optimize a non-leaf Tensor");
    }
    const group: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(given)) group[k] = k === 'params' ? params : copyOption(v);
    for (const [name, dflt] of Object.entries(this.defaults)) {
      if (dflt === required && !(name in group)) {
        throw new Error(`ValueError: parameter group didn't specify a value of required optimization parameter ${name}`);
      }
      if (!(name in group)) group[name] = copyOption(dflt);
    }
    if (new Set(params).size !== params.length) {
      warnOnce(
        'optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information',
      );
    }
    for (const g of this.param_groups) {
      for (const p of g.params) {
        if (params.includes(p)) throw new Error('ValueError: some parameters appear in more than one parameter group');
      }
    }
    this.param_groups.push(group as G);
  }

  /**
   * Resets the gradients of all optimized tensors: to None (the default, as
   * PyTorch 2.x; PyTorch 1.13 defaulted to False) or to zeros.
   */
  zero_grad(set_to_none = true): void {
    if (set_to_none) {
      for (const group of this.param_groups) for (const p of group.params) p.grad = null;
      return;
    }
    const foreach = Boolean(this.defaults.foreach);
    const grouped = new Map<string, Tensor[]>();
    const held: Tensor[] = [];
    for (const group of this.param_groups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        held.push(g);
        if (g.grad_fn !== null) g.detach_();
        else g.requires_grad_(false);
        if (!foreach) ZERO_.call(g);
        else {
          const key = `${native.device(g)}|${native.dtype(g)}`;
          let list = grouped.get(key);
          if (!list) grouped.set(key, (list = []));
          list.push(g);
        }
      }
    }
    for (const list of grouped.values()) FOREACH_ZERO_.call(list);
    for (const g of held) g.dispose();
  }

  /** One optimization step. closure (optional for all but LBFGS) re-evaluates the model and returns the loss. */
  abstract step(closure?: () => Tensor | number): Tensor | number | null;

  /** Runs the closure with gradients on, as Python's `with torch.enable_grad(): loss = closure()`. */
  protected runClosure(closure?: () => Tensor | number): Tensor | number | null {
    if (!closure) return null;
    return enable_grad(closure);
  }

  /** Runs fn with grad mode off (Python's @torch.no_grad() / _use_grad_for_differentiable on step). */
  protected noGrad<T>(fn: () => T): T {
    return no_grad(fn);
  }

  /** The parameter's state object, created empty on first use (Python's defaultdict(dict)). */
  protected stateOf(p: Tensor): S {
    let s = this.state.get(p);
    if (s === undefined) this.state.set(p, (s = {} as S));
    return s;
  }

  /**
   * The optimizer's state as Python's state_dict(): {state, param_groups},
   * state keyed by each parameter's index in the order param_groups lists
   * them, param_groups with 'params' as index lists. Tensors are new handles
   * on the optimizer's storage: dispose them (or the scope) when done.
   */
  state_dict(): OptimizerStateDict {
    const mappings = new Map<Tensor, number>();
    let start = 0;
    const param_groups = this.param_groups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== 'params') packed[k] = exportOption(v);
      group.params.forEach((p, i) => {
        if (!mappings.has(p)) mappings.set(p, start + i);
      });
      packed.params = group.params.map((p) => mappings.get(p)!);
      start += group.params.length;
      return packed;
    });
    const state = new Map<number, Map<string, unknown>>();
    for (const [p, s] of this.state) {
      const idx = mappings.get(p);
      if (idx === undefined) continue;
      state.set(idx, exportValue(s) as Map<string, unknown>);
    }
    return { state, param_groups };
  }

  /**
   * Loads a state_dict (ours, or Python's through torch.load): the groups'
   * options replace ours, the state is copied (tensors cast to the
   * parameter's dtype and device, except 'step'), and the old state is freed.
   */
  load_state_dict(state_dict: OptimizerStateDictLike): void {
    if (!isDictLike(state_dict)) throw new TypeError('load_state_dict(): expected a dict with state and param_groups');
    const savedGroupsRaw = dictGet(state_dict, 'param_groups');
    const savedStateRaw = dictGet(state_dict, 'state');
    if (!Array.isArray(savedGroupsRaw)) throw new TypeError("load_state_dict(): 'param_groups' must be a list");
    if (savedStateRaw !== undefined && !isDictLike(savedStateRaw)) throw new TypeError("load_state_dict(): 'state' must be a dict");
    const groups = this.param_groups;
    const savedGroups = savedGroupsRaw.map((g) => toPlain(g));
    if (groups.length !== savedGroups.length) {
      throw new Error('ValueError: loaded state dict has a different number of parameter groups');
    }
    const savedIds = savedGroups.map((g) => {
      const ids = g.params;
      if (!Array.isArray(ids)) throw new TypeError("load_state_dict(): a param group's 'params' must be a list of indices");
      return ids as unknown[];
    });
    if (groups.some((g, i) => g.params.length !== savedIds[i]!.length)) {
      throw new Error("ValueError: loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    }
    const idMap = new Map<string, Tensor>();
    savedIds.forEach((ids, gi) => ids.forEach((id, i) => idMap.set(keyOf(id), groups[gi]!.params[i]!)));

    const newState = new Map<Tensor, S>();
    const extra: [unknown, unknown][] = [];
    if (savedStateRaw !== undefined) {
      for (const [k, v] of dictEntries(savedStateRaw as Map<unknown, unknown>)) {
        const param = idMap.get(keyOf(k));
        if (param === undefined) {
          extra.push([k, v]);
          continue;
        }
        const cast = castValue(param, v, undefined);
        newState.set(param, (isDictLike(cast) ? toPlain(cast) : cast) as S);
      }
    }
    for (const s of this.state.values()) disposeValue(s);
    this.state = newState;
    if (extra.length > 0) {
      // Python keeps state not assigned to params as is; a Map keyed by the saved key holds it here.
      (this as unknown as { _unassigned_state: Map<unknown, unknown> })._unassigned_state = new Map(extra);
    }
    this.param_groups = savedGroups.map((ng, i) => {
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(ng)) g[k] = k === 'params' ? groups[i]!.params : copyOption(v);
      return g as G;
    });
    this.__setstate__();
  }

  /** Fills in options a state_dict from an older PyTorch lacks, and converts state (Python's __setstate__). */
  protected __setstate__(): void {
    if (this.defaults.differentiable === undefined) this.defaults.differentiable = false;
  }

  /** Frees the optimizer's state (moving averages, momentum buffers); the optimizer can step again afterwards. */
  dispose(): void {
    for (const s of this.state.values()) disposeValue(s);
    this.state.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Python's repr(optimizer). */
  toString(): string {
    let s = `${this.constructor.name} (`;
    this.param_groups.forEach((group, i) => {
      s += `\nParameter Group ${i}\n`;
      for (const key of Object.keys(group).sort()) {
        if (key !== 'params') s += `    ${key}: ${pyRepr(group[key])}\n`;
      }
    });
    return s + ')';
  }
}

function keyOf(id: unknown): string {
  return typeof id === 'bigint' ? id.toString() : String(id);
}

/** Python's cast() in load_state_dict: a deep copy, floating tensors to the parameter's dtype (not 'step'). */
function castValue(param: Tensor, value: unknown, key: string | undefined): unknown {
  if (isTensor(value)) {
    let v = value;
    let owned = false;
    if (key !== 'step') {
      const pd = native.dtype(param);
      if (param.is_floating_point() && native.dtype(v) !== pd) {
        v = TO_DTYPE.t(v, pd, false, false);
        owned = true;
      }
      const dev = native.device(param);
      if (native.device(v) !== dev) {
        const moved = v.to(dev);
        if (owned) v.dispose();
        v = moved;
        owned = true;
      }
    }
    // The state must not share memory with the loaded dict (Python deep-copies it).
    const copy = owned ? v : CLONE.t(v);
    return persist(copy);
  }
  if (isDictLike(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of dictEntries(value)) out[String(k)] = castValue(param, v, String(k));
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => castValue(param, v, undefined));
  return value;
}

function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return pyNumber(v);
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')})`;
  if (typeof v === 'symbol') return '<required parameter>';
  return String(v);
}

/** Python's repr of a number (integral values print as ints: JS cannot tell 1 from 1.0). */
export function pyNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp >= -4 && exp < 16) return String(x);
  return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Takes the grads of a group's params that have one (Python's `if p.grad is not None`). The caller disposes grads. */
export function gradsOf(group: ParamGroup): { params: Tensor[]; grads: Tensor[] } {
  const params: Tensor[] = [];
  const grads: Tensor[] = [];
  for (const p of group.params) {
    const g = p.grad;
    if (g === null) continue;
    params.push(p);
    grads.push(g);
  }
  return { params, grads };
}

export function disposeAll(ts: readonly (Tensor | null | undefined)[]): void {
  for (const t of ts) t?.dispose();
}
