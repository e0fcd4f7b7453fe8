// torch.optim.lr_scheduler (torch/optim/lr_scheduler.py, 1.13): the
// schedulers with PyTorch's exact float arithmetic. Each computes what 1.13
// computes, in the same order: the chainable form on step(), the closed form
// on step(epoch) where 1.13 has one, with Python's math.cos / float pow from
// glibc (see _math.ts), so learning rates match Python's to the last bit.
//
// A scheduler's attributes carry PyTorch's names (last_epoch, base_lrs,
// _step_count, _last_lr, ...); state_dict() returns them (all but the
// optimizer and functions, as PyTorch) and load_state_dict() takes them back,
// from our state_dict() or from Python's through torch.load.
import { Tensor } from '../tensor.js';
import { cos, floor, log, pow } from './_math.js';
import { type Args, parseArgs } from './_args.js';
import { Optimizer, warnOnce } from './optimizer.js';

const EPOCH_DEPRECATION_WARNING =
  'The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. Please use ' +
  '`scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from None, the closed form ' +
  'is used instead of the new chainable form, where available. Please open an issue if you are unable to replicate ' +
  'your use case: https://github.com/pytorch/pytorch/issues/new/choose.';

const GET_LR_WARNING = 'To get the last learning rate computed by the scheduler, please use `get_last_lr()`.';

type Group = Record<string, unknown> & { lr: number };
type StepFn = ((...args: unknown[]) => unknown) & { _with_counter?: boolean };
export type SchedulerStateDict = Record<string, unknown>;

/** A required argument given neither positionally nor as a keyword: Python's TypeError. */
function need<T>(fn: string, name: string, v: T | undefined): T {
  if (v === undefined) throw new TypeError(`${fn}.__init__() missing 1 required positional argument: '${name}'`);
  return v;
}

/** Python's bisect.bisect_right on a sorted array. */
function bisectRight(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Python's max(a, b) for floats: a unless b > a. */
function pyMax(a: number, b: number): number {
  return b > a ? b : a;
}

/** A copy of a state value (arrays, Maps and plain objects copied; functions dropped by the caller). */
function copyValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyValue);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, copyValue(x)]));
  if (v !== null && typeof v === 'object' && !(v instanceof Tensor) && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyValue(x)]));
  }
  return v;
}

function entriesOf(d: Map<unknown, unknown> | Record<string, unknown>): [string, unknown][] {
  return d instanceof Map ? [...d].map(([k, v]) => [String(k), fromLoaded(v)]) : Object.entries(d).map(([k, v]) => [k, fromLoaded(v)]);
}

/** A value from torch.load (Python dicts come as Maps): dicts with string keys become plain objects, as ours are. */
function fromLoaded(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromLoaded);
  if (v instanceof Map) {
    if ([...v.keys()].every((k) => typeof k === 'string')) return Object.fromEntries([...v].map(([k, x]) => [k, fromLoaded(x)]));
    return new Map([...v].map(([k, x]) => [k, fromLoaded(x)]));
  }
  return v;
}

function groupsOf(optimizer: Optimizer): Group[] {
  return optimizer.param_groups as unknown as Group[];
}

/** Python's _format_param: one value per param group. */
function formatParam<T>(name: string, optimizer: Optimizer, param: T | readonly T[]): T[] {
  if (Array.isArray(param)) {
    if (param.length !== optimizer.param_groups.length) {
      throw new Error(`ValueError: expected ${optimizer.param_groups.length} values for ${name}, got ${param.length}`);
    }
    return [...param];
  }
  return optimizer.param_groups.map(() => param as T);
}

function formatEpoch(epoch: number): string {
  return Number.isInteger(epoch) ? String(epoch).padStart(5, '0') : epoch.toFixed(2);
}

