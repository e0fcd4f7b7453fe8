// torch.optim.LBFGS (torch/optim/lbfgs.py, 1.13), with the strong-Wolfe line
// search. PyTorch's LBFGS mixes Python floats and 0-dim float32 tensors (ys,
// ro, H_diag, t, gtd ...) and lets Python's operators decide which is which;
// the Py helpers below do the same (float op float in doubles, anything with a
// tensor as the tensor op Python would call), so the iterates, and the state
// (tensors where Python has tensors), come out identical.
import { enable_grad } from '../autograd/grad_mode.js';
import { op } from '../bridge.js';
import { keep, scope } from '../memory.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { type Args, parseArgs } from './_args.js';
import { Optimizer, persist, type ParamGroup, type ParamsT } from './optimizer.js';
import { pow as pyPow } from './_math.js';

const O = {
  addT: op('add', 'Tensor'), addS: op('add', 'Scalar'), add_: op('add_', 'Tensor'),
  subT: op('sub', 'Tensor'), subS: op('sub', 'Scalar'), rsubS: op('rsub', 'Scalar'),
  mulT: op('mul', 'Tensor'), mulS: op('mul', 'Scalar'), divT: op('div', 'Tensor'), divS: op('div', 'Scalar'),
  neg: op('neg'), abs: op('abs'), sqrt: op('sqrt'), reciprocal: op('reciprocal'), powS: op('pow', 'Tensor_Scalar'),
  gtT: op('gt', 'Tensor'), gtS: op('gt', 'Scalar'), ltT: op('lt', 'Tensor'), ltS: op('lt', 'Scalar'),
  geT: op('ge', 'Tensor'), geS: op('ge', 'Scalar'), leT: op('le', 'Tensor'), leS: op('le', 'Scalar'),
  dot: op('dot'), max: op('max'), sum: op('sum'), cat: op('cat'), view: op('view'), reshape: op('reshape'),
  clone: op('clone'), copy_: op('copy_'), zeros: op('zeros'), slice: op('slice', 'Tensor'), mul: op('mul', 'Tensor'),
} as const;

/** A Python number or a 0-dim tensor, as LBFGS's locals are. */
type Num = number | Tensor;

function isT(v: Num): v is Tensor {
  return v instanceof Tensor;
}
function scalarOf(v: Num): number {
  if (!isT(v)) return v;
  const x = native.item(v);
  return typeof x === 'bigint' ? Number(x) : (x as number);
}

