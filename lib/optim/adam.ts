// torch.optim.Adam and torch.optim.AdamW (torch/optim/adam.py, adamw.py, 1.13).
import { no_grad } from '../autograd/grad_mode.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { _multi_tensor_adam, _multi_tensor_adamw, _single_tensor_adam, _single_tensor_adamw } from './_functional.js';
import { scalarTensor, zerosLike } from './_init.js';
import { type Args, parseArgs } from './_args.js';
import { Optimizer, persist, type ParamGroup, type ParamsT } from './optimizer.js';
import { op } from '../bridge.js';

const SCALAR_TENSOR = op('scalar_tensor');

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weight_decay?: number;
  amsgrad?: boolean;
  foreach?: boolean | null;
  maximize?: boolean;
  capturable?: boolean;
  differentiable?: boolean;
  fused?: boolean;
}

export type AdamWOptions = Omit<AdamOptions, 'differentiable' | 'fused'>;

export interface AdamParamGroup extends ParamGroup {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  amsgrad: boolean;
  maximize: boolean;
  foreach: boolean | null;
  capturable: boolean;
  differentiable?: boolean;
  fused?: boolean;
}

export interface AdamState {
  [key: string]: Tensor | undefined;
  step?: Tensor;
  exp_avg?: Tensor;
  exp_avg_sq?: Tensor;
  max_exp_avg_sq?: Tensor;
}

export function checkAdamOptions(lr: number, eps: number, betas: readonly number[], weight_decay: number): void {
  if (!(0.0 <= lr)) throw new Error(`ValueError: Invalid learning rate: ${lr}`);
  if (!(0.0 <= eps)) throw new Error(`ValueError: Invalid epsilon value: ${eps}`);
  if (!(0.0 <= betas[0]! && betas[0]! < 1.0)) throw new Error(`ValueError: Invalid beta parameter at index 0: ${betas[0]}`);
  if (!(0.0 <= betas[1]! && betas[1]! < 1.0)) throw new Error(`ValueError: Invalid beta parameter at index 1: ${betas[1]}`);
  if (!(0.0 <= weight_decay)) throw new Error(`ValueError: Invalid weight_decay value: ${weight_decay}`);
}

/** Python's __setstate__ of the Adam family: a step saved as a number becomes torch.tensor(float(step)). */
export function stepsToTensors<S extends Record<string, unknown>>(states: Iterable<S>, keys: string[] = ['step']): void {
  const values = [...states];
  for (const key of keys) {
    if (values.length === 0 || values[0]![key] instanceof Object) continue;
    for (const s of values) {
      const v = s[key];
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
        (s as Record<string, unknown>)[key] = persist(SCALAR_TENSOR.t(Number(v), 'float32'));
      }
    }
  }
}

abstract class AdamBase extends Optimizer<AdamParamGroup, AdamState> {
  protected abstract readonly decoupled: boolean;

  protected override __setstate__(): void {
    super.__setstate__();
    for (const g of this.param_groups) {
      g.amsgrad ??= false;
      g.maximize ??= false;
      g.foreach ??= null;
      g.capturable ??= false;
      if (!this.decoupled) {
        g.differentiable ??= false;
        g.fused ??= false;
      }
    }
    stepsToTensors(this.state.values());
  }

