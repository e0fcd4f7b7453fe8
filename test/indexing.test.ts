// Python's t[...] reads and writes, each case written once in Python syntax and
// once as the equivalent get()/set() call, compared with real PyTorch (values,
// shape, dtype, grad_fn, and error messages) computed in one Python process.
import { describe, expect, it } from 'vitest';
import * as torch from '../lib/torch.js';
import type { Tensor } from '../lib/torch.js';
import { python, pythonMissingReason, runPython } from './helpers/python.js';

const T = torch.tensor;
const S = torch.slice;

/** The tensors every case starts from, built identically in both languages. */
interface Env {
  x: Tensor; // arange(12.).reshape(3, 4), float32
  y: Tensor; // arange(24).reshape(2, 3, 4), int64
  v: Tensor; // arange(10.), float32
  s: Tensor; // tensor(7.), 0-dim
  g: Tensor; // arange(12., requires_grad=True).reshape(3, 4): a non-leaf with autograd history
  m2: Tensor; // bool mask over y's first two dims
  i: Tensor; // int64 [2, 0, 2]
  j: Tensor; // int64 [[0, 1], [1, 0]]
}

const PY_ENV = `
def make_env():
    return dict(
        torch=torch,
        x=torch.arange(12.).reshape(3, 4),
        y=torch.arange(24).reshape(2, 3, 4),
        v=torch.arange(10.),
        s=torch.tensor(7.),
        g=torch.arange(12., requires_grad=True).reshape(3, 4),
        m2=torch.tensor([[True, False, True], [False, True, True]]),
        i=torch.tensor([2, 0, 2]),
        j=torch.tensor([[0, 1], [1, 0]]),
    )
`;

function makeEnv(): Env {
  return {
    x: torch.arange(12, { dtype: 'float32' }).reshape(3, 4),
    y: torch.arange(24).reshape(2, 3, 4),
    v: torch.arange(10, { dtype: 'float32' }),
    s: T(7, { dtype: 'float32' }),
    g: torch.arange(12, { dtype: 'float32', requires_grad: true }).reshape(3, 4),
    m2: T([[true, false, true], [false, true, true]]),
    i: T([2, 0, 2]),
    j: T([[0, 1], [1, 0]]),
  };
}

interface Case {
  /** 'read': py is an expression; 'write': py is a statement and the result is `target` afterwards. */
  kind: 'read' | 'write';
  py: string;
  ts: (e: Env) => unknown;
  target?: keyof Env;
  /** For an expected error: a pattern our message must match instead of Python's exact text. */
  message?: RegExp;
}

const read = (py: string, ts: (e: Env) => unknown): Case => ({ kind: 'read', py, ts });
const write = (py: string, ts: (e: Env) => unknown, target?: keyof Env): Case => ({
  kind: 'write',
  py,
  ts,
  target: target ?? (/^(\w+)/.exec(py)![1] as keyof Env),
});

