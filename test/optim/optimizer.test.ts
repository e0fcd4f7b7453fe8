// The Optimizer base as torch/optim/optimizer.py (1.13): argument checks and
// messages, param groups (fine-tuning: add_param_group when unfreezing, lr
// changed at run time) against Python step by step, zero_grad, step(closure),
// load_state_dict's checks, repr, and steps inside torch.scope().
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn, optim } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';
import { firstMismatch, makeModel, PY_HARNESS, snapshot, trainStep, type History } from './_harness.js';

describe('Optimizer: arguments', () => {
  const p = (): nn.Parameter[] => [new nn.Parameter(torch.ones([1]))];
  it('checks options and params as PyTorch does, with its messages', () => {
    expect(() => new optim.SGD(p(), {})).toThrow("parameter group didn't specify a value of required optimization parameter lr");
    expect(() => new optim.SGD(p(), { lr: -1 })).toThrow('Invalid learning rate: -1');
    expect(() => new optim.SGD(p(), { lr: 0.1, momentum: -0.5 })).toThrow('Invalid momentum value: -0.5');
    expect(() => new optim.SGD(p(), { lr: 0.1, nesterov: true })).toThrow('Nesterov momentum requires a momentum and zero dampening');
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow('optimizer got an empty parameter list');
    expect(() => new optim.SGD(torch.ones([2]) as never, { lr: 0.1 })).toThrow('should be an iterable of Tensors or dicts, but got torch.Tensor');
    expect(() => new optim.SGD([{ params: new Set(p()) }] as never, { lr: 0.1 })).toThrow('ordering of tensors in sets will change');
    const x = new nn.Parameter(torch.ones([2]));
    expect(() => new optim.SGD([x.mul(2)], { lr: 0.1 })).toThrow("can't optimize a non-leaf Tensor");
    expect(() => new optim.SGD([{ params: [x] }, { params: [x] }], { lr: 0.1 })).toThrow('some parameters appear in more than one parameter group');
    expect(() => new optim.Adam(p(), { betas: [1.0, 0.999] })).toThrow('Invalid beta parameter at index 0: 1');
    expect(() => new optim.Adam(p(), { eps: -1 })).toThrow('Invalid epsilon value: -1');
    expect(() => new optim.Adadelta(p(), { rho: 1.5 })).toThrow('Invalid rho value: 1.5');
    expect(() => new optim.LBFGS([{ params: p() }, { params: p() }])).toThrow("LBFGS doesn't support per-parameter options");
  });
  it('a param group may give lr where the optimizer has none (SGD lr is required per group)', () => {
    const opt = new optim.SGD([{ params: p(), lr: 0.1 }, { params: p(), lr: 0.2 }]);
    expect(opt.param_groups.map((g) => g.lr)).toEqual([0.1, 0.2]);
  });
  it("groups take the optimizer's defaults for the options they leave out, keys in PyTorch's order", () => {
    const opt = new optim.SGD([{ params: p(), momentum: 0.5 }], { lr: 0.1 });
    expect(Object.keys(opt.param_groups[0]!)).toEqual(['params', 'momentum', 'lr', 'dampening', 'weight_decay', 'nesterov', 'maximize', 'foreach', 'differentiable']);
    expect(opt.param_groups[0]!.momentum).toBe(0.5);
  });
  it("takes PyTorch's positional order, then keyword arguments in an object", () => {
    const a = new optim.SGD(p(), 0.1, 0.9, { nesterov: true });
    expect([a.param_groups[0]!.lr, a.param_groups[0]!.momentum, a.param_groups[0]!.nesterov]).toEqual([0.1, 0.9, true]);
    const b = new optim.Adam(p(), 0.01, [0.8, 0.9]);
    expect(b.param_groups[0]!.betas).toEqual([0.8, 0.9]);
    expect(() => new optim.SGD(p(), { lr: 0.1, momentun: 0.9 } as never)).toThrow("SGD() got an unexpected keyword argument 'momentun'");
    expect(() => new optim.SGD(p(), 0.1, { lr: 0.2 })).toThrow("SGD() got multiple values for argument 'lr'");
    const { StepLR, OneCycleLR } = optim.lr_scheduler;
    const s1 = new StepLR(a, 3, 0.5);
    const s2 = new StepLR(b, { step_size: 3, gamma: 0.5 });
    expect([s1.step_size, s1.gamma, s2.step_size, s2.gamma]).toEqual([3, 0.5, 3, 0.5]);
    expect(() => new StepLR(a)).toThrow("StepLR.__init__() missing 1 required positional argument: 'step_size'");
    expect(new OneCycleLR(new optim.SGD(p(), 0.1, 0.9), 0.5, 100).total_steps).toBe(100);
  });
  it("repr is Python's", () => {
    const opt = new optim.Adam(p());
    expect(String(opt)).toBe(
      'Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    capturable: False\n    differentiable: False\n' +
        '    eps: 1e-08\n    foreach: None\n    fused: False\n    lr: 0.001\n    maximize: False\n    weight_decay: 0\n)',
    );
  });
});

