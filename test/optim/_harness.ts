// Shared by the optim parity tests: the same model, data and seed here and in
// Python PyTorch, trained step by step, every parameter recorded after every step.
import * as torch from '../../lib/index.js';
import { nn, optim } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';

export type History = number[][][]; // [step][param][value]

export interface Model {
  m: nn.Sequential;
  x: Tensor;
  y: Tensor;
}

/** torch.manual_seed(seed); Linear(3, 4), ReLU, Linear(4, 2); x (8, 3), y (8, 2). */
export function makeModel(seed = 0): Model {
  torch.manual_seed(seed);
  const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  const x = torch.randn([8, 3]);
  const y = torch.randn([8, 2]);
  return { m, x, y };
}

export function snapshot(m: nn.Module): number[][] {
  return m.parameters().map((p) => Array.from(p.toTypedArray() as Float32Array));
}

/**
 * The param groups of the transfer-learning setup: the first layer's weight
 * (the "backbone") with a tenth of the learning rate, the head with the
 * default one, and the first layer's bias frozen and left out.
 */
export function transferGroups(mm: Model, lr: number): optim.ParamGroupInput[] {
  const l0 = mm.m.at(0) as nn.Linear;
  const l2 = mm.m.at(2) as nn.Linear;
  l0.bias!.requires_grad_(false);
  return [{ params: [l0.weight], lr: lr * 0.1 }, { params: l2.parameters() }];
}

/** One training step as a user writes it (closure form when the optimizer needs one). */
export function trainStep(mm: Model, opt: optim.Optimizer, useClosure = false): void {
  torch.scope(() => {
    const closure = (): Tensor => {
      opt.zero_grad();
      const loss = nn.functional.mse_loss(mm.m.call(mm.x), mm.y);
      loss.backward();
      return loss;
    };
    if (useClosure) opt.step(closure);
    else {
      closure();
      opt.step();
    }
  });
}

/** The Python side of makeModel/transferGroups/trainStep, for runPython scripts. */
export const PY_HARNESS = String.raw`
import torch.nn as nn
import torch.nn.functional as F

def make_model(seed=0):
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = torch.randn(8, 3)
    y = torch.randn(8, 2)
    return m, x, y

def snapshot(m):
    return [p.detach().reshape(-1).tolist() for p in m.parameters()]

def transfer_groups(m, lr):
    m[0].bias.requires_grad_(False)
    return [{'params': [m[0].weight], 'lr': lr * 0.1}, {'params': m[2].parameters()}]

def train_step(m, x, y, opt, use_closure=False):
    def closure():
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(m(x), y)
        loss.backward()
        return loss
    if use_closure:
        opt.step(closure)
    else:
        closure()
        opt.step()
`;

/** First difference between two histories beyond rtol (0: exact), as a readable string, or null. */
export function firstMismatch(ours: History, ref: History, rtol = 0): string | null {
  if (ours.length !== ref.length) return `${ours.length} steps here, ${ref.length} in Python`;
  for (let s = 0; s < ref.length; s++) {
    for (let p = 0; p < ref[s]!.length; p++) {
      const a = ours[s]![p]!;
      const b = ref[s]![p]!;
      if (a.length !== b.length) return `step ${s + 1}, param ${p}: ${a.length} values here, ${b.length} in Python`;
      for (let i = 0; i < b.length; i++) {
        const x = a[i]!;
        const y = b[i]!;
        if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
        const rel = Math.abs(x - y) / Math.max(Math.abs(y), 1e-30);
        if (rel > rtol) return `step ${s + 1}, param ${p}, element ${i}: ${x} here, ${y} in Python (relative difference ${rel.toExponential(2)})`;
      }
    }
  }
  return null;
}