  step(closure?: () => Tensor | number): Tensor | number | null {
    const loss = this.runClosure(closure);
    no_grad(() => {
      for (const group of this.param_groups) {
        const params_with_grad: Tensor[] = [];
        const grads: Tensor[] = [];
        const exp_avgs: Tensor[] = [];
        const exp_avg_sqs: Tensor[] = [];
        const max_exp_avg_sqs: Tensor[] = [];
        const state_steps: Tensor[] = [];
        const [beta1, beta2] = group.betas;
        try {
          for (const p of group.params) {
            const g = p.grad;
            if (g === null) continue;
            params_with_grad.push(p);
            grads.push(g);
            let state = this.state.get(p);
            if (state === undefined || Object.keys(state).length === 0) {
              state = {
                step: scalarTensor(0),
                exp_avg: zerosLike(p),
                exp_avg_sq: zerosLike(p),
              };
              if (group.amsgrad) state.max_exp_avg_sq = zerosLike(p);
              this.state.set(p, state);
            }
            exp_avgs.push(state.exp_avg!);
            exp_avg_sqs.push(state.exp_avg_sq!);
            if (group.amsgrad) max_exp_avg_sqs.push(state.max_exp_avg_sq!);
            state_steps.push(state.step!);
          }
          const args = {
            amsgrad: group.amsgrad, beta1: beta1!, beta2: beta2!, lr: group.lr, weight_decay: group.weight_decay,
            eps: group.eps, maximize: group.maximize,
          };
          if (this.decoupled) {
            if (group.foreach) _multi_tensor_adamw(params_with_grad, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, args);
            else _single_tensor_adamw(params_with_grad, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, args);
          } else if (group.foreach) {
            _multi_tensor_adam(params_with_grad, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, args);
          } else {
            _single_tensor_adam(params_with_grad, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, args);
          }
        } finally {
          for (const g of grads) g.dispose();
        }
      }
    });
    return loss;
  }
}

/** Adam (Kingma & Ba), with amsgrad and maximize; weight_decay adds to the gradient (L2). */
export class Adam extends AdamBase {
  protected readonly decoupled = false;

  constructor(params: ParamsT<AdamOptions>, ...args: Args<[lr: number, betas: [number, number], eps: number, weight_decay: number, amsgrad: boolean], AdamOptions>) {
    const options = parseArgs<AdamOptions>('Adam', args, ['lr', 'betas', 'eps', 'weight_decay', 'amsgrad'], ['foreach', 'maximize', 'capturable', 'differentiable', 'fused']);
    const lr = options.lr ?? 1e-3;
    const betas = options.betas ?? [0.9, 0.999];
    const eps = options.eps ?? 1e-8;
    const weight_decay = options.weight_decay ?? 0;
    checkAdamOptions(lr, eps, betas, weight_decay);
    super(params, {
      lr, betas: [...betas], eps, weight_decay, amsgrad: options.amsgrad ?? false, maximize: options.maximize ?? false,
      foreach: options.foreach ?? null, capturable: options.capturable ?? false, differentiable: options.differentiable ?? false,
      fused: options.fused ?? false,
    });
    if (options.fused) {
      if (options.differentiable) throw new Error('`fused` cannot be `differentiable`');
      throw new Error('FusedAdam requires all the params to be CUDA, floating point');
    }
    if (options.capturable) throw new Error('Adam: capturable=true needs CUDA params and state_steps (CUDA graphs); not supported on CPU');
    if (options.differentiable) throw new Error('Adam: differentiable=true is not supported yet');
  }
}

/** AdamW (Loshchilov & Hutter): Adam with decoupled weight decay (default 1e-2). */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;

  constructor(params: ParamsT<AdamWOptions>, ...args: Args<[lr: number, betas: [number, number], eps: number, weight_decay: number, amsgrad: boolean], AdamWOptions>) {
    const options = parseArgs<AdamWOptions>('AdamW', args, ['lr', 'betas', 'eps', 'weight_decay', 'amsgrad'], ['maximize', 'foreach', 'capturable']);
    const lr = options.lr ?? 1e-3;
    const betas = options.betas ?? [0.9, 0.999];
    const eps = options.eps ?? 1e-8;
    const weight_decay = options.weight_decay ?? 1e-2;
    checkAdamOptions(lr, eps, betas, weight_decay);
    super(params, {
      lr, betas: [...betas], eps, weight_decay, amsgrad: options.amsgrad ?? false, foreach: options.foreach ?? null,
      maximize: options.maximize ?? false, capturable: options.capturable ?? false,
    });
    if (options.capturable) throw new Error('AdamW: capturable=true needs CUDA params and state_steps (CUDA graphs); not supported on CPU');
  }
}
