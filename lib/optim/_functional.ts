// The update rules of torch/optim/*.py (1.13), op for op: _single_tensor_*
// (the default, foreach=false) and _multi_tensor_* (foreach=true, through
// libtorch's _foreach ops, which on CPU run the same per-tensor kernels).
// Every op and every Python-float computation is the one PyTorch performs, in
// the same order, so parameters come out bit-identical; the powers of Python
// floats go through _math.ts (glibc's pow, as Python's).
//
// All run under no_grad (the optimizer's step sets it). Temporaries are
// disposed before returning; new state tensors (SGD's momentum buffer) are
// persisted, so they outlive the caller's torch.scope().
//
// Python's foreach ops with a list of scalars (Scalar[]) are not reachable
// through the bridge yet (it converts no Scalar[] argument); where a list
// holds one value for all tensors the .Scalar overload is called, else the
// per-tensor op, which is what the CPU foreach kernels run anyway.
import { op, wrap, type Op } from '../bridge.js';
import { releaseSoon } from '../memory.js';
import { HANDLE, native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { powStep, pow as pyPow } from './_math.js';
import { persist } from './optimizer.js';

const O = {
  neg: op('neg'),
  add: op('add', 'Tensor'), add_: op('add_', 'Tensor'), addS: op('add', 'Scalar'), addS_: op('add_', 'Scalar'),
  mul: op('mul', 'Tensor'), mul_: op('mul_', 'Tensor'), mulS: op('mul', 'Scalar'), mulS_: op('mul_', 'Scalar'),
  divS: op('div', 'Scalar'), div_: op('div_', 'Tensor'),
  addcmul_: op('addcmul_'), addcmul: op('addcmul'), addcdiv_: op('addcdiv_'),
  sqrt: op('sqrt'), sqrt_: op('sqrt_'), abs: op('abs'), reciprocal: op('reciprocal'),
  maximumOut: op('maximum', 'out'), clone: op('clone'), cat: op('cat'),
  unsqueeze: op('unsqueeze'), unsqueeze_: op('unsqueeze_'), amaxOut: op('amax', 'out'), maxDimOut: op('max', 'dim_max'),
  emptyLike: op('empty_like'), onesLike: op('ones_like'), empty: op('empty', 'memory_format'),
} as const;

const F = {
  neg: op('_foreach_neg'),
  add_List_: op('_foreach_add_', 'List'), add_Scalar_: op('_foreach_add_', 'Scalar'),
  add_List: op('_foreach_add', 'List'), add_Scalar: op('_foreach_add', 'Scalar'),
  mul_Scalar_: op('_foreach_mul_', 'Scalar'), mul_List_: op('_foreach_mul_', 'List'),
  mul_Scalar: op('_foreach_mul', 'Scalar'), mul_List: op('_foreach_mul', 'List'),
  div_Scalar_: op('_foreach_div_', 'Scalar'), div_List_: op('_foreach_div_', 'List'),
  div_Scalar: op('_foreach_div', 'Scalar'), div_List: op('_foreach_div', 'List'),
  addcmul_Scalar_: op('_foreach_addcmul_', 'Scalar'), addcmul_Scalar: op('_foreach_addcmul', 'Scalar'),
  addcdiv_Scalar_: op('_foreach_addcdiv_', 'Scalar'),
  sqrt: op('_foreach_sqrt'), sqrt_: op('_foreach_sqrt_'),
  maximum_List_: op('_foreach_maximum_', 'List'),
} as const;

function item(t: Tensor): number {
  const v = native.item(t);
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/** Python's `base ** step` for a float step (an integer value almost always): glibc's pow, from a table. */
function powOfStep(base: number, step: number): number {
  return Number.isInteger(step) && step >= 0 ? powStep(base, step) : pyPow(base, step);
}

function disposeList(ts: readonly Tensor[] | null | undefined): void {
  if (ts) for (const t of ts) t.dispose();
}

/** torch._foreach_<op>_(tensors..., scalars) with Python's list of scalars. */
function foreachScalarList_(foreachScalar: Op, single: Op, lists: Tensor[][], scalars: readonly number[]): void {
  if (scalars.length === 0) return;
  const s0 = scalars[0]!;
  if (scalars.every((s) => s === s0 || (Number.isNaN(s) && Number.isNaN(s0)))) {
    foreachScalar.call(...lists, s0);
    return;
  }
  for (let i = 0; i < scalars.length; i++) single.call(...lists.map((l) => l[i]), scalars[i]);
}

/** torch._foreach_<op>(tensors, scalars) returning new tensors, with Python's list of scalars. */
function foreachScalarList(foreachScalar: Op, single: Op, list: Tensor[], scalars: readonly number[]): Tensor[] {
  const s0 = scalars[0]!;
  if (scalars.every((s) => s === s0)) return foreachScalar.call(list, s0) as Tensor[];
  return list.map((t, i) => single.t(t, scalars[i]));
}

// ---- SGD ------------------------------------------------------------------------------------
//
// SGD is the optimizer of the training-step benchmark, so it works on tensor
// handles: the gradients come in as handle numbers (native.grad), temporaries
// are released as soon as they are used, and no JS Tensor object is made per
// gradient (each would be tracked by the caller's scope and released there).

/** A Tensor, or a tensor handle number owned by the caller. */
export type TensorRef = Tensor | number;

function h(t: TensorRef): number {
  return typeof t === 'number' ? t : t[HANDLE];
}

export interface SGDArgs {
  weight_decay: number;
  momentum: number;
  lr: number;
  dampening: number;
  nesterov: boolean;
  maximize: boolean;
}

/** A new state tensor from a fresh handle: owned by the optimizer, never by an open scope. */
function stateTensor(handle: number): Tensor {
  return persist(wrap(handle));
}

export function _single_tensor_sgd(params: TensorRef[], d_p_list: TensorRef[], momentum_buffer_list: (Tensor | null)[], a: SGDArgs): void {
  const { weight_decay, momentum, lr, dampening, nesterov, maximize } = a;
  for (let i = 0; i < params.length; i++) {
    const param = h(params[i]!);
    let d_p = h(d_p_list[i]!);
    let t1 = -1;
    let t2 = -1;
    let t3 = -1;
    if (maximize) d_p = t1 = O.neg.h(1, d_p);
    if (weight_decay !== 0) d_p = t2 = O.add.h(3, d_p, param, weight_decay);
    if (momentum !== 0) {
      let buf = momentum_buffer_list[i] ?? null;
      if (buf === null) {
        // torch.clone(d_p).detach(): under no_grad the clone has no history already.
        buf = stateTensor(O.clone.h(1, d_p));
        momentum_buffer_list[i] = buf;
      } else {
        O.mulS_.h(1, buf[HANDLE], momentum);
        O.add_.h(3, buf[HANDLE], d_p, 1 - dampening);
      }
      if (nesterov) d_p = t3 = O.add.h(3, d_p, buf[HANDLE], momentum);
      else d_p = buf[HANDLE];
    }
    O.add_.h(3, param, d_p, -lr);
    if (t1 >= 0) releaseSoon(t1);
    if (t2 >= 0) releaseSoon(t2);
    if (t3 >= 0) releaseSoon(t3);
  }
}

export function _multi_tensor_sgd(params: TensorRef[], grads: TensorRef[], momentum_buffer_list: (Tensor | null)[], a: SGDArgs): void {
  if (params.length === 0) return;
  const { weight_decay, momentum, lr, dampening, nesterov, maximize } = a;
  // Tensor lists take objects holding a handle: the params themselves, bare ones for the gradients.
  const ps = params.map(asRef);
  let gs = grads.map(asRef);
  const temps: Tensor[][] = [];
  if (maximize) temps.push((gs = F.neg.call(gs) as Tensor[]));
  if (weight_decay !== 0) temps.push((gs = F.add_List.call(gs, ps, weight_decay) as Tensor[]));
  if (momentum !== 0) {
    let bufs: Tensor[];
    if (momentum_buffer_list.every((b) => b !== null && b !== undefined)) {
      bufs = momentum_buffer_list as Tensor[];
      F.mul_Scalar_.call(bufs, momentum);
      F.add_List_.call(bufs, gs, 1 - dampening);
    } else {
      bufs = [];
      for (let i = 0; i < momentum_buffer_list.length; i++) {
        let buf = momentum_buffer_list[i] ?? null;
        if (buf === null) {
          buf = momentum_buffer_list[i] = stateTensor(O.clone.h(1, gs[i]![HANDLE]));
        } else {
          O.mulS_.h(1, buf[HANDLE], momentum);
          O.add_.h(3, buf[HANDLE], gs[i]![HANDLE], 1 - dampening);
        }
        bufs.push(buf);
      }
    }
    // As PyTorch 1.13: with nesterov and neither maximize nor weight_decay, this adds into p.grad itself.
    if (nesterov) F.add_List_.call(gs, bufs, momentum);
    else gs = bufs;
  }
  F.add_List_.call(ps, gs, -lr);
  for (const t of temps) disposeList(t);
}

/** A Tensor as is; a handle number as a bare object holding it (what Tensor-list arguments take). */
function asRef(t: TensorRef): Tensor {
  return typeof t === 'number' ? ({ [HANDLE]: t } as unknown as Tensor) : t;
}

// ---- Adam / AdamW ---------------------------------------------------------------------------

export interface AdamArgs {
  amsgrad: boolean;
  beta1: number;
  beta2: number;
  lr: number;
  weight_decay: number;
  eps: number;
  maximize: boolean;
}

export function _single_tensor_adam(
  params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_avg_sqs: Tensor[], max_exp_avg_sqs: Tensor[], state_steps: Tensor[], a: AdamArgs,
): void {
  const { amsgrad, beta1, beta2, lr, weight_decay, eps, maximize } = a;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    let grad = grads[i]!;
    let tNeg: Tensor | null = null;
    let tWd: Tensor | null = null;
    if (maximize) grad = tNeg = O.neg.t(grad);
    const exp_avg = exp_avgs[i]!;
    const exp_avg_sq = exp_avg_sqs[i]!;
    const step_t = state_steps[i]!;
    O.addS_.call(step_t, 1);
    if (weight_decay !== 0) grad = tWd = O.add.t(grad, param, weight_decay);
    O.mulS_.call(exp_avg, beta1);
    O.add_.call(exp_avg, grad, 1 - beta1);
    O.mulS_.call(exp_avg_sq, beta2);
    O.addcmul_.call(exp_avg_sq, grad, grad, 1 - beta2); // grad.conj() is grad for real tensors
    const step = item(step_t);
    const bias_correction1 = 1 - powOfStep(beta1, step);
    const bias_correction2 = 1 - powOfStep(beta2, step);
    const step_size = lr / bias_correction1;
    const bias_correction2_sqrt = Math.sqrt(bias_correction2);
    let s: Tensor;
    if (amsgrad) {
      O.maximumOut.call(max_exp_avg_sqs[i]!, exp_avg_sq, max_exp_avg_sqs[i]!);
      s = O.sqrt.t(max_exp_avg_sqs[i]!);
    } else {
      s = O.sqrt.t(exp_avg_sq);
    }
    const denom = O.divS.t(s, bias_correction2_sqrt);
    O.addS_.call(denom, eps);
    O.addcdiv_.call(param, exp_avg, denom, -step_size);
    s.dispose();
    denom.dispose();
    if (tNeg !== null) tNeg.dispose();
    if (tWd !== null) tWd.dispose();
  }
}

/** _multi_tensor_adam and _multi_tensor_adamw (decoupled: AdamW's weight decay). */
function multiTensorAdamLike(
  params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_avg_sqs: Tensor[], max_exp_avg_sqs: Tensor[], state_steps: Tensor[],
  a: AdamArgs, decoupled: boolean,
): void {
  if (params.length === 0) return;
  const { amsgrad, beta1, beta2, lr, weight_decay, eps, maximize } = a;
  const temps: Tensor[][] = [];
  if (maximize) temps.push((grads = F.neg.call(grads) as Tensor[]));
  F.add_Scalar_.call(state_steps, 1);
  if (decoupled) F.mul_Scalar_.call(params, 1 - lr * weight_decay);
  else if (weight_decay !== 0) F.add_List_.call(grads, params, weight_decay);
  F.mul_Scalar_.call(exp_avgs, beta1);
  F.add_List_.call(exp_avgs, grads, 1 - beta1);
  F.mul_Scalar_.call(exp_avg_sqs, beta2);
  F.addcmul_Scalar_.call(exp_avg_sqs, grads, grads, 1 - beta2);
  const steps = state_steps.map(item);
  const bias_correction1 = steps.map((s) => 1 - powOfStep(beta1, s));
  const bias_correction2 = steps.map((s) => 1 - powOfStep(beta2, s));
  const step_size = bias_correction1.map((bc) => (lr / bc) * -1);
  const bias_correction2_sqrt = bias_correction2.map((bc) => Math.sqrt(bc));
  const sq = F.sqrt.call(amsgrad ? (F.maximum_List_.call(max_exp_avg_sqs, exp_avg_sqs), max_exp_avg_sqs) : exp_avg_sqs) as Tensor[];
  foreachScalarList_(F.div_Scalar_, op('div_', 'Scalar'), [sq], bias_correction2_sqrt);
  const denom = F.add_Scalar.call(sq, eps) as Tensor[];
  foreachScalarList_(F.addcdiv_Scalar_, O.addcdiv_, [params, exp_avgs, denom], step_size);
  disposeList(sq);
  disposeList(denom);
  for (const t of temps) disposeList(t);
}

export function _multi_tensor_adam(
  params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_avg_sqs: Tensor[], max_exp_avg_sqs: Tensor[], state_steps: Tensor[], a: AdamArgs,
): void {
  multiTensorAdamLike(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, a, false);
}

export function _single_tensor_adamw(
  params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_avg_sqs: Tensor[], max_exp_avg_sqs: Tensor[], state_steps: Tensor[], a: AdamArgs,
): void {
  const { amsgrad, beta1, beta2, lr, weight_decay, eps, maximize } = a;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    let grad = grads[i]!;
    let tNeg: Tensor | null = null;
    if (maximize) grad = tNeg = O.neg.t(grad);
    const exp_avg = exp_avgs[i]!;
    const exp_avg_sq = exp_avg_sqs[i]!;
    const step_t = state_steps[i]!;
    O.addS_.call(step_t, 1);
    O.mulS_.call(param, 1 - lr * weight_decay);
    O.mulS_.call(exp_avg, beta1);
    O.add_.call(exp_avg, grad, 1 - beta1);
    O.mulS_.call(exp_avg_sq, beta2);
    O.addcmul_.call(exp_avg_sq, grad, grad, 1 - beta2);
    const step = item(step_t);
    const bias_correction1 = 1 - powOfStep(beta1, step);
    const bias_correction2 = 1 - powOfStep(beta2, step);
    const step_size = lr / bias_correction1;
    const bias_correction2_sqrt = Math.sqrt(bias_correction2);
    let s: Tensor;
    if (amsgrad) {
      O.maximumOut.call(max_exp_avg_sqs[i]!, exp_avg_sq, max_exp_avg_sqs[i]!);
      s = O.sqrt.t(max_exp_avg_sqs[i]!);
    } else {
      s = O.sqrt.t(exp_avg_sq);
    }
    const denom = O.divS.t(s, bias_correction2_sqrt);
    O.addS_.call(denom, eps);
    O.addcdiv_.call(param, exp_avg, denom, -step_size);
    s.dispose();
    denom.dispose();
    if (tNeg !== null) tNeg.dispose();
  }
}