/** Python's a + b. */
function add(a: Num, b: Num): Num {
  if (!isT(a) && !isT(b)) return a + b;
  if (isT(a)) return isT(b) ? O.addT.t(a, b) : O.addS.t(a, b);
  return O.addS.t(b as Tensor, a); // float + tensor: tensor.__radd__
}
/** Python's a - b. */
function sub(a: Num, b: Num): Num {
  if (!isT(a) && !isT(b)) return a - b;
  if (isT(a)) return isT(b) ? O.subT.t(a, b) : O.subS.t(a, b);
  return O.rsubS.t(b as Tensor, a); // float - tensor: tensor.__rsub__
}
/** Python's a * b. */
function mul(a: Num, b: Num): Num {
  if (!isT(a) && !isT(b)) return a * b;
  if (isT(a)) return isT(b) ? O.mulT.t(a, b) : O.mulS.t(a, b);
  return O.mulS.t(b as Tensor, a);
}
/** Python's a / b (float / tensor is tensor.reciprocal() * float, as torch's __rtruediv__). */
function div(a: Num, b: Num): Num {
  if (!isT(a) && !isT(b)) {
    if (b === 0) throw new Error('ZeroDivisionError: float division by zero');
    return a / b;
  }
  if (isT(a)) return isT(b) ? O.divT.t(a, b) : O.divS.t(a, b);
  const r = O.reciprocal.t(b as Tensor);
  return O.mulS.t(r, a);
}
function neg(a: Num): Num {
  return isT(a) ? O.neg.t(a) : -a;
}
function absN(a: Num): Num {
  return isT(a) ? O.abs.t(a) : Math.abs(a);
}
type Cmp = 'gt' | 'lt' | 'ge' | 'le';
const FLIP: Record<Cmp, Cmp> = { gt: 'lt', lt: 'gt', ge: 'le', le: 'ge' };
/** Python's a > b etc.; with a tensor, the tensor comparison (reflected when the tensor is on the right). */
function cmp(a: Num, c: Cmp, b: Num): boolean {
  if (!isT(a) && !isT(b)) {
    return c === 'gt' ? a > b : c === 'lt' ? a < b : c === 'ge' ? a >= b : a <= b;
  }
  if (!isT(a)) return cmp(b, FLIP[c], a);
  const opT = { gt: O.gtT, lt: O.ltT, ge: O.geT, le: O.leT }[c];
  const opS = { gt: O.gtS, lt: O.ltS, ge: O.geS, le: O.leS }[c];
  const r = isT(b) ? opT.t(a, b) : opS.t(a, b);
  return Boolean(native.item(r));
}
/** Python's max(a, b): a unless b > a. */
function maxN(a: Num, b: Num): Num {
  return cmp(b, 'gt', a) ? b : a;
}
/** Python's min(a, b): a unless b < a. */
function minN(a: Num, b: Num): Num {
  return cmp(b, 'lt', a) ? b : a;
}

function cubicInterpolate(x1: Num, f1: Num, g1: Num, x2: Num, f2: Num, g2: Num, bounds?: [Num, Num]): Num {
  let xmin_bound: Num, xmax_bound: Num;
  if (bounds !== undefined) [xmin_bound, xmax_bound] = bounds;
  else [xmin_bound, xmax_bound] = cmp(x1, 'le', x2) ? [x1, x2] : [x2, x1];
  const d1 = sub(add(g1, g2), div(mul(3, sub(f1, f2)), sub(x1, x2)));
  const d2_square = sub(isT(d1) ? O.powS.t(d1, 2) : pyPow(d1, 2), mul(g1, g2));
  if (cmp(d2_square, 'ge', 0)) {
    const d2 = isT(d2_square) ? O.sqrt.t(d2_square) : Math.sqrt(d2_square);
    let min_pos: Num;
    if (cmp(x1, 'le', x2)) {
      min_pos = sub(x2, mul(sub(x2, x1), div(sub(add(g2, d2), d1), add(sub(g2, g1), mul(2, d2)))));
    } else {
      min_pos = sub(x1, mul(sub(x1, x2), div(sub(add(g1, d2), d1), add(sub(g1, g2), mul(2, d2)))));
    }
    return minN(maxN(min_pos, xmin_bound), xmax_bound);
  }
  return div(add(xmin_bound, xmax_bound), 2);
}

type ObjFunc = (x: Tensor[], t: Num, d: Tensor) => [number, Tensor];

