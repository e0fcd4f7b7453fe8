// Bad input for every public function family: wrong types, wrong shapes, NaN and
// Infinity, negative and huge sizes (allocation failure), disposed tensors,
// mismatched devices and dtypes. Each case says what the error message must say;
// the messages follow PyTorch's where PyTorch has one. Shared by
// test/reliability/bad-input.test.ts and scripts/reliability/bad-input.ts (the counter).
import * as torch from '../../lib/index.js';
import { nn, optim } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { DataLoader, TensorDataset } from '../../lib/utils/data/index.js';
import { Normalize, ToTensor } from '../../lib/vision/transforms.js';

export interface BadInputCase {
  family: string;
  name: string;
  run: () => unknown;
  /** What the message must say. */
  expect: RegExp;
}

export interface Outcome {
  family: string;
  name: string;
  /** error: a JS Error with the expected message; the rest are failures. */
  kind: 'error' | 'wrong-message' | 'no-error' | 'not-an-Error' | 'backtrace';
  message: string;
}

/** Runs one case (inside a scope, so its tensors are freed) and classifies what happened. */
export async function tryCase(c: BadInputCase): Promise<Outcome> {
  const base = { family: c.family, name: c.name };
  try {
    const r = torch.scope(() => {
      const v = c.run();
      return v instanceof Promise ? { promise: v } : null;
    });
    if (r) await r.promise;
    return { ...base, kind: 'no-error', message: '' };
  } catch (e) {
    if (!(e instanceof Error)) return { ...base, kind: 'not-an-Error', message: String(e) };
    if (/Exception raised from|frame #\d/.test(e.message)) return { ...base, kind: 'backtrace', message: e.message };
    if (!c.expect.test(e.message)) return { ...base, kind: 'wrong-message', message: e.message };
    return { ...base, kind: 'error', message: e.message };
  }
}

// ---- inputs ----------------------------------------------------------------------------------

const disposed = (): Tensor => {
  const t = torch.randn(2, 3);
  t.dispose();
  return t;
};
const meta = (...shape: number[]): Tensor => torch.ones(shape, { device: 'meta' });
const bad = <T>(v: unknown): T => v as T;

const DISPOSED = /Tensor has been disposed/;
const NOT_TENSOR = /must be Tensor|expected a Tensor|must be a Tensor|not str|not dict|not a Tensor|received an invalid combination of arguments - got \(.*(str|data=)/;
// What a layer's forward says for a string input: JS's form of Python's AttributeError ('str' object has no attribute 'dim').
const NOT_TENSOR_OR_NO_METHOD = new RegExp(`${NOT_TENSOR.source}|\\.dim is not a function`);
const SIZE = /must be tuple of ints|must be int|negative dimension|invalid|expected|size/i;
const HUGE = /can't allocate memory|not enough memory|out of memory|too large|overflow|exceeds|negative dimension|invalid/i;
const DIM = /Dimension out of range|must be int|must be tuple of ints|must be a|dim|not float/i;
const DEVICE = /device|CUDA|cuda/;

const cases: BadInputCase[] = [];
const add = (family: string, name: string, run: () => unknown, expect: RegExp): void => {
  cases.push({ family, name, run, expect });
};

// ---- factories: sizes ---------------------------------------------------------------------------

const FACTORIES: [string, (size: number[]) => Tensor][] = [
  ['zeros', (s) => torch.zeros(s)],
  ['ones', (s) => torch.ones(s)],
  ['empty', (s) => torch.empty(s)],
  ['rand', (s) => torch.rand(s)],
  ['randn', (s) => torch.randn(s)],
  ['full', (s) => torch.full(s, 1)],
  ['randint', (s) => torch.randint(0, 5, s)],
];
const BAD_SIZES: [string, number[], RegExp][] = [
  ['negative', [2, -1], /negative dimension -1/],
  ['NaN', [NaN], SIZE],
  ['Infinity', [Infinity], SIZE],
  ['-Infinity', [-Infinity], SIZE],
  ['fractional', [1.5], SIZE],
  ['string', [bad<number>('3')], SIZE],
  ['huge (2^40 x 2^20 floats)', [2 ** 40, 2 ** 20], HUGE],
  ['huge (2^62)', [2 ** 62], HUGE],
  ['beyond int64', [2 ** 64], SIZE],
];
for (const [fname, f] of FACTORIES) {
  for (const [what, size, re] of BAD_SIZES) add('factories', `${fname}(${what})`, () => f(size), re);
}
add('factories', 'arange(0, Infinity)', () => torch.arange(0, Infinity), /unsupported range: 0 -> inf/);
add('factories', 'arange(0, NaN)', () => torch.arange(0, NaN), /unsupported range: 0 -> nan/);
add('factories', 'arange(0, 2**62)', () => torch.arange(0, 2 ** 62), HUGE);
add('factories', 'linspace(0, 1, -1)', () => torch.linspace(0, 1, -1), /number of steps must be non-negative/);
add('factories', 'linspace(0, 1, NaN)', () => torch.linspace(0, 1, NaN), /must be int|steps/);
add('factories', 'eye(-2)', () => torch.eye(-2), /n must be greater or equal to 0, got -2/);
add('factories', 'randint(0, -1)', () => torch.randint(0, -1, [2]), /random_ expects 'from' to be less than 'to', but got from=0 >= to=-1/);
add('factories', 'tensor(ragged)', () => torch.tensor([[1, 2], [3]]), /expected sequence of length 2 at dim 1 \(got 1\)/);
add('factories', 'tensor(strings)', () => torch.tensor(bad<number[]>(['a'])), /could not infer dtype of str/);
add('factories', 'tensor(object)', () => torch.tensor(bad<number[]>({ a: 1 })), /could not infer dtype|must be|expected|invalid/i);
add('factories', 'zeros(dtype unknown)', () => torch.zeros([2], { dtype: bad<torch.dtype>('float33') }), /unknown dtype 'float33'/);

// ---- tensor ops: wrong types, shapes, dtypes, devices, disposed --------------------------------------

const BINARY: [string, (a: Tensor, b: Tensor) => unknown][] = [
  ['add', (a, b) => a.add(b)],
  ['sub', (a, b) => a.sub(b)],
  ['mul', (a, b) => a.mul(b)],
  ['div', (a, b) => a.div(b)],
  ['matmul', (a, b) => a.matmul(b)],
  ['maximum', (a, b) => a.maximum(b)],
  ['eq', (a, b) => a.eq(b)],
  ['atan2', (a, b) => a.atan2(b)],
  ['copy_', (a, b) => a.copy_(b)],
  ['cat', (a, b) => torch.cat([a, b])],
  ['stack', (a, b) => torch.stack([a, b])],
  ['where', (a, b) => torch.where(a.gt(0), a, b)],
];
for (const [name, f] of BINARY) {
  add('tensor ops', `${name}(string)`, () => f(torch.randn(2, 3), bad<Tensor>('x')), NOT_TENSOR);
  add('tensor ops', `${name}(object)`, () => f(torch.randn(2, 3), bad<Tensor>({ data: [1] })), NOT_TENSOR);
  add('tensor ops', `${name}(disposed other)`, () => f(torch.randn(2, 3), disposed()), DISPOSED);
  add('tensor ops', `${name}(disposed self)`, () => f(disposed(), torch.randn(2, 3)), DISPOSED);
  add('tensor ops', `${name}(wrong shape)`, () => f(torch.randn(2, 3), torch.randn(4, 5)), /size|shape|must match|cannot be multiplied|expected/i);
  // PyTorch runs matmul with one meta operand (the result is meta); the others refuse.
  if (name !== 'copy_' && name !== 'cat' && name !== 'stack' && name !== 'matmul') {
    add('tensor ops', `${name}(cpu and meta device)`, () => f(torch.randn(2, 3), meta(3, 2)), /device|size|shape|cannot be multiplied|must match|Could not run .* 'Meta' backend/i);
  }
}
add('tensor ops', 'add(cpu and meta, same shape)', () => torch.ones(2).add(meta(2)), /Expected all tensors to be on the same device, but found at least two devices, meta and cpu!/);
add('tensor ops', 'matmul(float, int64)', () => torch.randn(2, 2).matmul(torch.ones([2, 2], { dtype: 'int64' })), /expected scalar type Float but found Long|same dtype/);
add('tensor ops', 'index with a float tensor', () => torch.ones(3).get(torch.ones(1)), /tensors used as indices must be long, (int, )?byte or bool tensors/);
add('tensor ops', 'index out of range', () => torch.ones(3).get(5), /index 5 is out of bounds for dimension 0 with size 3/);
add('tensor ops', 'set with wrong shape', () => torch.ones(3).set(torch.slice(null), torch.ones(4)), /shape|size|expand|match/i);
add('tensor ops', 'requires_grad_ on int64', () => torch.arange(3).requires_grad_(), /only Tensors of floating point and complex dtype can require gradients/i);
add('tensor ops', 'item() of many', () => torch.ones(3).item(), /a Tensor with 3 elements cannot be converted to Scalar/);
add('tensor ops', 'view(-5)', () => torch.ones(4).view(-5), /invalid|shape|negative/i);
add('tensor ops', 'view(Infinity)', () => torch.ones(4).view(Infinity), SIZE);
add('tensor ops', 'reshape(NaN)', () => torch.ones(4).reshape([NaN]), SIZE);
add('tensor ops', 'expand huge', () => torch.ones(1).expand([2 ** 62]).contiguous(), HUGE);
add('tensor ops', 'repeat huge', () => torch.ones(2 ** 10).repeat([2 ** 50]), HUGE);
add('tensor ops', 'unknown op', () => bad<Record<string, unknown>>(torch.ops.aten).not_an_op, /unknown operator aten::not_an_op/);

const DIM_OPS: [string, (t: Tensor, d: number) => unknown][] = [
  ['sum', (t, d) => t.sum(d)],
  ['mean', (t, d) => t.mean(d)],
  ['softmax', (t, d) => t.softmax(d)],
  ['argmax', (t, d) => t.argmax(d)],
  ['unsqueeze', (t, d) => t.unsqueeze(d)],
  ['squeeze', (t, d) => t.squeeze(d)],
  ['transpose', (t, d) => t.transpose(0, d)],
  ['cumsum', (t, d) => t.cumsum(d)],
  ['size', (t, d) => t.size(d)],
  ['flip', (t, d) => t.flip([d])],
];
const BAD_DIMS: [string, number][] = [['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['1.5', 1.5], ['99', 99], ['-99', -99], ['string', bad<number>('x')]];
for (const [name, f] of DIM_OPS) {
  for (const [what, d] of BAD_DIMS) add('tensor ops', `${name}(dim ${what})`, () => f(torch.randn(2, 3), d), DIM);
}

// ---- autograd --------------------------------------------------------------------------------------

add('autograd', 'backward without grad', () => torch.ones(2).sum().backward(), /element 0 of tensors does not require grad and does not have a grad_fn/);
add('autograd', 'backward of a non-scalar', () => torch.ones([2], { requires_grad: true }).mul(2).backward(), /grad can be implicitly created only for scalar outputs/);
add('autograd', 'backward of a disposed tensor', () => disposed().backward(), DISPOSED);
add('autograd', 'grad setter with wrong shape', () => {
  const w = torch.ones([2], { requires_grad: true });
  w.grad = torch.ones(3);
}, /assigned grad has data of a different size|size|shape/i);

// ---- nn layers: constructors -------------------------------------------------------------------------

const LAYER_CTORS: [string, (n: number) => unknown][] = [
  ['Linear', (n) => new nn.Linear(n, 2)],
  ['Bilinear', (n) => new nn.Bilinear(n, 2, 2)],
  ['Conv2d', (n) => new nn.Conv2d(n, 2, 3)],
  ['ConvTranspose1d', (n) => new nn.ConvTranspose1d(2, n, 3)],
  ['Embedding', (n) => new nn.Embedding(n, 4)],
  ['LSTM', (n) => new nn.LSTM(4, n)],
  ['GRU', (n) => new nn.GRU(n, 4)],
  ['BatchNorm1d', (n) => new nn.BatchNorm1d(n)],
  ['LayerNorm', (n) => new nn.LayerNorm([n])],
  ['PReLU', (n) => new nn.PReLU(n)],
];
const BAD_FEATURES: [string, number, RegExp][] = [
  ['-1', -1, /negative dimension|must be|positive|invalid|greater than|proj_size has to be smaller than hidden_size/i],
  ['NaN', NaN, /must be|tuple of ints|int|NaN|nan/i],
  ['Infinity', Infinity, /must be|tuple of ints|int|inf/i],
  ['2.5', 2.5, /must be|tuple of ints|int|float/i],
  ['2^40 (allocation failure)', 2 ** 40, HUGE],
];
for (const [name, make] of LAYER_CTORS) {
  for (const [what, n, re] of BAD_FEATURES) add('nn constructors', `${name}(${what})`, () => make(n), re);
}
add('nn constructors', 'Conv2d groups not dividing', () => new nn.Conv2d(3, 4, 3, { groups: 2 }), /in_channels must be divisible by groups/);
add('nn constructors', 'Conv2d padding mode', () => new nn.Conv2d(3, 4, 3, { padding_mode: bad<'zeros'>('mirror') }), /padding_mode must be one of/);
add('nn constructors', 'Dropout(1.5)', () => new nn.Dropout(1.5), /dropout probability has to be between 0 and 1, but got 1.5/);
add('nn constructors', 'MultiheadAttention heads not dividing', () => new nn.MultiheadAttention(6, 4), /embed_dim must be divisible by num_heads/);
add('nn constructors', 'GroupNorm groups not dividing', () => new nn.GroupNorm(3, 4), /num_channels must be divisible by num_groups/);
add('nn constructors', 'Sequential of a non-module', () => new nn.Sequential(bad<nn.Module>(42)), /is not a Module subclass|Module/);

// ---- nn layers: forward ------------------------------------------------------------------------------

const LAYER_CALLS: [string, () => nn.Module, () => Tensor][] = [
  ['Linear', () => new nn.Linear(3, 2), () => torch.randn(4, 3)],
  ['Conv2d', () => new nn.Conv2d(3, 4, 3), () => torch.randn(1, 3, 5, 5)],
  ['MaxPool2d', () => new nn.MaxPool2d(2), () => torch.randn(1, 3, 4, 4)],
  ['BatchNorm2d', () => new nn.BatchNorm2d(3), () => torch.randn(2, 3, 4, 4)],
  ['LayerNorm', () => new nn.LayerNorm([3]), () => torch.randn(2, 3)],
  ['LSTM', () => new nn.LSTM(3, 4), () => torch.randn(5, 2, 3)],
  ['GRU', () => new nn.GRU(3, 4), () => torch.randn(5, 2, 3)],
  ['TransformerEncoderLayer', () => new nn.TransformerEncoderLayer(4, 2, 8), () => torch.randn(3, 2, 4)],
  ['MultiheadAttention', () => new nn.MultiheadAttention(4, 2), () => torch.randn(3, 2, 4)],
  ['Embedding', () => new nn.Embedding(5, 2), () => torch.tensor([1, 2])],
];
for (const [name, make, input] of LAYER_CALLS) {
  const call = (m: nn.Module, x: unknown): unknown => (name === 'MultiheadAttention' ? m.call(x, x, x) : m.call(x));
  add('nn forward', `${name}(disposed input)`, () => call(make(), disposed()), DISPOSED);
  add('nn forward', `${name}(string input)`, () => call(make(), 'x'), NOT_TENSOR_OR_NO_METHOD);
  add('nn forward', `${name}(wrong shape)`, () => call(make(), torch.randn(7)), /size|shape|Expected|expected|dimension|must|cannot|received/);
  // (Embedding takes indices of any shape.)
  if (name !== 'Embedding') {
    add('nn forward', `${name}(one dimension too many)`, () => call(make(), input().unsqueeze(-1).expand([...input().shape, 2]).contiguous()), /size|shape|Expected|expected|dimension|must|cannot|received/);
  }
  if (name !== 'Embedding' && name !== 'MaxPool2d') {
    add('nn forward', `${name}(float64 input)`, () => call(make(), input().double()), /dtype|scalar type|same type|Double|double/);
  }
  if (name !== 'MaxPool2d') {
    add('nn forward', `${name}(disposed parameter)`, () => {
      const m = make();
      for (const p of m.parameters()) p.dispose();
      return call(m, input());
    }, DISPOSED);
  }
}
add('nn forward', 'Linear(int64 input)', () => new nn.Linear(3, 2).call(torch.ones([2, 3], { dtype: 'int64' })), /mat1 and mat2 must have the same dtype|expected scalar type/);
add('nn forward', 'Linear(mismatched features)', () => new nn.Linear(3, 2).call(torch.ones(2, 4)), /mat1 and mat2 shapes cannot be multiplied \(2x4 and 3x2\)/);
add('nn forward', 'Embedding(float indices)', () => new nn.Embedding(5, 2).call(torch.ones(2)), /Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got (torch.FloatTensor|CPUFloatType) instead/);
add('nn forward', 'Embedding(index out of range)', () => new nn.Embedding(5, 2).call(torch.tensor([7])), /index out of range in self/);
add('nn forward', 'Conv2d(2-D input)', () => new nn.Conv2d(3, 4, 3).call(torch.ones(3, 5)), /Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[3, 5\]/);
add('nn forward', 'BatchNorm1d(one value per channel)', () => new nn.BatchNorm1d(3).call(torch.ones(1, 3)), /Expected more than 1 value per channel when training, got input size torch.Size\(\[1, 3\]\)/);
add('nn forward', 'LSTM(wrong input size)', () => new nn.LSTM(3, 4).call(torch.ones(5, 2, 4)), /input.size\(-1\) must be equal to input_size. Expected 3, got 4/);
add('nn forward', 'load_state_dict(wrong shape)', () => new nn.Linear(3, 2).load_state_dict(new nn.Linear(4, 2).state_dict()), /size mismatch for weight: copying a param with shape torch.Size\(\[2, 4\]\) from checkpoint, the shape in current model is torch.Size\(\[2, 3\]\)/);
add('nn forward', 'load_state_dict(missing keys)', () => new nn.Linear(3, 2).load_state_dict(new Map()), /Missing key\(s\) in state_dict: "weight", "bias"/);
add('nn forward', 'load_state_dict(disposed tensor)', () => {
  const sd = new nn.Linear(3, 2).state_dict();
  sd.get('weight')!.dispose();
  return new nn.Linear(3, 2).load_state_dict(sd);
}, DISPOSED);
add('nn forward', 'model.to(cuda) without CUDA', () => new nn.Linear(3, 2).to('cuda'), DEVICE);

// ---- functional and losses ---------------------------------------------------------------------------

const F = nn.functional;
const LOSS_FNS: [string, (a: Tensor, b: Tensor) => unknown][] = [
  ['mse_loss', (a, b) => F.mse_loss(a, b)],
  ['l1_loss', (a, b) => F.l1_loss(a, b)],
  ['smooth_l1_loss', (a, b) => F.smooth_l1_loss(a, b)],
  ['huber_loss', (a, b) => F.huber_loss(a, b)],
  ['binary_cross_entropy', (a, b) => F.binary_cross_entropy(a.sigmoid(), b)],
  ['binary_cross_entropy_with_logits', (a, b) => F.binary_cross_entropy_with_logits(a, b)],
  ['kl_div', (a, b) => F.kl_div(a, b)],
  ['cross_entropy', (a, b) => F.cross_entropy(a, b)],
  ['nll_loss', (a, b) => F.nll_loss(a, b)],
];
for (const [name, f] of LOSS_FNS) {
  add('losses', `${name}(disposed target)`, () => f(torch.randn(3, 4), disposed()), DISPOSED);
  add('losses', `${name}(disposed input)`, () => f(disposed(), torch.rand([3, 4])), DISPOSED);
  add('losses', `${name}(string target)`, () => f(torch.randn(3, 4), bad<Tensor>('y')), NOT_TENSOR);
  add('losses', `${name}(mismatched shapes)`, () => f(torch.randn(3, 4), torch.rand([5, 2])), /size|shape|match|Expected|expected|same|batch/i);
}
add('losses', 'cross_entropy(float64 class targets)', () => F.cross_entropy(torch.ones(3, 4), torch.ones([3], { dtype: 'float64' })), /expected scalar type Long but found Double/);
add('losses', 'cross_entropy(target out of bounds)', () => F.cross_entropy(torch.ones(3, 4), torch.tensor([0, 1, 7])), /Target 7 is out of bounds./);
add('losses', 'MSELoss(reduction unknown)', () => new nn.MSELoss({ reduction: bad<'mean'>('avg') }).call(torch.ones(2), torch.ones(2)), /avg is not a valid value for reduction/);
add('losses', 'binary_cross_entropy(out of [0, 1])', () => F.binary_cross_entropy(torch.full([2], 2.5), torch.ones(2)), /all elements of input should be between 0 and 1/);
add('functional', 'dropout(p NaN)', () => F.dropout(torch.ones(2), NaN), /dropout probability has to be between 0 and 1, but got (nan|NaN)/);
add('functional', 'dropout(p -1)', () => F.dropout(torch.ones(2), -1), /dropout probability has to be between 0 and 1, but got -1/);
add('functional', 'softmax(dim 5)', () => F.softmax(torch.ones(2, 3), 5), /Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)/);
add('functional', 'pad(odd pad list)', () => F.pad(torch.ones(2, 3), [1]), /Padding length must be divisible by 2/);
add('functional', 'one_hot(float)', () => F.one_hot(torch.ones(2)), /one_hot is only applicable to index tensor/);
add('functional', 'conv2d(weight dtype)', () => F.conv2d(torch.ones(1, 1, 3, 3), torch.ones([1, 1, 2, 2], { dtype: 'float64' })), /dtype|scalar type|same type|Double|double/);

// ---- init ----------------------------------------------------------------------------------------------

add('nn.init', 'xavier_uniform_(1-D)', () => nn.init.xavier_uniform_(torch.ones(3)), /Fan in and fan out can not be computed for tensor with fewer than 2 dimensions/);
add('nn.init', 'kaiming_uniform_(disposed)', () => nn.init.kaiming_uniform_(disposed()), DISPOSED);
add('nn.init', 'kaiming_normal_(mode)', () => nn.init.kaiming_normal_(torch.ones(2, 2), { mode: bad<'fan_in'>('fan_x') }), /Mode fan_x not supported, please use one of \['fan_in', 'fan_out'\]/);
add('nn.init', 'uniform_(string)', () => nn.init.uniform_(bad<Tensor>('w')), NOT_TENSOR);
add('nn.init', 'orthogonal_(1-D)', () => nn.init.orthogonal_(torch.ones(3)), /Only tensors with 2 or more dimensions are supported/);

// ---- optimizers and schedulers -------------------------------------------------------------------

const OPTIMS: [string, (ps: Tensor[], o: Record<string, unknown>) => unknown][] = [
  ['SGD', (ps, o) => new optim.SGD(ps, { lr: 0.1, ...o })],
  ['Adam', (ps, o) => new optim.Adam(ps, o)],
  ['AdamW', (ps, o) => new optim.AdamW(ps, o)],
  ['RMSprop', (ps, o) => new optim.RMSprop(ps, o)],
  ['Adagrad', (ps, o) => new optim.Adagrad(ps, o)],
  ['Adadelta', (ps, o) => new optim.Adadelta(ps, o)],
  ['Adamax', (ps, o) => new optim.Adamax(ps, o)],
  ['NAdam', (ps, o) => new optim.NAdam(ps, o)],
  ['RAdam', (ps, o) => new optim.RAdam(ps, o)],
  ['LBFGS', (ps, o) => new optim.LBFGS(ps, o)],
];
const param = (): Tensor => torch.ones([2], { requires_grad: true });
for (const [name, make] of OPTIMS) {
  // PyTorch's LBFGS does not check lr.
  if (name !== 'LBFGS') add('optimizers', `${name}(lr -1)`, () => make([param()], { lr: -1 }), /Invalid learning rate: -1/);
  add('optimizers', `${name}(empty params)`, () => make([], {}), /optimizer got an empty parameter list/);
  add('optimizers', `${name}(params not iterable)`, () => make(bad<Tensor[]>(42), {}), /params argument given to the optimizer should be an iterable of Tensors or dicts|iterable/);
  add('optimizers', `${name}(a string param)`, () => make(bad<Tensor[]>(['w']), {}), /optimizer can only optimize Tensors, but one of the params is str|Tensor/);
  add('optimizers', `${name}(disposed param)`, () => make([disposed()], {}), DISPOSED);
  add('optimizers', `${name}(non-leaf param)`, () => make([param().mul(2)], {}), /can't optimize a non-leaf Tensor/);
}
add('optimizers', 'Adam(betas 1.5)', () => new optim.Adam([param()], { betas: [1.5, 0.9] }), /Invalid beta parameter at index 0: 1.5/);
add('optimizers', 'Adam(eps -1)', () => new optim.Adam([param()], { eps: -1 }), /Invalid epsilon value: -1/);
add('optimizers', 'SGD(weight_decay -1)', () => new optim.SGD([param()], { lr: 0.1, weight_decay: -1 }), /Invalid weight_decay value: -1/);
add('optimizers', 'SGD(nesterov without momentum)', () => new optim.SGD([param()], { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/);
add('optimizers', 'SGD(no lr)', () => new optim.SGD([param()], {}), /required optimization parameter lr/);
add('optimizers', 'LBFGS.step() without closure', () => new optim.LBFGS([param()]).step(), /missing 1 required positional argument: 'closure'/);
add('optimizers', 'step() with a param disposed after construction', () => {
  const p = param();
  const o = new optim.SGD([p], { lr: 0.1 });
  p.sum().backward();
  p.dispose();
  o.step();
}, DISPOSED);
add('optimizers', 'load_state_dict(wrong group count)', () => {
  const o = new optim.SGD([param()], { lr: 0.1 });
  o.load_state_dict({ state: new Map(), param_groups: [] });
}, /loaded state dict has a different number of parameter groups/);
add('lr schedulers', 'StepLR(non-optimizer)', () => new optim.lr_scheduler.StepLR(bad<optim.Optimizer>({}), 2), /is not an Optimizer/);
add('lr schedulers', 'ReduceLROnPlateau(mode)', () => new optim.lr_scheduler.ReduceLROnPlateau(new optim.SGD([param()], { lr: 1 }), { mode: bad<'min'>('up') }), /mode up is unknown!/);
add('lr schedulers', 'ReduceLROnPlateau(factor 1)', () => new optim.lr_scheduler.ReduceLROnPlateau(new optim.SGD([param()], { lr: 1 }), { factor: 1 }), /Factor should be < 1.0./);
add('lr schedulers', 'OneCycleLR(total_steps 0)', () => new optim.lr_scheduler.OneCycleLR(new optim.SGD([param()], { lr: 1 }), { max_lr: 1, total_steps: 0 }), /Expected positive integer total_steps, but got 0/);

// ---- data ------------------------------------------------------------------------------------------------

for (const [what, bs] of [['0', 0], ['-1', -1], ['NaN', NaN], ['1.5', 1.5], ['string', bad<number>('8')]] as const) {
  add('data', `DataLoader(batch_size ${what})`, () => new DataLoader(new TensorDataset(torch.ones(4)), { batch_size: bs }), /batch_size should be a positive integer value, but got batch_size=/);
}
add('data', 'TensorDataset(size mismatch)', () => new TensorDataset(torch.ones(2), torch.ones(3)), /Size mismatch between tensors/);
add('data', 'TensorDataset(disposed)', () => new TensorDataset(disposed()), DISPOSED);
add('data', 'DataLoader(not a dataset)', () => [...new DataLoader(bad<TensorDataset>(42))], /dataset|iterable|length|get/i);
add('data', 'DataLoader(shuffle with a sampler)', () => new DataLoader(new TensorDataset(torch.ones(4)), { shuffle: true, sampler: [0, 1] }), /sampler option is mutually exclusive with shuffle/);
add('data', 'DataLoader(ragged batch)', () => [...new DataLoader([torch.ones(2), torch.ones(3)], { batch_size: 2 })], /stack expects each tensor to be equal size/);
add('vision', 'Normalize(std 0)', () => Normalize([0], [0])(torch.ones(1, 2, 2)), /std evaluated to zero after conversion to torch.float32, leading to division by zero./);
add('vision', 'Normalize(channel mismatch)', () => Normalize([0, 0], [1, 1])(torch.ones(3, 2, 2)), /size|shape|match/i);
add('vision', 'ToTensor(string)', () => ToTensor()(bad<Tensor>('img')), /pic should be|Tensor|image/i);

// ---- devices ---------------------------------------------------------------------------------------------

add('devices', 'ones(device cuda) without CUDA', () => torch.ones([2], { device: 'cuda' }), DEVICE);
add('devices', 'tensor.to(cuda) without CUDA', () => torch.ones(2).to('cuda'), DEVICE);
add('devices', 'device(nonsense)', () => new torch.device('tpu'), /Expected one of cpu, cuda|device type|tpu/);
add('devices', 'device(cuda:x)', () => new torch.device('cuda:x'), /Invalid device string: 'cuda:x'|device/);
add('devices', 'zeros(device 42)', () => torch.zeros([2], { device: bad<string>(42) }), DEVICE);
add('devices', 'cat(cpu, meta)', () => torch.cat([torch.ones(2), meta(2)]).add(1).tolist(), /device|meta|Could not run|Cannot/);

// ---- serialization -----------------------------------------------------------------------------------------

add('serialization', 'load(missing file)', () => torch.load('/nonexistent/ck.pt'), /ENOENT/);
add('serialization', 'load(directory)', () => torch.load('/tmp'), /is a directory/);
add('serialization', 'load(garbage buffer)', () => torch.load(Buffer.from('hello world, not a checkpoint')), /not a PyTorch checkpoint/);
add('serialization', 'load(number)', () => torch.load(bad<string>(42)), /expected a file path or a Buffer, got number/);
add('serialization', 'loadAsync(missing file)', () => torch.serialization.loadAsync('/nonexistent/ck.pt'), /ENOENT/);
add('serialization', 'loadAsync(garbage buffer)', () => torch.serialization.loadAsync(Buffer.from([0x80, 2, 0xff])), /not a PyTorch checkpoint|truncated|pickle|corrupted/i);
add('serialization', 'save(to a number)', () => torch.save(torch.ones(1), bad<string>(42)), /f must be a file path or a writable stream/);
add('serialization', 'save(disposed tensor)', () => torch.save({ w: disposed() }, '/tmp/never-written.pt'), /the tensor at .* has been disposed/);
add('serialization', 'save(a function)', () => torch.save({ f: () => 1 }, { write: () => true }), /cannot|function|pickle/i);
add('serialization', 'save(into a missing folder)', () => torch.save(torch.ones(1), '/nonexistent/dir/x.pt'), /ENOENT/);
add('serialization', 'saveAsync(disposed tensor)', () => torch.serialization.saveAsync(disposed(), '/tmp/never-written.pt'), /has been disposed/);
add('serialization', 'safetensors.load(garbage)', () => torch.safetensors.load(Buffer.from('garbage bytes here')), /safetensors|header|invalid|truncated/i);
add('serialization', 'safetensors.save(disposed)', () => torch.safetensors.save({ w: disposed() }), DISPOSED);
add('serialization', 'jit.load(garbage)', () => torch.jit.load(Buffer.from('not a zip')), /zip|archive|TorchScript|PytorchStreamReader|failed/i);

export const BAD_INPUT_CASES: readonly BadInputCase[] = cases;