export function _multi_tensor_adamw(
  params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_avg_sqs: Tensor[], max_exp_avg_sqs: Tensor[], state_steps: Tensor[], a: AdamArgs,
): void {
  multiTensorAdamLike(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, a, true);
}

// ---- RMSprop --------------------------------------------------------------------------------

export interface RMSpropArgs {
  lr: number;
  alpha: number;
  eps: number;
  weight_decay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export function _single_tensor_rmsprop(
  params: Tensor[], grads: Tensor[], square_avgs: Tensor[], grad_avgs: Tensor[], momentum_buffer_list: Tensor[], a: RMSpropArgs,
): void {
  const { lr, alpha, eps, weight_decay, momentum, centered, maximize } = a;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    let grad = grads[i]!;
    const temps: Tensor[] = [];
    if (maximize) temps.push((grad = O.neg.t(grad)));
    const square_avg = square_avgs[i]!;
    if (weight_decay !== 0) temps.push((grad = O.add.t(grad, param, weight_decay)));
    O.mulS_.call(square_avg, alpha);
    O.addcmul_.call(square_avg, grad, grad, 1 - alpha);
    let avg: Tensor;
    if (centered) {
      const grad_avg = grad_avgs[i]!;
      O.mulS_.call(grad_avg, alpha);
      O.add_.call(grad_avg, grad, 1 - alpha);
      avg = O.addcmul.t(square_avg, grad_avg, grad_avg, -1);
      O.sqrt_.call(avg);
    } else {
      avg = O.sqrt.t(square_avg);
    }
    O.addS_.call(avg, eps);
    if (momentum > 0) {
      const buf = momentum_buffer_list[i]!;
      O.mulS_.call(buf, momentum);
      O.addcdiv_.call(buf, grad, avg, 1);
      O.add_.call(param, buf, -lr);
    } else {
      O.addcdiv_.call(param, grad, avg, -lr);
    }
    avg.dispose();
    disposeList(temps);
  }
}

