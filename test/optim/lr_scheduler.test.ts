// lr_scheduler against PyTorch 1.13's torch/optim/lr_scheduler.py: 50 epochs
// of the same model, data and seed here and in Python, comparing the learning
// rates (get_last_lr(), to the last bit) and every parameter after every step.
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { optim } from '../../lib/index.js';
import { lr_scheduler } from '../../lib/optim/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';
import { firstMismatch, makeModel, PY_HARNESS, snapshot, trainStep, transferGroups, type History } from './_harness.js';

const { LRScheduler } = lr_scheduler;
type AnyScheduler = InstanceType<typeof LRScheduler> | InstanceType<typeof lr_scheduler.ReduceLROnPlateau>;

interface Case {
  name: string;
  /** Python: optimizer `opt` exists; assign the scheduler to `s`. */
  py: string;
  js: (opt: optim.Optimizer) => AnyScheduler;
  optimizer?: 'SGD' | 'Adam';
  groups?: boolean;
  /** Python expression for step(): default `s.step()`. */
  pyStep?: string;
  jsStep?: (s: AnyScheduler, epoch: number, loss: number) => void;
}

const L = lr_scheduler;
const CASES: Case[] = [
  { name: 'StepLR', py: 's = L.StepLR(opt, step_size=7, gamma=0.5)', js: (o) => new L.StepLR(o, 7, 0.5) },
  { name: 'StepLR (param groups)', groups: true, py: 's = L.StepLR(opt, step_size=3, gamma=0.7)', js: (o) => new L.StepLR(o, 3, 0.7) },
  { name: 'MultiStepLR', py: 's = L.MultiStepLR(opt, milestones=[5, 10, 10, 30], gamma=0.3)', js: (o) => new L.MultiStepLR(o, [5, 10, 10, 30], 0.3) },
  { name: 'ExponentialLR', py: 's = L.ExponentialLR(opt, gamma=0.93)', js: (o) => new L.ExponentialLR(o, 0.93) },
  { name: 'CosineAnnealingLR', py: 's = L.CosineAnnealingLR(opt, T_max=13, eta_min=0.001)', js: (o) => new L.CosineAnnealingLR(o, 13, 0.001) },
  { name: 'CosineAnnealingLR (param groups)', groups: true, py: 's = L.CosineAnnealingLR(opt, T_max=7)', js: (o) => new L.CosineAnnealingLR(o, 7) },
  {
    name: 'CosineAnnealingWarmRestarts', py: 's = L.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=2, eta_min=1e-4)',
    js: (o) => new L.CosineAnnealingWarmRestarts(o, 5, 2, 1e-4),
  },
  {
    name: 'CosineAnnealingWarmRestarts (fractional epochs)', py: 's = L.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)',
    pyStep: 's.step(i / 3)', js: (o) => new L.CosineAnnealingWarmRestarts(o, 3, 2),
    jsStep: (s, i) => (s as InstanceType<typeof L.CosineAnnealingWarmRestarts>).step(i / 3),
  },
  { name: 'LinearLR', py: 's = L.LinearLR(opt, start_factor=0.25, total_iters=20)', js: (o) => new L.LinearLR(o, 0.25, 1.0, 20) },
  { name: 'ConstantLR', py: 's = L.ConstantLR(opt, factor=0.5, total_iters=8)', js: (o) => new L.ConstantLR(o, 0.5, 8) },
  { name: 'PolynomialLR', py: 's = L.PolynomialLR(opt, total_iters=30, power=2.0)', js: (o) => new L.PolynomialLR(o, 30, 2.0) },
  { name: 'LambdaLR', py: 's = L.LambdaLR(opt, lambda e: 1 / (1 + 0.1 * e))', js: (o) => new L.LambdaLR(o, (e) => 1 / (1 + 0.1 * e)) },
  { name: 'MultiplicativeLR', py: 's = L.MultiplicativeLR(opt, lambda e: 0.97)', js: (o) => new L.MultiplicativeLR(o, () => 0.97) },
  { name: 'OneCycleLR', py: 's = L.OneCycleLR(opt, max_lr=0.1, total_steps=50)', js: (o) => new L.OneCycleLR(o, 0.1, { total_steps: 50 }) },
  {
    name: 'OneCycleLR (Adam betas, three phases, linear)', optimizer: 'Adam',
    py: "s = L.OneCycleLR(opt, max_lr=[0.05], epochs=5, steps_per_epoch=10, three_phase=True, anneal_strategy='linear')",
    js: (o) => new L.OneCycleLR(o, [0.05], { epochs: 5, steps_per_epoch: 10, three_phase: true, anneal_strategy: 'linear' }),
  },
  {
    name: 'CyclicLR (triangular2)', py: "s = L.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4, mode='triangular2')",
    js: (o) => new L.CyclicLR(o, 0.01, 0.1, { step_size_up: 4, mode: 'triangular2' }),
  },
  {
    name: 'CyclicLR (exp_range)', py: "s = L.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5, mode='exp_range', gamma=0.97)",
    js: (o) => new L.CyclicLR(o, 0.01, 0.1, { step_size_up: 3, step_size_down: 5, mode: 'exp_range', gamma: 0.97 }),
  },
  {
    name: 'ReduceLROnPlateau', py: 's = L.ReduceLROnPlateau(opt, patience=1, factor=0.5, threshold=0.02, cooldown=1)', pyStep: 's.step(loss)',
    js: (o) => new L.ReduceLROnPlateau(o, { patience: 1, factor: 0.5, threshold: 0.02, cooldown: 1 }),
    jsStep: (s, _i, loss) => (s as InstanceType<typeof L.ReduceLROnPlateau>).step(loss),
  },
  {
    name: 'SequentialLR', py: 's = L.SequentialLR(opt, [L.LinearLR(opt, start_factor=0.1, total_iters=10), L.ExponentialLR(opt, gamma=0.9)], milestones=[10])',
    js: (o) => new L.SequentialLR(o, [new L.LinearLR(o, 0.1, 1.0, 10), new L.ExponentialLR(o, 0.9)], [10]),
  },
  {
    name: 'ChainedScheduler', py: 's = L.ChainedScheduler([L.ConstantLR(opt, factor=0.5, total_iters=10), L.ExponentialLR(opt, gamma=0.95)])',
    js: (o) => new L.ChainedScheduler([new L.ConstantLR(o, 0.5, 10), new L.ExponentialLR(o, 0.95)]),
  },
];

