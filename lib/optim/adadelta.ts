// torch.optim.Adadelta (torch/optim/adadelta.py, 1.13).
import { no_grad } from '../autograd/grad_mode.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { _multi_tensor_adadelta, _single_tensor_adadelta } from './_functional.js';
import { zerosLike } from './_init.js';
import { type Args, parseArgs } from './_args.js';
import { Optimizer, type ParamGroup, type ParamsT } from './optimizer.js';

export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weight_decay?: number;
  foreach?: boolean | null;
  maximize?: boolean;
}

export interface AdadeltaParamGroup extends ParamGroup {
  lr: number;
  rho: number;
  eps: number;
  weight_decay: number;
  maximize: boolean;
  foreach: boolean | null;
}

export interface AdadeltaState {
  [key: string]: Tensor | number | undefined;
  step?: number;
  square_avg?: Tensor;
  acc_delta?: Tensor;
}

export class Adadelta extends Optimizer<AdadeltaParamGroup, AdadeltaState> {
  constructor(params: ParamsT<AdadeltaOptions>, ...args: Args<[lr: number, rho: number, eps: number, weight_decay: number, foreach: boolean | null], AdadeltaOptions>) {
    const options = parseArgs<AdadeltaOptions>('Adadelta', args, ['lr', 'rho', 'eps', 'weight_decay', 'foreach'], ['maximize']);
    const lr = options.lr ?? 1.0;
    const rho = options.rho ?? 0.9;
    const eps = options.eps ?? 1e-6;
    const weight_decay = options.weight_decay ?? 0;
    if (!(0.0 <= lr)) throw new Error(`ValueError: Invalid learning rate: ${lr}`);
    if (!(0.0 <= rho && rho <= 1.0)) throw new Error(`ValueError: Invalid rho value: ${rho}`);
    if (!(0.0 <= eps)) throw new Error(`ValueError: Invalid epsilon value: ${eps}`);
    if (!(0.0 <= weight_decay)) throw new Error(`ValueError: Invalid weight_decay value: ${weight_decay}`);
    super(params, { lr, rho, eps, weight_decay, maximize: options.maximize ?? false, foreach: options.foreach ?? null });
  }

  protected override __setstate__(): void {
    super.__setstate__();
    for (const g of this.param_groups) {
      g.foreach ??= null;
      g.maximize ??= false;
    }
  }

  step(closure?: () => Tensor | number): Tensor | number | null {
    const loss = this.runClosure(closure);
    no_grad(() => {
      for (const group of this.param_groups) {
        const params_with_grad: Tensor[] = [];
        const grads: Tensor[] = [];
        const square_avgs: Tensor[] = [];
        const acc_deltas: Tensor[] = [];
        try {
          for (const p of group.params) {
            const g = p.grad;
            if (g === null) continue;
            params_with_grad.push(p);
            grads.push(g);
            let state = this.state.get(p);
            if (state === undefined || Object.keys(state).length === 0) {
              state = { step: 0, square_avg: zerosLike(p), acc_delta: zerosLike(p) };
              this.state.set(p, state);
            }
            square_avgs.push(state.square_avg!);
            acc_deltas.push(state.acc_delta!);
            state.step = (state.step ?? 0) + 1;
          }
          const args = { lr: group.lr, rho: group.rho, eps: group.eps, weight_decay: group.weight_decay, maximize: group.maximize };
          if (group.foreach) _multi_tensor_adadelta(params_with_grad, grads, square_avgs, acc_deltas, args);
          else _single_tensor_adadelta(params_with_grad, grads, square_avgs, acc_deltas, args);
        } finally {
          for (const g of grads) g.dispose();
        }
      }
    });
    return loss;
  }
}
