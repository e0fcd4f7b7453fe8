// torch.optim.RMSprop (torch/optim/rmsprop.py, 1.13).
import { no_grad } from '../autograd/grad_mode.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { _multi_tensor_rmsprop, _single_tensor_rmsprop } from './_functional.js';
import { zerosLike } from './_init.js';
import { type Args, parseArgs } from './_args.js';
import { Optimizer, type ParamGroup, type ParamsT } from './optimizer.js';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weight_decay?: number;
  momentum?: number;
  centered?: boolean;
  foreach?: boolean | null;
  maximize?: boolean;
  differentiable?: boolean;
}

export interface RMSpropParamGroup extends ParamGroup {
  lr: number;
  momentum: number;
  alpha: number;
  eps: number;
  centered: boolean;
  weight_decay: number;
  foreach: boolean | null;
  maximize: boolean;
  differentiable: boolean;
}

export interface RMSpropState {
  [key: string]: Tensor | number | undefined;
  step?: number;
  square_avg?: Tensor;
  momentum_buffer?: Tensor;
  grad_avg?: Tensor;
}

export class RMSprop extends Optimizer<RMSpropParamGroup, RMSpropState> {
  constructor(params: ParamsT<RMSpropOptions>, ...args: Args<[lr: number, alpha: number, eps: number, weight_decay: number, momentum: number, centered: boolean, foreach: boolean | null, maximize: boolean, differentiable: boolean], RMSpropOptions>) {
    const options = parseArgs<RMSpropOptions>('RMSprop', args, ['lr', 'alpha', 'eps', 'weight_decay', 'momentum', 'centered', 'foreach', 'maximize', 'differentiable'], []);
    const lr = options.lr ?? 1e-2;
    const alpha = options.alpha ?? 0.99;
    const eps = options.eps ?? 1e-8;
    const weight_decay = options.weight_decay ?? 0;
    const momentum = options.momentum ?? 0;
    if (!(0.0 <= lr)) throw new Error(`ValueError: Invalid learning rate: ${lr}`);
    if (!(0.0 <= eps)) throw new Error(`ValueError: Invalid epsilon value: ${eps}`);
    if (!(0.0 <= momentum)) throw new Error(`ValueError: Invalid momentum value: ${momentum}`);
    if (!(0.0 <= weight_decay)) throw new Error(`ValueError: Invalid weight_decay value: ${weight_decay}`);
    if (!(0.0 <= alpha)) throw new Error(`ValueError: Invalid alpha value: ${alpha}`);
    super(params, {
      lr, momentum, alpha, eps, centered: options.centered ?? false, weight_decay, foreach: options.foreach ?? null,
      maximize: options.maximize ?? false, differentiable: options.differentiable ?? false,
    });
    if (options.differentiable) throw new Error('RMSprop: differentiable=true is not supported yet');
  }

  protected override __setstate__(): void {
    super.__setstate__();
    for (const g of this.param_groups) {
      g.momentum ??= 0;
      g.centered ??= false;
      g.foreach ??= null;
      g.maximize ??= false;
      g.differentiable ??= false;
    }
  }

  step(closure?: () => Tensor | number): Tensor | number | null {
    const loss = this.runClosure(closure);
    no_grad(() => {
      for (const group of this.param_groups) {
        const params_with_grad: Tensor[] = [];
        const grads: Tensor[] = [];
        const square_avgs: Tensor[] = [];
        const grad_avgs: Tensor[] = [];
        const momentum_buffer_list: Tensor[] = [];
        try {
          for (const p of group.params) {
            const g = p.grad;
            if (g === null) continue;
            params_with_grad.push(p);
            grads.push(g);
            let state = this.state.get(p);
            if (state === undefined || Object.keys(state).length === 0) {
              state = { step: 0, square_avg: zerosLike(p) };
              if (group.momentum > 0) state.momentum_buffer = zerosLike(p);
              if (group.centered) state.grad_avg = zerosLike(p);
              this.state.set(p, state);
            }
            square_avgs.push(state.square_avg!);
            if (group.momentum > 0) momentum_buffer_list.push(state.momentum_buffer!);
            if (group.centered) grad_avgs.push(state.grad_avg!);
            state.step = (state.step ?? 0) + 1;
          }
          const args = {
            lr: group.lr, alpha: group.alpha, eps: group.eps, weight_decay: group.weight_decay, momentum: group.momentum,
            centered: group.centered, maximize: group.maximize,
          };
          if (group.foreach) _multi_tensor_rmsprop(params_with_grad, grads, square_avgs, grad_avgs, momentum_buffer_list, args);
          else _single_tensor_rmsprop(params_with_grad, grads, square_avgs, grad_avgs, momentum_buffer_list, args);
        } finally {
          for (const g of grads) g.dispose();
        }
      }
    });
    return loss;
  }
}