function formatLr(lr: number): string {
  return lr.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** The base of the epoch-driven schedulers (PyTorch 1.13's _LRScheduler, 2.x's LRScheduler). */
export class LRScheduler {
  declare optimizer: Optimizer;
  declare base_lrs: number[];
  declare last_epoch: number;
  declare verbose: boolean;
  declare _step_count: number;
  declare _get_lr_called_within_step: boolean;
  declare _last_lr: number[];

  /**
   * @param init (internal) how subclasses set their attributes before the
   * first step: Python sets them before calling super().__init__, while a JS
   * subclass body runs only after super() returns. `manual`: the subclass
   * initializes itself (SequentialLR, ChainedScheduler never call the base
   * __init__ in Python).
   */
  constructor(optimizer: Optimizer, last_epoch = -1, verbose = false, init?: { fields?: Record<string, unknown>; manual?: boolean }) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${(optimizer as object)?.constructor?.name ?? typeof optimizer} is not an Optimizer`);
    Object.defineProperty(this, 'optimizer', { value: optimizer, writable: true, enumerable: false, configurable: true });
    if (init?.manual) return;
    if (init?.fields) Object.assign(this, init.fields);
    if (last_epoch === -1) {
      for (const group of groupsOf(optimizer)) if (!('initial_lr' in group)) group.initial_lr = group.lr;
    } else {
      groupsOf(optimizer).forEach((group, i) => {
        if (!('initial_lr' in group)) {
          throw new Error(`KeyError: "param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer"`);
        }
      });
    }
    this.base_lrs = groupsOf(optimizer).map((g) => g.initial_lr as number);
    this.last_epoch = last_epoch;
    // Count optimizer.step() calls, to warn when the scheduler steps first (Python's with_counter).
    const opt = optimizer as unknown as { step: StepFn; _step_count?: number };
    if (!opt.step._with_counter) {
      const orig = opt.step;
      const wrapper: StepFn = (...args: unknown[]) => {
        opt._step_count = (opt._step_count ?? 0) + 1;
        return orig.apply(optimizer, args);
      };
      wrapper._with_counter = true;
      opt.step = wrapper;
    }
    this.verbose = verbose;
    this._initial_step();
  }

  /** Python's _initial_step: resets the counters and takes the first step (epoch 0). */
  _initial_step(): void {
    this.optimizer._step_count = 0;
    this._step_count = 0;
    this.step();
  }

  /** The scheduler's state: every attribute but the optimizer (and functions). */
  state_dict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || typeof v === 'function') continue;
      out[k] = copyValue(v);
    }
    return out;
  }

  /** Restores attributes from state_dict() (ours, or Python's through torch.load: a Map). */
  load_state_dict(state_dict: SchedulerStateDict | Map<string, unknown>): void {
    for (const [k, v] of entriesOf(state_dict)) {
      // Methods stay ours (a state_dict from PyTorch 1.13 may name OneCycleLR's anneal_func).
      if (k === 'optimizer' || typeof (this as unknown as Record<string, unknown>)[k] === 'function') continue;
      (this as unknown as Record<string, unknown>)[k] = copyValue(v);
    }
  }

  /** The learning rates the last step() set, one per param group. */
  get_last_lr(): number[] {
    return [...this._last_lr];
  }

  /** The chainable form: new lrs from the current ones (subclasses). */
  get_lr(): number[] {
    throw new Error('NotImplementedError');
  }

  protected warnGetLr(): void {
    if (!this._get_lr_called_within_step) warnOnce(GET_LR_WARNING);
  }

  print_lr(is_verbose: boolean, group: number, lr: number, epoch?: number): void {
    if (!is_verbose) return;
    if (epoch === undefined) console.log(`Adjusting learning rate of group ${group} to ${formatLr(lr)}.`);
    else console.log(`Epoch ${formatEpoch(epoch)}: adjusting learning rate of group ${group} to ${formatLr(lr)}.`);
  }

  /** Advances one epoch (or, deprecated, jumps to `epoch` with the closed form) and sets each group's lr. */
  step(epoch?: number): void {
    if (this._step_count === 1) {
      const opt = this.optimizer as unknown as { step: StepFn };
      if (!opt.step._with_counter) {
        warnOnce(
          'Seems like `optimizer.step()` has been overridden after learning rate scheduler initialization. Please, make sure to call ' +
            '`optimizer.step()` before `lr_scheduler.step()`. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate',
        );
      } else if ((this.optimizer._step_count ?? 0) < 1) {
        warnOnce(
          'Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call them in the ' +
            'opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the ' +
            'first value of the learning rate schedule. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate',
        );
      }
    }
    this._step_count += 1;
    let values: number[];
    this._get_lr_called_within_step = true;
    try {
      if (epoch === undefined || epoch === null) {
        this.last_epoch += 1;
        values = this.get_lr();
      } else {
        warnOnce(EPOCH_DEPRECATION_WARNING);
        this.last_epoch = epoch;
        const closed = (this as unknown as { _get_closed_form_lr?: () => number[] })._get_closed_form_lr;
        values = closed ? closed.call(this) : this.get_lr();
      }
    } finally {
      this._get_lr_called_within_step = false;
    }
    const groups = groupsOf(this.optimizer);
    for (let i = 0; i < Math.min(groups.length, values.length); i++) {
      groups[i]!.lr = values[i]!;
      this.print_lr(this.verbose, i, values[i]!, epoch ?? undefined);
    }
    this._last_lr = groups.map((g) => g.lr);
  }
}

/** PyTorch 1.13's name for the base class. */
export { LRScheduler as _LRScheduler };

/** lr_lambda(epoch): a function, or a callable object whose own properties state_dict() saves (as Python saves a callable object's __dict__). */
export type LrLambda = (epoch: number) => number;

function lambdasFor(optimizer: Optimizer, lr_lambda: LrLambda | LrLambda[]): LrLambda[] {
  if (!Array.isArray(lr_lambda)) return optimizer.param_groups.map(() => lr_lambda);
  if (lr_lambda.length !== optimizer.param_groups.length) {
    throw new Error(`ValueError: Expected ${optimizer.param_groups.length} lr_lambdas, but got ${lr_lambda.length}`);
  }
  return [...lr_lambda];
}

/** Python saves a lambda's __dict__ only for callable objects, None for plain functions; so do we (own enumerable props). */
function lambdaStates(fns: LrLambda[]): (Record<string, unknown> | null)[] {
  return fns.map((fn) => (typeof fn === 'function' && Object.keys(fn).length === 0 ? null : { ...fn }));
}

export interface SchedulerOptions {
  last_epoch?: number;
  verbose?: boolean;
}
export interface LambdaLROptions extends SchedulerOptions {
  lr_lambda?: LrLambda | LrLambda[];
}

/** lr = base_lr * lr_lambda(epoch). */
export class LambdaLR extends LRScheduler {
  declare lr_lambdas: LrLambda[];

  constructor(optimizer: Optimizer, ...args: Args<[lr_lambda: LrLambda | LrLambda[], last_epoch: number, verbose: boolean], LambdaLROptions>) {
    const o = parseArgs<LambdaLROptions>(new.target.name, args, ['lr_lambda', 'last_epoch', 'verbose']);
    const lambdas = lambdasFor(optimizer, need(new.target.name, 'lr_lambda', o.lr_lambda));
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false, { fields: { lr_lambdas: lambdas } });
  }

  override state_dict(): SchedulerStateDict {
    const out = super.state_dict();
    delete out.lr_lambdas;
    out.lr_lambdas = lambdaStates(this.lr_lambdas);
    return out;
  }

  override load_state_dict(state_dict: SchedulerStateDict | Map<string, unknown>): void {
    const entries = entriesOf(state_dict).filter(([k]) => k !== 'lr_lambdas');
    super.load_state_dict(Object.fromEntries(entries));
    const saved = entriesOf(state_dict).find(([k]) => k === 'lr_lambdas')?.[1] as unknown[] | undefined;
    saved?.forEach((fnState, i) => {
      if (fnState !== null && fnState !== undefined && this.lr_lambdas[i]) {
        Object.assign(this.lr_lambdas[i]!, Object.fromEntries(entriesOf(fnState as Record<string, unknown>)));
      }
    });
  }

  override get_lr(): number[] {
    this.warnGetLr();
    return this.base_lrs.map((base_lr, i) => base_lr * this.lr_lambdas[i]!(this.last_epoch));
  }
}

/** lr = lr * lr_lambda(epoch), from epoch 1 on. */
export class MultiplicativeLR extends LambdaLR {
  override get_lr(): number[] {
    this.warnGetLr();
    const groups = groupsOf(this.optimizer);
    if (this.last_epoch > 0) return groups.map((g, i) => g.lr * this.lr_lambdas[i]!(this.last_epoch));
    return groups.map((g) => g.lr);
  }
}

export interface StepLROptions extends SchedulerOptions {
  step_size?: number;
  gamma?: number;
}

/** Decays the lr by gamma every step_size epochs. */
export class StepLR extends LRScheduler {
  declare step_size: number;
  declare gamma: number;

  constructor(optimizer: Optimizer, ...args: Args<[step_size: number, gamma: number, last_epoch: number, verbose: boolean], StepLROptions>) {
    const o = parseArgs<StepLROptions>('StepLR', args, ['step_size', 'gamma', 'last_epoch', 'verbose']);
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false, { fields: { step_size: need('StepLR', 'step_size', o.step_size), gamma: o.gamma ?? 0.1 } });
  }

  override get_lr(): number[] {
    this.warnGetLr();
    const groups = groupsOf(this.optimizer);
    if (this.last_epoch === 0 || this.last_epoch % this.step_size !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  _get_closed_form_lr(): number[] {
    return this.base_lrs.map((base_lr) => base_lr * pow(this.gamma, floor(this.last_epoch / this.step_size)));
  }
}

export interface MultiStepLROptions extends SchedulerOptions {
  milestones?: number[];
  gamma?: number;
}

/** Decays the lr by gamma at each milestone (a milestone listed twice decays twice). */
export class MultiStepLR extends LRScheduler {
  /** Python's Counter: milestone -> how often it was given. */
  declare milestones: Map<number, number>;
  declare gamma: number;

  constructor(optimizer: Optimizer, ...args: Args<[milestones: number[], gamma: number, last_epoch: number, verbose: boolean], MultiStepLROptions>) {
    const o = parseArgs<MultiStepLROptions>('MultiStepLR', args, ['milestones', 'gamma', 'last_epoch', 'verbose']);
    const counter = new Map<number, number>();
    for (const m of need('MultiStepLR', 'milestones', o.milestones)) counter.set(m, (counter.get(m) ?? 0) + 1);
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false, { fields: { milestones: counter, gamma: o.gamma ?? 0.1 } });
  }

  override load_state_dict(state_dict: SchedulerStateDict | Map<string, unknown>): void {
    super.load_state_dict(state_dict);
    const m = this.milestones as unknown;
    if (!(m instanceof Map)) this.milestones = new Map(Object.entries(m as Record<string, number>).map(([k, v]) => [Number(k), v]));
  }

  override get_lr(): number[] {
    this.warnGetLr();
    const groups = groupsOf(this.optimizer);
    const count = this.milestones.get(this.last_epoch);
    if (count === undefined) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * pow(this.gamma, count));
  }

  _get_closed_form_lr(): number[] {
    const sorted: number[] = [];
    for (const [m, n] of [...this.milestones].sort((a, b) => a[0] - b[0])) for (let i = 0; i < n; i++) sorted.push(m);
    return this.base_lrs.map((base_lr) => base_lr * pow(this.gamma, bisectRight(sorted, this.last_epoch)));
  }
}

export interface ConstantLROptions extends SchedulerOptions {
  factor?: number;
  total_iters?: number;
}

/** Multiplies the lr by factor until total_iters epochs have passed. */
export class ConstantLR extends LRScheduler {
  declare factor: number;
  declare total_iters: number;

  constructor(optimizer: Optimizer, ...args: Args<[factor: number, total_iters: number, last_epoch: number, verbose: boolean], ConstantLROptions>) {
    const o = parseArgs<ConstantLROptions>('ConstantLR', args, ['factor', 'total_iters', 'last_epoch', 'verbose']);
    const factor = o.factor ?? 1.0 / 3;
    if (factor > 1.0 || factor < 0) throw new Error('ValueError: Constant multiplicative factor expected to be between 0 and 1.');
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false, { fields: { factor, total_iters: o.total_iters ?? 5 } });
  }

  override get_lr(): number[] {
    this.warnGetLr();
    const groups = groupsOf(this.optimizer);
    if (this.last_epoch === 0) return groups.map((g) => g.lr * this.factor);
    if (this.last_epoch > this.total_iters || this.last_epoch !== this.total_iters) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1.0 / this.factor));
  }

  _get_closed_form_lr(): number[] {
    return this.base_lrs.map((base_lr) => base_lr * (this.factor + (this.last_epoch >= this.total_iters ? 1 : 0) * (1 - this.factor)));
  }
}

export interface LinearLROptions extends SchedulerOptions {
  start_factor?: number;
  end_factor?: number;
  total_iters?: number;
}

/** Changes the lr's factor linearly from start_factor to end_factor over total_iters epochs. */
export class LinearLR extends LRScheduler {
  declare start_factor: number;
  declare end_factor: number;
  declare total_iters: number;

  constructor(
    optimizer: Optimizer,
    ...args: Args<[start_factor: number, end_factor: number, total_iters: number, last_epoch: number, verbose: boolean], LinearLROptions>
  ) {
    const o = parseArgs<LinearLROptions>('LinearLR', args, ['start_factor', 'end_factor', 'total_iters', 'last_epoch', 'verbose']);
    const start_factor = o.start_factor ?? 1.0 / 3;
    const end_factor = o.end_factor ?? 1.0;
    const total_iters = o.total_iters ?? 5;
    if (start_factor > 1.0 || start_factor < 0) throw new Error('ValueError: Starting multiplicative factor expected to be between 0 and 1.');
    if (end_factor > 1.0 || end_factor < 0) throw new Error('ValueError: Ending multiplicative factor expected to be between 0 and 1.');
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false, { fields: { start_factor, end_factor, total_iters } });
  }

  override get_lr(): number[] {
    this.warnGetLr();
    const groups = groupsOf(this.optimizer);
    if (this.last_epoch === 0) return groups.map((g) => g.lr * this.start_factor);
    if (this.last_epoch > this.total_iters) return groups.map((g) => g.lr);
    const d = this.end_factor - this.start_factor;
    return groups.map((g) => g.lr * (1.0 + d / (this.total_iters * this.start_factor + (this.last_epoch - 1) * d)));
  }

  _get_closed_form_lr(): number[] {
    return this.base_lrs.map(
      (base_lr) =>
        base_lr * (this.start_factor + ((this.end_factor - this.start_factor) * Math.min(this.total_iters, this.last_epoch)) / this.total_iters),
    );
  }
}

export interface ExponentialLROptions extends SchedulerOptions {
  gamma?: number;
}

/** Decays the lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  declare gamma: number;

  constructor(optimizer: Optimizer, ...args: Args<[gamma: number, last_epoch: number, verbose: boolean], ExponentialLROptions>) {
    const o = parseArgs<ExponentialLROptions>('ExponentialLR', args, ['gamma', 'last_epoch', 'verbose']);
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false, { fields: { gamma: need('ExponentialLR', 'gamma', o.gamma) } });
  }

  override get_lr(): number[] {
    this.warnGetLr();
    const groups = groupsOf(this.optimizer);
    if (this.last_epoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  _get_closed_form_lr(): number[] {
    return this.base_lrs.map((base_lr) => base_lr * pow(this.gamma, this.last_epoch));
  }
}

export interface PolynomialLROptions extends SchedulerOptions {
  total_iters?: number;
  power?: number;
}

/** Decays the lr by (1 - epoch / total_iters) ** power (PyTorch 1.13 has it too). */
export class PolynomialLR extends LRScheduler {
  declare total_iters: number;
  declare power: number;

  constructor(optimizer: Optimizer, ...args: Args<[total_iters: number, power: number, last_epoch: number, verbose: boolean], PolynomialLROptions>) {
    const o = parseArgs<PolynomialLROptions>('PolynomialLR', args, ['total_iters', 'power', 'last_epoch', 'verbose']);
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false, { fields: { total_iters: o.total_iters ?? 5, power: o.power ?? 1.0 } });
  }

  override get_lr(): number[] {
    this.warnGetLr();
    const groups = groupsOf(this.optimizer);
    if (this.last_epoch === 0 || this.last_epoch > this.total_iters) return groups.map((g) => g.lr);
    const decay_factor = pow((1.0 - this.last_epoch / this.total_iters) / (1.0 - (this.last_epoch - 1) / this.total_iters), this.power);
    return groups.map((g) => g.lr * decay_factor);
  }

  _get_closed_form_lr(): number[] {
    return this.base_lrs.map((base_lr) => base_lr * pow(1.0 - Math.min(this.total_iters, this.last_epoch) / this.total_iters, this.power));
  }
}

export interface CosineAnnealingLROptions extends SchedulerOptions {
  T_max?: number;
  eta_min?: number;
}

/** Cosine annealing from the initial lr down to eta_min over T_max epochs (SGDR without restarts). */
export class CosineAnnealingLR extends LRScheduler {
  declare T_max: number;
  declare eta_min: number;

  constructor(optimizer: Optimizer, ...args: Args<[T_max: number, eta_min: number, last_epoch: number, verbose: boolean], CosineAnnealingLROptions>) {
    const o = parseArgs<CosineAnnealingLROptions>('CosineAnnealingLR', args, ['T_max', 'eta_min', 'last_epoch', 'verbose']);
    super(optimizer, o.last_epoch ?? -1, o.verbose ?? false, { fields: { T_max: need('CosineAnnealingLR', 'T_max', o.T_max), eta_min: o.eta_min ?? 0 } });
  }

  override get_lr(): number[] {
    this.warnGetLr();
    const groups = groupsOf(this.optimizer);
    const { T_max, eta_min, last_epoch } = this;
    if (last_epoch === 0) return groups.map((g) => g.lr);
    if (this._step_count === 1 && last_epoch > 0) {
      return this.base_lrs.map((base_lr) => eta_min + ((base_lr - eta_min) * (1 + cos((last_epoch * Math.PI) / T_max))) / 2);
    }
    if (pyMod(last_epoch - 1 - T_max, 2 * T_max) === 0) {
      const c = cos(Math.PI / T_max);
      return this.base_lrs.map((base_lr, i) => groups[i]!.lr + ((base_lr - eta_min) * (1 - c)) / 2);
    }
    const num = 1 + cos((Math.PI * last_epoch) / T_max);
    const den = 1 + cos((Math.PI * (last_epoch - 1)) / T_max);
    return groups.map((g) => (num / den) * (g.lr - eta_min) + eta_min);
  }

  _get_closed_form_lr(): number[] {
    const c = cos((Math.PI * this.last_epoch) / this.T_max);
    return this.base_lrs.map((base_lr) => this.eta_min + ((base_lr - this.eta_min) * (1 + c)) / 2);
  }
}

/** Python's % for numbers: the result has the divisor's sign. */
function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

export interface CosineAnnealingWarmRestartsOptions extends SchedulerOptions {
  T_0?: number;
  T_mult?: number;
  eta_min?: number;
}

/** Cosine annealing with warm restarts (SGDR): restarts after T_0 epochs, each period T_mult times longer. */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  declare T_0: number;
  declare T_i: number;
  declare T_mult: number;
  declare eta_min: number;
  declare T_cur: number;

  constructor(
    optimizer: Optimizer,
    ...args: Args<[T_0: number, T_mult: number, eta_min: number, last_epoch: number, verbose: boolean], CosineAnnealingWarmRestartsOptions>
  ) {
    const o = parseArgs<CosineAnnealingWarmRestartsOptions>('CosineAnnealingWarmRestarts', args, ['T_0', 'T_mult', 'eta_min', 'last_epoch', 'verbose']);
    const T_0 = need('CosineAnnealingWarmRestarts', 'T_0', o.T_0);
    const T_mult = o.T_mult ?? 1;
    const eta_min = o.eta_min ?? 0;
    const last_epoch = o.last_epoch ?? -1;
    if (T_0 <= 0 || !Number.isInteger(T_0)) throw new Error(`ValueError: Expected positive integer T_0, but got ${T_0}`);
    if (T_mult < 1 || !Number.isInteger(T_mult)) throw new Error(`ValueError: Expected integer T_mult >= 1, but got ${T_mult}`);
    super(optimizer, last_epoch, o.verbose ?? false, { fields: { T_0, T_i: T_0, T_mult, eta_min, T_cur: last_epoch } });
  }

  override get_lr(): number[] {
    this.warnGetLr();
    const c = cos((Math.PI * this.T_cur) / this.T_i);
    return this.base_lrs.map((base_lr) => this.eta_min + ((base_lr - this.eta_min) * (1 + c)) / 2);
  }

  /** step() advances one epoch; step(epoch) (a float is allowed, for fractions of an epoch) jumps there. */
  override step(epoch?: number): void {
    if ((epoch === undefined || epoch === null) && this.last_epoch < 0) epoch = 0;
    if (epoch === undefined || epoch === null) {
      epoch = this.last_epoch + 1;
      this.T_cur = this.T_cur + 1;
      if (this.T_cur >= this.T_i) {
        this.T_cur = this.T_cur - this.T_i;
        this.T_i = this.T_i * this.T_mult;
      }
    } else {
      if (epoch < 0) throw new Error(`ValueError: Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.T_0) {
        if (this.T_mult === 1) {
          this.T_cur = pyMod(epoch, this.T_0);
        } else {
          const n = Math.trunc(log((epoch / this.T_0) * (this.T_mult - 1) + 1, this.T_mult));
          this.T_cur = epoch - (this.T_0 * (this.T_mult ** n - 1)) / (this.T_mult - 1);
          this.T_i = this.T_0 * this.T_mult ** n;
        }
      } else {
        this.T_i = this.T_0;
        this.T_cur = epoch;
      }
    }
    this.last_epoch = Math.floor(epoch);
    this._get_lr_called_within_step = true;
    let values: number[];
    try {
      values = this.get_lr();
    } finally {
      this._get_lr_called_within_step = false;
    }
    const groups = groupsOf(this.optimizer);
    for (let i = 0; i < Math.min(groups.length, values.length); i++) {
      groups[i]!.lr = values[i]!;
      this.print_lr(this.verbose, i, values[i]!, epoch);
    }
    this._last_lr = groups.map((g) => g.lr);
  }
}