function strongWolfe(
  obj_func: ObjFunc, x: Tensor[], t: Num, d: Tensor, f: number, g: Tensor, gtd: Num,
  c1 = 1e-4, c2 = 0.9, tolerance_change = 1e-9, max_ls = 25,
): [number, Tensor, Num, number] {
  const absD = O.abs.t(d);
  const d_norm = O.max.t(absD);
  g = O.clone.t(g, 'contiguous_format');
  let [f_new, g_new] = obj_func(x, t, d);
  let ls_func_evals = 1;
  let gtd_new: Num = O.dot.t(g_new, d);

  let t_prev: Num = 0, f_prev: number = f, g_prev: Tensor = g, gtd_prev: Num = gtd;
  let done = false;
  let ls_iter = 0;
  let bracket: Num[] = [];
  let bracket_f: number[] = [];
  let bracket_g: Tensor[] = [];
  let bracket_gtd: Num[] = [];
  while (ls_iter < max_ls) {
    if (cmp(f_new, 'gt', add(f, mul(mul(c1, t), gtd))) || (ls_iter > 1 && f_new >= f_prev)) {
      bracket = [t_prev, t];
      bracket_f = [f_prev, f_new];
      bracket_g = [g_prev, O.clone.t(g_new, 'contiguous_format')];
      bracket_gtd = [gtd_prev, gtd_new];
      break;
    }
    if (cmp(absN(gtd_new), 'le', mul(-c2, gtd))) {
      bracket = [t];
      bracket_f = [f_new];
      bracket_g = [g_new];
      done = true;
      break;
    }
    if (cmp(gtd_new, 'ge', 0)) {
      bracket = [t_prev, t];
      bracket_f = [f_prev, f_new];
      bracket_g = [g_prev, O.clone.t(g_new, 'contiguous_format')];
      bracket_gtd = [gtd_prev, gtd_new];
      break;
    }
    const min_step = add(t, mul(0.01, sub(t, t_prev)));
    const max_step = mul(t, 10);
    const tmp = t;
    t = cubicInterpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, [min_step, max_step]);
    t_prev = tmp;
    f_prev = f_new;
    g_prev = O.clone.t(g_new, 'contiguous_format');
    gtd_prev = gtd_new;
    [f_new, g_new] = obj_func(x, t, d);
    ls_func_evals += 1;
    gtd_new = O.dot.t(g_new, d);
    ls_iter += 1;
  }
  if (ls_iter === max_ls) {
    bracket = [0, t];
    bracket_f = [f, f_new];
    bracket_g = [g, g_new];
  }

  let insuf_progress = false;
  let [low_pos, high_pos] = bracket_f[0]! <= bracket_f[bracket_f.length - 1]! ? [0, 1] : [1, 0];
  const bmax = (): Num => maxN(bracket[0]!, bracket[1]!);
  const bmin = (): Num => minN(bracket[0]!, bracket[1]!);
  while (!done && ls_iter < max_ls) {
    if (cmp(mul(absN(sub(bracket[1]!, bracket[0]!)), d_norm), 'lt', tolerance_change)) break;
    t = cubicInterpolate(bracket[0]!, bracket_f[0]!, bracket_gtd[0]!, bracket[1]!, bracket_f[1]!, bracket_gtd[1]!);
    const eps = mul(0.1, sub(bmax(), bmin()));
    if (cmp(minN(sub(bmax(), t), sub(t, bmin())), 'lt', eps)) {
      if (insuf_progress || cmp(t, 'ge', bmax()) || cmp(t, 'le', bmin())) {
        if (cmp(absN(sub(t, bmax())), 'lt', absN(sub(t, bmin())))) t = sub(bmax(), eps);
        else t = add(bmin(), eps);
        insuf_progress = false;
      } else {
        insuf_progress = true;
      }
    } else {
      insuf_progress = false;
    }
    [f_new, g_new] = obj_func(x, t, d);
    ls_func_evals += 1;
    gtd_new = O.dot.t(g_new, d);
    ls_iter += 1;
    if (cmp(f_new, 'gt', add(f, mul(mul(c1, t), gtd))) || f_new >= bracket_f[low_pos]!) {
      bracket[high_pos] = t;
      bracket_f[high_pos] = f_new;
      bracket_g[high_pos] = O.clone.t(g_new, 'contiguous_format');
      bracket_gtd[high_pos] = gtd_new;
      [low_pos, high_pos] = bracket_f[0]! <= bracket_f[1]! ? [0, 1] : [1, 0];
    } else {
      if (cmp(absN(gtd_new), 'le', mul(-c2, gtd))) {
        done = true;
      } else if (cmp(mul(gtd_new, sub(bracket[high_pos]!, bracket[low_pos]!)), 'ge', 0)) {
        bracket[high_pos] = bracket[low_pos]!;
        bracket_f[high_pos] = bracket_f[low_pos]!;
        bracket_g[high_pos] = bracket_g[low_pos]!;
        bracket_gtd[high_pos] = bracket_gtd[low_pos]!;
      }
      bracket[low_pos] = t;
      bracket_f[low_pos] = f_new;
      bracket_g[low_pos] = O.clone.t(g_new, 'contiguous_format');
      bracket_gtd[low_pos] = gtd_new;
    }
  }
  t = bracket[low_pos]!;
  return [bracket_f[low_pos]!, bracket_g[low_pos]!, t, ls_func_evals];
}

