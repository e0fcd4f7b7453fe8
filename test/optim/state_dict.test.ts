// Optimizer (and scheduler) state_dicts across the language boundary, through
// torch.save / torch.load files: a checkpoint Python writes after 20 steps
// loads here and the next 10 steps equal Python's own continuation, bit for
// bit; a checkpoint written here loads in Python and
// Python's next 10 steps equal ours. Also the structure: state keyed by
// integer index, param_groups with 'params' as index lists, PyTorch's keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { optim } from '../../lib/index.js';
import { lr_scheduler } from '../../lib/optim/index.js';
import { load, save } from '../../lib/serialization/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';
import { firstMismatch, makeModel, PY_HARNESS, snapshot, trainStep, type History, type Model } from './_harness.js';

type Opts = Record<string, unknown>;
interface Config {
  name: string;
  opt: string;
  py: string;
  js: Opts;
  closure?: boolean;
  /** Python: scheduler on `opt`, assigned to `s`; JS the same. */
  schedPy?: string;
  schedJs?: (o: optim.Optimizer) => lr_scheduler.LRScheduler;
}

const CONFIGS: Config[] = [
  {
    name: 'SGD with momentum + StepLR', opt: 'SGD', py: 'lr=0.05, momentum=0.9', js: { lr: 0.05, momentum: 0.9 },
    schedPy: 'L.StepLR(opt, step_size=4, gamma=0.5)', schedJs: (o) => new lr_scheduler.StepLR(o, 4, 0.5),
  },
  { name: 'SGD nesterov, weight_decay', opt: 'SGD', py: 'lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.01', js: { lr: 0.02, momentum: 0.9, nesterov: true, weight_decay: 0.01 } },
  {
    name: 'Adam + CosineAnnealingLR', opt: 'Adam', py: 'lr=0.01', js: { lr: 0.01 },
    schedPy: 'L.CosineAnnealingLR(opt, T_max=12)', schedJs: (o) => new lr_scheduler.CosineAnnealingLR(o, 12),
  },
  { name: 'Adam amsgrad', opt: 'Adam', py: 'lr=0.01, amsgrad=True, weight_decay=0.1', js: { lr: 0.01, amsgrad: true, weight_decay: 0.1 } },
  {
    name: 'AdamW + OneCycleLR', opt: 'AdamW', py: 'lr=0.01, weight_decay=0.05', js: { lr: 0.01, weight_decay: 0.05 },
    schedPy: 'L.OneCycleLR(opt, max_lr=0.02, total_steps=40)', schedJs: (o) => new lr_scheduler.OneCycleLR(o, 0.02, { total_steps: 40 }),
  },
  { name: 'RMSprop centered, momentum', opt: 'RMSprop', py: 'lr=0.01, momentum=0.5, centered=True', js: { lr: 0.01, momentum: 0.5, centered: true } },
  { name: 'Adagrad', opt: 'Adagrad', py: 'lr=0.1, lr_decay=0.01', js: { lr: 0.1, lr_decay: 0.01 } },
  { name: 'Adadelta', opt: 'Adadelta', py: 'lr=1.0', js: { lr: 1.0 } },
  { name: 'Adamax', opt: 'Adamax', py: 'lr=0.01', js: { lr: 0.01 } },
  { name: 'NAdam', opt: 'NAdam', py: 'lr=0.01', js: { lr: 0.01 } },
  { name: 'RAdam', opt: 'RAdam', py: 'lr=0.01', js: { lr: 0.01 } },
  { name: 'LBFGS', opt: 'LBFGS', py: 'lr=0.1, max_iter=5, history_size=3', js: { lr: 0.1, max_iter: 5, history_size: 3 }, closure: true },
];

const BEFORE = 20;
const AFTER = 10;

function makeOpt(c: Config, params: unknown): optim.Optimizer {
  const Ctor = (optim as unknown as Record<string, new (p: unknown, o: Opts) => optim.Optimizer>)[c.opt]!;
  return new Ctor(params, c.js);
}