const READS: Case[] = [
  // ints
  read('x[1]', ({ x }) => x.get(1)),
  read('x[-1]', ({ x }) => x.get(-1)),
  read('x[1, 2]', ({ x }) => x.get(1, 2)),
  read('x[-1, -4]', ({ x }) => x.get(-1, -4)),
  read('y[1, -2, 3]', ({ y }) => y.get(1, -2, 3)),
  // slices
  read('x[1:]', ({ x }) => x.get('1:')),
  read('x[:-1]', ({ x }) => x.get(':-1')),
  read('x[::2]', ({ x }) => x.get('::2')),
  read('v[1:8:3]', ({ v }) => v.get('1:8:3')),
  read('v[1:8:3] (torch.slice)', ({ v }) => v.get(S(1, 8, 3))),
  read('v[-3:]', ({ v }) => v.get('-3:')),
  read('v[:4]', ({ v }) => v.get(S(4))),
  read('v[-100:100]', ({ v }) => v.get('-100:100')),
  read('v[7:2]', ({ v }) => v.get('7:2')),
  read('v[-2:-8]', ({ v }) => v.get(S(-2, -8))),
  read('v[:-12]', ({ v }) => v.get(':-12')),
  read('v[12:]', ({ v }) => v.get(S(12, null))),
  read('v[-7:-2:2]', ({ v }) => v.get('-7:-2:2')),
  read('x[:, ::3]', ({ x }) => x.get(':', '::3')),
  read('x[1:, -2:]', ({ x }) => x.get('1:', '-2:')),
  read('x[:]', ({ x }) => x.get(':')),
  // None and Ellipsis
  read('x[None]', ({ x }) => x.get(null)),
  read('x[:, None]', ({ x }) => x.get(':', null)),
  read('x[None, 1, None, ::2]', ({ x }) => x.get(null, 1, null, '::2')),
  read('x[...]', ({ x }) => x.get('...')),
  read('x[()]', ({ x }) => x.get()),
  read('y[..., 1]', ({ y }) => y.get('...', 1)),
  read('y[0, ...]', ({ y }) => y.get(0, '...')),
  read('y[..., None]', ({ y }) => y.get('...', null)),
  read('y[1, ..., None, 2]', ({ y }) => y.get(1, '...', null, 2)),
  read('x[0, ..., 1]', ({ x }) => x.get(0, '...', 1)),
  // bool masks
  read('x[x > 4]', ({ x }) => x.get(x.gt(4))),
  read('y[m2]', ({ y, m2 }) => y.get(m2)),
  read('y[m2, 1:3]', ({ y, m2 }) => y.get(m2, '1:3')),
  read('y[:, [True, False, True]]', ({ y }) => y.get(':', [true, false, true])),
  read('x[[True, False, True]]', ({ x }) => x.get([true, false, true])),
  read('y[m2.tolist(), ..., 0]', ({ y }) => y.get([[true, false, true], [false, true, true]], '...', 0)),
  read('x[torch.tensor([1, 0, 1], dtype=torch.uint8)]', ({ x }) => x.get(T([1, 0, 1], { dtype: 'uint8' }))),
  // integer tensors and lists
  read('x[i]', ({ x, i }) => x.get(i)),
  read('x[[0, 2, -1]]', ({ x }) => x.get([0, 2, -1])),
  // (a trailing comma: Python alone would read a list of lists as a tuple of indices)
  read('x[[[0, 1], [2, 0]],]', ({ x }) => x.get([[0, 1], [2, 0]])),
  read('x[[]]', ({ x }) => x.get([])),
  read('y[j]', ({ y, j }) => y.get(j)),
  read('y[:, j]', ({ y, j }) => y.get(':', j)),
  // several advanced indices broadcasting together
  read('x[[0, 2], [1, 3]]', ({ x }) => x.get([0, 2], [1, 3])),
  read('x[[[0], [2]], [1, 3]]', ({ x }) => x.get([[0], [2]], [1, 3])),
  read('x[i, [3]]', ({ x, i }) => x.get(i, [3])),
  read('y[j, 1, j]', ({ y, j }) => y.get(j, 1, j)),
  // advanced indices separated by a slice: their dimension goes first
  read('y[[0, 1], :, [1, 2]]', ({ y }) => y.get([0, 1], ':', [1, 2])),
  read('y[[1, 0], 1:, [3, 0]]', ({ y }) => y.get([1, 0], '1:', [3, 0])),
  read('y[:, [0, 1], [1, 2]]', ({ y }) => y.get(':', [0, 1], [1, 2])),
  read('y[None, [0, 1], :, [1, 2]]', ({ y }) => y.get(null, [0, 1], ':', [1, 2])),
  read('y[0, :, [1, 2]]', ({ y }) => y.get(0, ':', [1, 2])),
  read('y[[0], ..., None, [1, 2]]', ({ y }) => y.get([0], '...', null, [1, 2])),
  read('y[..., [0, 3]]', ({ y }) => y.get('...', [0, 3])),
  read('x[1:, None, ..., [0, 2]]', ({ x }) => x.get('1:', null, '...', [0, 2])),
  // Python bools and 0-dim index tensors
  read('x[True]', ({ x }) => x.get(true)),
  read('x[False]', ({ x }) => x.get(false)),
  read('x[0, True]', ({ x }) => x.get(0, true)),
  read('x[False, 0]', ({ x }) => x.get(false, 0)),
  read('x[torch.tensor(1)]', ({ x }) => x.get(T(1))),
  read('x[torch.tensor(True)]', ({ x }) => x.get(T(true))),
  read('x[i, torch.tensor(2)]', ({ x, i }) => x.get(i, T(2))),
  // 0-dim tensors
  read('s[...]', ({ s }) => s.get('...')),
  read('s[None]', ({ s }) => s.get(null)),
  read('s[True]', ({ s }) => s.get(true)),
  read('s[False]', ({ s }) => s.get(false)),
  read('s[()]', ({ s }) => s.get()),
  read('s[None, ..., None]', ({ s }) => s.get(null, '...', null)),
  // the op behind each read, seen through grad_fn
  read('g[1]', ({ g }) => g.get(1)),
  read('g[1:]', ({ g }) => g.get('1:')),
  read('g[None]', ({ g }) => g.get(null)),
  read('g[...]', ({ g }) => g.get('...')),
  read('g[0:3, 0:4]', ({ g }) => g.get('0:3', '0:4')),
  read('g[:, 0:4]', ({ g }) => g.get(':', S(0, 4))),
  read('g[[0, 1]]', ({ g }) => g.get([0, 1])),
  read('g[True]', ({ g }) => g.get(true)),
  read('g[g > 4]', ({ g }) => g.get(g.gt(4))),
];