export function _multi_tensor_rmsprop(
  params: Tensor[], grads: Tensor[], square_avgs: Tensor[], grad_avgs: Tensor[], momentum_buffer_list: Tensor[], a: RMSpropArgs,
): void {
  if (params.length === 0) return;
  const { lr, alpha, eps, weight_decay, momentum, centered, maximize } = a;
  const temps: Tensor[][] = [];
  if (maximize) temps.push((grads = F.neg.call(grads) as Tensor[]));
  if (weight_decay !== 0) F.add_List_.call(grads, params, weight_decay);
  F.mul_Scalar_.call(square_avgs, alpha);
  F.addcmul_Scalar_.call(square_avgs, grads, grads, 1 - alpha);
  let avg: Tensor[];
  if (centered) {
    F.mul_Scalar_.call(grad_avgs, alpha);
    F.add_List_.call(grad_avgs, grads, 1 - alpha);
    avg = F.addcmul_Scalar.call(square_avgs, grad_avgs, grad_avgs, -1) as Tensor[];
    F.sqrt_.call(avg);
    F.add_Scalar_.call(avg, eps);
  } else {
    avg = F.sqrt.call(square_avgs) as Tensor[];
    F.add_Scalar_.call(avg, eps);
  }
  if (momentum > 0) {
    F.mul_Scalar_.call(momentum_buffer_list, momentum);
    F.addcdiv_Scalar_.call(momentum_buffer_list, grads, avg, 1);
    F.add_List_.call(params, momentum_buffer_list, -lr);
  } else {
    F.addcdiv_Scalar_.call(params, grads, avg, -lr);
  }
  disposeList(avg);
  for (const t of temps) disposeList(t);
}

