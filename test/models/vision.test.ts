// torch-node's torchvision models against python3-torchvision. For each
// family, torchvision builds a model after manual_seed(0), perturbs its
// BatchNorm parameters and running statistics (so eval mode is not an
// identity), and torch.save()s its state_dict together with its logits on a
// fixed input in eval mode and in train mode (after manual_seed(2), so the
// dropout masks are drawn alike), and the running statistics that train-mode
// forward left behind. Ours must: have the same state_dict keys and the same
// initial weights after manual_seed(0) (SHA-256 of the raw bytes), load the
// file with strict=true, and reproduce the logits, aux logits and updated
// buffers within 1e-4 of the largest reference value.
//
// Inputs are batch 2 and small, to keep this file quick on a two-core machine:
// 64x64 for ResNet and MobileNet (their last stage still sees 2x2), VGG's
// minimum 32x32, and 299x299 for Inception, whose auxiliary head needs it.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import type { Module } from '../../lib/nn/module.js';
import type { Tensor } from '../../lib/tensor.js';
import {
  type HasReplaceableHead, type InceptionOutputs, Inception3, cfgs, inception_v3, make_layers, mobilenet_v2,
  resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d, vgg11, wide_resnet50_2,
} from '../../lib/models/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

type Model = Module & HasReplaceableHead;

interface Family {
  name: string;
  /** The Python expression (torchvision.models as `models`) building the model. */
  py: string;
  ts: () => Model;
  size: number;
  /** The smallest input side the model takes in eval mode (for the quick replace_head check). */
  minSize: number;
  /** Python statements replacing the head of `m` by fresh nn.Linear(…, 10) layers, as users write it. */
  pyReplaceHead: string;
}

const FAMILIES: Family[] = [
  { name: 'resnet18', py: 'models.resnet18()', ts: () => resnet18(), size: 64, minSize: 32, pyReplaceHead: 'm.fc = nn.Linear(m.fc.in_features, 10)' },
  { name: 'resnet34', py: 'models.resnet34()', ts: () => resnet34(), size: 64, minSize: 32, pyReplaceHead: 'm.fc = nn.Linear(m.fc.in_features, 10)' },
  { name: 'resnet50', py: 'models.resnet50()', ts: () => resnet50(), size: 64, minSize: 32, pyReplaceHead: 'm.fc = nn.Linear(m.fc.in_features, 10)' },
  {
    name: 'inception_v3',
    py: 'models.inception_v3(init_weights=True, transform_input=True)',
    ts: () => inception_v3({ init_weights: true, transform_input: true }),
    size: 299,
    minSize: 75,
    pyReplaceHead: 'm.fc = nn.Linear(m.fc.in_features, 10); m.AuxLogits.fc = nn.Linear(m.AuxLogits.fc.in_features, 10)',
  },
  {
    name: 'mobilenet_v2', py: 'models.mobilenet_v2()', ts: () => mobilenet_v2(), size: 64, minSize: 32,
    pyReplaceHead: 'm.classifier[-1] = nn.Linear(m.classifier[-1].in_features, 10)',
  },
  {
    name: 'vgg11', py: 'models.vgg11()', ts: () => vgg11(), size: 32, minSize: 32,
    pyReplaceHead: 'm.classifier[-1] = nn.Linear(m.classifier[-1].in_features, 10)',
  },
];

/** Builders checked for structure only: the same keys and shapes as torchvision's. */
const STRUCTURES: { name: string; py: string; ts: () => Module }[] = [
  { name: 'resnet101', py: 'models.resnet101()', ts: () => resnet101() },
  { name: 'resnet152', py: 'models.resnet152()', ts: () => resnet152() },
  { name: 'resnext50_32x4d', py: 'models.resnext50_32x4d()', ts: () => resnext50_32x4d() },
  { name: 'wide_resnet50_2', py: 'models.wide_resnet50_2(num_classes=10)', ts: () => wide_resnet50_2({ num_classes: 10 }) },
  { name: 'mobilenet_v2 width 0.75', py: 'models.mobilenet_v2(width_mult=0.75, num_classes=7)', ts: () => mobilenet_v2({ width_mult: 0.75, num_classes: 7 }) },
  { name: 'inception_v3 without aux', py: 'models.inception_v3(aux_logits=False, init_weights=False, num_classes=5)', ts: () => inception_v3({ aux_logits: false, init_weights: false, num_classes: 5 }) },
  { name: 'vgg features A with BatchNorm', py: "tv_vgg.make_layers(tv_vgg.cfgs['A'], batch_norm=True)", ts: () => make_layers(cfgs.A, true) },
];