const WRITES: Case[] = [
  write('x[0] = 5', ({ x }) => x.set(0, 5)),
  write('x[-1, 1:3] = -2.5', ({ x }) => x.set([-1, '1:3'], -2.5)),
  write('x[:, 1] = v[:3]', ({ x, v }) => x.set([':', 1], v.get(':3'))),
  write('x[1:] = torch.tensor([10., 20., 30., 40.])', ({ x }) => x.set('1:', T([10, 20, 30, 40], { dtype: 'float32' }))),
  write('x[:, :2] = torch.tensor([[1.], [2.], [3.]])', ({ x }) => x.set([':', ':2'], T([[1], [2], [3]], { dtype: 'float32' }))),
  write('x[::2, ::3] = 0', ({ x }) => x.set(['::2', '::3'], 0)),
  write('x[...] = 0', ({ x }) => x.set('...', 0)),
  write('x[None] = torch.ones(1, 1, 3, 4)', ({ x }) => x.set(null, torch.ones(1, 1, 3, 4))),
  write('x[0, :] = torch.tensor(5.)', ({ x }) => x.set([0, ':'], T(5, { dtype: 'float32' }))),
  write('x[0] = True', ({ x }) => x.set(0, true)),
  write('y[1] = 2.7', ({ y }) => y.set(1, 2.7)),
  write('y[..., 0] = 42', ({ y }) => y.set(['...', 0], 42)),
  write('x[True] = 1', ({ x }) => x.set(true, 1)),
  write('x[False] = 1', ({ x }) => x.set(false, 1)),
  write('x[1, True] = 2', ({ x }) => x.set([1, true], 2)),
  write('x[torch.tensor(1)] = 8', ({ x }) => x.set(T(1), 8)),
  // advanced-index writes (index_put_)
  write('x[x > 4] = -1', ({ x }) => x.set(x.gt(4), -1)),
  write('x[x > 4] = torch.arange(7.)', ({ x }) => x.set(x.gt(4), torch.arange(7, { dtype: 'float32' }))),
  write('y[m2] = 0', ({ y, m2 }) => y.set(m2, 0)),
  write('y[m2] = torch.tensor([1, 2, 3, 4])', ({ y, m2 }) => y.set(m2, T([1, 2, 3, 4]))),
  write('x[[0, 2]] = 9', ({ x }) => x.set([[0, 2]], 9)),
  write('x[i] = torch.arange(4.)', ({ x, i }) => x.set(i, torch.arange(4, { dtype: 'float32' }))),
  write('x[[0, 2], [1, 3]] = torch.tensor([100., 200.])', ({ x }) => x.set([[0, 2], [1, 3]], T([100, 200], { dtype: 'float32' }))),
  write('x[:, [True, False, True, False]] = torch.tensor([1., 2.])', ({ x }) =>
    x.set([':', [true, false, true, false]], T([1, 2], { dtype: 'float32' }))),
  write('y[[0, 1], :, [1, 2]] = torch.tensor([[7], [8]])', ({ y }) => y.set([[0, 1], ':', [1, 2]], T([[7], [8]]))),
  write('y[:, [0, 1], [1, 2]] = -1', ({ y }) => y.set([':', [0, 1], [1, 2]], -1)),
  write('x[[1]] = torch.tensor([[[1., 2., 3., 4.]]])', ({ x }) => x.set([[1]], T([[[1, 2, 3, 4]]], { dtype: 'float32' }))),
  write('x[1:, None, ..., [0, 2]] = torch.tensor([5., 6.])', ({ x }) => x.set(['1:', null, '...', [0, 2]], T([5, 6], { dtype: 'float32' }))),
  // duplicate indices: index_put_ without accumulate, as PyTorch does it
  write('v[[1, 1, 3]] = torch.tensor([5., 6., 7.])', ({ v }) => v.set([[1, 1, 3]], T([5, 6, 7], { dtype: 'float32' }))),
  write('x[[0, 0, 0]] = torch.tensor([[1.] * 4, [2.] * 4, [3.] * 4])', ({ x }) =>
    x.set([[0, 0, 0]], T([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], { dtype: 'float32' }))),
  // 0-dim targets
  write('s[...] = 3', ({ s }) => s.set('...', 3)),
  write('s[None] = torch.tensor([4.])', ({ s }) => s.set(null, T([4], { dtype: 'float32' }))),
  write('s[True] = 5', ({ s }) => s.set(true, 5)),
  // basic indexing gives views: writing through them changes the base ...
  write('x[1, 1:].fill_(100)', ({ x }) => x.get(1, '1:').fill_(100), 'x'),
  write('x[None, ..., ::2].mul_(-1)', ({ x }) => x.get(null, '...', '::2').mul_(-1), 'x'),
  write('x[...].zero_()', ({ x }) => x.get('...').zero_(), 'x'),
  write('x[()].add_(1)', ({ x }) => x.get().add_(1), 'x'),
  write('x[0:3, 0:4].zero_()', ({ x }) => x.get('0:3', '0:4').zero_(), 'x'),
  write('x[torch.tensor(2)].zero_()', ({ x }) => x.get(T(2)).zero_(), 'x'),
  write('s[None].fill_(1)', ({ s }) => s.get(null).fill_(1), 's'),
  // ... while advanced indexing gives copies: the base is unchanged
  write('x[[0, 1]].fill_(100)', ({ x }) => x.get([0, 1]).fill_(100), 'x'),
  write('x[x > 4].zero_()', ({ x }) => x.get(x.gt(4)).zero_(), 'x'),
  write('x[True].zero_()', ({ x }) => x.get(true).zero_(), 'x'),
  write('x[:, [0]].zero_()', ({ x }) => x.get(':', [0]).zero_(), 'x'),
];