// ---- Adagrad --------------------------------------------------------------------------------

export interface AdagradArgs {
  lr: number;
  weight_decay: number;
  lr_decay: number;
  eps: number;
  maximize: boolean;
}

export function _single_tensor_adagrad(params: Tensor[], grads: Tensor[], state_sums: Tensor[], state_steps: Tensor[], a: AdagradArgs): void {
  const { lr, weight_decay, lr_decay, eps, maximize } = a;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    let grad = grads[i]!;
    const state_sum = state_sums[i]!;
    const step_t = state_steps[i]!;
    const temps: Tensor[] = [];
    O.addS_.call(step_t, 1);
    const step = item(step_t);
    if (maximize) temps.push((grad = O.neg.t(grad)));
    if (weight_decay !== 0) temps.push((grad = O.add.t(grad, param, weight_decay)));
    const clr = lr / (1 + (step - 1) * lr_decay);
    O.addcmul_.call(state_sum, grad, grad, 1);
    const std = O.sqrt.t(state_sum);
    O.addS_.call(std, eps);
    O.addcdiv_.call(param, grad, std, -clr);
    std.dispose();
    disposeList(temps);
  }
}

export function _multi_tensor_adagrad(params: Tensor[], grads: Tensor[], state_sums: Tensor[], state_steps: Tensor[], a: AdagradArgs): void {
  if (params.length === 0) return;
  const { lr, weight_decay, lr_decay, eps, maximize } = a;
  const temps: Tensor[][] = [];
  if (maximize) temps.push((grads = F.neg.call(grads) as Tensor[]));
  F.add_Scalar_.call(state_steps, 1);
  if (weight_decay !== 0) F.add_List_.call(grads, params, weight_decay);
  // minus_clr = [-lr / (1 + (step - 1) * lr_decay) for step in state_steps]: step is a tensor here, so
  // this is float32 tensor arithmetic: ((step - 1) * lr_decay + 1).reciprocal() * -lr (Python's __rtruediv__).
  const minus_clr = state_steps.map((step) => {
    const a1 = O.addS.t(step, -1, 1);
    const a2 = O.mulS.t(a1, lr_decay);
    const a3 = O.addS.t(a2, 1, 1);
    const r = O.reciprocal.t(a3);
    const out = O.mulS.t(r, -lr);
    for (const t of [a1, a2, a3, r]) t.dispose();
    return out;
  });
  F.addcmul_Scalar_.call(state_sums, grads, grads, 1);
  const sq = F.sqrt.call(state_sums) as Tensor[];
  const std = F.add_Scalar.call(sq, eps) as Tensor[];
  const scaled = F.mul_List.call(grads, minus_clr) as Tensor[];
  const toAdd = F.div_List.call(scaled, std) as Tensor[];
  F.add_List_.call(params, toAdd, 1);
  for (const l of [minus_clr, sq, std, scaled, toAdd]) disposeList(l);
  for (const t of temps) disposeList(t);
}