export interface LBFGSOptions {
  lr?: number;
  max_iter?: number;
  max_eval?: number | null;
  tolerance_grad?: number;
  tolerance_change?: number;
  history_size?: number;
  line_search_fn?: 'strong_wolfe' | null;
}

export interface LBFGSParamGroup extends ParamGroup {
  lr: number;
  max_iter: number;
  max_eval: number;
  tolerance_grad: number;
  tolerance_change: number;
  history_size: number;
  line_search_fn: 'strong_wolfe' | null;
}

/** LBFGS's state, kept on its first parameter (as Python's self.state[self._params[0]]). */
export interface LBFGSState {
  [key: string]: unknown;
  func_evals?: number;
  n_iter?: number;
  d?: Tensor;
  t?: Num;
  old_dirs?: Tensor[];
  old_stps?: Tensor[];
  ro?: Tensor[];
  H_diag?: Num;
  prev_flat_grad?: Tensor;
  prev_loss?: number;
  al?: (Tensor | null)[];
}

/**
 * L-BFGS (heavily inspired by minFunc). step(closure) needs a closure that
 * clears the gradients, computes the loss, calls backward() and returns it.
 * One param group only; all parameters are viewed as one flat vector.
 */
export class LBFGS extends Optimizer<LBFGSParamGroup, Record<string, never>> {
  private readonly _params: Tensor[];
  private _numel_cache: number | null = null;

  constructor(params: ParamsT<LBFGSOptions>, ...args: Args<[lr: number, max_iter: number, max_eval: number | null, tolerance_grad: number, tolerance_change: number, history_size: number, line_search_fn: 'strong_wolfe' | null], LBFGSOptions>) {
    const options = parseArgs<LBFGSOptions>('LBFGS', args, ['lr', 'max_iter', 'max_eval', 'tolerance_grad', 'tolerance_change', 'history_size', 'line_search_fn'], []);
    const max_iter = options.max_iter ?? 20;
    const max_eval = options.max_eval ?? Math.floor((max_iter * 5) / 4);
    super(params, {
      lr: options.lr ?? 1, max_iter, max_eval, tolerance_grad: options.tolerance_grad ?? 1e-7,
      tolerance_change: options.tolerance_change ?? 1e-9, history_size: options.history_size ?? 100,
      line_search_fn: options.line_search_fn ?? null,
    });
    if (this.param_groups.length !== 1) throw new Error("ValueError: LBFGS doesn't support per-parameter options (parameter groups)");
    this._params = this.param_groups[0]!.params;
  }

  private get lbfgsState(): LBFGSState {
    return this.stateOf(this._params[0]!) as unknown as LBFGSState;
  }

  private _numel(): number {
    if (this._numel_cache === null) this._numel_cache = this._params.reduce((total, p) => total + p.numel(), 0);
    return this._numel_cache;
  }

  private _gather_flat_grad(): Tensor {
    const views: Tensor[] = [];
    for (const p of this._params) {
      const g = p.grad;
      if (g === null) views.push(O.zeros.t([p.numel()], native.dtype(p)));
      else views.push(O.view.t(g, [-1]));
    }
    return O.cat.t(views, 0);
  }