const ERRORS: Case[] = [
  read('x[5]', ({ x }) => x.get(5)),
  read('x[-4]', ({ x }) => x.get(-4)),
  read('x[None, 5]', ({ x }) => x.get(null, 5)),
  read('x[0, 4]', ({ x }) => x.get(0, 4)),
  read('x[1, 2, 3]', ({ x }) => x.get(1, 2, 3)),
  read('x[m2, 0]', ({ x, m2 }) => x.get(m2, 0)),
  read('x[::-1]', ({ x }) => x.get('::-1')),
  read('x[:, ::-2]', ({ x }) => x.get(':', S(null, null, -2))),
  read('x[::0]', ({ x }) => x.get('::0')),
  read('s[0]', ({ s }) => s.get(0)),
  read('s[1]', ({ s }) => s.get(1)),
  read('x[..., ..., 0]', ({ x }) => x.get('...', '...', 0)),
  read('x[[0, 5]]', ({ x }) => x.get([0, 5])),
  read('x[:, [0, -5]]', ({ x }) => x.get(':', [0, -5])),
  read('x[[0, 1, 2], [0, 1]]', ({ x }) => x.get([0, 1, 2], [0, 1])),
  read('y[torch.tensor([True, False, True])]', ({ y }) => y.get(T([true, false, true]))),
  read('x[torch.tensor([1., 0.])]', ({ x }) => x.get(T([1, 0], { dtype: 'float32' }))),
  read('x[torch.tensor([1, 0], dtype=torch.int32)]', ({ x }) => x.get(T([1, 0], { dtype: 'int32' }))),
  write('x[0] = torch.ones(3)', ({ x }) => x.set(0, torch.ones(3))),
  write('x[5] = 1', ({ x }) => x.set(5, 1)),
  write('x[[0, 1]] = torch.ones(3)', ({ x }) => x.set([[0, 1]], torch.ones(3))),
  write('x[[0]] = torch.ones(4, dtype=torch.int64)', ({ x }) => x.set([[0]], torch.ones(4, { dtype: 'int64' }))),
  write('x[x > 4] = torch.ones(3)', ({ x }) => x.set(x.gt(4), torch.ones(3))),
  write('x[1:, [0, 9]] = 0', ({ x }) => x.set(['1:', [0, 9]], 0)),
];