// ---- Adadelta -------------------------------------------------------------------------------

export interface AdadeltaArgs {
  lr: number;
  rho: number;
  eps: number;
  weight_decay: number;
  maximize: boolean;
}

export function _single_tensor_adadelta(params: Tensor[], grads: Tensor[], square_avgs: Tensor[], acc_deltas: Tensor[], a: AdadeltaArgs): void {
  const { lr, rho, eps, weight_decay, maximize } = a;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    let grad = grads[i]!;
    const square_avg = square_avgs[i]!;
    const acc_delta = acc_deltas[i]!;
    const temps: Tensor[] = [];
    if (maximize) temps.push((grad = O.neg.t(grad)));
    if (weight_decay !== 0) temps.push((grad = O.add.t(grad, param, weight_decay)));
    O.mulS_.call(square_avg, rho);
    O.addcmul_.call(square_avg, grad, grad, 1 - rho);
    const std = O.addS.t(square_avg, eps, 1);
    O.sqrt_.call(std);
    const delta = O.addS.t(acc_delta, eps, 1);
    O.sqrt_.call(delta);
    O.div_.call(delta, std);
    O.mul_.call(delta, grad);
    O.mulS_.call(acc_delta, rho);
    O.addcmul_.call(acc_delta, delta, delta, 1 - rho);
    O.add_.call(param, delta, -lr);
    std.dispose();
    delta.dispose();
    disposeList(temps);
  }
}