  private _add_grad(step_size: Num, update: Tensor): void {
    let offset = 0;
    const alpha = scalarOf(step_size);
    for (const p of this._params) {
      const numel = p.numel();
      const piece = O.slice.t(update, 0, offset, offset + numel, 1);
      const v = O.view.t(piece, p.shape);
      O.add_.call(p, v, alpha);
      offset += numel;
    }
    if (offset !== this._numel()) throw new Error('AssertionError');
  }

  private _clone_param(): Tensor[] {
    return this._params.map((p) => O.clone.t(p, 'contiguous_format'));
  }

  private _set_param(params_data: Tensor[]): void {
    this._params.forEach((p, i) => O.copy_.call(p, params_data[i]!, false));
  }

  private _directional_evaluate(closure: () => Tensor | number, x: Tensor[], t: Num, d: Tensor): [number, Tensor] {
    this._add_grad(t, d);
    const loss = toFloat(closure());
    const flat_grad = this._gather_flat_grad();
    this._set_param(x);
    return [loss, flat_grad];
  }

  /** Runs up to max_iter L-BFGS iterations; returns the closure's first loss. */
  step(closure?: () => Tensor | number): Tensor | number | null {
    if (closure === undefined) throw new TypeError("LBFGS.step() missing 1 required positional argument: 'closure'");
    const userClosure = closure;
    const gradClosure = (): Tensor | number => enable_grad(userClosure);
    const group = this.param_groups[0]!;
    const oldState = this.state.get(this._params[0]!) as LBFGSState | undefined;
    // The state's tensors before this step: those it no longer holds afterwards are freed.
    const oldTensors = new Set<Tensor>();
    collectTensors(oldState, oldTensors);
    const prev = native.isGradEnabled();
    native.setGradEnabled(false);
    try {
      return scope(() => {
        const result = this.run(gradClosure, group);
        if (result instanceof Tensor) keep(result);
        return result;
      });
    } finally {
      native.setGradEnabled(prev);
      // Persisted state tensors survive the scope; old ones the state no longer holds are freed.
      const now = new Set<Tensor>();
      collectTensors(this.state.get(this._params[0]!), now);
      for (const t of oldTensors) if (!now.has(t)) t.dispose();
    }
  }