export interface CyclicLROptions {
  base_lr?: number | number[];
  max_lr?: number | number[];
  step_size_up?: number;
  step_size_down?: number | null;
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  gamma?: number;
  scale_fn?: ((x: number) => number) | null;
  scale_mode?: 'cycle' | 'iterations';
  cycle_momentum?: boolean;
  base_momentum?: number | number[];
  max_momentum?: number | number[];
  last_epoch?: number;
  verbose?: boolean;
}

/** Cycles the lr (and momentum, inversely) between base_lr and max_lr (Smith's cyclical learning rates). */
export class CyclicLR extends LRScheduler {
  declare max_lrs: number[];
  declare total_size: number;
  declare step_ratio: number;
  declare mode: string;
  declare gamma: number;
  declare scale_mode: string;
  declare cycle_momentum: boolean;
  declare base_momentums: number[];
  declare max_momentums: number[];
  /** The user's scale_fn (null for the modes' own); functions are left out of state_dict(). */
  declare _scale_fn_custom: ((x: number) => number) | null;

  constructor(
    optimizer: Optimizer,
    ...args: Args<
      [
        base_lr: number | number[], max_lr: number | number[], step_size_up: number, step_size_down: number | null,
        mode: 'triangular' | 'triangular2' | 'exp_range', gamma: number, scale_fn: ((x: number) => number) | null,
        scale_mode: 'cycle' | 'iterations', cycle_momentum: boolean, base_momentum: number | number[], max_momentum: number | number[],
        last_epoch: number, verbose: boolean,
      ],
      CyclicLROptions
    >
  ) {
    const options = parseArgs<CyclicLROptions>('CyclicLR', args, [
      'base_lr', 'max_lr', 'step_size_up', 'step_size_down', 'mode', 'gamma', 'scale_fn', 'scale_mode', 'cycle_momentum',
      'base_momentum', 'max_momentum', 'last_epoch', 'verbose',
    ]);
    const base_lr = need('CyclicLR', 'base_lr', options.base_lr);
    const max_lr = need('CyclicLR', 'max_lr', options.max_lr);
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${(optimizer as object)?.constructor?.name} is not an Optimizer`);
    const last_epoch = options.last_epoch ?? -1;
    const base_lrs = formatParam('base_lr', optimizer, base_lr);
    if (last_epoch === -1) base_lrs.forEach((lr, i) => (groupsOf(optimizer)[i]!.lr = lr));
    const fields: Record<string, unknown> = {};
    fields.max_lrs = formatParam('max_lr', optimizer, max_lr);
    const step_size_up = options.step_size_up ?? 2000;
    const step_size_down = options.step_size_down ?? step_size_up;
    fields.total_size = step_size_up + step_size_down;
    fields.step_ratio = step_size_up / (fields.total_size as number);
    const mode = options.mode ?? 'triangular';
    const scale_fn = options.scale_fn ?? null;
    if (!['triangular', 'triangular2', 'exp_range'].includes(mode) && scale_fn === null) {
      throw new Error('ValueError: mode is invalid and scale_fn is None');
    }
    fields.mode = mode;
    fields.gamma = options.gamma ?? 1.0;
    fields._scale_fn_custom = scale_fn;
    fields.scale_mode = scale_fn === null ? (mode === 'exp_range' ? 'iterations' : 'cycle') : (options.scale_mode ?? 'cycle');
    const cycle_momentum = options.cycle_momentum ?? true;
    fields.cycle_momentum = cycle_momentum;
    if (cycle_momentum) {
      if (!('momentum' in optimizer.defaults)) throw new Error('ValueError: optimizer must support momentum with `cycle_momentum` option enabled');
      const base_momentums = formatParam('base_momentum', optimizer, options.base_momentum ?? 0.8);
      if (last_epoch === -1) base_momentums.forEach((m, i) => (groupsOf(optimizer)[i]!.momentum = m));
      fields.base_momentums = groupsOf(optimizer).map((g) => g.momentum as number);
      fields.max_momentums = formatParam('max_momentum', optimizer, options.max_momentum ?? 0.9);
    }
    super(optimizer, last_epoch, options.verbose ?? false, { fields });
    this.base_lrs = base_lrs;
  }

  scale_fn(x: number): number {
    if (this._scale_fn_custom) return this._scale_fn_custom(x);
    if (this.mode === 'triangular') return 1.0;
    if (this.mode === 'triangular2') return 1 / pow(2.0, x - 1);
    return pow(this.gamma, x);
  }

  override get_lr(): number[] {
    this.warnGetLr();
    const cycle = Math.floor(1 + this.last_epoch / this.total_size);
    const x = 1.0 + this.last_epoch / this.total_size - cycle;
    const scale_factor = x <= this.step_ratio ? x / this.step_ratio : (x - 1) / (this.step_ratio - 1);
    const arg = this.scale_mode === 'cycle' ? cycle : this.last_epoch;
    const lrs = this.base_lrs.map((base_lr, i) => {
      const base_height = (this.max_lrs[i]! - base_lr) * scale_factor;
      return base_lr + base_height * this.scale_fn(arg);
    });
    if (this.cycle_momentum) {
      const momentums = this.base_momentums.map((base_momentum, i) => {
        const max_momentum = this.max_momentums[i]!;
        const base_height = (max_momentum - base_momentum) * scale_factor;
        return max_momentum - base_height * this.scale_fn(arg);
      });
      groupsOf(this.optimizer).forEach((g, i) => (g.momentum = momentums[i]));
    }
    return lrs;
  }
}

export interface OneCycleLROptions {
  max_lr?: number | number[];
  total_steps?: number | null;
  epochs?: number | null;
  steps_per_epoch?: number | null;
  pct_start?: number;
  anneal_strategy?: 'cos' | 'linear';
  cycle_momentum?: boolean;
  base_momentum?: number | number[];
  max_momentum?: number | number[];
  div_factor?: number;
  final_div_factor?: number;
  three_phase?: boolean;
  last_epoch?: number;
  verbose?: boolean;
}

interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

/** The 1cycle policy (Smith & Topin): warm up to max_lr, then anneal far below the initial lr. */
export class OneCycleLR extends LRScheduler {
  declare total_steps: number;
  declare _schedule_phases: Phase[];
  /** 'cos' or 'linear' (PyTorch 2.x keeps the strategy under this name; 1.13 pickled the method). */
  declare _anneal_func_type: 'cos' | 'linear';
  declare cycle_momentum: boolean;
  declare use_beta1: boolean;

  constructor(
    optimizer: Optimizer,
    ...args: Args<
      [
        max_lr: number | number[], total_steps: number | null, epochs: number | null, steps_per_epoch: number | null, pct_start: number,
        anneal_strategy: 'cos' | 'linear', cycle_momentum: boolean, base_momentum: number | number[], max_momentum: number | number[],
        div_factor: number, final_div_factor: number, three_phase: boolean, last_epoch: number, verbose: boolean,
      ],
      OneCycleLROptions
    >
  ) {
    const options = parseArgs<OneCycleLROptions>('OneCycleLR', args, [
      'max_lr', 'total_steps', 'epochs', 'steps_per_epoch', 'pct_start', 'anneal_strategy', 'cycle_momentum', 'base_momentum',
      'max_momentum', 'div_factor', 'final_div_factor', 'three_phase', 'last_epoch', 'verbose',
    ]);
    const max_lr = need('OneCycleLR', 'max_lr', options.max_lr);
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${(optimizer as object)?.constructor?.name} is not an Optimizer`);
    const fields: Record<string, unknown> = {};
    const { total_steps, epochs, steps_per_epoch } = options;
    let total: number;
    if ((total_steps ?? null) === null && (epochs ?? null) === null && (steps_per_epoch ?? null) === null) {
      throw new Error('ValueError: You must define either total_steps OR (epochs AND steps_per_epoch)');
    } else if (total_steps !== undefined && total_steps !== null) {
      if (total_steps <= 0 || !Number.isInteger(total_steps)) throw new Error(`ValueError: Expected positive integer total_steps, but got ${total_steps}`);
      total = total_steps;
    } else {
      if (!epochs || epochs <= 0 || !Number.isInteger(epochs)) throw new Error(`ValueError: Expected positive integer epochs, but got ${epochs}`);
      if (!steps_per_epoch || steps_per_epoch <= 0 || !Number.isInteger(steps_per_epoch)) {
        throw new Error(`ValueError: Expected positive integer steps_per_epoch, but got ${steps_per_epoch}`);
      }
      total = epochs * steps_per_epoch;
    }
    fields.total_steps = total;
    const pct_start = options.pct_start ?? 0.3;
    fields._schedule_phases = options.three_phase
      ? [
          { end_step: pct_start * total - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
          { end_step: 2 * pct_start * total - 2, start_lr: 'max_lr', end_lr: 'initial_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
          { end_step: total - 1, start_lr: 'initial_lr', end_lr: 'min_lr', start_momentum: 'max_momentum', end_momentum: 'max_momentum' },
        ]
      : [
          { end_step: pct_start * total - 1, start_lr: 'initial_lr', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
          { end_step: total - 1, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
        ];
    if (pct_start < 0 || pct_start > 1) throw new Error(`ValueError: Expected float between 0 and 1 pct_start, but got ${pct_start}`);
    const strategy = options.anneal_strategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') {
      throw new Error(`ValueError: anneal_strategy must by one of 'cos' or 'linear', instead got ${strategy as string}`);
    }
    fields._anneal_func_type = strategy;
    const last_epoch = options.last_epoch ?? -1;
    const max_lrs = formatParam('max_lr', optimizer, max_lr);
    const div_factor = options.div_factor ?? 25.0;
    const final_div_factor = options.final_div_factor ?? 1e4;
    if (last_epoch === -1) {
      groupsOf(optimizer).forEach((group, idx) => {
        group.initial_lr = max_lrs[idx]! / div_factor;
        group.max_lr = max_lrs[idx];
        group.min_lr = (group.initial_lr as number) / final_div_factor;
      });
    }
    const cycle_momentum = options.cycle_momentum ?? true;
    fields.cycle_momentum = cycle_momentum;
    if (cycle_momentum) {
      if (!('momentum' in optimizer.defaults) && !('betas' in optimizer.defaults)) {
        throw new Error('ValueError: optimizer must support momentum with `cycle_momentum` option enabled');
      }
      const use_beta1 = 'betas' in optimizer.defaults;
      fields.use_beta1 = use_beta1;
      const max_momentums = formatParam('max_momentum', optimizer, options.max_momentum ?? 0.95);
      const base_momentums = formatParam('base_momentum', optimizer, options.base_momentum ?? 0.85);
      if (last_epoch === -1) {
        groupsOf(optimizer).forEach((group, i) => {
          if (use_beta1) group.betas = [max_momentums[i], ...(group.betas as number[]).slice(1)];
          else group.momentum = max_momentums[i];
          group.max_momentum = max_momentums[i];
          group.base_momentum = base_momentums[i];
        });
      }
    }
    super(optimizer, last_epoch, options.verbose ?? false, { fields });
  }

  anneal_func(start: number, end: number, pct: number): number {
    if (this._anneal_func_type === 'linear') return (end - start) * pct + start;
    const cos_out = cos(Math.PI * pct) + 1;
    return end + ((start - end) / 2.0) * cos_out;
  }

  override get_lr(): number[] {
    this.warnGetLr();
    const lrs: number[] = [];
    const step_num = this.last_epoch;
    if (step_num > this.total_steps) {
      throw new Error(`ValueError: Tried to step ${step_num + 1} times. The specified number of total steps is ${this.total_steps}`);
    }
    for (const group of groupsOf(this.optimizer)) {
      let start_step = 0;
      let computed_lr = 0;
      let computed_momentum = 0;
      const phases = this._schedule_phases;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i]!;
        const end_step = phase.end_step;
        if (step_num <= end_step || i === phases.length - 1) {
          const pct = (step_num - start_step) / (end_step - start_step);
          computed_lr = this.anneal_func(group[phase.start_lr] as number, group[phase.end_lr] as number, pct);
          if (this.cycle_momentum) {
            computed_momentum = this.anneal_func(group[phase.start_momentum] as number, group[phase.end_momentum] as number, pct);
          }
          break;
        }
        start_step = phase.end_step;
      }
      lrs.push(computed_lr);
      if (this.cycle_momentum) {
        if (this.use_beta1) group.betas = [computed_momentum, ...(group.betas as number[]).slice(1)];
        else group.momentum = computed_momentum;
      }
    }
    return lrs;
  }
}

