// torch.optim.SGD (torch/optim/sgd.py, 1.13): stochastic gradient descent,
// optionally with momentum (Nesterov too), dampening, weight decay, maximize.
import { no_grad } from '../autograd/grad_mode.js';
import { releaseSoon } from '../memory.js';
import { HANDLE, native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { _multi_tensor_sgd, _single_tensor_sgd } from './_functional.js';
import { type Args, parseArgs } from './_args.js';
import { Optimizer, required, type ParamGroup, type ParamsT, type Required } from './optimizer.js';

export interface SGDOptions {
  /** Required, for the optimizer or for every param group. */
  lr?: number;
  momentum?: number;
  dampening?: number;
  weight_decay?: number;
  nesterov?: boolean;
  maximize?: boolean;
  foreach?: boolean | null;
  differentiable?: boolean;
}

export interface SGDParamGroup extends ParamGroup {
  lr: number;
  momentum: number;
  dampening: number;
  weight_decay: number;
  nesterov: boolean;
  maximize: boolean;
  foreach: boolean | null;
  differentiable: boolean;
}

export interface SGDState {
  [key: string]: Tensor | null | undefined;
  momentum_buffer?: Tensor | null;
}

export class SGD extends Optimizer<SGDParamGroup, SGDState> {
  constructor(params: ParamsT<SGDOptions>, ...args: Args<[lr: number, momentum: number, dampening: number, weight_decay: number, nesterov: boolean], SGDOptions>) {
    const options = parseArgs<SGDOptions>('SGD', args, ['lr', 'momentum', 'dampening', 'weight_decay', 'nesterov'], ['maximize', 'foreach', 'differentiable']);
    const lr: number | Required = options.lr ?? required;
    const momentum = options.momentum ?? 0;
    const dampening = options.dampening ?? 0;
    const weight_decay = options.weight_decay ?? 0;
    const nesterov = options.nesterov ?? false;
    if (lr !== required && lr < 0.0) throw new Error(`ValueError: Invalid learning rate: ${lr}`);
    if (momentum < 0.0) throw new Error(`ValueError: Invalid momentum value: ${momentum}`);
    if (weight_decay < 0.0) throw new Error(`ValueError: Invalid weight_decay value: ${weight_decay}`);
    const defaults = {
      lr, momentum, dampening, weight_decay, nesterov,
      maximize: options.maximize ?? false, foreach: options.foreach ?? null, differentiable: options.differentiable ?? false,
    };
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new Error('ValueError: Nesterov momentum requires a momentum and zero dampening');
    }
    if (defaults.differentiable) throw new Error('SGD: differentiable=true is not supported yet');
    super(params, defaults);
  }

  protected override __setstate__(): void {
    super.__setstate__();
    for (const g of this.param_groups) {
      g.nesterov ??= false;
      g.maximize ??= false;
      g.foreach ??= null;
      g.differentiable ??= false;
    }
  }

  step(closure?: () => Tensor | number): Tensor | number | null {
    const loss = this.runClosure(closure);
    no_grad(() => {
      for (const group of this.param_groups) {
        const params_with_grad: Tensor[] = [];
        // The gradients as tensor handles: no Tensor object per gradient (see _functional.ts).
        const d_p_list: number[] = [];
        const momentum_buffer_list: (Tensor | null)[] = [];
        const states: (SGDState | undefined)[] = [];
        for (const p of group.params) {
          const g = native.grad(p[HANDLE]);
          if (g === null) continue;
          const s = this.state.get(p);
          params_with_grad.push(p);
          d_p_list.push(g);
          states.push(s);
          momentum_buffer_list.push(s?.momentum_buffer ?? null);
        }
        try {
          const args = {
            weight_decay: group.weight_decay, momentum: group.momentum, lr: group.lr, dampening: group.dampening,
            nesterov: group.nesterov, maximize: group.maximize,
          };
          if (group.foreach) _multi_tensor_sgd(params_with_grad, d_p_list, momentum_buffer_list, args);
          else _single_tensor_sgd(params_with_grad, d_p_list, momentum_buffer_list, args);
        } finally {
          for (const g of d_p_list) releaseSoon(g);
        }
        // Python stores momentum_buffer (None without momentum) for every param that had a grad.
        for (let i = 0; i < params_with_grad.length; i++) {
          const s = states[i];
          if (s === undefined) this.state.set(params_with_grad[i]!, { momentum_buffer: momentum_buffer_list[i] ?? null });
          else s.momentum_buffer = momentum_buffer_list[i] ?? null;
        }
      }
    });
    return loss;
  }
}