function step(c: Config, mm: Model, opt: optim.Optimizer, sched: lr_scheduler.LRScheduler | null): void {
  trainStep(mm, opt, c.closure);
  sched?.step();
}

/** A state value as JSON: tensors as { tensor: values }, Maps as objects. */
function plain(v: unknown): unknown {
  if (v instanceof torch.Tensor) return { tensor: Array.from(v.reshape(-1).toTypedArray() as Float32Array), shape: v.shape };
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

interface PyResult {
  /** Python resumed from our checkpoint: parameters and lrs of the next steps. */
  fromJs: History;
  fromJsLrs: number[][];
  /** Python resumed from its own checkpoint. */
  own: History;
  ownLrs: number[][];
  /** Python's optimizer state_dict at its checkpoint, as JSON. */
  ownState: unknown;
}

/**
 * Resumes from a checkpoint as a user does: a fresh model and optimizer,
 * load_state_dict on both, the scheduler rebuilt and load_state_dict'ed;
 * then AFTER steps. Returns the parameters and lrs after each.
 */
function resume(c: Config, file: string, check?: (opt: optim.Optimizer) => void): { hist: History; lrs: number[][] } {
  const mm = makeModel();
  const ck = load(file) as Map<string, unknown>;
  mm.m.load_state_dict(ck.get('model') as Map<string, Tensor>);
  const opt = makeOpt(c, mm.m.parameters());
  opt.load_state_dict(ck.get('optim') as optim.OptimizerStateDictLike);
  check?.(opt);
  let sched: lr_scheduler.LRScheduler | null = null;
  if (c.schedJs) {
    sched = c.schedJs(opt);
    sched.load_state_dict(ck.get('sched') as Map<string, unknown>);
  }
  disposeDeep(ck);
  const hist: History = [];
  const lrs: number[][] = [];
  for (let s = 0; s < AFTER; s++) {
    step(c, mm, opt, sched);
    hist.push(snapshot(mm.m));
    lrs.push(opt.param_groups.map((g) => g.lr as number));
  }
  opt.dispose();
  return { hist, lrs };
}

function disposeDeep(v: unknown): void {
  if (v instanceof torch.Tensor) v.dispose();
  else if (v instanceof Map) for (const x of v.values()) disposeDeep(x);
  else if (Array.isArray(v)) v.forEach(disposeDeep);
}

describe.skipIf(!python)(`optimizer state_dict interop with PyTorch${python ? '' : ` (${pythonMissingReason})`}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'torch-node-optim-'));
  let py: PyResult[];

  beforeAll(() => {
    // Ours: BEFORE steps, then a checkpoint.
    CONFIGS.forEach((c, i) => {
      const mm = makeModel();
      const opt = makeOpt(c, mm.m.parameters());
      const sched = c.schedJs ? c.schedJs(opt) : null;
      for (let s = 0; s < BEFORE; s++) step(c, mm, opt, sched);
      torch.scope(() => {
        const ck: Record<string, unknown> = { model: mm.m.state_dict(), optim: opt.state_dict() };
        if (sched) ck.sched = sched.state_dict();
        save(ck, join(dir, `js-${i}.pt`));
      });
      opt.dispose();
    });
    py = runPython<PyResult[]>(
      PY_HARNESS +
        `
import warnings
warnings.simplefilter('ignore')
import torch.optim.lr_scheduler as L
def plain(v):
    if isinstance(v, torch.Tensor):
        return {'tensor': v.reshape(-1).tolist(), 'shape': list(v.shape)}
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v
def step(m, x, y, opt, s, closure):
    train_step(m, x, y, opt, closure)
    if s is not None:
        s.step()
def resume(name, kwargs, sched, closure, path):
    m, x, y = make_model()
    ck = torch.load(path)
    m.load_state_dict(ck['model'])
    opt = getattr(torch.optim, name)(m.parameters(), **kwargs)
    opt.load_state_dict(ck['optim'])
    s = None
    if sched:
        s = eval(sched)
        s.load_state_dict(ck['sched'])
    hist, lrs = [], []
    for _ in range(${AFTER}):
        step(m, x, y, opt, s, closure)
        hist.append(snapshot(m))
        lrs.append([g['lr'] for g in opt.param_groups])
    return hist, lrs
configs = json.loads(${JSON.stringify(JSON.stringify(CONFIGS.map((c) => [c.opt, c.py, c.schedPy ?? null, Boolean(c.closure)])))})
out = []
for i, (name, kw, sched, closure) in enumerate(configs):
    kwargs = eval('dict(' + kw + ')')
    r = {}
    # Ours -> Python. torch.load without weights_only: PyTorch 1.13's weights_only unpickler lacks
    # BINFLOAT, so it refuses any optimizer state_dict (its own too: 'Unsupported operand 71').
    r['fromJs'], r['fromJsLrs'] = resume(name, kwargs, sched, closure, '${dir}/js-%d.pt' % i)
    # Python's own run, checkpointed after ${BEFORE} steps.
    m, x, y = make_model()
    opt = getattr(torch.optim, name)(m.parameters(), **kwargs)
    s = eval(sched) if sched else None
    for _ in range(${BEFORE}):
        step(m, x, y, opt, s, closure)
    ck = {'model': m.state_dict(), 'optim': opt.state_dict()}
    if s is not None:
        ck['sched'] = s.state_dict()
        if 'anneal_func' in ck['sched']:
            del ck['sched']['anneal_func']  # a bound method: PyTorch 1.13 cannot pickle it either
    torch.save(ck, '${dir}/py-%d.pt' % i)
    r['ownState'] = plain(opt.state_dict())
    r['own'], r['ownLrs'] = resume(name, kwargs, sched, closure, '${dir}/py-%d.pt' % i)
    out.append(r)
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  CONFIGS.forEach((c, i) => {
    it(`${c.name}: Python's checkpoint loads here and the next ${AFTER} steps equal Python's`, () => {
      const ours = resume(c, join(dir, `py-${i}.pt`), (opt) => {
        // The loaded state reads back as Python wrote it.
        expect(torch.scope(() => plain(opt.state_dict()))).toEqual(py[i]!.ownState);
      });
      expect(firstMismatch(ours.hist, py[i]!.own)).toBeNull();
      expect(ours.lrs).toEqual(py[i]!.ownLrs);
    });
    it(`${c.name}: our checkpoint loads in Python and its next ${AFTER} steps equal ours`, () => {
      const ours = resume(c, join(dir, `js-${i}.pt`));
      expect(firstMismatch(ours.hist, py[i]!.fromJs)).toBeNull();
      expect(ours.lrs).toEqual(py[i]!.fromJsLrs);
    });
  });

  it("state_dict() has PyTorch's structure: state keyed by index, param_groups with index lists", () => {
    const mm = makeModel();
    const l0 = mm.m.at(0) as torch.nn.Linear;
    const opt = new optim.Adam([{ params: [l0.weight], lr: 0.001 }, { params: (mm.m.at(2) as torch.nn.Linear).parameters() }], { lr: 0.01 });
    trainStep(mm, opt);
    const sd = opt.state_dict();
    expect(sd.state).toBeInstanceOf(Map);
    expect([...sd.state.keys()]).toEqual([0, 1, 2]);
    expect([...sd.state.get(0)!.keys()]).toEqual(['step', 'exp_avg', 'exp_avg_sq']);
    expect(sd.param_groups.map((g) => g.params)).toEqual([[0], [1, 2]]);
    expect(Object.keys(sd.param_groups[0]!)).toEqual([
      'lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'maximize', 'foreach', 'capturable', 'differentiable', 'fused', 'params',
    ]);
    expect(sd.param_groups.map((g) => g.lr)).toEqual([0.001, 0.01]);
    // Tensors are new handles on the optimizer's storage: disposing them leaves the optimizer intact.
    const live = torch.memory().liveTensors;
    for (const s of sd.state.values()) for (const t of s.values()) (t as Tensor).dispose();
    expect(torch.memory().liveTensors).toBe(live - 9);
    trainStep(mm, opt);
    opt.dispose();
  });
});