export function _multi_tensor_adadelta(params: Tensor[], grads: Tensor[], square_avgs: Tensor[], acc_deltas: Tensor[], a: AdadeltaArgs): void {
  if (params.length === 0) return;
  const { lr, rho, eps, weight_decay, maximize } = a;
  const temps: Tensor[][] = [];
  if (maximize) temps.push((grads = F.neg.call(grads) as Tensor[]));
  if (weight_decay !== 0) F.add_List_.call(grads, params, weight_decay);
  F.mul_Scalar_.call(square_avgs, rho);
  F.addcmul_Scalar_.call(square_avgs, grads, grads, 1 - rho);
  const std = F.add_Scalar.call(square_avgs, eps) as Tensor[];
  F.sqrt_.call(std);
  const deltas = F.add_Scalar.call(acc_deltas, eps) as Tensor[];
  F.sqrt_.call(deltas);
  F.div_List_.call(deltas, std);
  F.mul_List_.call(deltas, grads);
  F.add_List_.call(params, deltas, -lr);
  F.mul_Scalar_.call(acc_deltas, rho);
  F.addcmul_Scalar_.call(acc_deltas, deltas, deltas, 1 - rho);
  disposeList(std);
  disposeList(deltas);
  for (const t of temps) disposeList(t);
}

// ---- Adamax ---------------------------------------------------------------------------------

export interface AdamaxArgs {
  eps: number;
  beta1: number;
  beta2: number;
  lr: number;
  weight_decay: number;
  maximize: boolean;
}

export function _single_tensor_adamax(params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_infs: Tensor[], state_steps: Tensor[], a: AdamaxArgs): void {
  const { eps, beta1, beta2, lr, weight_decay, maximize } = a;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    let grad = grads[i]!;
    const temps: Tensor[] = [];
    if (maximize) temps.push((grad = O.neg.t(grad)));
    const exp_avg = exp_avgs[i]!;
    const exp_inf = exp_infs[i]!;
    const step_t = state_steps[i]!;
    O.addS_.call(step_t, 1);
    const step = item(step_t);
    if (weight_decay !== 0) temps.push((grad = O.add.t(grad, param, weight_decay)));
    O.mulS_.call(exp_avg, beta1);
    O.add_.call(exp_avg, grad, 1 - beta1);
    O.mulS_.call(exp_inf, beta2);
    const u1 = O.unsqueeze.t(exp_inf, 0);
    const g = O.abs.t(grad);
    O.addS_.call(g, eps);
    O.unsqueeze_.call(g, 0);
    const norm_buf = O.cat.t([u1, g], 0);
    O.amaxOut.call(norm_buf, [0], false, exp_inf);
    const bias_correction = 1 - powOfStep(beta1, step);
    const clr = lr / bias_correction;
    O.addcdiv_.call(param, exp_avg, exp_inf, -clr);
    for (const t of [u1, g, norm_buf]) t.dispose();
    disposeList(temps);
  }
}

export function _multi_tensor_adamax(params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_infs: Tensor[], state_steps: Tensor[], a: AdamaxArgs): void {
  if (params.length === 0) return;
  const { eps, beta1, beta2, lr, weight_decay, maximize } = a;
  const temps: Tensor[][] = [];
  if (maximize) temps.push((grads = F.neg.call(grads) as Tensor[]));
  F.add_Scalar_.call(state_steps, 1);
  if (weight_decay !== 0) F.add_List_.call(grads, params, weight_decay);
  F.mul_Scalar_.call(exp_avgs, beta1);
  F.add_List_.call(exp_avgs, grads, 1 - beta1);
  F.mul_Scalar_.call(exp_infs, beta2);
  for (let i = 0; i < exp_infs.length; i++) {
    const exp_inf = exp_infs[i]!;
    const u1 = O.unsqueeze.t(exp_inf, 0);
    const g = O.abs.t(grads[i]!);
    O.addS_.call(g, eps);
    O.unsqueeze_.call(g, 0);
    const norm_buf = O.cat.t([u1, g], 0);
    // torch.max(norm_buf, 0, keepdim=False, out=(exp_inf, exp_inf.new().long()))
    const idx = O.empty.t([0], 'int64');
    O.maxDimOut.call(norm_buf, 0, false, exp_inf, idx);
    for (const t of [u1, g, norm_buf, idx]) t.dispose();
  }
  const bias_corrections = state_steps.map((s) => 1 - powOfStep(beta1, item(s)));
  const clr = bias_corrections.map((bc) => -1 * (lr / bc));
  foreachScalarList_(F.addcdiv_Scalar_, O.addcdiv_, [params, exp_avgs, exp_infs], clr);
  for (const t of temps) disposeList(t);
}

// ---- NAdam ----------------------------------------------------------------------------------

export interface NAdamArgs {
  beta1: number;
  beta2: number;
  lr: number;
  weight_decay: number;
  momentum_decay: number;
  eps: number;
}

