// The tensor core against real PyTorch on the same libtorch.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/index.js';
import { python, pythonMissingReason, runPython } from './helpers/python.js';

type Ref = { shape: number[]; dtype: string; values: number[] };

const flat = (t: torch.Tensor): number[] => {
  const a = t.toTypedArray();
  return Array.from(a as ArrayLike<number | bigint>, (x) => Number(x));
};
const view = (t: torch.Tensor): Ref => ({ shape: t.shape, dtype: t.dtype, values: flat(t) });

describe.skipIf(!python)(`tensor core vs Python PyTorch ${python ? '' : pythonMissingReason}`, () => {
  const ref = python
    ? runPython<Record<string, Ref | string | number | boolean>>(`
def v(t):
    t = t.detach()
    if t.dtype in (torch.float16, torch.bfloat16): t = t.float()
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'values': t.reshape(-1).tolist() if t.dtype != torch.bool else [int(x) for x in t.reshape(-1).tolist()]}
out = {}
torch.manual_seed(0)
out['randn'] = v(torch.randn(100, 10))
out['rand'] = v(torch.rand(3, 4))
out['randint'] = v(torch.randint(0, 10, (5,)))
out['randint_high'] = v(torch.randint(7, (2, 3)))
torch.manual_seed(123)
out['randn_after_reseed'] = v(torch.randn(4))
g = torch.Generator().manual_seed(42)
out['randn_gen'] = v(torch.randn(6, generator=g))
out['rand_gen'] = v(torch.rand(2, generator=g))
out['randn_f64'] = v(torch.randn(3, dtype=torch.float64, generator=torch.Generator().manual_seed(1)))
# dtype inference for Python literals
out['lit_int'] = v(torch.tensor([1, 2, 3]))
out['lit_float'] = v(torch.tensor([1.5, 2]))
out['lit_bool'] = v(torch.tensor([True, False]))
out['lit_mixed_bool_int'] = v(torch.tensor([True, 2]))
out['lit_nested'] = v(torch.tensor([[1, 2], [3, 4]]))
out['lit_empty'] = v(torch.tensor([]))
out['lit_scalar'] = v(torch.tensor(3))
out['lit_scalar_f'] = v(torch.tensor(3.25))
out['lit_dtype'] = v(torch.tensor([1, 2], dtype=torch.float64))
out['lit_half'] = v(torch.tensor([0.1, 1e5], dtype=torch.float16))
# factories
out['zeros'] = v(torch.zeros(2, 3))
out['ones_i'] = v(torch.ones(2, dtype=torch.int32))
out['full_int'] = v(torch.full((2,), 7))
out['full_float'] = v(torch.full((2,), 0.5))
out['full_bool'] = v(torch.full((2,), True))
out['arange'] = v(torch.arange(5))
out['arange_f'] = v(torch.arange(0, 1, 0.25))
out['arange_step'] = v(torch.arange(1, 10, 3))
out['linspace'] = v(torch.linspace(0, 1, 5))
out['eye'] = v(torch.eye(2, 3))
a = torch.arange(6.).reshape(2, 3)
b = torch.tensor([1., -2., 3.])
out['add_b'] = v(a + b)
out['add_alpha'] = v(torch.add(a, b, alpha=2))
out['int_plus_float'] = v(torch.arange(3) + 2.5)
out['int_plus_int'] = v(torch.arange(3) + 2)
out['float_plus_int'] = v(a + 2)
out['int_div'] = v(torch.arange(5) / 2)
out['floor_div'] = v(torch.div(torch.arange(-3, 4), 2, rounding_mode='floor'))
out['mul'] = v(a * b)
out['pow'] = v(a ** 2)
out['matmul'] = v(a @ a.t())
out['sum'] = v(a.sum())
out['sum_dim'] = v(a.sum(1))
out['sum_keep'] = v(a.sum(0, keepdim=True))
out['mean_dims'] = v(a.mean((0, 1)))
out['max_dim_v'] = v(a.max(1).values)
out['max_dim_i'] = v(a.max(1).indices)
out['argmax'] = v(b.argmax())
out['std'] = v(a.std(1))
out['var_unb'] = v(a.var(0, unbiased=False))
out['reshape'] = v(a.reshape(3, 2))
out['view'] = v(a.view(-1))
out['transpose'] = v(a.transpose(0, 1).contiguous())
out['permute'] = v(torch.arange(24).reshape(2, 3, 4).permute(2, 0, 1).contiguous())
out['unsqueeze'] = v(b.unsqueeze(1))
out['squeeze'] = v(torch.zeros(1, 3, 1).squeeze())
out['flatten'] = v(torch.arange(24).reshape(2, 3, 4).flatten(1))
out['cat'] = v(torch.cat([a, a], 1))
out['stack'] = v(torch.stack([b, b]))
out['to_int'] = v(torch.tensor([1.7, -1.7]).to(torch.int32))
out['to_half'] = v(torch.tensor([0.1, 2049.]).half())
out['gt'] = v(a > 2)
out['where'] = v(torch.where(a > 2, a, torch.zeros(1)))
out['softmax'] = v(a.softmax(1))
out['clamp'] = v(a.clamp(1, 4))
c = a.clone(); c.add_(1).mul_(2)
out['inplace'] = v(c)
# autograd
torch.manual_seed(0)
x = torch.randn(4, 3, requires_grad=True)
w = torch.randn(3, 2, requires_grad=True)
y = (x @ w).tanh().pow(2).mean()
y.backward()
out['loss'] = y.item()
out['x_grad'] = v(x.grad)
out['w_grad'] = v(w.grad)
x2 = torch.tensor([1., 2., 3.], requires_grad=True)
z = (x2 * x2).sum()
gx, = torch.autograd.grad(z, x2, create_graph=True)
out['grad_x2'] = v(gx)
gg, = torch.autograd.grad(gx.sum(), x2)
out['grad_grad_x2'] = v(gg)
q = torch.tensor([1., 2.], requires_grad=True)
(q * 3).backward(torch.tensor([1., 0.5]))
out['backward_gradient'] = v(q.grad)
out['repr_grad'] = repr(y)
out['repr_int'] = repr(torch.arange(4))
out = out
`)
    : {};

  const seq = (key: string) => ref[key] as Ref;

  it('randn / rand / randint after manual_seed give Python values', () => {
    torch.manual_seed(0);
    expect(view(torch.randn(100, 10))).toEqual(seq('randn'));
    expect(view(torch.rand(3, 4))).toEqual(seq('rand'));
    expect(view(torch.randint(0, 10, [5]))).toEqual(seq('randint'));
    expect(view(torch.randint(7, [2, 3]))).toEqual(seq('randint_high'));
    torch.manual_seed(123);
    expect(view(torch.randn([4]))).toEqual(seq('randn_after_reseed'));
  });

  it('explicit Generator objects', () => {
    const g = new torch.Generator().manual_seed(42);
    expect(view(torch.randn(6, { generator: g }))).toEqual(seq('randn_gen'));
    expect(view(torch.rand(2, { generator: g }))).toEqual(seq('rand_gen'));
    expect(view(torch.randn(3, { dtype: 'float64', generator: new torch.Generator().manual_seed(1) }))).toEqual(seq('randn_f64'));
    expect(g.initial_seed()).toBe(42);
  });

  it('infers dtypes from literals as Python does', () => {
    expect(view(torch.tensor([1, 2, 3]))).toEqual(seq('lit_int'));
    expect(view(torch.tensor([1.5, 2]))).toEqual(seq('lit_float'));
    expect(view(torch.tensor([true, false]))).toEqual(seq('lit_bool'));
    expect(view(torch.tensor([true, 2]))).toEqual(seq('lit_mixed_bool_int'));
    expect(view(torch.tensor([[1, 2], [3, 4]]))).toEqual(seq('lit_nested'));
    expect(view(torch.tensor([]))).toEqual(seq('lit_empty'));
    expect(view(torch.tensor(3))).toEqual(seq('lit_scalar'));
    expect(view(torch.tensor(3.25))).toEqual(seq('lit_scalar_f'));
    expect(view(torch.tensor([1, 2], { dtype: 'float64' }))).toEqual(seq('lit_dtype'));
    expect(view(torch.tensor([0.1, 1e5], { dtype: 'float16' }).float())).toEqual({ ...seq('lit_half'), dtype: 'float32' });
    expect(torch.tensor([0.1, 1e5], { dtype: 'float16' }).dtype).toBe('float16');
    expect(torch.tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(torch.tensor([10n ** 17n]).tolist()).toEqual([1e17]);
  });

  it('factories take sizes as varargs or one array', () => {
    expect(view(torch.zeros(2, 3))).toEqual(seq('zeros'));
    expect(view(torch.zeros([2, 3]))).toEqual(seq('zeros'));
    expect(view(torch.ones([2], { dtype: 'int32' }))).toEqual(seq('ones_i'));
    expect(view(torch.ones(2, { dtype: 'int32' }))).toEqual(seq('ones_i'));
    expect(view(torch.full([2], 7))).toEqual(seq('full_int'));
    expect(view(torch.full([2], 0.5))).toEqual(seq('full_float'));
    expect(view(torch.full([2], true))).toEqual(seq('full_bool'));
    expect(view(torch.arange(5))).toEqual(seq('arange'));
    expect(view(torch.arange(0, 1, 0.25))).toEqual(seq('arange_f'));
    expect(view(torch.arange(1, 10, 3))).toEqual(seq('arange_step'));
    expect(view(torch.linspace(0, 1, 5))).toEqual(seq('linspace'));
    expect(view(torch.eye(2, 3))).toEqual(seq('eye'));
    const a = torch.randn(2, 3);
    expect(torch.zeros_like(a).shape).toEqual([2, 3]);
    expect(torch.ones_like(a, { dtype: 'float64' }).dtype).toBe('float64');
    expect(torch.empty(0, 4).shape).toEqual([0, 4]);
  });

  it('arithmetic, broadcasting, promotion, reductions and views match', () => {
    const a = torch.arange(6).float().reshape(2, 3);
    const b = torch.tensor([1, -2, 3]).float();
    expect(view(a.add(b))).toEqual(seq('add_b'));
    expect(view(torch.add(a, b, { alpha: 2 }))).toEqual(seq('add_alpha'));
    expect(view(torch.arange(3).add(2.5))).toEqual(seq('int_plus_float'));
    expect(view(torch.arange(3).add(2))).toEqual(seq('int_plus_int'));
    expect(view(a.add(2))).toEqual(seq('float_plus_int'));
    expect(view(torch.arange(5).div(2))).toEqual(seq('int_div'));
    expect(view(torch.div(torch.arange(-3, 4), 2, { rounding_mode: 'floor' }))).toEqual(seq('floor_div'));
    expect(view(a.mul(b))).toEqual(seq('mul'));
    expect(view(a.pow(2))).toEqual(seq('pow'));
    expect(view(a.matmul(a.t()))).toEqual(seq('matmul'));
    expect(view(a.sum())).toEqual(seq('sum'));
    expect(view(a.sum(1))).toEqual(seq('sum_dim'));
    expect(view(a.sum(0, true))).toEqual(seq('sum_keep'));
    expect(view(a.mean([0, 1]))).toEqual(seq('mean_dims'));
    const [values, indices] = a.max(1);
    expect(view(values)).toEqual(seq('max_dim_v'));
    expect(view(a.max(1).indices)).toEqual(seq('max_dim_i'));
    expect(view(indices)).toEqual(seq('max_dim_i'));
    expect(view(b.argmax())).toEqual(seq('argmax'));
    expect(view(a.std(1))).toEqual(seq('std'));
    expect(view(a.var(0, { unbiased: false }))).toEqual(seq('var_unb'));
    expect(view(a.reshape(3, 2))).toEqual(seq('reshape'));
    expect(view(a.view(-1))).toEqual(seq('view'));
    expect(view(a.transpose(0, 1).contiguous())).toEqual(seq('transpose'));
    expect(view(torch.arange(24).reshape(2, 3, 4).permute(2, 0, 1).contiguous())).toEqual(seq('permute'));
    expect(view(b.unsqueeze(1))).toEqual(seq('unsqueeze'));
    expect(view(torch.zeros(1, 3, 1).squeeze())).toEqual(seq('squeeze'));
    expect(view(torch.arange(24).reshape(2, 3, 4).flatten(1))).toEqual(seq('flatten'));
    expect(view(torch.cat([a, a], 1))).toEqual(seq('cat'));
    expect(view(torch.stack([b, b]))).toEqual(seq('stack'));
    expect(view(torch.tensor([1.7, -1.7]).to('int32'))).toEqual(seq('to_int'));
    expect(view(torch.tensor([0.1, 2049]).half().float())).toEqual({ ...seq('to_half'), dtype: 'float32' });
    expect(view(a.gt(2))).toEqual(seq('gt'));
    expect(view(torch.where(a.gt(2), a, torch.zeros(1)))).toEqual(seq('where'));
    expect(view(a.softmax(1))).toEqual(seq('softmax'));
    expect(view(a.clamp(1, 4))).toEqual(seq('clamp'));
    const c = a.clone();
    expect(c.add_(1).mul_(2)).toBe(c);
    expect(view(c)).toEqual(seq('inplace'));
  });

  it('backward gives Python gradients', () => {
    torch.manual_seed(0);
    const x = torch.randn([4, 3], { requires_grad: true });
    const w = torch.randn([3, 2], { requires_grad: true });
    const y = x.matmul(w).tanh().pow(2).mean();
    y.backward();
    expect(y.item()).toBe(ref.loss);
    expect(view(x.grad!)).toEqual(seq('x_grad'));
    expect(view(w.grad!)).toEqual(seq('w_grad'));
    expect(y.grad_fn?.name()).toBe('MeanBackward0');
    expect(x.is_leaf).toBe(true);
    expect(y.is_leaf).toBe(false);
    expect(y.toString()).toBe(ref.repr_grad);

    const x2 = torch.tensor([1, 2, 3], { dtype: 'float32', requires_grad: true });
    const z = x2.mul(x2).sum();
    const [gx] = torch.autograd.grad(z, x2, { create_graph: true });
    expect(view(gx!)).toEqual(seq('grad_x2'));
    const [gg] = torch.autograd.grad(gx!.sum(), x2);
    expect(view(gg!)).toEqual(seq('grad_grad_x2'));

    const q = torch.tensor([1, 2], { dtype: 'float32', requires_grad: true });
    q.mul(3).backward(torch.tensor([1, 0.5]));
    expect(view(q.grad!)).toEqual(seq('backward_gradient'));
  });

  it('prints like Python, also through util.inspect', () => {
    expect(inspect(torch.arange(4))).toBe(ref.repr_int);
    expect(String(torch.arange(4))).toBe(ref.repr_int);
  });
});

describe('tensor core', () => {
  it('has metadata, item, tolist and TypedArray data', () => {
    const t = torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
    expect(t.shape).toEqual([2, 3]);
    expect(t.size()).toEqual([2, 3]);
    expect(t.size(-1)).toBe(3);
    expect(t.dim()).toBe(2);
    expect(t.ndim).toBe(2);
    expect(t.numel()).toBe(6);
    expect(t.dtype).toBe(torch.float32);
    expect(String(t.device)).toBe('cpu');
    expect(t.tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(t.toTypedArray()).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(t.sum().item()).toBe(21);
    expect(torch.tensor([true, false]).tolist()).toEqual([true, false]);
    expect(torch.tensor([1, 2]).toTypedArray()).toEqual(new BigInt64Array([1n, 2n]));
    expect(t.type()).toBe('torch.FloatTensor');
    expect(t.long().type()).toBe('torch.LongTensor');
  });

  it('shape and stride at any number of dims (0, a few, past the 64 the shared dims buffer holds)', () => {
    expect(torch.zeros([]).shape).toEqual([]);
    const t = torch.zeros(2, 3, 4).transpose(0, 2);
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.stride()).toEqual([1, 4, 12]);
    const many = torch.ones(2).reshape([...Array(69).fill(1), 2]);
    expect(many.shape).toEqual([...Array(69).fill(1), 2]);
    expect(many.stride()).toEqual([...Array(69).fill(2), 1]); // contiguous strides, as Python gives
    expect(many.size(-1)).toBe(2);
  });

  it('no_grad, enable_grad and set_grad_enabled scope gradient tracking', () => {
    const w = torch.ones([2], { requires_grad: true });
    const y = torch.no_grad(() => w.mul(2));
    expect(y.requires_grad).toBe(false);
    expect(torch.is_grad_enabled()).toBe(true);
    {
      using _guard = torch.no_grad();
      expect(torch.is_grad_enabled()).toBe(false);
      expect(torch.enable_grad(() => w.mul(2)).requires_grad).toBe(true);
    }
    expect(torch.is_grad_enabled()).toBe(true);
    expect(() => torch.no_grad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(torch.is_grad_enabled()).toBe(true);
    expect(torch.set_grad_enabled(false, () => torch.is_grad_enabled())).toBe(false);
  });

  it('detach and requires_grad_', () => {
    const w = torch.ones([2]).requires_grad_();
    expect(w.requires_grad).toBe(true);
    const d = w.mul(2).detach();
    expect(d.requires_grad).toBe(false);
    expect(d.grad_fn).toBeNull();
  });

  it('torch.ops.aten reaches any operator, with overloads and keywords', () => {
    const a = torch.tensor([1, 2, 3], { dtype: 'float32' });
    expect((torch.ops.aten.add.Tensor(a, a, { alpha: 2 }) as torch.Tensor).tolist()).toEqual([3, 6, 9]);
    expect((torch.ops.aten.add(a, 1) as torch.Tensor).tolist()).toEqual([2, 3, 4]);
    expect((torch.ops.aten.cumsum(a, 0) as torch.Tensor).tolist()).toEqual([1, 3, 6]);
    const [vals, idx] = torch.ops.aten.topk(a, 2) as torch.Tensor[];
    expect(vals!.tolist()).toEqual([3, 2]);
    expect(idx!.tolist()).toEqual([2, 1]);
    expect(() => torch.ops.aten.no_such_op).toThrow('unknown operator aten::no_such_op');
    expect(() => torch.ops.aten.add.NoSuchOverload).toThrow(/no such overload/);
  });

  it('devices', () => {
    expect(String(new torch.device('cuda:1'))).toBe('cuda:1');
    expect(new torch.device('cuda', 0).index).toBe(0);
    expect(() => new torch.device('gpu')).toThrow(/Expected one of cpu, cuda/);
    expect(torch.cuda.is_available()).toBe(false);
    expect(torch.cuda.device_count()).toBe(0);
  });
});
