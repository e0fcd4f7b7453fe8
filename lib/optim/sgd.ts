// torch.optim.SGD, following torch/optim/sgd.py (1.13, the single-tensor
// path): per-parameter momentum buffers, updates in place under no_grad.
// Deliberately small: the optim issue builds the Optimizer base on it.
import { no_grad } from '../autograd/grad_mode.js';
import { op } from '../bridge.js';
import { Tensor } from '../tensor.js';

const ADD = op('add', 'Tensor'), ADD_ = op('add_', 'Tensor'), MUL_S_ = op('mul_', 'Scalar'), NEG = op('neg');
const CLONE = op('clone'), DETACH = op('detach');

export interface SGDOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  weight_decay?: number;
  nesterov?: boolean;
  maximize?: boolean;
  foreach?: boolean | null;
  differentiable?: boolean;
}

export interface ParamGroup extends SGDOptions {
  params: Tensor[];
}
type FullGroup = Required<Omit<SGDOptions, 'foreach'>> & { foreach: boolean | null; params: Tensor[] };

export type ParamsArg = Iterable<Tensor> | Iterable<ParamGroup>;

/** Stochastic gradient descent, optionally with momentum (Nesterov too) and weight decay. */
export class SGD {
  readonly defaults: Omit<FullGroup, 'params'>;
  readonly param_groups: FullGroup[] = [];
  /** Per-parameter state: { momentum_buffer: Tensor | null }. */
  readonly state = new Map<Tensor, { momentum_buffer?: Tensor | null }>();

  constructor(params: ParamsArg, options: SGDOptions = {}) {
    const lr = options.lr;
    if (lr === undefined) throw new TypeError("SGD.__init__() missing required argument: 'lr'");
    if (lr < 0.0) throw new Error(`ValueError: Invalid learning rate: ${lr}`);
    const momentum = options.momentum ?? 0;
    if (momentum < 0.0) throw new Error(`ValueError: Invalid momentum value: ${momentum}`);
    const weightDecay = options.weight_decay ?? 0;
    if (weightDecay < 0.0) throw new Error(`ValueError: Invalid weight_decay value: ${weightDecay}`);
    this.defaults = {
      lr, momentum, dampening: options.dampening ?? 0, weight_decay: weightDecay, nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false, foreach: options.foreach ?? null, differentiable: options.differentiable ?? false,
    };
    if (this.defaults.nesterov && (momentum <= 0 || this.defaults.dampening !== 0)) {
      throw new Error('ValueError: Nesterov momentum requires a momentum and zero dampening');
    }
    if (params instanceof Tensor) {
      throw new TypeError('params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.Tensor');
    }
    const list = [...(params as Iterable<Tensor | ParamGroup>)];
    if (list.length === 0) throw new Error('ValueError: optimizer got an empty parameter list');
    const groups: ParamGroup[] = list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : (list as ParamGroup[]);
    for (const g of groups) this.add_param_group(g);
  }

  add_param_group(group: ParamGroup): void {
    const params = group.params instanceof Tensor ? [group.params] : [...group.params];
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${typeof p}`);
      if (!p.is_leaf) throw new Error("ValueError: can't optimize a non-leaf Tensor");
    }
    const full = { ...this.defaults, ...group, params } as FullGroup;
    const seen = new Set<Tensor>();
    for (const g of this.param_groups) for (const p of g.params) seen.add(p);
    if (params.some((p) => seen.has(p))) throw new Error('ValueError: some parameters appear in more than one parameter group');
    this.param_groups.push(full);
  }

  /** Resets the gradients: to None (default) or to zero. */
  zero_grad(set_to_none = true): void {
    for (const group of this.param_groups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (set_to_none) {
          p.grad = null;
        } else {
          if (g.grad_fn !== null) g.detach_();
          else g.requires_grad_(false);
          g.zero_();
        }
        g.dispose();
      }
    }
  }

  /** One update of every parameter that has a gradient. closure (optional) re-evaluates the loss. */
  step(closure?: () => Tensor): Tensor | null {
    let loss: Tensor | null = null;
    if (closure) loss = closure();
    no_grad(() => {
      for (const group of this.param_groups) {
        for (const p of group.params) {
          const grad = p.grad;
          if (grad === null) continue;
          const state = this.state.get(p) ?? {};
          const buf = this.updateOne(p, grad, state.momentum_buffer ?? null, group);
          state.momentum_buffer = buf;
          this.state.set(p, state);
          grad.dispose();
        }
      }
    });
    return loss;
  }

  /** _single_tensor_sgd for one parameter; returns its momentum buffer (None without momentum). */
  private updateOne(param: Tensor, grad: Tensor, buf: Tensor | null, g: FullGroup): Tensor | null {
    const temps: Tensor[] = [];
    let dp = grad;
    if (g.maximize) temps.push((dp = NEG.t(dp)));
    if (g.weight_decay !== 0) temps.push((dp = ADD.t(dp, param, g.weight_decay)));
    if (g.momentum !== 0) {
      if (buf === null) {
        const c = CLONE.t(dp);
        buf = DETACH.t(c);
        c.dispose();
      } else {
        MUL_S_.call(buf, g.momentum);
        ADD_.call(buf, dp, 1 - g.dampening);
      }
      if (g.nesterov) temps.push((dp = ADD.t(dp, buf, g.momentum)));
      else dp = buf;
    }
    ADD_.call(param, dp, -g.lr);
    for (const t of temps) t.dispose();
    return g.momentum !== 0 ? buf : null;
  }

  state_dict(): { state: Map<number, { momentum_buffer?: Tensor | null }>; param_groups: Record<string, unknown>[] } {
    const index = new Map<Tensor, number>();
    const groups = this.param_groups.map((g) => {
      const { params, ...rest } = g;
      return { ...rest, params: params.map((p) => (index.has(p) ? index.get(p)! : (index.set(p, index.size), index.size - 1))) };
    });
    const state = new Map<number, { momentum_buffer?: Tensor | null }>();
    for (const [p, s] of this.state) if (index.has(p)) state.set(index.get(p)!, s);
    return { state, param_groups: groups };
  }

  /** Frees the momentum buffers. */
  dispose(): void {
    for (const s of this.state.values()) s.momentum_buffer?.dispose();
    this.state.clear();
  }
}