  private run(closure: () => Tensor | number, group: LBFGSParamGroup): Tensor | number {
    const { lr, max_iter, max_eval, tolerance_grad, tolerance_change, line_search_fn, history_size } = group;
    const state = this.lbfgsState;
    state.func_evals ??= 0;
    state.n_iter ??= 0;

    const orig_loss = closure();
    let loss = toFloat(orig_loss);
    let current_evals = 1;
    state.func_evals += 1;

    let flat_grad = this._gather_flat_grad();
    let opt_cond = cmp(O.max.t(O.abs.t(flat_grad)), 'le', tolerance_grad);
    if (opt_cond) return orig_loss;

    let d = state.d;
    let t = state.t;
    let old_dirs = state.old_dirs;
    let old_stps = state.old_stps;
    let ro = state.ro;
    let H_diag = state.H_diag;
    let prev_flat_grad = state.prev_flat_grad;
    let prev_loss = state.prev_loss;

    let n_iter = 0;
    while (n_iter < max_iter) {
      n_iter += 1;
      state.n_iter += 1;
      if (state.n_iter === 1) {
        d = O.neg.t(flat_grad);
        old_dirs = [];
        old_stps = [];
        ro = [];
        H_diag = 1;
      } else {
        const y = O.subT.t(flat_grad, prev_flat_grad!);
        const s = mul(d!, t!) as Tensor;
        const ys = O.dot.t(y, s);
        if (cmp(ys, 'gt', 1e-10)) {
          if (old_dirs!.length === history_size) {
            old_dirs!.shift();
            old_stps!.shift();
            ro!.shift();
          }
          old_dirs!.push(y);
          old_stps!.push(s);
          ro!.push(div(1, ys) as Tensor);
          H_diag = div(ys, O.dot.t(y, y));
        }
        const num_old = old_dirs!.length;
        if (state.al === undefined) state.al = new Array<Tensor | null>(history_size).fill(null);
        const al = state.al;
        const q = O.neg.t(flat_grad);
        for (let i = num_old - 1; i >= 0; i--) {
          al[i] = O.mulT.t(O.dot.t(old_stps![i]!, q), ro![i]!);
          O.add_.call(q, old_dirs![i]!, scalarOf(neg(al[i]!)));
        }
        const r = isT(H_diag!) ? O.mul.t(q, H_diag) : O.mulS.t(q, H_diag!);
        d = r;
        for (let i = 0; i < num_old; i++) {
          const be_i = O.mulT.t(O.dot.t(old_dirs![i]!, r), ro![i]!);
          O.add_.call(r, old_stps![i]!, scalarOf(sub(al[i]!, be_i)));
        }
      }
      if (prev_flat_grad === undefined) prev_flat_grad = O.clone.t(flat_grad, 'contiguous_format');
      else O.copy_.call(prev_flat_grad, flat_grad, false);
      prev_loss = loss;

      if (state.n_iter === 1) t = mul(minN(1.0, div(1.0, O.sum.t(O.abs.t(flat_grad)))), lr);
      else t = lr;

      const gtd = O.dot.t(flat_grad, d!);
      if (cmp(gtd, 'gt', -tolerance_change)) break;

      let ls_func_evals = 0;
      if (line_search_fn !== null && line_search_fn !== undefined) {
        if (line_search_fn !== 'strong_wolfe') throw new Error("RuntimeError: only 'strong_wolfe' is supported");
        const x_init = this._clone_param();
        const obj_func: ObjFunc = (x, tt, dd) => this._directional_evaluate(closure, x, tt, dd);
        [loss, flat_grad, t, ls_func_evals] = strongWolfe(obj_func, x_init, t, d!, loss, flat_grad, gtd);
        this._add_grad(t, d!);
        opt_cond = cmp(O.max.t(O.abs.t(flat_grad)), 'le', tolerance_grad);
      } else {
        this._add_grad(t, d!);
        if (n_iter !== max_iter) {
          loss = toFloat(enable_grad(closure));
          flat_grad = this._gather_flat_grad();
          opt_cond = cmp(O.max.t(O.abs.t(flat_grad)), 'le', tolerance_grad);
          ls_func_evals = 1;
        }
      }
      current_evals += ls_func_evals;
      state.func_evals += ls_func_evals;

      if (n_iter === max_iter) break;
      if (current_evals >= max_eval) break;
      if (opt_cond) break;
      if (cmp(O.max.t(O.abs.t(mul(d!, t) as Tensor)), 'le', tolerance_change)) break;
      if (Math.abs(loss - prev_loss) < tolerance_change) break;
    }

    state.d = d;
    state.t = t;
    state.old_dirs = old_dirs;
    state.old_stps = old_stps;
    state.ro = ro;
    state.H_diag = H_diag;
    state.prev_flat_grad = prev_flat_grad;
    state.prev_loss = prev_loss;
    // What the state holds outlives this step's scope (everything else made in it is freed).
    const moved = new Map<Tensor, Tensor>();
    const own = (v: unknown): unknown => {
      if (v instanceof Tensor) {
        let p = moved.get(v);
        if (p === undefined) moved.set(v, (p = persist(v)));
        return p;
      }
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) v[i] = own(v[i]);
      }
      return v;
    };
    for (const k of Object.keys(state)) state[k] = own(state[k]);
    return orig_loss;
  }
}

function toFloat(v: Tensor | number): number {
  return typeof v === 'number' ? v : scalarOf(v);
}

function collectTensors(v: unknown, out: Set<Tensor>): void {
  if (v instanceof Tensor) out.add(v);
  else if (Array.isArray(v)) for (const x of v) collectTensors(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) collectTensors(x, out);
}
