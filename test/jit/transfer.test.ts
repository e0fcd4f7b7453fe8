// Feature transfer: a backbone scripted in Python, frozen inside a TypeScript
// module, with an nn.Linear head trained on top. Only the head changes; the
// backbone's parameters and tensors show up in the parent's parameters() and
// state_dict() as any submodule's would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { jit, nn, optim } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { python, pythonMissingReason } from '../helpers/python.js';
import { runJitPython, tempDir } from './fixtures.js';

class Transfer extends nn.Module {
  backbone: jit.ScriptModule;
  head: nn.Linear;
  constructor(path: string, features: number, classes: number) {
    super();
    this.backbone = jit.load(path);
    this.head = new nn.Linear(features, classes);
  }
  override forward(x: Tensor): Tensor {
    return this.head.call(this.backbone.call(x));
  }
}

function snapshot(m: nn.Module): Map<string, number[]> {
  return new Map([...m.state_dict()].map(([k, v]) => [k, v.reshape([-1]).tolist() as number[]]));
}

describe.skipIf(!python)(`TorchScript backbone inside a TypeScript module${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  let features: number;

  beforeAll(() => {
    tmp = tempDir();
    path = `${tmp.dir}/backbone.pt`;
    ({ features } = runJitPython<{ features: number }>(`out = jm.make_backbone(${JSON.stringify(tmp.dir)})`));
  });
  afterAll(() => tmp?.cleanup());

  it("lists the backbone's parameters and state in the parent's", () => {
    const net = new Transfer(path, features, 3);
    expect(net.named_parameters().map(([n]) => n)).toEqual([
      'backbone.conv.weight', 'backbone.conv.bias', 'backbone.bn.weight', 'backbone.bn.bias', 'head.weight', 'head.bias',
    ]);
    expect([...net.state_dict().keys()]).toEqual([
      'backbone.conv.weight', 'backbone.conv.bias', 'backbone.bn.weight', 'backbone.bn.bias',
      'backbone.bn.running_mean', 'backbone.bn.running_var', 'backbone.bn.num_batches_tracked',
      'head.weight', 'head.bias',
    ]);
    expect(net.named_modules().map(([n]) => n)).toEqual(['', 'backbone', 'backbone.conv', 'backbone.bn', 'head']);
    expect(net.toString()).toContain('(backbone): RecursiveScriptModule(\n    original_name=Backbone\n    (conv): RecursiveScriptModule(original_name=Conv2d)');
  });

  it('trains only the head when the backbone is frozen', () => {
    torch.manual_seed(0);
    const net = new Transfer(path, features, 3);
    net.train();
    net.backbone.requires_grad_(false);
    net.backbone.eval(); // BatchNorm keeps its running statistics
    const trainable = net.parameters().filter((p) => p.requires_grad);
    expect(trainable.length).toBe(2);
    const opt = new optim.SGD(trainable, { lr: 0.5 });

    const backboneBefore = snapshot(net.backbone);
    const headBefore = snapshot(net.head);
    const x = torch.randn([12, 3, 6, 6]);
    const y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], { dtype: 'int64' });
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) {
      opt.zero_grad();
      const loss = nn.functional.cross_entropy(net.forward(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item() as number);
    }
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    expect(snapshot(net.backbone)).toEqual(backboneBefore); // parameters and buffers, bit for bit
    for (const p of net.backbone.parameters()) expect(p.grad).toBeNull();
    const headAfter = snapshot(net.head);
    for (const [k, v] of headBefore) expect(headAfter.get(k)).not.toEqual(v);
    expect(net.backbone.training).toBe(false);
    expect(net.head.training).toBe(true);
  });

  it('fine-tunes the backbone too once unfrozen, and the parent state_dict round-trips', () => {
    torch.manual_seed(1);
    const net = new Transfer(path, features, 2);
    const before = snapshot(net.backbone);
    const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
    const x = torch.randn([4, 3, 6, 6]);
    const y = torch.tensor([0, 1, 0, 1], { dtype: 'int64' });
    for (let i = 0; i < 2; i++) {
      opt.zero_grad();
      nn.functional.cross_entropy(net.forward(x), y).backward();
      opt.step();
    }
    const after = snapshot(net.backbone);
    expect(after.get('conv.weight')).not.toEqual(before.get('conv.weight'));
    expect(after.get('bn.num_batches_tracked')).toEqual([before.get('bn.num_batches_tracked')![0]! + 2]); // train mode: BatchNorm counted the batches

    const other = new Transfer(path, features, 2);
    other.load_state_dict(net.state_dict());
    net.eval();
    other.eval();
    const a = torch.no_grad(() => net.forward(x));
    const b = torch.no_grad(() => other.forward(x));
    expect(b.tolist()).toEqual(a.tolist());
  });

  it('moves with the parent: double() converts the scripted tensors the forward uses', () => {
    const net = new Transfer(path, features, 2).eval();
    const x = torch.randn([2, 3, 6, 6]);
    const y32 = torch.no_grad(() => net.forward(x));
    net.double();
    expect(net.backbone.get_parameter('conv.weight').dtype).toBe('float64');
    expect(net.backbone.get_buffer('bn.running_mean').dtype).toBe('float64');
    expect(net.backbone.get_buffer('bn.num_batches_tracked').dtype).toBe('int64');
    const y64 = torch.no_grad(() => net.forward(x.double()));
    expect(y64.dtype).toBe('float64');
    const d = (y64.sub(y32.double()).abs().max().item() as number);
    expect(d).toBeLessThan(1e-5);
  });
});