export function _single_tensor_nadam(
  params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_avg_sqs: Tensor[], mu_products: Tensor[], state_steps: Tensor[], a: NAdamArgs,
): void {
  const { beta1, beta2, lr, weight_decay, momentum_decay, eps } = a;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    let grad = grads[i]!;
    let tWd: Tensor | null = null;
    const exp_avg = exp_avgs[i]!;
    const exp_avg_sq = exp_avg_sqs[i]!;
    const mu_product = mu_products[i]!;
    const step_t = state_steps[i]!;
    O.addS_.call(step_t, 1);
    const step = item(step_t);
    const bias_correction2 = 1 - powOfStep(beta2, step);
    if (weight_decay !== 0) grad = tWd = O.add.t(grad, param, weight_decay);
    const mu = beta1 * (1 - 0.5 * nadamPow(step, momentum_decay));
    const mu_next = beta1 * (1 - 0.5 * nadamPow(step + 1, momentum_decay));
    O.mulS_.call(mu_product, mu);
    const mp1 = O.mulS.t(mu_product, mu);
    const mu_product_next = O.mulS.t(mp1, mu_next);
    O.mulS_.call(exp_avg, beta1);
    O.add_.call(exp_avg, grad, 1 - beta1);
    O.mulS_.call(exp_avg_sq, beta2);
    O.addcmul_.call(exp_avg_sq, grad, grad, 1 - beta2);
    const d1 = O.divS.t(exp_avg_sq, bias_correction2);
    const denom = O.sqrt.t(d1);
    O.addS_.call(denom, eps);
    O.addcdiv_.call(param, grad, denom, (-lr * (1 - mu)) / (1 - item(mu_product)));
    O.addcdiv_.call(param, exp_avg, denom, (-lr * mu_next) / (1 - item(mu_product_next)));
    for (const t of [mp1, mu_product_next, d1, denom]) t.dispose();
    if (tWd !== null) tWd.dispose();
  }
}

/** 0.96 ** (step * momentum_decay), step a float holding an integer. */
function nadamPow(step: number, momentum_decay: number): number {
  return Number.isInteger(step) && step >= 0 ? powStep(0.96, step, momentum_decay) : pyPow(0.96, step * momentum_decay);
}

export function _multi_tensor_nadam(
  params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_avg_sqs: Tensor[], mu_products: Tensor[], state_steps: Tensor[], a: NAdamArgs,
): void {
  if (params.length === 0) return;
  const { beta1, beta2, lr, weight_decay, momentum_decay, eps } = a;
  F.add_Scalar_.call(state_steps, 1);
  const steps = state_steps.map(item);
  const bias_correction2 = steps.map((s) => 1 - powOfStep(beta2, s));
  const mus = steps.map((s) => beta1 * (1 - 0.5 * nadamPow(s, momentum_decay)));
  const mu_nexts = steps.map((s) => beta1 * (1 - 0.5 * nadamPow(s + 1, momentum_decay)));
  foreachScalarList_(F.mul_Scalar_, O.mulS_, [mu_products], mus);
  if (weight_decay !== 0) F.add_List_.call(grads, params, weight_decay);
  F.mul_Scalar_.call(exp_avgs, beta1);
  F.add_List_.call(exp_avgs, grads, 1 - beta1);
  F.mul_Scalar_.call(exp_avg_sqs, beta2);
  F.addcmul_Scalar_.call(exp_avg_sqs, grads, grads, 1 - beta2);
  const exp_avg_sq_sqrt = F.sqrt.call(exp_avg_sqs) as Tensor[];
  const bias_correction_sqrt = bias_correction2.map((bc) => Math.sqrt(bc));
  foreachScalarList_(F.div_Scalar_, op('div_', 'Scalar'), [exp_avg_sq_sqrt], bias_correction_sqrt);
  const denom = F.add_Scalar.call(exp_avg_sq_sqrt, eps) as Tensor[];
  const mps = mu_products.map(item);
  const step_size_grads = mps.map((mp, i) => ((lr * (1 - mus[i]!)) / (1 - mp)) * -1);
  const step_size_expavg = mps.map((mp, i) => ((lr * mu_nexts[i]!) / (1 - mp * mu_nexts[i]!)) * -1);
  foreachScalarList_(F.addcdiv_Scalar_, O.addcdiv_, [params, grads, denom], step_size_grads);
  foreachScalarList_(F.addcdiv_Scalar_, O.addcdiv_, [params, exp_avgs, denom], step_size_expavg);
  disposeList(exp_avg_sq_sqrt);
  disposeList(denom);
}

// ---- RAdam ----------------------------------------------------------------------------------

export interface RAdamArgs {
  beta1: number;
  beta2: number;
  lr: number;
  weight_decay: number;
  eps: number;
}

