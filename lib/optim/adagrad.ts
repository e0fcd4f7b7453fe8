// torch.optim.Adagrad (torch/optim/adagrad.py, 1.13). Its state exists from
// construction on: step (a tensor) and sum (initial_accumulator_value).
import { no_grad } from '../autograd/grad_mode.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { _multi_tensor_adagrad, _single_tensor_adagrad } from './_functional.js';
import { fullLike, scalarTensor } from './_init.js';
import { stepsToTensors } from './adam.js';
import { type Args, parseArgs } from './_args.js';
import { Optimizer, type ParamGroup, type ParamsT } from './optimizer.js';

export interface AdagradOptions {
  lr?: number;
  lr_decay?: number;
  weight_decay?: number;
  initial_accumulator_value?: number;
  eps?: number;
  foreach?: boolean | null;
  maximize?: boolean;
}

export interface AdagradParamGroup extends ParamGroup {
  lr: number;
  lr_decay: number;
  eps: number;
  weight_decay: number;
  initial_accumulator_value: number;
  foreach: boolean | null;
  maximize: boolean;
}

export interface AdagradState {
  [key: string]: Tensor | undefined;
  step?: Tensor;
  sum?: Tensor;
}

export class Adagrad extends Optimizer<AdagradParamGroup, AdagradState> {
  constructor(params: ParamsT<AdagradOptions>, ...args: Args<[lr: number, lr_decay: number, weight_decay: number, initial_accumulator_value: number, eps: number, foreach: boolean | null], AdagradOptions>) {
    const options = parseArgs<AdagradOptions>('Adagrad', args, ['lr', 'lr_decay', 'weight_decay', 'initial_accumulator_value', 'eps', 'foreach'], ['maximize']);
    const lr = options.lr ?? 1e-2;
    const lr_decay = options.lr_decay ?? 0;
    const weight_decay = options.weight_decay ?? 0;
    const initial_accumulator_value = options.initial_accumulator_value ?? 0;
    const eps = options.eps ?? 1e-10;
    if (!(0.0 <= lr)) throw new Error(`ValueError: Invalid learning rate: ${lr}`);
    if (!(0.0 <= lr_decay)) throw new Error(`ValueError: Invalid lr_decay value: ${lr_decay}`);
    if (!(0.0 <= weight_decay)) throw new Error(`ValueError: Invalid weight_decay value: ${weight_decay}`);
    if (!(0.0 <= initial_accumulator_value)) {
      throw new Error(`ValueError: Invalid initial_accumulator_value value: ${initial_accumulator_value}`);
    }
    if (!(0.0 <= eps)) throw new Error(`ValueError: Invalid epsilon value: ${eps}`);
    super(params, {
      lr, lr_decay, eps, weight_decay, initial_accumulator_value, foreach: options.foreach ?? null, maximize: options.maximize ?? false,
    });
    for (const group of this.param_groups) {
      for (const p of group.params) {
        const state = this.stateOf(p);
        state.step = scalarTensor(0);
        state.sum = fullLike(p, group.initial_accumulator_value);
      }
    }
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
        const state_sums: Tensor[] = [];
        const state_steps: Tensor[] = [];
        try {
          for (const p of group.params) {
            const g = p.grad;
            if (g === null) continue;
            params_with_grad.push(p);
            grads.push(g);
            const state = this.stateOf(p);
            state_sums.push(state.sum!);
            state_steps.push(state.step!);
          }
          const args = {
            lr: group.lr, weight_decay: group.weight_decay, lr_decay: group.lr_decay, eps: group.eps, maximize: group.maximize,
          };
          if (group.foreach) _multi_tensor_adagrad(params_with_grad, grads, state_sums, state_steps, args);
          else _single_tensor_adagrad(params_with_grad, grads, state_sums, state_steps, args);
        } finally {
          for (const g of grads) g.dispose();
        }
      }
    });
    return loss;
  }
}