interface Reference {
  families: Record<string, FamilyRef>;
  structures: Record<string, [string, number[]][]>;
  vgg_cfgs: Record<string, (number | 'M')[]>;
  aux_error: string | null;
}

interface FamilyRef {
  keys: string[];
  repr: string;
  init: string[];
  head_keys: string[];
  head: Record<string, string>;
}

const PY = (dir: string): string => `
import os, hashlib
from torch import nn
from torchvision import models
D = ${JSON.stringify(dir)}
def sha(t):
    return hashlib.sha256(t.detach().contiguous().numpy().tobytes()).hexdigest()
fams = {}
for name, build, size, replace_head in ${JSON.stringify(FAMILIES.map((f) => [f.name, f.py, f.size, f.pyReplaceHead]))}:
    torch.manual_seed(0)
    m = eval(build)
    sd = m.state_dict()
    rec = {'keys': list(sd.keys()), 'init': [sha(v) for v in sd.values()], 'repr': repr(m)}
    torch.manual_seed(1)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.mul_(torch.rand_like(mod.weight) + 0.5)
                mod.bias.add_(torch.randn_like(mod.bias) * 0.1)
                mod.running_mean.copy_(torch.randn_like(mod.running_mean) * 0.1)
                mod.running_var.copy_(torch.rand_like(mod.running_var) + 0.5)
                mod.num_batches_tracked.fill_(3)
    torch.save(m.state_dict(), os.path.join(D, name + '.pt'))
    x = torch.randn(2, 3, size, size)
    res = {'x': x}
    m.eval()
    with torch.no_grad():
        res['eval'] = m(x)
    m.train()
    torch.manual_seed(2)
    y = m(x)
    if isinstance(y, tuple):
        res['train'], res['train_aux'] = y.logits.detach(), y.aux_logits.detach()
    else:
        res['train'] = y.detach()
    for k, v in m.state_dict().items():
        if k.endswith(('running_mean', 'running_var', 'num_batches_tracked')):
            res['after.' + k] = v
    torch.save(res, os.path.join(D, name + '.out.pt'))
    prev = m.state_dict(keep_vars=True)
    torch.manual_seed(5)
    exec(replace_head)
    sd = m.state_dict(keep_vars=True)
    rec['head_keys'] = list(sd.keys())
    rec['head'] = {k: sha(v) for k, v in sd.items() if v is not prev.get(k)}
    fams[name] = rec

# Structure only (keys and shapes) for the other builders; init is patched
# out here because only shapes are compared.
import torchvision.models.vgg as tv_vgg
INITS = ['kaiming_normal_', 'kaiming_uniform_', 'normal_', 'uniform_', 'constant_', 'trunc_normal_', 'ones_', 'zeros_']
saved = {n: getattr(nn.init, n) for n in INITS}
for n in INITS:
    setattr(nn.init, n, lambda t, *a, **k: t)
structures = {}
try:
    for name, expr in ${JSON.stringify(STRUCTURES.map((st) => [st.name, st.py]))}:
        structures[name] = [[k, list(v.shape)] for k, v in eval(expr).state_dict().items()]
finally:
    for n, f in saved.items():
        setattr(nn.init, n, f)
try:
    models.inception_v3(weights='DEFAULT', aux_logits=False)
    aux_error = None
except ValueError as e:
    aux_error = str(e)
out = {'families': fams, 'structures': structures, 'vgg_cfgs': tv_vgg.cfgs, 'aux_error': aux_error}
`;