/** Encodes a result as the Python side does. */
function encode(r: unknown): { shape: number[]; dtype: string; values: unknown; grad_fn: string | null } {
  const t = r as Tensor;
  return { shape: t.shape, dtype: t.dtype, values: t.tolist(), grad_fn: t.grad_fn ? t.grad_fn.name() : null };
}

interface PyResult {
  ok?: { shape: number[]; dtype: string; values: unknown; grad_fn: string | null };
  error?: string;
  type?: string;
}

interface GradResults {
  read: { x_grad: number[][]; a_grad: number[] };
  write: { a_grad: number[]; vv_grad: number[]; ww_grad: number[]; h: number[][]; h_grad_fn: string };
  leaf_error: string;
  view_leaf_error: string;
}

const ALL = [...READS, ...WRITES, ...ERRORS];

const results = python
  ? runPython<{ cases: PyResult[]; grad: GradResults }>(`
${PY_ENV}
cases = json.loads(${JSON.stringify(JSON.stringify(ALL.map((c) => ({ kind: c.kind, py: c.py.replace(/ \(torch\.slice\)$/, ''), target: c.target ?? null }))))})
import warnings
warnings.simplefilter('ignore')
def enc(r):
    return {'shape': list(r.shape), 'dtype': str(r.dtype)[6:], 'values': r.tolist(),
            'grad_fn': type(r.grad_fn).__name__ if r.grad_fn is not None else None}
res = []
for c in cases:
    e = make_env()
    try:
        if c['kind'] == 'read':
            r = eval(c['py'], e)
        else:
            exec(c['py'], e)
            r = e[c['target']]
        res.append({'ok': enc(r)})
    except Exception as ex:
        res.append({'error': str(ex), 'type': type(ex).__name__})

grad = {}
# gradient through indexed reads (basic and advanced, duplicates accumulate)
a = torch.arange(12., requires_grad=True)
h = (a * 1).reshape(3, 4)
w = torch.arange(12.).reshape(3, 4).requires_grad_()
loss = (h[1:, [0, 2]] * torch.tensor([[1., 2.], [3., 4.]])).sum() + h[None, -1, ::2].sum() * 5
loss = loss + (w[w > 4] ** 2).sum() + w[[0, 0, 2], 1].sum() + w[..., 3].sum() * 10
loss.backward()
grad['read'] = {'x_grad': w.grad.tolist(), 'a_grad': a.grad.tolist()}
# gradient through in-place writes into a non-leaf
a = torch.arange(12., requires_grad=True)
vv = torch.tensor([1., 2., 3.], requires_grad=True)
ww = torch.tensor([-1., -2.], requires_grad=True)
h = (a * 2).reshape(3, 4)
h[0, 1:] = vv * 3
h[[1, 2], [0, 0]] = ww
h[h > 20] = 0
h[2, ...] = h[2] * 2
(h * h).sum().backward()
grad['write'] = {'a_grad': a.grad.tolist(), 'vv_grad': vv.grad.tolist(), 'ww_grad': ww.grad.tolist(),
                 'h': h.tolist(), 'h_grad_fn': type(h.grad_fn).__name__}
try:
    torch.ones(3, requires_grad=True)[[0]] = 1
except Exception as ex:
    grad['leaf_error'] = str(ex)
try:
    torch.ones(3, requires_grad=True)[0] = 1
except Exception as ex:
    grad['view_leaf_error'] = str(ex)
out = {'cases': res, 'grad': grad}
`)
  : undefined;