describe('Optimizer: zero_grad, step, memory', () => {
  it.each([false, true])('zero_grad() sets grads to None; zero_grad(false) zeroes them in place (foreach %s)', (foreach) => {
    const mm = makeModel();
    const opt = new optim.SGD(mm.m.parameters(), { lr: 0.1, foreach });
    const backward = (): void => torch.scope(() => nn.functional.mse_loss(mm.m.call(mm.x), mm.y).backward());
    backward();
    opt.zero_grad(false);
    for (const p of mm.m.parameters()) {
      const g = p.grad!;
      expect(g).not.toBeNull();
      expect(g.abs().sum().item()).toBe(0);
      g.dispose();
    }
    backward();
    opt.zero_grad();
    for (const p of mm.m.parameters()) expect(p.grad).toBeNull();
  });
  it('step(closure) returns the closure\'s loss', () => {
    const mm = makeModel();
    const opt = new optim.Adam(mm.m.parameters());
    const loss = opt.step(() => {
      opt.zero_grad();
      const l = nn.functional.mse_loss(mm.m.call(mm.x), mm.y);
      l.backward();
      return l;
    }) as Tensor;
    expect(loss.item()).toBeGreaterThan(0);
  });
  it('state made inside torch.scope() survives the scope; dispose() frees it', () => {
    const mm = makeModel();
    const live0 = torch.memory().liveTensors;
    const opt = new optim.SGD(mm.m.parameters(), { lr: 0.1, momentum: 0.9 });
    for (let i = 0; i < 3; i++) trainStep(mm, opt); // each step runs inside torch.scope()
    expect(torch.memory().liveTensors).toBe(live0 + 4);
    const buf = opt.state.get(mm.m.parameters()[0]!)!.momentum_buffer as Tensor;
    expect(buf.isDisposed).toBe(false);
    opt.dispose();
    expect(torch.memory().liveTensors).toBe(live0);
  });
});

describe('Optimizer: load_state_dict checks', () => {
  it('refuses a state_dict with other groups, as PyTorch words it', () => {
    const mm = makeModel();
    const a = new optim.SGD(mm.m.parameters(), { lr: 0.1 });
    const b = new optim.SGD([{ params: mm.m.parameters().slice(0, 2) }, { params: mm.m.parameters().slice(2) }], { lr: 0.1 });
    const c = new optim.SGD(mm.m.parameters().slice(1), { lr: 0.1 });
    expect(() => a.load_state_dict(b.state_dict())).toThrow('loaded state dict has a different number of parameter groups');
    expect(() => a.load_state_dict(c.state_dict())).toThrow("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
  });
  it('takes plain objects (JSON-like) as well as Maps', () => {
    const mm = makeModel();
    const opt = new optim.SGD(mm.m.parameters(), { lr: 0.1, momentum: 0.9 });
    trainStep(mm, opt);
    const sd = opt.state_dict();
    const asObjects = {
      state: Object.fromEntries([...sd.state].map(([k, v]) => [String(k), Object.fromEntries(v)])),
      param_groups: sd.param_groups.map((g) => ({ ...g, lr: 0.05 })),
    };
    const opt2 = new optim.SGD(mm.m.parameters(), { lr: 0.1, momentum: 0.9 });
    opt2.load_state_dict(asObjects);
    expect(opt2.param_groups[0]!.lr).toBe(0.05);
    expect(opt2.param_groups[0]!.params).toBe(opt2.param_groups[0]!.params);
    const b1 = opt.state.get(mm.m.parameters()[0]!)!.momentum_buffer as Tensor;
    const b2 = opt2.state.get(mm.m.parameters()[0]!)!.momentum_buffer as Tensor;
    expect(b2).not.toBe(b1);
    expect(Array.from(b2.toTypedArray() as Float32Array)).toEqual(Array.from(b1.toTypedArray() as Float32Array));
    for (const s of sd.state.values()) for (const t of s.values()) (t as Tensor).dispose();
    opt.dispose();
    opt2.dispose();
  });
});

describe.skipIf(!python)(`fine-tuning as in transfer learning, against PyTorch${python ? '' : ` (${pythonMissingReason})`}`, () => {
  // Phase 1: backbone frozen (left out of the optimizer), the head trained. Phase 2: the backbone
  // unfrozen and added as its own param group with a small lr. Phase 3: the head's lr changed at run time.
  let ref: History;
  beforeAll(() => {
    ref = runPython<History>(
      PY_HARNESS +
        `
m, x, y = make_model()
for p in m[0].parameters():
    p.requires_grad_(False)
opt = torch.optim.Adam(m[2].parameters(), lr=0.01)
out = []
for i in range(30):
    if i == 10:
        for p in m[0].parameters():
            p.requires_grad_(True)
        opt.add_param_group({'params': m[0].parameters(), 'lr': 0.001})
    if i == 20:
        opt.param_groups[0]['lr'] = 0.003
    train_step(m, x, y, opt)
    out.append(snapshot(m))
`,
    );
  });
  it('add_param_group and a run-time lr change give the parameters Python gives, step by step', () => {
    const mm = makeModel();
    const backbone = mm.m.at(0) as nn.Linear;
    for (const p of backbone.parameters()) p.requires_grad_(false);
    const opt = new optim.Adam((mm.m.at(2) as nn.Linear).parameters(), { lr: 0.01 });
    const hist: History = [];
    for (let i = 0; i < 30; i++) {
      if (i === 10) {
        for (const p of backbone.parameters()) p.requires_grad_(true);
        opt.add_param_group({ params: backbone.parameters(), lr: 0.001 });
      }
      if (i === 20) opt.param_groups[0]!.lr = 0.003;
      trainStep(mm, opt);
      hist.push(snapshot(mm.m));
    }
    expect(firstMismatch(hist, ref)).toBeNull();
    opt.dispose();
  });
});