const STEPS = 50;

interface Run {
  lrs: number[][];
  params: History;
  momentum: number[][];
}

function runJs(c: Case): Run {
  const mm = makeModel();
  const params = c.groups ? transferGroups(mm, 0.1) : mm.m.parameters();
  const opt: optim.Optimizer = c.optimizer === 'Adam' ? new optim.Adam(params, { lr: 0.01 }) : new optim.SGD(params, { lr: 0.1, momentum: 0.9 });
  const s = c.js(opt);
  const run: Run = { lrs: [], params: [], momentum: [] };
  for (let i = 1; i <= STEPS; i++) {
    const loss = torch.scope(() => {
      opt.zero_grad();
      const l = torch.nn.functional.mse_loss(mm.m.call(mm.x), mm.y);
      l.backward();
      opt.step();
      return l.item();
    });
    if (c.jsStep) c.jsStep(s, i, loss);
    else (s as InstanceType<typeof LRScheduler>).step();
    run.lrs.push(s.get_last_lr());
    run.params.push(snapshot(mm.m));
    run.momentum.push(opt.param_groups.map((g) => (c.optimizer === 'Adam' ? (g.betas as number[])[0]! : (g.momentum as number))));
  }
  opt.dispose();
  return run;
}

describe.skipIf(!python)(`lr_scheduler parity with PyTorch${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let ref: Run[];
  beforeAll(() => {
    ref = runPython<Run[]>(
      PY_HARNESS +
        `
import warnings
warnings.simplefilter('ignore')
import torch.optim.lr_scheduler as L
cases = json.loads(${JSON.stringify(JSON.stringify(CASES.map((c) => [c.py, c.pyStep ?? 's.step()', c.optimizer ?? 'SGD', Boolean(c.groups)])))})
out = []
for code, step, optname, groups in cases:
    m, x, y = make_model()
    params = transfer_groups(m, 0.1) if groups else m.parameters()
    opt = torch.optim.Adam(params, lr=0.01) if optname == 'Adam' else torch.optim.SGD(params, lr=0.1, momentum=0.9)
    ns = {'L': L, 'opt': opt}
    exec(code, ns)
    s = ns['s']
    run = {'lrs': [], 'params': [], 'momentum': []}
    for i in range(1, ${STEPS} + 1):
        opt.zero_grad(set_to_none=True)
        l = F.mse_loss(m(x), y)
        l.backward()
        opt.step()
        loss = l.item()
        ns.update({'s': s, 'i': i, 'loss': loss})
        exec(step, ns)
        run['lrs'].append(list(s._last_lr))
        run['params'].append(snapshot(m))
        run['momentum'].append([g['betas'][0] if optname == 'Adam' else g['momentum'] for g in opt.param_groups])
    out.append(run)
`,
    );
  });
  CASES.forEach((c, k) => {
    it(`${c.name}: ${STEPS} epochs, lrs and parameters identical to Python's`, () => {
      const ours = runJs(c);
      expect(ours.lrs).toEqual(ref[k]!.lrs);
      expect(ours.momentum).toEqual(ref[k]!.momentum);
      expect(firstMismatch(ours.params, ref[k]!.params)).toBeNull();
    });
  });
});
