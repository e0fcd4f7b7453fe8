// load_partial: transfer learning from a checkpoint into a model whose head
// differs, with renamed prefixes. The model is a stand-in with nn.Module's two
// methods (state_dict, load_state_dict), so this tests the helper alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OrderedDict } from '../lib/collections.js';
import { load_partial, save, type PartialLoadable } from '../lib/serialization/index.js';
import type { Tensor } from '../lib/tensor.js';
import * as torch from '../lib/torch.js';
import { python, runPython } from './helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'torch-node-partial-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A model with a 'features' backbone and a 'classifier' head of `classes` outputs. */
class TinyNet implements PartialLoadable {
  readonly params: OrderedDict<string, Tensor>;
  loadCalls: { keys: string[]; strict: boolean | undefined }[] = [];

  constructor(classes: number) {
    this.params = new OrderedDict([
      ['features.0.weight', torch.zeros(4, 3)],
      ['features.0.bias', torch.zeros(4)],
      ['features.1.weight', torch.zeros(4, 4)],
      ['classifier.weight', torch.zeros(classes, 4)],
      ['classifier.bias', torch.zeros(classes)],
    ]);
  }
  state_dict(): Map<string, Tensor> {
    return new Map(this.params);
  }
  load_state_dict(sd: Map<string, Tensor>, options?: { strict?: boolean }): void {
    this.loadCalls.push({ keys: [...sd.keys()], strict: options?.strict });
    for (const [k, v] of sd) this.params.get(k)!.copy_(v);
  }
}

function pretrained(prefix: string, classes: number): OrderedDict<string, Tensor> {
  return new OrderedDict([
    [`${prefix}0.weight`, torch.full([4, 3], 1)],
    [`${prefix}0.bias`, torch.full([4], 2)],
    [`${prefix}1.weight`, torch.full([4, 4], 3)],
    [`${prefix}fc.weight`, torch.full([classes, 4], 4)],
    ['module.classifier.weight', torch.full([classes, 4], 5)],
    ['module.classifier.bias', torch.full([classes], 6)],
  ].map(([k, v]) => [k as string, (v as Tensor).float()] as [string, Tensor]));
}

describe('load_partial', () => {
  it('renames prefixes, skips the mismatched head and reports everything', () => {
    const model = new TinyNet(5);
    const ck = pretrained('module.backbone.', 10);
    const report = load_partial(model, ck, { strip_prefix: 'module.', prefix_map: { 'backbone.': 'features.' } });
    expect(report.loaded).toEqual(['features.0.weight', 'features.0.bias', 'features.1.weight']);
    expect(report.skipped).toEqual([
      { key: 'classifier.weight', reason: 'shape mismatch', checkpoint_shape: [10, 4], model_shape: [5, 4] },
      { key: 'classifier.bias', reason: 'shape mismatch', checkpoint_shape: [10], model_shape: [5] },
    ]);
    expect(report.missing).toEqual(['classifier.weight', 'classifier.bias']);
    expect(report.unexpected).toEqual(['features.fc.weight']);
    expect(model.loadCalls).toEqual([{ keys: ['features.0.weight', 'features.0.bias', 'features.1.weight'], strict: false }]);
    expect(model.params.get('features.1.weight')!.sum().item()).toBe(48);
    expect(model.params.get('classifier.weight')!.sum().item()).toBe(0);
  });

  it('loads the head too when its shape fits, and can exclude keys', () => {
    const model = new TinyNet(10);
    const r = load_partial(model, pretrained('module.backbone.', 10), { strip_prefix: ['module.'], prefix_map: new Map([['backbone.', 'features.']]) });
    expect(r.loaded).toHaveLength(5);
    expect(r.missing).toEqual([]);
    const r2 = load_partial(new TinyNet(10), pretrained('module.backbone.', 10), {
      strip_prefix: 'module.', prefix_map: { 'backbone.': 'features.' }, exclude: [/^classifier\./],
    });
    expect(r2.skipped.map((s) => [s.key, s.reason])).toEqual([['classifier.weight', 'excluded'], ['classifier.bias', 'excluded']]);
  });

  it('throws as load_state_dict would when mismatches are not to be skipped', () => {
    expect(() =>
      load_partial(new TinyNet(5), pretrained('module.backbone.', 10), {
        strip_prefix: 'module.', prefix_map: { 'backbone.': 'features.' }, skip_mismatched_shapes: false,
      }),
    ).toThrow('size mismatch for classifier.weight: copying a param with shape torch.Size([10, 4]) from checkpoint, the shape in current model is torch.Size([5, 4]).');
  });

  it('finds the state_dict inside a training checkpoint, from a saved file', () => {
    const path = join(dir, 'train.pt');
    save({ epoch: 3, model: pretrained('features.', 5), optimizer: { state: {} } }, path);
    const model = new TinyNet(5);
    const r = load_partial(model, path, { strip_prefix: 'module.' });
    expect(r.loaded).toHaveLength(5);
    expect(r.unexpected).toEqual(['features.fc.weight']);
    expect(() => load_partial(model, { a: 1 }, { key: 'model' })).toThrow(/no dict under 'model'/);
    expect(() => load_partial(model, { 'a.x': torch.ones(1), 'b.x': torch.ones(1) }, { prefix_map: { 'a.': 'c.', 'b.': 'c.' } })).toThrow(/both become 'c.x'/);
  });

  it.skipIf(!python)('transfers a backbone that PyTorch trained and saved', () => {
    const path = join(dir, 'py_pretrained.pt');
    const want = runPython<number[]>(`
torch.manual_seed(0)
net = torch.nn.Sequential(collections.OrderedDict(
    features=torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 4, bias=False)),
    classifier=torch.nn.Linear(4, 10)))
wrapped = torch.nn.DataParallel(net)
torch.save({'epoch': 12, 'state_dict': wrapped.state_dict()}, ${JSON.stringify(path)})
out = [net.features[0].weight.sum().item(), net.features[1].weight.sum().item()]
`.replace('torch.manual_seed', 'import collections\ntorch.manual_seed'));
    const model = new TinyNet(5);
    const r = load_partial(model, path, { strip_prefix: 'module.' });
    expect(r.loaded).toEqual(['features.0.weight', 'features.0.bias', 'features.1.weight']);
    expect(r.skipped.map((s) => s.key)).toEqual(['classifier.weight', 'classifier.bias']);
    expect(model.params.get('features.0.weight')!.sum().item()).toBeCloseTo(want[0]!, 5);
    expect(model.params.get('features.1.weight')!.sum().item()).toBeCloseTo(want[1]!, 5);
  });
});
