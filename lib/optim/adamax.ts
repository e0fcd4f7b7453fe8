// torch.optim.Adamax (torch/optim/adamax.py, 1.13): Adam with the infinity norm.
import { no_grad } from '../autograd/grad_mode.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { _multi_tensor_adamax, _single_tensor_adamax } from './_functional.js';
import { scalarTensor, zerosLike } from './_init.js';
import { checkAdamOptions, stepsToTensors } from './adam.js';
import { type Args, parseArgs } from './_args.js';
import { Optimizer, type ParamGroup, type ParamsT } from './optimizer.js';

export interface AdamaxOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weight_decay?: number;
  foreach?: boolean | null;
  maximize?: boolean;
}

export interface AdamaxParamGroup extends ParamGroup {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  foreach: boolean | null;
  maximize: boolean;
}

export interface AdamaxState {
  [key: string]: Tensor | undefined;
  step?: Tensor;
  exp_avg?: Tensor;
  exp_inf?: Tensor;
}

export class Adamax extends Optimizer<AdamaxParamGroup, AdamaxState> {
  constructor(params: ParamsT<AdamaxOptions>, ...args: Args<[lr: number, betas: [number, number], eps: number, weight_decay: number, foreach: boolean | null], AdamaxOptions>) {
    const options = parseArgs<AdamaxOptions>('Adamax', args, ['lr', 'betas', 'eps', 'weight_decay', 'foreach'], ['maximize']);
    const lr = options.lr ?? 2e-3;
    const betas = options.betas ?? [0.9, 0.999];
    const eps = options.eps ?? 1e-8;
    const weight_decay = options.weight_decay ?? 0;
    checkAdamOptions(lr, eps, betas, weight_decay);
    super(params, { lr, betas: [...betas], eps, weight_decay, foreach: options.foreach ?? null, maximize: options.maximize ?? false });
  }

  protected override __setstate__(): void {
    super.__setstate__();
    for (const g of this.param_groups) {
      g.foreach ??= null;
      g.maximize ??= false;
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
        const exp_infs: Tensor[] = [];
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
              state = { step: scalarTensor(0), exp_avg: zerosLike(p), exp_inf: zerosLike(p) };
              this.state.set(p, state);
            }
            exp_avgs.push(state.exp_avg!);
            exp_infs.push(state.exp_inf!);
            state_steps.push(state.step!);
          }
          const args = { eps: group.eps, beta1: beta1!, beta2: beta2!, lr: group.lr, weight_decay: group.weight_decay, maximize: group.maximize };
          if (group.foreach) _multi_tensor_adamax(params_with_grad, grads, exp_avgs, exp_infs, state_steps, args);
          else _single_tensor_adamax(params_with_grad, grads, exp_avgs, exp_infs, state_steps, args);
        } finally {
          for (const g of grads) g.dispose();
        }
      }
    });
    return loss;
  }
}
