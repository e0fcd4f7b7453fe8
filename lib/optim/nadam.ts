// torch.optim.NAdam (torch/optim/nadam.py, 1.13): Adam with Nesterov momentum.
import { no_grad } from '../autograd/grad_mode.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { _multi_tensor_nadam, _single_tensor_nadam } from './_functional.js';
import { scalarTensor, zerosLike } from './_init.js';
import { checkAdamOptions, stepsToTensors } from './adam.js';
import { type Args, parseArgs } from './_args.js';
import { Optimizer, type ParamGroup, type ParamsT } from './optimizer.js';

export interface NAdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weight_decay?: number;
  momentum_decay?: number;
  foreach?: boolean | null;
}

export interface NAdamParamGroup extends ParamGroup {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  momentum_decay: number;
  foreach: boolean | null;
}

export interface NAdamState {
  [key: string]: Tensor | undefined;
  step?: Tensor;
  mu_product?: Tensor;
  exp_avg?: Tensor;
  exp_avg_sq?: Tensor;
}

export class NAdam extends Optimizer<NAdamParamGroup, NAdamState> {
  constructor(params: ParamsT<NAdamOptions>, ...args: Args<[lr: number, betas: [number, number], eps: number, weight_decay: number, momentum_decay: number, foreach: boolean | null], NAdamOptions>) {
    const options = parseArgs<NAdamOptions>('NAdam', args, ['lr', 'betas', 'eps', 'weight_decay', 'momentum_decay', 'foreach'], []);
    const lr = options.lr ?? 2e-3;
    const betas = options.betas ?? [0.9, 0.999];
    const eps = options.eps ?? 1e-8;
    const weight_decay = options.weight_decay ?? 0;
    const momentum_decay = options.momentum_decay ?? 4e-3;
    checkAdamOptions(lr, eps, betas, weight_decay);
    if (!(0.0 <= momentum_decay)) throw new Error(`ValueError: Invalid momentum_decay value: ${momentum_decay}`);
    super(params, { lr, betas: [...betas], eps, weight_decay, momentum_decay, foreach: options.foreach ?? null });
  }

  protected override __setstate__(): void {
    super.__setstate__();
    for (const g of this.param_groups) g.foreach ??= null;
    stepsToTensors(this.state.values(), ['step', 'mu_product']);
  }

  step(closure?: () => Tensor | number): Tensor | number | null {
    const loss = this.runClosure(closure);
    no_grad(() => {
      for (const group of this.param_groups) {
        const params_with_grad: Tensor[] = [];
        const grads: Tensor[] = [];
        const exp_avgs: Tensor[] = [];
        const exp_avg_sqs: Tensor[] = [];
        const mu_products: Tensor[] = [];
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
              state = { step: scalarTensor(0), mu_product: scalarTensor(1), exp_avg: zerosLike(p), exp_avg_sq: zerosLike(p) };
              this.state.set(p, state);
            }
            exp_avgs.push(state.exp_avg!);
            exp_avg_sqs.push(state.exp_avg_sq!);
            mu_products.push(state.mu_product!);
            state_steps.push(state.step!);
          }
          const args = {
            beta1: beta1!, beta2: beta2!, lr: group.lr, weight_decay: group.weight_decay, momentum_decay: group.momentum_decay, eps: group.eps,
          };
          if (group.foreach) _multi_tensor_nadam(params_with_grad, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, args);
          else _single_tensor_nadam(params_with_grad, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, args);
        } finally {
          for (const g of grads) g.dispose();
        }
      }
    });
    return loss;
  }
}