function runTs(c: Case): PyResult {
  const e = makeEnv();
  try {
    const r = c.ts(e);
    return { ok: encode(c.kind === 'read' ? r : e[c.target!]) };
  } catch (ex) {
    return { error: (ex as Error).message, type: (ex as Error).constructor.name };
  }
}

describe.skipIf(!python)(`indexing vs PyTorch ${python ? '' : pythonMissingReason}`, () => {
  const cases = results?.cases ?? [];
  const check = (group: Case[], offset: number): void => {
    group.forEach((c, k) => {
      it(c.py, () => {
        const want = cases[offset + k]!;
        const got = runTs(c);
        if (want.error !== undefined) {
          expect(got.error, `PyTorch raised ${want.type}: ${want.error}`).toBeDefined();
          expect(got.error).toBe(want.error);
        } else {
          expect(got.error, got.error).toBeUndefined();
          expect(got.ok).toEqual(want.ok);
        }
      });
    });
  };
  describe('reads', () => check(READS, 0));
  describe('writes', () => check(WRITES, READS.length));
  describe('errors', () => {
    it('every error case is an error in PyTorch', () => {
      for (let k = 0; k < ERRORS.length; k++) expect(cases[READS.length + WRITES.length + k]!.error, ERRORS[k]!.py).toBeDefined();
    });
    check(ERRORS, READS.length + WRITES.length);
  });

  it('has at least 40 cases', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(40);
    expect(cases.length).toBe(ALL.length);
  });

  it('gradient flows through indexed reads', () => {
    const want = results!.grad.read;
    const a = torch.arange(12, { dtype: 'float32', requires_grad: true });
    const h = a.mul(1).reshape(3, 4);
    const w = torch.arange(12, { dtype: 'float32' }).reshape(3, 4).requires_grad_();
    let loss = h.get('1:', [0, 2]).mul(T([[1, 2], [3, 4]], { dtype: 'float32' })).sum().add(h.get(null, -1, '::2').sum().mul(5));
    loss = loss.add(w.get(w.gt(4)).pow(2).sum()).add(w.get([0, 0, 2], 1).sum()).add(w.get('...', 3).sum().mul(10));
    loss.backward();
    expect(w.grad!.tolist()).toEqual(want.x_grad);
    expect(a.grad!.tolist()).toEqual(want.a_grad);
  });

  it('gradient flows through in-place indexed writes on a non-leaf', () => {
    const want = results!.grad.write;
    const a = torch.arange(12, { dtype: 'float32', requires_grad: true });
    const vv = T([1, 2, 3], { dtype: 'float32', requires_grad: true });
    const ww = T([-1, -2], { dtype: 'float32', requires_grad: true });
    const h = a.mul(2).reshape(3, 4);
    h.set([0, '1:'], vv.mul(3));
    h.set([[1, 2], [0, 0]], ww);
    h.set(h.gt(20), 0);
    h.set([2, '...'], h.get(2).mul(2));
    h.mul(h).sum().backward();
    expect(h.tolist()).toEqual(want.h);
    expect(h.grad_fn!.name()).toBe(want.h_grad_fn);
    expect(a.grad!.tolist()).toEqual(want.a_grad);
    expect(vv.grad!.tolist()).toEqual(want.vv_grad);
    expect(ww.grad!.tolist()).toEqual(want.ww_grad);
  });

  it('refuses in-place writes into a leaf that requires grad, as PyTorch does', () => {
    const g = results!.grad;
    expect(() => torch.ones(3, { requires_grad: true }).set([[0]], 1)).toThrow(g.leaf_error);
    expect(() => torch.ones(3, { requires_grad: true }).set(0, 1)).toThrow(g.view_leaf_error);
  });
});