export function _single_tensor_radam(params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_avg_sqs: Tensor[], state_steps: Tensor[], a: RAdamArgs): void {
  const { beta1, beta2, lr, weight_decay, eps } = a;
  for (let i = 0; i < params.length; i++) {
    const param = params[i]!;
    let grad = grads[i]!;
    let tWd: Tensor | null = null;
    const exp_avg = exp_avgs[i]!;
    const exp_avg_sq = exp_avg_sqs[i]!;
    const step_t = state_steps[i]!;
    O.addS_.call(step_t, 1);
    const step = item(step_t);
    const bias_correction1 = 1 - powOfStep(beta1, step);
    const bias_correction2 = 1 - powOfStep(beta2, step);
    if (weight_decay !== 0) grad = tWd = O.add.t(grad, param, weight_decay);
    O.mulS_.call(exp_avg, beta1);
    O.add_.call(exp_avg, grad, 1 - beta1);
    O.mulS_.call(exp_avg_sq, beta2);
    O.addcmul_.call(exp_avg_sq, grad, grad, 1 - beta2);
    const bias_corrected_exp_avg = O.divS.t(exp_avg, bias_correction1);
    const rho_inf = 2 / (1 - beta2) - 1;
    const rho_t = rho_inf - (2 * step * powOfStep(beta2, step)) / bias_correction2;
    const temps: Tensor[] = [bias_corrected_exp_avg];
    if (rho_t > 5) {
      const rect = Math.sqrt(((rho_t - 4) * (rho_t - 2) * rho_inf) / ((rho_inf - 4) * (rho_inf - 2) * rho_t));
      // math.sqrt(bias_correction2) / exp_avg_sq.sqrt().add_(eps): Python's float / tensor is tensor.reciprocal() * float.
      const s = O.sqrt.t(exp_avg_sq);
      O.addS_.call(s, eps);
      const r = O.reciprocal.t(s);
      const adaptive_lr = O.mulS.t(r, Math.sqrt(bias_correction2));
      const u1 = O.mulS.t(bias_corrected_exp_avg, lr);
      const u2 = O.mul.t(u1, adaptive_lr);
      const u3 = O.mulS.t(u2, rect);
      O.add_.call(param, u3, -1.0);
      temps.push(s, r, adaptive_lr, u1, u2, u3);
    } else {
      const u1 = O.mulS.t(bias_corrected_exp_avg, lr);
      O.add_.call(param, u1, -1.0);
      temps.push(u1);
    }
    disposeList(temps);
    if (tWd !== null) tWd.dispose();
  }
}

export function _multi_tensor_radam(params: Tensor[], grads: Tensor[], exp_avgs: Tensor[], exp_avg_sqs: Tensor[], state_steps: Tensor[], a: RAdamArgs): void {
  if (params.length === 0) return;
  const { beta1, beta2, lr, weight_decay, eps: _eps } = a;
  F.add_Scalar_.call(state_steps, 1);
  const steps = state_steps.map(item);
  const rho_inf = 2 / (1 - beta2) - 1;
  const rho_t_list = steps.map((s) => rho_inf - (2 * s * powOfStep(beta2, s)) / (1 - powOfStep(beta2, s)));
  const bias_correction1 = steps.map((s) => 1 - powOfStep(beta1, s));
  const bias_correction2 = steps.map((s) => 1 - powOfStep(beta2, s));
  if (weight_decay !== 0) F.add_List_.call(grads, params, weight_decay);
  F.mul_Scalar_.call(exp_avgs, beta1);
  F.add_List_.call(exp_avgs, grads, 1 - beta1);
  F.mul_Scalar_.call(exp_avg_sqs, beta2);
  F.addcmul_Scalar_.call(exp_avg_sqs, grads, grads, 1 - beta2);
  const rect = rho_t_list.map((rho_t) =>
    rho_t > 5 ? Math.sqrt(((rho_t - 4) * (rho_t - 2) * rho_inf) / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0,
  );
  const unrectified = rect.map((r) => (r > 0 ? 0 : 1.0));
  const exp_avg_sq_sqrt = F.sqrt.call(exp_avg_sqs) as Tensor[];
  const bias_correction_sqrt = bias_correction2.map((bc) => Math.sqrt(bc));
  const denom = foreachScalarList(F.div_Scalar, O.divS, exp_avg_sq_sqrt, bias_correction_sqrt);
  const step_size = rect.map((r, i) => ((lr * r) / bias_correction1[i]!) * -1);
  foreachScalarList_(F.addcdiv_Scalar_, O.addcdiv_, [params, exp_avgs, denom], step_size);
  const ones = exp_avgs.map((e) => O.onesLike.t(e));
  const step_size2 = unrectified.map((r, i) => ((lr * r) / bias_correction1[i]!) * -1);
  foreachScalarList_(F.addcdiv_Scalar_, O.addcdiv_, [params, exp_avgs, ones], step_size2);
  for (const l of [exp_avg_sq_sqrt, denom, ones]) disposeList(l);
}