function sha256(t: Tensor): string {
  const c = t.contiguous();
  const a = c.toTypedArray() as ArrayBufferView;
  if (c !== t) c.dispose();
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

/** max|a - b| / max|b|: the difference relative to the reference's scale. */
function relDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return torch.scope(() => {
    const scale = b.abs().max().item() as number;
    return (a.sub(b).abs().max().item() as number) / Math.max(scale, 1e-30);
  });
}

function get(d: Map<string, Tensor>, key: string): Tensor {
  const t = d.get(key);
  if (t === undefined) throw new Error(`fixture has no ${key}`);
  return t;
}

describe.skipIf(!python)(`torchvision models against python3-torchvision${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let dir: string;
  let ref: Reference;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'torch-node-vision-'));
    ref = runPython<Reference>(PY(dir));
  }, 600_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const family of FAMILIES) {
    describe(family.name, () => {
      let model: Model;
      let out: Map<string, Tensor>;
      afterAll(() => {
        model?.dispose();
        if (out) for (const t of out.values()) t.dispose();
      });

      it("has torchvision's state_dict keys, module tree print-out and, after manual_seed(0), its initial weights", () => {
        torch.manual_seed(0);
        model = family.ts();
        const r = ref.families[family.name]!;
        expect(model.toString()).toBe(r.repr);
        const sd = model.state_dict();
        expect([...sd.keys()]).toEqual(r.keys);
        const mismatched = [...sd.entries()].filter(([, v], i) => sha256(v) !== r.init[i]).map(([k]) => k);
        expect(mismatched).toEqual([]);
      });

      it("loads torchvision's state_dict with strict=true and gives its eval-mode logits", () => {
        const sd = torch.load(join(dir, `${family.name}.pt`)) as Map<string, Tensor>;
        expect(model.load_state_dict(sd, true)).toEqual({ missing_keys: [], unexpected_keys: [] });
        for (const t of sd.values()) t.dispose();
        out = torch.load(join(dir, `${family.name}.out.pt`)) as Map<string, Tensor>;
        model.eval();
        const before = torch.memory().liveTensors;
        const logits = torch.no_grad(() => model.call(get(out, 'x'))) as Tensor;
        const d = relDiff(logits, get(out, 'eval'));
        logits.dispose();
        expect(torch.memory().liveTensors).toBe(before);
        expect(d).toBeLessThanOrEqual(1e-4);
        console.log(`${family.name} eval logits: max relative difference ${d}`);
      });

      it("in train mode gives torchvision's logits (same dropout masks) and running statistics", () => {
        model.train();
        torch.manual_seed(2);
        const y = model.call(get(out, 'x')) as Tensor | InceptionOutputs;
        let logits: Tensor;
        if (model instanceof Inception3) {
          expect(Array.isArray(y)).toBe(true);
          const o = y as InceptionOutputs;
          expect(o[0]).toBe(o.logits);
          expect(o.aux_logits).not.toBeNull();
          const dAux = relDiff(o.aux_logits!, get(out, 'train_aux'));
          expect(dAux, 'aux_logits').toBeLessThanOrEqual(1e-4);
          o.aux_logits!.dispose();
          logits = o.logits;
        } else {
          logits = y as Tensor;
        }
        const d = relDiff(logits, get(out, 'train'));
        logits.dispose();
        expect(d, 'logits').toBeLessThanOrEqual(1e-4);
        const sd = model.state_dict();
        let buffers = 0;
        let worst = 0;
        for (const [k, v] of out) {
          if (!k.startsWith('after.')) continue;
          const mine = sd.get(k.slice('after.'.length))!;
          if (v.dtype === 'int64') expect(mine.equal(v), k).toBe(true);
          else worst = Math.max(worst, relDiff(mine, v));
          buffers++;
        }
        expect(buffers).toBe([...sd.keys()].filter((k) => /running_(mean|var)$|num_batches_tracked$/.test(k)).length);
        expect(worst, 'running statistics').toBeLessThanOrEqual(1e-4);
        console.log(`${family.name} train logits: max relative difference ${d}; ${buffers} buffers, max relative difference ${worst}`);
      });

      it('replace_head(10) puts in the fresh nn.Linear torchvision users write, and nothing else changes', () => {
        const r = ref.families[family.name]!;
        const before = model.state_dict({ keep_vars: true });
        const kept = [...before].filter(([k]) => !(k in r.head));
        expect(Object.keys(r.head).length).toBeGreaterThan(0);
        torch.manual_seed(5);
        expect(model.replace_head(10)).toBe(model);
        const sd = model.state_dict({ keep_vars: true });
        expect([...sd.keys()]).toEqual(r.head_keys);
        for (const [k, h] of Object.entries(r.head)) expect(sha256(sd.get(k)!), k).toBe(h);
        for (const [k, v] of kept) expect(sd.get(k), k).toBe(v);
        model.eval();
        const logits = torch.scope(() => torch.no_grad(() => model.call(torch.randn([1, 3, family.minSize, family.minSize])) as Tensor));
        expect(logits.shape).toEqual([1, 10]);
        logits.dispose();
      });
    });
  }

  for (const st of STRUCTURES) {
    it(`${st.name}: torchvision's state_dict keys and shapes`, () => {
      const m = st.ts();
      const mine = [...m.state_dict({ keep_vars: true })].map(([k, v]) => [k, v.shape]);
      m.dispose();
      expect(mine).toEqual(ref.structures[st.name]);
    });
  }

  it("VGG's configurations are torchvision's", () => {
    expect(cfgs).toEqual(ref.vgg_cfgs);
  });

  it('builders load a checkpoint given as weights (a path or a state_dict), strictly', () => {
    const out = torch.load(join(dir, 'resnet18.out.pt')) as Map<string, Tensor>;
    const fromPath = resnet18({ weights: join(dir, 'resnet18.pt') }).eval();
    const logits = torch.no_grad(() => fromPath.call(get(out, 'x')));
    expect(relDiff(logits, get(out, 'eval'))).toBeLessThanOrEqual(1e-4);
    logits.dispose();
    fromPath.dispose();
    for (const t of out.values()) t.dispose();

    const sd = torch.load(join(dir, 'mobilenet_v2.pt')) as Map<string, Tensor>;
    const fromMap = mobilenet_v2({ weights: sd });
    expect(fromMap.state_dict().get('features.0.1.running_var')!.equal(sd.get('features.0.1.running_var')!)).toBe(true);
    fromMap.dispose();
    // A checkpoint of another architecture: PyTorch's strict load_state_dict error.
    expect(() => mobilenet_v2({ weights: join(dir, 'resnet18.pt') })).toThrow(
      /^Error\(s\) in loading state_dict for MobileNetV2:\n\tMissing key\(s\) in state_dict: "features\.0\.0\.weight", .*\n\tUnexpected key\(s\) in state_dict: "conv1\.weight", /s,
    );
    for (const t of sd.values()) t.dispose();
  });

  it('inception_v3 with weights: transform_input on and AuxLogits kept, as torchvision; aux_logits: false is its ValueError', () => {
    const sd = torch.load(join(dir, 'inception_v3.pt')) as Map<string, Tensor>;
    const m = inception_v3({ weights: sd });
    expect(m.transform_input).toBe(true);
    expect(m.AuxLogits).not.toBeNull();
    m.dispose();
    expect(ref.aux_error).not.toBeNull();
    expect(() => inception_v3({ weights: sd, aux_logits: false })).toThrow(`ValueError: ${ref.aux_error}`);
    for (const t of sd.values()) t.dispose();
  });

  it('replace_head refuses a class count that is not a positive integer', () => {
    const m = mobilenet_v2({ num_classes: 3 });
    expect(() => m.replace_head(0)).toThrow('replace_head: num_classes must be a positive integer, got 0');
    expect(() => m.replace_head(2.5)).toThrow(RangeError);
    m.dispose();
  });
});