export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  threshold_mode?: 'rel' | 'abs';
  cooldown?: number;
  min_lr?: number | number[];
  eps?: number;
  verbose?: boolean;
}

/** Reduces the lr by factor when a metric has stopped improving for patience epochs. */
export class ReduceLROnPlateau {
  declare optimizer: Optimizer;
  declare factor: number;
  declare min_lrs: number[];
  declare patience: number;
  declare verbose: boolean;
  declare cooldown: number;
  declare cooldown_counter: number;
  declare mode: 'min' | 'max';
  declare threshold: number;
  declare threshold_mode: 'rel' | 'abs';
  declare best: number;
  declare num_bad_epochs: number;
  declare mode_worse: number;
  declare eps: number;
  declare last_epoch: number;
  declare _last_lr: number[];

  constructor(
    optimizer: Optimizer,
    ...args: Args<
      [
        mode: 'min' | 'max', factor: number, patience: number, threshold: number, threshold_mode: 'rel' | 'abs', cooldown: number,
        min_lr: number | number[], eps: number, verbose: boolean,
      ],
      ReduceLROnPlateauOptions
    >
  ) {
    const options = parseArgs<ReduceLROnPlateauOptions>('ReduceLROnPlateau', args, [
      'mode', 'factor', 'patience', 'threshold', 'threshold_mode', 'cooldown', 'min_lr', 'eps', 'verbose',
    ]);
    const factor = options.factor ?? 0.1;
    if (factor >= 1.0) throw new Error('ValueError: Factor should be < 1.0.');
    this.factor = factor;
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${(optimizer as object)?.constructor?.name} is not an Optimizer`);
    Object.defineProperty(this, 'optimizer', { value: optimizer, writable: true, enumerable: false, configurable: true });
    const min_lr = options.min_lr ?? 0;
    if (Array.isArray(min_lr)) {
      if (min_lr.length !== optimizer.param_groups.length) {
        throw new Error(`ValueError: expected ${optimizer.param_groups.length} min_lrs, got ${min_lr.length}`);
      }
      this.min_lrs = [...min_lr];
    } else {
      this.min_lrs = optimizer.param_groups.map(() => min_lr);
    }
    this.patience = options.patience ?? 10;
    this.verbose = options.verbose ?? false;
    this.cooldown = options.cooldown ?? 0;
    this.cooldown_counter = 0;
    this.mode = options.mode ?? 'min';
    this.threshold = options.threshold ?? 1e-4;
    this.threshold_mode = options.threshold_mode ?? 'rel';
    this.best = NaN;
    this.num_bad_epochs = 0;
    this.mode_worse = NaN;
    this.eps = options.eps ?? 1e-8;
    this.last_epoch = 0;
    this._init_is_better(this.mode, this.threshold, this.threshold_mode);
    this._reset();
  }

  private _reset(): void {
    this.best = this.mode_worse;
    this.cooldown_counter = 0;
    this.num_bad_epochs = 0;
  }

  /** One epoch's metric (a number or a one-element tensor, e.g. the validation loss). */
  step(metrics: number | Tensor, epoch?: number): void {
    const current = typeof metrics === 'number' ? metrics : metrics.item();
    if (epoch === undefined || epoch === null) epoch = this.last_epoch + 1;
    else warnOnce(EPOCH_DEPRECATION_WARNING);
    this.last_epoch = epoch;
    if (this.is_better(current, this.best)) {
      this.best = current;
      this.num_bad_epochs = 0;
    } else {
      this.num_bad_epochs += 1;
    }
    if (this.in_cooldown) {
      this.cooldown_counter -= 1;
      this.num_bad_epochs = 0;
    }
    if (this.num_bad_epochs > this.patience) {
      this._reduce_lr(epoch);
      this.cooldown_counter = this.cooldown;
      this.num_bad_epochs = 0;
    }
    this._last_lr = groupsOf(this.optimizer).map((g) => g.lr);
  }

  private _reduce_lr(epoch: number): void {
    groupsOf(this.optimizer).forEach((param_group, i) => {
      const old_lr = Number(param_group.lr);
      const new_lr = pyMax(old_lr * this.factor, this.min_lrs[i]!);
      if (old_lr - new_lr > this.eps) {
        param_group.lr = new_lr;
        if (this.verbose) console.log(`Epoch ${formatEpoch(epoch)}: reducing learning rate of group ${i} to ${formatLr(new_lr)}.`);
      }
    });
  }

  get in_cooldown(): boolean {
    return this.cooldown_counter > 0;
  }

  is_better(a: number, best: number): boolean {
    if (this.mode === 'min' && this.threshold_mode === 'rel') return a < best * (1.0 - this.threshold);
    if (this.mode === 'min' && this.threshold_mode === 'abs') return a < best - this.threshold;
    if (this.mode === 'max' && this.threshold_mode === 'rel') return a > best * (this.threshold + 1.0);
    return a > best + this.threshold;
  }

  private _init_is_better(mode: string, threshold: number, threshold_mode: string): void {
    if (mode !== 'min' && mode !== 'max') throw new Error(`ValueError: mode ${mode} is unknown!`);
    if (threshold_mode !== 'rel' && threshold_mode !== 'abs') throw new Error(`ValueError: threshold mode ${threshold_mode} is unknown!`);
    this.mode_worse = mode === 'min' ? Infinity : -Infinity;
    this.mode = mode;
    this.threshold = threshold;
    this.threshold_mode = threshold_mode;
  }

  get_last_lr(): number[] {
    return [...this._last_lr];
  }

  state_dict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer' && typeof v !== 'function') out[k] = copyValue(v);
    return out;
  }

  load_state_dict(state_dict: SchedulerStateDict | Map<string, unknown>): void {
    for (const [k, v] of entriesOf(state_dict)) if (k !== 'optimizer') (this as unknown as Record<string, unknown>)[k] = copyValue(v);
    this._init_is_better(this.mode, this.threshold, this.threshold_mode);
  }
}

export interface SequentialLROptions extends SchedulerOptions {
  schedulers?: LRScheduler[];
  milestones?: number[];
}

/** Runs schedulers one after another, switching at the milestones. */
export class SequentialLR extends LRScheduler {
  declare _schedulers: LRScheduler[];
  declare _milestones: number[];

  constructor(
    optimizer: Optimizer,
    ...args: Args<[schedulers: LRScheduler[], milestones: number[], last_epoch: number, verbose: boolean], SequentialLROptions>
  ) {
    const o = parseArgs<SequentialLROptions>('SequentialLR', args, ['schedulers', 'milestones', 'last_epoch', 'verbose']);
    const schedulers = need('SequentialLR', 'schedulers', o.schedulers);
    const milestones = need('SequentialLR', 'milestones', o.milestones);
    const last_epoch = o.last_epoch ?? -1;
    const verbose = o.verbose ?? false;
    for (let i = 0; i < schedulers.length; i++) {
      if (schedulers[i]!.optimizer !== optimizer) {
        throw new Error(
          `ValueError: Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`,
        );
      }
      if (schedulers[i]!.optimizer !== schedulers[0]!.optimizer) {
        throw new Error(
          `ValueError: Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different.`,
        );
      }
    }
    if (milestones.length !== schedulers.length - 1) {
      throw new Error(
        `ValueError: Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    // Python's SequentialLR never calls the base __init__: only these attributes.
    super(optimizer, last_epoch, verbose, { manual: true });
    this._schedulers = schedulers;
    this._milestones = milestones;
    this.last_epoch = last_epoch + 1;
    for (const group of groupsOf(optimizer)) group.lr = group.initial_lr as number;
    for (const s of schedulers) s.last_epoch -= 1;
    schedulers[0]!._initial_step();
    this._last_lr = schedulers[0]!.get_last_lr();
  }