describe('indexing API', () => {
  it('set returns this and writes in place', () => {
    const x = torch.zeros(2, 3);
    expect(x.set([1, ':'], 4)).toBe(x);
    expect(x.tolist()).toEqual([[0, 0, 0], [4, 4, 4]]);
  });

  it('basic indexing shares storage with the base; advanced indexing copies', () => {
    const x = torch.arange(6, { dtype: 'float32' }).reshape(2, 3);
    const view = x.get(0, '1:');
    view.fill_(-1);
    expect(x.tolist()).toEqual([[0, -1, -1], [3, 4, 5]]);
    x.set([0, 1], 9);
    expect(view.tolist()).toEqual([9, -1]);
    const copy = x.get([0], '1:');
    copy.fill_(7);
    expect(x.tolist()).toEqual([[0, 9, -1], [3, 4, 5]]);
    // x[...] and x[()] are new Tensor objects aliasing x
    const alias = x.get('...');
    expect(alias).not.toBe(x);
    alias.zero_();
    expect(x.sum().item()).toBe(0);
  });

  it('slice() follows Python: one argument is the stop; slices print as Python writes them', () => {
    expect(String(S(3))).toBe(':3');
    expect(String(S(1, null))).toBe('1:');
    expect(String(S(1, 8, 3))).toBe('1:8:3');
    expect(String(S(null, null, 2))).toBe('::2');
    expect(torch.arange(5).get(S(3)).tolist()).toEqual([0, 1, 2]);
    expect(torch.arange(5).get(S(undefined, undefined, 2)).tolist()).toEqual([0, 2, 4]);
  });

  it('bad index types give a TypeError naming what is accepted', () => {
    const x = torch.zeros(3, 4);
    const accepted = /only integers, slices .*ellipsis .*null \(None\).*booleans.*arrays of integers or booleans.*Tensors are valid indices/;
    expect(() => x.get(1.5)).toThrow(TypeError);
    expect(() => x.get(1.5)).toThrow(accepted);
    expect(() => x.get(1.5)).toThrow(/got float 1.5/);
    expect(() => x.get('a')).toThrow(/got str 'a'/);
    expect(() => x.get(0, '1:2:3:4')).toThrow(TypeError);
    expect(() => x.get('..')).toThrow(TypeError);
    expect(() => x.get({} as never)).toThrow(accepted);
    expect(() => x.get(undefined as never)).toThrow(/got undefined/);
    expect(() => x.get(0, undefined as never)).toThrow(/got undefined/);
    expect(() => x.get([0, 'a'] as never)).toThrow(/only integers or booleans/);
    expect(() => x.set(0, 'a' as never)).toThrow(/can't assign a str 'a'/);
    expect(() => S(1.5)).toThrow(/slice indices must be integers/);
  });

  it('index errors are RangeErrors with PyTorch wording', () => {
    const x = torch.zeros(3, 4);
    expect(() => x.get(3)).toThrow(RangeError);
    expect(() => x.get(0, 0, 0)).toThrow(RangeError);
    expect(() => x.get('::-1')).toThrow(RangeError);
  });

  it('releases its temporaries', () => {
    const x = torch.arange(24).reshape(2, 3, 4);
    const mask = x.gt(5);
    const five = torch.tensor(5);
    const before = torch.memory().liveTensors;
    for (let k = 0; k < 20; k++) {
      x.get(null, 1, '...', [0, 2]).dispose();
      x.get(mask).dispose();
      x.get(true).dispose();
      x.set([0, '1:', [true, false, true, false]], 3);
      x.set([[0, 1], ':', [1, 2]], five);
      x.set(1, 2.5);
    }
    expect(torch.memory().liveTensors).toBe(before);
  });
});
