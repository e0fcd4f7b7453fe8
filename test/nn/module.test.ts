// nn.Module's API against PyTorch: field registration, state_dict keys,
// order and _metadata, load_state_dict (messages, strict, assign), the
// printed tree, hooks, modes, conversion, containers.
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn } from '../../lib/index.js';
import { OrderedDict } from '../../lib/collections.js';
import type { Tensor } from '../../lib/tensor.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

class SourceModel extends nn.Module {
  layer1 = new nn.Linear(10, 20);
  layer2 = new nn.Linear(20, 10);
  override forward(x: Tensor): Tensor {
    x = this.layer1.call(x);
    return this.layer2.call(x);
  }
}

/** Everything at once: constructor assignments, nested containers, BatchNorm, buffers, a shared parameter. */
class Net extends nn.Module {
  declare features: nn.Sequential;
  declare head: nn.Linear;
  declare tied: nn.Linear;
  scale = nn.Buffer(torch.ones([2]));
  cache = nn.Buffer(torch.zeros([3]), { persistent: false });
  plain = torch.zeros([1]);
  constructor() {
    super();
    this.features = new nn.Sequential(
      new nn.Conv2d(3, 4, 3, { padding: 1 }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(true),
      new nn.MaxPool2d(2),
    );
    this.head = new nn.Linear(16, 2);
    this.register_parameter('alpha', new nn.Parameter(torch.ones([1])));
    this.register_buffer('step', torch.zeros([], { dtype: 'int64' }));
    this.tied = new nn.Linear(2, 2, { bias: false });
    this.add_module('tied_again', this.tied);
    this.blocks = new nn.ModuleList([new nn.Identity(), new nn.Dropout(0.25)]);
  }
  declare blocks: nn.ModuleList;
  declare alpha: nn.Parameter;
  declare step: Tensor;
  override forward(x: Tensor): Tensor {
    const f = this.features.call(x).flatten(1);
    return this.tied.call(this.head.call(f));
  }
}

const PY_MODELS = `
import torch.nn as nn
class SourceModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(10, 20)
        self.layer2 = nn.Linear(20, 10)
    def forward(self, x):
        return self.layer2(self.layer1(x))

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('scale', torch.ones(2))
        self.register_buffer('cache', torch.zeros(3), persistent=False)
        self.plain = torch.zeros(1)
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(inplace=True), nn.MaxPool2d(2))
        self.head = nn.Linear(16, 2)
        self.register_parameter('alpha', nn.Parameter(torch.ones(1)))
        self.register_buffer('step', torch.zeros((), dtype=torch.long))
        self.tied = nn.Linear(2, 2, bias=False)
        self.add_module('tied_again', self.tied)
        self.blocks = nn.ModuleList([nn.Identity(), nn.Dropout(0.25)])
    def forward(self, x):
        return self.tied(self.head(self.features(x).flatten(1)))

def err(fn):
    try:
        fn()
        return None
    except Exception as e:
        return str(e)
`;

const REPRS: [string, () => nn.Module][] = [
  ['nn.Linear(3, 4, bias=False)', () => new nn.Linear(3, 4, { bias: false })],
  ['nn.Bilinear(2, 3, 4)', () => new nn.Bilinear(2, 3, 4)],
  ['nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)', () => new nn.Conv2d(3, 64, { kernel_size: 7, stride: 2, padding: 3, bias: false })],
  ["nn.Conv1d(2, 4, 3, padding='same', dilation=2, groups=2, padding_mode='reflect')", () => new nn.Conv1d(2, 4, 3, { padding: 'same', dilation: 2, groups: 2, padding_mode: 'reflect' })],
  ['nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1)', () => new nn.ConvTranspose2d(4, 2, 3, { stride: 2, output_padding: 1 })],
  ['nn.MaxPool2d(kernel_size=3, stride=2, padding=1)', () => new nn.MaxPool2d(3, 2, 1)],
  ['nn.MaxPool1d(2)', () => new nn.MaxPool1d(2)],
  ['nn.AvgPool1d(3)', () => new nn.AvgPool1d(3)],
  ['nn.AvgPool2d((2, 3))', () => new nn.AvgPool2d([2, 3])],
  ['nn.AdaptiveAvgPool2d((1, 1))', () => new nn.AdaptiveAvgPool2d([1, 1])],
  ['nn.AdaptiveAvgPool1d(5)', () => new nn.AdaptiveAvgPool1d(5)],
  ['nn.BatchNorm2d(64)', () => new nn.BatchNorm2d(64)],
  ['nn.BatchNorm1d(8, eps=1e-3, momentum=None, affine=False)', () => new nn.BatchNorm1d(8, { eps: 1e-3, momentum: null, affine: false })],
  ['nn.LayerNorm(16)', () => new nn.LayerNorm(16)],
  ['nn.LayerNorm((4, 8), eps=1e-12)', () => new nn.LayerNorm([4, 8], { eps: 1e-12 })],
  ['nn.GroupNorm(2, 8)', () => new nn.GroupNorm(2, 8)],
  ['nn.Dropout()', () => new nn.Dropout()],
  ['nn.Dropout2d(0.25, inplace=True)', () => new nn.Dropout2d(0.25, true)],
  ['nn.Embedding(10, 3, padding_idx=0, max_norm=2.0)', () => new nn.Embedding(10, 3, { padding_idx: 0, max_norm: 2.0 })],
  ['nn.Flatten()', () => new nn.Flatten()],
  ['nn.Unflatten(1, (2, 5))', () => new nn.Unflatten(1, [2, 5])],
  ['nn.ReLU(inplace=True)', () => new nn.ReLU(true)],
  ['nn.ReLU()', () => new nn.ReLU()],
  ['nn.LeakyReLU(0.2)', () => new nn.LeakyReLU(0.2)],
  ['nn.ELU()', () => new nn.ELU()],
  ["nn.GELU(approximate='tanh')", () => new nn.GELU('tanh')],
  ['nn.SiLU()', () => new nn.SiLU()],
  ['nn.Tanh()', () => new nn.Tanh()],
  ['nn.Softmax(dim=1)', () => new nn.Softmax(1)],
  ['nn.LogSoftmax()', () => new nn.LogSoftmax()],
  ['nn.MultiheadAttention(8, 2)', () => new nn.MultiheadAttention(8, 2)],
  ['nn.LSTM(10, 20, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True)', () => new nn.LSTM(10, 20, { num_layers: 2, batch_first: true, dropout: 0.1, bidirectional: true })],
  ['nn.GRU(4, 8)', () => new nn.GRU(4, 8)],
  ['nn.TransformerEncoderLayer(8, 2, 16)', () => new nn.TransformerEncoderLayer(8, 2, 16)],
  ['nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 2)', () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, 8), 2)],
  ['nn.CrossEntropyLoss()', () => new nn.CrossEntropyLoss()],
  ['nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1), nn.Sigmoid()))', () => new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Sequential(new nn.Linear(3, 1), new nn.Sigmoid()))],
  ["nn.ModuleDict({'b': nn.Identity(), 'a': nn.Tanh()})", () => new nn.ModuleDict({ b: new nn.Identity(), a: new nn.Tanh() })],
  ['nn.ParameterList([nn.Parameter(torch.zeros(2, 3)), nn.Parameter(torch.zeros(4, dtype=torch.float64))])', () => new nn.ParameterList([new nn.Parameter(torch.zeros([2, 3])), new nn.Parameter(torch.zeros([4], { dtype: 'float64' }))])],
  ['SourceModel()', () => new SourceModel()],
  ['Net()', () => new Net()],
];