  override step(): void {
    this.last_epoch += 1;
    const idx = bisectRight(this._milestones, this.last_epoch);
    const scheduler = this._schedulers[idx]!;
    if (idx > 0 && this._milestones[idx - 1] === this.last_epoch) scheduler.step(0);
    else scheduler.step();
    this._last_lr = scheduler.get_last_lr();
  }

  override state_dict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (k !== '_schedulers' && typeof v !== 'function') out[k] = copyValue(v);
    out._schedulers = this._schedulers.map((s) => s.state_dict());
    return out;
  }

  override load_state_dict(state_dict: SchedulerStateDict | Map<string, unknown>): void {
    const entries = entriesOf(state_dict);
    for (const [k, v] of entries) if (k !== '_schedulers' && k !== 'optimizer') (this as unknown as Record<string, unknown>)[k] = copyValue(v);
    const saved = entries.find(([k]) => k === '_schedulers')?.[1] as unknown[] | undefined;
    saved?.forEach((s, i) => this._schedulers[i]!.load_state_dict(s as SchedulerStateDict));
  }
}

/** Steps several schedulers together each epoch (their factors multiply). */
export class ChainedScheduler extends LRScheduler {
  declare _schedulers: LRScheduler[];

  constructor(schedulers: LRScheduler[]) {
    for (let i = 1; i < schedulers.length; i++) {
      if (schedulers[i]!.optimizer !== schedulers[0]!.optimizer) {
        throw new Error(
          `ValueError: ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`,
        );
      }
    }
    super(schedulers[0]!.optimizer, -1, false, { manual: true });
    this._schedulers = [...schedulers];
    this._last_lr = groupsOf(this._schedulers[this._schedulers.length - 1]!.optimizer).map((g) => g.lr);
  }

  override step(): void {
    for (const s of this._schedulers) s.step();
    this._last_lr = groupsOf(this._schedulers[this._schedulers.length - 1]!.optimizer).map((g) => g.lr);
  }

  override state_dict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (k !== '_schedulers' && typeof v !== 'function') out[k] = copyValue(v);
    out._schedulers = this._schedulers.map((s) => s.state_dict());
    return out;
  }

  override load_state_dict(state_dict: SchedulerStateDict | Map<string, unknown>): void {
    const entries = entriesOf(state_dict);
    for (const [k, v] of entries) if (k !== '_schedulers' && k !== 'optimizer') (this as unknown as Record<string, unknown>)[k] = copyValue(v);
    const saved = entries.find(([k]) => k === '_schedulers')?.[1] as unknown[] | undefined;
    saved?.forEach((s, i) => this._schedulers[i]!.load_state_dict(s as SchedulerStateDict));
  }
}
