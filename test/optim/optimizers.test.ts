// Every optimizer against PyTorch 1.13's torch/optim: 50 steps of the same
// model, data and seed here and in Python, every parameter compared after every
// step, bit for bit; single-tensor (default) and foreach paths, plain and in
// transfer-learning param groups (a small lr for the backbone, the default for
// the head, a frozen parameter left out); and no tensors left behind.
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { optim } from '../../lib/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';
import { firstMismatch, makeModel, PY_HARNESS, snapshot, trainStep, transferGroups, type History } from './_harness.js';

type Opts = Record<string, unknown>;
interface Config {
  opt: string;
  /** Python keyword arguments. */
  py: string;
  js: Opts;
  groups?: boolean;
  closure?: boolean;
}

const BASE: [string, string, Opts][] = [
  ['SGD', 'lr=0.1', { lr: 0.1 }],
  ['SGD', 'lr=0.05, momentum=0.9', { lr: 0.05, momentum: 0.9 }],
  ['SGD', 'lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01', { lr: 0.05, momentum: 0.8, dampening: 0.3, weight_decay: 0.01 }],
  ['SGD', 'lr=0.02, momentum=0.9, nesterov=True', { lr: 0.02, momentum: 0.9, nesterov: true }],
  ['SGD', 'lr=0.01, momentum=0.5, maximize=True', { lr: 0.01, momentum: 0.5, maximize: true }],
  ['Adam', 'lr=0.01', { lr: 0.01 }],
  ['Adam', 'lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True', { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, weight_decay: 0.1, amsgrad: true }],
  ['Adam', 'lr=0.01, maximize=True', { lr: 0.01, maximize: true }],
  ['AdamW', 'lr=0.01', { lr: 0.01 }],
  ['AdamW', 'lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True', { lr: 0.01, weight_decay: 0.1, amsgrad: true, maximize: true }],
  ['RMSprop', 'lr=0.01', { lr: 0.01 }],
  ['RMSprop', 'lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01', { lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true, weight_decay: 0.01 }],
  ['RMSprop', 'lr=0.01, momentum=0.3, maximize=True', { lr: 0.01, momentum: 0.3, maximize: true }],
  ['Adagrad', 'lr=0.1', { lr: 0.1 }],
  ['Adagrad', 'lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.1, eps=1e-8, maximize=True', { lr: 0.1, lr_decay: 0.01, weight_decay: 0.05, initial_accumulator_value: 0.1, eps: 1e-8, maximize: true }],
  ['Adadelta', 'lr=1.0', { lr: 1.0 }],
  ['Adadelta', 'lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True', { lr: 0.5, rho: 0.8, eps: 1e-5, weight_decay: 0.1, maximize: true }],
  ['Adamax', 'lr=0.01', { lr: 0.01 }],
  ['Adamax', 'lr=0.02, betas=(0.8, 0.95), weight_decay=0.1, maximize=True', { lr: 0.02, betas: [0.8, 0.95], weight_decay: 0.1, maximize: true }],
  ['NAdam', 'lr=0.01', { lr: 0.01 }],
  ['NAdam', 'lr=0.02, betas=(0.85, 0.99), weight_decay=0.1, momentum_decay=0.01', { lr: 0.02, betas: [0.85, 0.99], weight_decay: 0.1, momentum_decay: 0.01 }],
  ['RAdam', 'lr=0.01', { lr: 0.01 }],
  ['RAdam', 'lr=0.02, betas=(0.8, 0.9), weight_decay=0.1', { lr: 0.02, betas: [0.8, 0.9], weight_decay: 0.1 }],
];

const CONFIGS: Config[] = [];
for (const [opt, py, js] of BASE) {
  CONFIGS.push({ opt, py, js });
  CONFIGS.push({ opt, py: `${py}, foreach=True`, js: { ...js, foreach: true } });
}
for (const opt of ['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam']) {
  const first = BASE.find((b) => b[0] === opt)!;
  const withMomentum = opt === 'SGD' ? BASE[1]! : first;
  CONFIGS.push({ opt, py: withMomentum[1], js: withMomentum[2], groups: true });
}
CONFIGS.push(
  { opt: 'LBFGS', py: 'lr=0.1, max_iter=5, history_size=3', js: { lr: 0.1, max_iter: 5, history_size: 3 }, closure: true },
  { opt: 'LBFGS', py: "lr=1, line_search_fn='strong_wolfe'", js: { lr: 1, line_search_fn: 'strong_wolfe' }, closure: true },
  { opt: 'LBFGS', py: "lr=1, max_iter=4, history_size=2, line_search_fn='strong_wolfe'", js: { lr: 1, max_iter: 4, history_size: 2, line_search_fn: 'strong_wolfe' }, closure: true },
);

const STEPS = 50;
const label = (c: Config): string => `${c.opt}(${c.py})${c.groups ? ' in param groups' : ''}`;

function make(c: Config, params: unknown): optim.Optimizer {
  const Ctor = (optim as unknown as Record<string, new (p: unknown, o: Opts) => optim.Optimizer>)[c.opt]!;
  return new Ctor(params, c.js);
}

/** The distinct tensors an optimizer's state holds (LBFGS's history grows and shrinks). */
function stateTensors(opt: optim.Optimizer): number {
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v instanceof torch.Tensor) seen.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const s of opt.state.values()) walk(s);
  return seen.size;
}

function runJs(c: Config): { hist: History; leaked: number } {
  const mm = makeModel();
  const params = c.groups ? transferGroups(mm, (c.js.lr as number) ?? 0.01) : mm.m.parameters();
  const opt = make(c, params);
  const hist: History = [];
  const base = torch.memory().liveTensors - stateTensors(opt);
  let leaked = 0;
  for (let s = 0; s < STEPS; s++) {
    trainStep(mm, opt, c.closure);
    hist.push(snapshot(mm.m));
    leaked = Math.max(leaked, torch.memory().liveTensors - base - stateTensors(opt));
  }
  opt.dispose();
  // dispose() frees the state, and nothing else was held.
  expect(torch.memory().liveTensors).toBe(base);
  return { hist, leaked };
}

describe.skipIf(!python)(`optimizers: parameters identical to PyTorch's after every step${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let ref: History[];
  beforeAll(() => {
    ref = runPython<History[]>(
      PY_HARNESS +
        `
configs = json.loads(${JSON.stringify(JSON.stringify(CONFIGS.map((c) => [c.opt, c.py, Boolean(c.groups), Boolean(c.closure)])))})
out = []
for name, kw, groups, closure in configs:
    m, x, y = make_model()
    kwargs = eval('dict(' + kw + ')')
    params = transfer_groups(m, kwargs.get('lr', 0.01)) if groups else m.parameters()
    opt = getattr(torch.optim, name)(params, **kwargs)
    hist = []
    for i in range(${STEPS}):
        train_step(m, x, y, opt, closure)
        hist.append(snapshot(m))
    out.append(hist)
`,
    );
  });
  CONFIGS.forEach((c, i) => {
    it(`${label(c)}: ${STEPS} steps`, () => {
      const { hist, leaked } = runJs(c);
      expect(firstMismatch(hist, ref[i]!)).toBeNull();
      // Each step leaves nothing behind but the optimizer's state.
      expect(leaked).toBe(0);
    });
  });
});