interface Ref {
  source: { keys: string[]; metadata: [string, Record<string, number>][] };
  net: {
    keys: string[]; metadata: [string, Record<string, number>][]; params: string[]; buffers: string[]; modules: string[];
    children: string[]; nodup: string[];
  };
  reprs: string[];
  errors: Record<string, string | null>;
  nonstrict: { missing_keys: string[]; unexpected_keys: string[] };
  bnOld: number[];
}

describe.skipIf(!python)(`nn.Module against PyTorch${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let ref: Ref;
  beforeAll(() => {
    ref = runPython<Ref>(`${PY_MODELS}
src = SourceModel()
sd = src.state_dict()
net = Net()
nsd = net.state_dict()
target = SourceModel()
bad = dict(sd)
del bad['layer2.bias']
bad['layer3.weight'] = torch.zeros(1)
bad['layer1.extra'] = torch.zeros(1)
shape = dict(sd)
shape['layer1.weight'] = torch.zeros(20, 11)
nonstrict = target.load_state_dict(bad, strict=False)
bn = nn.BatchNorm1d(3)
old = {k: v for k, v in bn.state_dict().items() if k != 'num_batches_tracked'}
old['num_batches_tracked'] = torch.tensor(7)
import collections
oldsd = collections.OrderedDict((k, v) for k, v in bn.state_dict().items() if k != 'num_batches_tracked')
oldsd._metadata = collections.OrderedDict({'': {'version': 1}})
bn2 = nn.BatchNorm1d(3)
bn2.num_batches_tracked.fill_(5)
bn2.load_state_dict(oldsd)
out = {
  'source': {'keys': list(sd.keys()), 'metadata': [[k, v] for k, v in sd._metadata.items()]},
  'net': {
    'keys': list(nsd.keys()), 'metadata': [[k, v] for k, v in nsd._metadata.items()],
    'params': [n for n, _ in net.named_parameters()], 'buffers': [n for n, _ in net.named_buffers()],
    'modules': [n for n, _ in net.named_modules()], 'children': [n for n, _ in net.named_children()],
    'nodup': [n for n, _ in net.named_modules(remove_duplicate=False)],
  },
  'reprs': [repr(eval(e)) for e in ${JSON.stringify(REPRS.map(([e]) => e))}],
  'errors': {
    'missing_unexpected': err(lambda: target.load_state_dict(bad)),
    'size': err(lambda: target.load_state_dict(shape)),
    'not_dict': err(lambda: target.load_state_dict([1, 2])),
    'net_from_source': err(lambda: net.load_state_dict(sd)),
  },
  'nonstrict': {'missing_keys': nonstrict.missing_keys, 'unexpected_keys': nonstrict.unexpected_keys},
  'bnOld': [bn2.num_batches_tracked.item()],
}
`);
  });

  it('registers class fields in declaration order: SourceModel state_dict keys and _metadata', () => {
    const sd = new SourceModel().state_dict();
    expect(sd).toBeInstanceOf(OrderedDict);
    expect([...sd.keys()]).toEqual(ref.source.keys);
    expect([...sd._metadata!.entries()]).toEqual(ref.source.metadata);
    expect([...sd.keys()]).toEqual(['layer1.weight', 'layer1.bias', 'layer2.weight', 'layer2.bias']);
  });

  it('state_dict of a mixed model: keys, order, versions, non-persistent buffers', () => {
    const net = new Net();
    const sd = net.state_dict();
    expect([...sd.keys()]).toEqual(ref.net.keys);
    expect([...sd._metadata!.entries()]).toEqual(ref.net.metadata);
    expect(net.plain).toBeInstanceOf(torch.Tensor);
    expect(net._buffers.has('plain')).toBe(false);
    expect(net.cache.shape).toEqual([3]);
  });

  it('named_parameters / named_buffers / named_modules / named_children (shared members once)', () => {
    const net = new Net();
    expect(net.named_parameters().map(([n]) => n)).toEqual(ref.net.params);
    expect(net.named_buffers().map(([n]) => n)).toEqual(ref.net.buffers);
    expect(net.named_modules().map(([n]) => n)).toEqual(ref.net.modules);
    expect(net.named_children().map(([n]) => n)).toEqual(ref.net.children);
    expect(net.named_modules(undefined, '', false).map(([n]) => n)).toEqual(ref.net.nodup);
    expect(net.parameters().length).toBe(ref.net.params.length);
    expect(net.children().length).toBe(ref.net.children.length);
    expect(net.modules()[0]).toBe(net);
    expect(net.buffers().length).toBe(ref.net.buffers.length);
  });

  it('prints module trees as repr() does', () => {
    REPRS.forEach(([expr, make], i) => expect(make().toString(), expr).toBe(ref.reprs[i]));
  });

  it("load_state_dict raises PyTorch's messages", () => {
    const target = new SourceModel();
    const sd = new SourceModel().state_dict();
    const bad = new Map(sd);
    bad.delete('layer2.bias');
    bad.set('layer3.weight', torch.zeros([1]));
    bad.set('layer1.extra', torch.zeros([1]));
    expect(() => target.load_state_dict(bad)).toThrow(ref.errors.missing_unexpected!);
    const shape = new Map(sd);
    shape.set('layer1.weight', torch.zeros([20, 11]));
    expect(() => target.load_state_dict(shape)).toThrow(ref.errors.size!);
    expect(() => target.load_state_dict([1, 2] as never)).toThrow("Expected state_dict to be dict-like, got <class 'list'>.");
    expect(() => new Net().load_state_dict(sd)).toThrow(ref.errors.net_from_source!);
    const r = target.load_state_dict(bad, { strict: false });
    expect(r).toEqual(ref.nonstrict);
  });

  it('load_state_dict copies values (Map, OrderedDict or plain object) and keeps Parameter objects', () => {
    torch.manual_seed(0);
    const source = new SourceModel();
    const target = new SourceModel();
    const w = target.layer1.weight;
    expect(target.load_state_dict(source.state_dict())).toEqual({ missing_keys: [], unexpected_keys: [] });
    expect(target.layer1.weight).toBe(w);
    expect(target.layer1.weight.equal(source.layer1.weight)).toBe(true);
    const other = new SourceModel();
    other.load_state_dict(Object.fromEntries(source.state_dict()));
    expect(other.layer2.bias!.equal(source.layer2.bias!)).toBe(true);
  });

  it('load_state_dict with assign uses the given tensors', () => {
    const source = new SourceModel();
    const sd = source.state_dict();
    const target = new SourceModel();
    target.load_state_dict(sd, { assign: true });
    expect(target.layer1.weight).toBeInstanceOf(nn.Parameter);
    expect(target.layer1.weight.requires_grad).toBe(true);
    expect(target._parameters.get('weight')).toBeUndefined();
    expect(target.layer1._parameters.get('weight')).toBe(target.layer1.weight);
    // The parameter shares the state_dict tensor's storage.
    torch.no_grad(() => sd.get('layer1.weight')!.fill_(3));
    expect(target.layer1.weight.sum().item()).toBe(3 * 200);
  });

  it('BatchNorm adds num_batches_tracked when loading a version-1 state_dict', () => {
    const bn = new nn.BatchNorm1d(3);
    const old = new OrderedDict([...bn.state_dict()].filter(([k]) => k !== 'num_batches_tracked'));
    old._metadata = new Map([['', { version: 1 }]]);
    const bn2 = new nn.BatchNorm1d(3);
    bn2.num_batches_tracked!.fill_(5);
    bn2.load_state_dict(old);
    expect(bn2.num_batches_tracked!.item()).toBe(ref.bnOld[0]);
  });
});

describe('nn.Module registration', () => {
  it('constructor assignment, explicit registration, deletion, None', () => {
    class M extends nn.Module {
      declare a: nn.Linear;
      declare w: nn.Parameter | null;
      constructor() {
        super();
        this.a = new nn.Linear(2, 2);
        this.w = new nn.Parameter(torch.ones([2]));
        this.register_buffer('b', torch.zeros([1]));
        this.register_module('c', new nn.ReLU());
      }
    }
    const m = new M();
    expect([...m.state_dict().keys()]).toEqual(['w', 'b', 'a.weight', 'a.bias']);
    m.w = null;
    expect([...m.state_dict().keys()]).toEqual(['b', 'a.weight', 'a.bias']);
    expect(m._parameters.has('w')).toBe(true);
    expect(() => {
      (m as unknown as { w: unknown }).w = torch.ones([2]);
    }).toThrow("cannot assign 'torch.Tensor' as parameter 'w' (torch.nn.Parameter or None expected)");
    delete (m as Partial<M>).a;
    expect([...m.state_dict().keys()]).toEqual(['b']);
    expect(m.named_children().map(([n]) => n)).toEqual(['c']);
    expect(() => m.register_parameter('x.y', null)).toThrow("parameter name can't contain");
    expect(() => m.register_buffer('forward', null)).toThrow("attribute 'forward' already exists");
    expect(() => m.add_module('d', 3 as never)).toThrow('int is not a Module subclass');
  });

  it('a field declared without initializer does not undo what a base class registered', () => {
    class Base extends nn.Module {
      declare weight: nn.Parameter;
      constructor() {
        super();
        this.weight = new nn.Parameter(torch.ones([3]));
      }
    }
    class Derived extends Base {
      declare weight: nn.Parameter;
      extra!: nn.Linear;
      constructor() {
        super();
        this.extra = new nn.Linear(3, 1);
      }
    }
    const d = new Derived();
    expect([...d.state_dict().keys()]).toEqual(['weight', 'extra.weight', 'extra.bias']);
  });

  it('shared parameters appear once in parameters()', () => {
    const lin = new nn.Linear(3, 3);
    const seq = new nn.Sequential(lin, new nn.ReLU(), lin);
    expect(seq.parameters().length).toBe(2);
    expect(seq.named_parameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    expect([...seq.state_dict().keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('train() / eval() / training propagate; requires_grad_; zero_grad; apply', () => {
    const net = new Net();
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.features.at(1).training).toBe(true);
    net.requires_grad_(false);
    expect(net.parameters().every((p) => !p.requires_grad)).toBe(true);
    net.requires_grad_();
    const y = net.call(torch.randn([2, 3, 4, 4]));
    y.sum().backward();
    expect(net.head.weight.grad).not.toBeNull();
    net.zero_grad(false);
    expect(net.head.weight.grad!.abs().sum().item()).toBe(0);
    net.zero_grad();
    expect(net.head.weight.grad).toBeNull();
    const names: string[] = [];
    net.apply((m) => names.push(m._get_name()));
    expect(names[names.length - 1]).toBe('Net');
    expect(names.slice(0, 4)).toEqual(['Conv2d', 'BatchNorm2d', 'ReLU', 'MaxPool2d']);
  });

  it('to(dtype) / double() / float() keep the Parameter objects; integer buffers keep their dtype', () => {
    const net = new Net();
    const w = net.head.weight;
    net.double();
    expect(net.head.weight).toBe(w);
    expect(w.dtype).toBe('float64');
    expect((net.features.at(1) as nn.BatchNorm2d).running_mean!.dtype).toBe('float64');
    expect(net.step.dtype).toBe('int64');
    expect((net.features.at(1) as nn.BatchNorm2d).num_batches_tracked!.dtype).toBe('int64');
    net.to('float32');
    expect(w.dtype).toBe('float32');
    net.to({ device: 'cpu', dtype: 'float64' }).float();
    expect(w.dtype).toBe('float32');
    expect(() => net.to('int32')).toThrow('nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.int32');
    expect(net.cpu()).toBe(net);
  });

  it('forward pre-hooks and hooks run in call(), can replace inputs and outputs, and are removable', () => {
    const lin = new nn.Linear(2, 2);
    const seen: string[] = [];
    const h1 = lin.register_forward_pre_hook((_m, args) => {
      seen.push('pre');
      return (args[0] as Tensor).mul(0);
    });
    const h2 = lin.register_forward_hook((m, _args, out) => {
      seen.push('post');
      expect(m).toBe(lin);
      return (out as Tensor).add(1);
    });
    const y = lin.call(torch.ones([1, 2]));
    expect(seen).toEqual(['pre', 'post']);
    expect(y.sub(lin.bias!.add(1)).abs().max().item()).toBeLessThan(1e-7);
    h1.remove();
    h2.remove();
    const z = lin.call(torch.ones([1, 2]));
    expect(z.equal(lin.forward(torch.ones([1, 2])))).toBe(true);
    expect(seen.length).toBe(2);
  });

  it("call() is typed by forward's parameters and result", () => {
    const m = new SourceModel();
    const y: Tensor = m.call(torch.ones([1, 10]));
    expect(y.shape).toEqual([1, 10]);
    // @ts-expect-error forward takes a Tensor
    expect(() => m.call('x')).toThrow();
    const [out, [h, c]] = new nn.LSTM(2, 3).call(torch.ones([4, 1, 2]));
    expect([out.shape, h.shape, c.shape]).toEqual([[4, 1, 3], [1, 1, 3], [1, 1, 3]]);
    const [attn, weights] = new nn.MultiheadAttention(4, 2).call(torch.ones([3, 1, 4]), torch.ones([3, 1, 4]), torch.ones([3, 1, 4]), { need_weights: false });
    expect(attn.shape).toEqual([3, 1, 4]);
    expect(weights).toBeNull();
    const e = new nn.Module().to_empty({ device: 'cpu' });
    expect(e).toBeInstanceOf(nn.Module);
  });

  it('forward without an override raises as PyTorch', () => {
    expect(() => new nn.Module().call()).toThrow('Module [Module] is missing the required "forward" function');
  });

  it('deepcopy gives independent parameters', () => {
    const a = new SourceModel();
    const b = nn.deepcopy(a);
    expect(b).toBeInstanceOf(SourceModel);
    expect(b.layer1.weight).not.toBe(a.layer1.weight);
    expect(b.layer1.weight.equal(a.layer1.weight)).toBe(true);
    torch.no_grad(() => b.layer1.weight.fill_(0));
    expect(a.layer1.weight.abs().sum().item()).toBeGreaterThan(0);
    expect([...b.state_dict().keys()]).toEqual([...a.state_dict().keys()]);
    (b as unknown as Record<string, unknown>).layer3 = new nn.Linear(1, 1);
    expect(b._modules.has('layer3')).toBe(true);
    expect(a._modules.has('layer3')).toBe(false);
  });

  it('layers leave no tensors behind', () => {
    const model = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten(), new nn.Linear(4 * 4 * 4, 3));
    const lstm = new nn.LSTM(4, 5, { num_layers: 2, bidirectional: true });
    const mha = new nn.MultiheadAttention(8, 2, { batch_first: true });
    const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, 16), 2);
    const x = torch.randn([2, 3, 6, 6]);
    const s = torch.randn([3, 2, 4]);
    const q = torch.randn([2, 5, 8]);
    const step = (): void => {
      const y = model.call(x);
      const [o, [h, c]] = lstm.call(s);
      const [a, w] = mha.call(q, q, q);
      const e = enc.call(q);
      const loss = nn.functional.cross_entropy(y, torch.tensor([0, 2]));
      loss.backward();
      for (const t of [y, o, h, c, a, w!, e, loss]) t.dispose();
    };
    step();
    model.zero_grad();
    lstm.zero_grad();
    mha.zero_grad();
    enc.zero_grad();
    const before = torch.memory().liveTensors;
    step();
    model.zero_grad();
    lstm.zero_grad();
    mha.zero_grad();
    enc.zero_grad();
    // The labels tensor is the only one the step itself creates and keeps.
    expect(torch.memory().liveTensors - before).toBeLessThanOrEqual(1);
  });
});

describe('containers', () => {
  it('Sequential: index access, at, slice, append, insert, delete, iteration, OrderedDict', () => {
    const a = new nn.Linear(2, 3), b = new nn.ReLU(), c = new nn.Linear(3, 1);
    const seq = new nn.Sequential(a, b);
    expect(seq[0]).toBe(a);
    expect(seq.at(-1)).toBe(b);
    expect(seq.length).toBe(2);
    seq.append(c);
    expect([...seq]).toEqual([a, b, c]);
    const sl = seq.slice(1);
    expect(sl).toBeInstanceOf(nn.Sequential);
    expect([...sl._modules.keys()]).toEqual(['1', '2']);
    const t = new nn.Tanh();
    seq.insert(1, t);
    expect([...seq]).toEqual([a, t, b, c]);
    seq.delete(1);
    expect([...seq]).toEqual([a, b, c]);
    expect([...seq._modules.keys()]).toEqual(['0', '1', '2']);
    expect(seq.pop(-1)).toBe(c);
    expect(seq.call(torch.ones([4, 2])).shape).toEqual([4, 3]);
    const named = new nn.Sequential(new OrderedDict<string, nn.Module>([['conv', new nn.Conv2d(1, 2, 3)], ['act', new nn.ReLU()]]));
    expect([...named.state_dict().keys()]).toEqual(['conv.weight', 'conv.bias']);
    expect((named as unknown as Record<string, nn.Module>).conv).toBeInstanceOf(nn.Conv2d);
  });

  it('ModuleList and ModuleDict', () => {
    const ml = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 2)]);
    ml.append(new nn.ReLU());
    expect(ml.length).toBe(3);
    expect(ml[1]).toBeInstanceOf(nn.Linear);
    expect(ml.at(-1)).toBeInstanceOf(nn.ReLU);
    expect([...ml.state_dict().keys()]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    ml.delete(0);
    expect([...ml.state_dict().keys()]).toEqual(['0.weight', '0.bias']);
    const md = new nn.ModuleDict({ enc: new nn.Linear(2, 2), act: new nn.ReLU() });
    expect(md.keys()).toEqual(['enc', 'act']);
    expect(md.get('enc')).toBe(md.enc);
    md.set('dec', new nn.Linear(2, 1));
    expect([...md.state_dict().keys()]).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    md.delete('enc');
    expect(md.has('enc')).toBe(false);
    expect(() => md.set('keys', new nn.ReLU())).toThrow("attribute 'keys' already exists");
  });

  it('ParameterList and ParameterDict', () => {
    const pl = new nn.ParameterList([torch.zeros([2]), new nn.Parameter(torch.ones([3]))]);
    expect(pl.at(0)).toBeInstanceOf(nn.Parameter);
    expect(pl.parameters().length).toBe(2);
    pl.append(torch.zeros([1]));
    expect([...pl.state_dict().keys()]).toEqual(['0', '1', '2']);
    const pd = new nn.ParameterDict({ b: torch.zeros([1]), a: torch.ones([2]) });
    expect(pd.keys()).toEqual(['a', 'b']);
    expect([...pd.state_dict().keys()]).toEqual(['a', 'b']);
    expect(pd.get('a')).toBeInstanceOf(nn.Parameter);
    pd.delete('a');
    expect(pd.keys()).toEqual(['b']);
    expect(() => pl.call()).toThrow('ParameterList should not be called.');
  });
});
