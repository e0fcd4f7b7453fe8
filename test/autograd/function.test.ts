// torch.autograd.Function: gradients of custom Functions against libtorch's own
// autograd, against real PyTorch running the same Function, and against finite
// differences; errors from backward; the ctx API; reentrant and double backward; leaks.
import { describe, expect, test } from 'vitest';
import * as torch from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import { FunctionCtx } from '../../lib/autograd/function.js';
import { native } from '../../lib/native.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const { Function } = torch.autograd;

class Exp extends Function {
  static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
    const y = x.exp();
    ctx.save_for_backward(y); // an output: saved without a reference cycle
    return y;
  }
  static override backward(ctx: FunctionCtx, grad: Tensor): Tensor {
    const [y] = ctx.saved_tensors;
    return grad.mul(y!);
  }
}

/** clamp in forward, identity in backward (the straight-through estimator). */
class StraightThroughClamp extends Function {
  static override forward(_ctx: FunctionCtx, x: Tensor, min: number, max: number): Tensor {
    return x.clamp(min, max);
  }
  static override backward(_ctx: FunctionCtx, grad: Tensor): [Tensor, null, null] {
    return [grad, null, null];
  }
}

/** f(a, b) = a·b + sin(a), with a scale kept on ctx: two tensor inputs, one number. */
class MulSin extends Function {
  static override forward(ctx: FunctionCtx & { scale: number }, a: Tensor, b: Tensor, scale: number): Tensor {
    ctx.save_for_backward(a, b);
    ctx.scale = scale;
    return a.mul(b).add(a.sin()).mul(scale);
  }
  static override backward(ctx: FunctionCtx & { scale: number }, g: Tensor): [Tensor | null, Tensor | null, null] {
    const [a, b] = ctx.saved_tensors;
    const gs = g.mul(ctx.scale);
    return [
      ctx.needs_input_grad[0] ? gs.mul(b!.add(a!.cos())) : null,
      ctx.needs_input_grad[1] ? gs.mul(a!) : null,
      null,
    ];
  }
}

const values = (t: Tensor | null): number[] => Array.from(t!.detach().reshape(-1).toTypedArray() as Float32Array | Float64Array, Number);
const X = [-1.5, -0.25, 0.5, 0.75, 2.0, -3.0];

function expectClose(a: number[], b: number[], tol = 1e-6): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]!))));
}

describe('custom Function gradients', () => {
  test('Exp: same gradient as autograd through torch.exp', () => {
    const x = torch.tensor(X).requires_grad_();
    const y = Exp.apply(x);
    expect(y.grad_fn?.name()).toBe('ExpBackward');
    expect(y.requires_grad).toBe(true);
    y.mul(torch.arange(6)).sum().backward();
    const x2 = torch.tensor(X).requires_grad_();
    x2.exp().mul(torch.arange(6)).sum().backward();
    expect(values(y)).toEqual(values(x2.exp()));
    expect(values(x.grad)).toEqual(values(x2.grad));
  });

  test('straight-through clamp passes the gradient through unchanged', () => {
    const x = torch.tensor(X).requires_grad_();
    const y = StraightThroughClamp.apply(x, -1, 1);
    expect(values(y)).toEqual([-1, -0.25, 0.5, 0.75, 1, -1]);
    y.mul(torch.tensor([1, 2, 3, 4, 5, 6])).sum().backward();
    expect(values(x.grad)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('numeric gradient check (float64 central differences)', () => {
    torch.manual_seed(0);
    const a = torch.randn([4], { dtype: 'float64' }).requires_grad_();
    const b = torch.randn([4], { dtype: 'float64' }).requires_grad_();
    const w = torch.randn([4], { dtype: 'float64' });
    MulSin.apply(a, b, 1.5).mul(w).sum().backward();
    const f = (av: number[], bv: number[]): number =>
      torch.no_grad(() => MulSin.apply(torch.tensor(av, { dtype: 'float64' }), torch.tensor(bv, { dtype: 'float64' }), 1.5).mul(w).sum().item());
    const eps = 1e-6;
    for (const [which, grad] of [[0, a.grad], [1, b.grad]] as const) {
      const base = [values(a), values(b)];
      const numeric = base[which]!.map((_, i) => {
        const plus = base.map((v) => [...v]);
        const minus = base.map((v) => [...v]);
        plus[which]![i]! += eps;
        minus[which]![i]! -= eps;
        return (f(plus[0]!, plus[1]!) - f(minus[0]!, minus[1]!)) / (2 * eps);
      });
      expectClose(values(grad), numeric, 1e-7);
    }
  });

  test('needs_input_grad, and null gradients for inputs that need none', () => {
    const a = torch.randn([3]).requires_grad_();
    const b = torch.randn([3]);
    let seen: boolean[] = [];
    class Probe extends MulSin {
      static override backward(ctx: FunctionCtx & { scale: number }, g: Tensor): [Tensor | null, Tensor | null, null] {
        seen = [...ctx.needs_input_grad];
        return MulSin.backward(ctx, g);
      }
    }
    Probe.apply(a, b, 2).sum().backward();
    expect(seen).toEqual([true, false, false]);
    expect(b.grad).toBeNull();
    expect(values(a.grad)).toEqual(values(b.add(a.detach().cos()).mul(2)));
  });

  test('no input requires grad: the output is a plain tensor', () => {
    const y = Exp.apply(torch.tensor(X));
    expect(y.requires_grad).toBe(false);
    expect(y.grad_fn).toBeNull();
    const z = torch.no_grad(() => Exp.apply(torch.tensor(X).requires_grad_()));
    expect(z.requires_grad).toBe(false);
  });

  test('several outputs, mark_non_differentiable and set_materialize_grads', () => {
    let received: (Tensor | null)[] = [];
    class SortWithIndices extends Function {
      static override forward(ctx: FunctionCtx, x: Tensor): [Tensor, Tensor, Tensor] {
        const [values, indices] = x.sort();
        ctx.mark_non_differentiable(indices);
        ctx.save_for_backward(indices);
        ctx.set_materialize_grads(false);
        return [values, indices, x.mul(2)];
      }
      static override backward(ctx: FunctionCtx, gValues: Tensor | null, _gIdx: Tensor | null, gDouble: Tensor | null): Tensor {
        received = [gValues, _gIdx, gDouble];
        const [indices] = ctx.saved_tensors;
        const gx = torch.zeros_like(indices!, { dtype: 'float32' });
        if (gValues) gx.scatter_(0, indices!, gValues);
        return gDouble ? gx.add(gDouble.mul(2)) : gx;
      }
    }
    const x = torch.tensor([3, 1, 2], { dtype: 'float32' }).requires_grad_();
    const [sorted, idx, doubled] = SortWithIndices.apply(x);
    expect(idx.requires_grad).toBe(false);
    expect(doubled.requires_grad).toBe(true);
    sorted.mul(torch.tensor([1, 10, 100])).sum().backward();
    expect(received[0]).not.toBeNull();
    expect(received[1]).toBeNull(); // not materialized
    expect(received[2]).toBeNull();
    expect(values(x.grad)).toEqual([100, 1, 10]);
  });

  test('materialized gradients: zeros for outputs that got none', () => {
    let gotZeros = false;
    class Two extends Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): [Tensor, Tensor] {
        return [x.mul(2), x.mul(3)];
      }
      static override backward(_ctx: FunctionCtx, g1: Tensor, g2: Tensor): Tensor {
        gotZeros = g2.shape.join() === '4' && g2.abs().sum().item() === 0;
        return g1.mul(2).add(g2.mul(3));
      }
    }
    const x = torch.ones([4]).requires_grad_();
    const [a] = Two.apply(x);
    a.sum().backward();
    expect(gotZeros).toBe(true);
    expect(values(x.grad)).toEqual([2, 2, 2, 2]);
  });

  test('an input returned as is comes back as a new tensor that carries the gradient', () => {
    class Ident extends Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x;
      }
      static override backward(_ctx: FunctionCtx, g: Tensor): Tensor {
        return g.mul(5);
      }
    }
    const x = torch.ones([2]).requires_grad_();
    const y = Ident.apply(x);
    expect(y).not.toBe(x);
    expect(y.grad_fn?.name()).toBe('IdentBackward');
    y.sum().backward();
    expect(values(x.grad)).toEqual([5, 5]);
  });

  test('double backward through a saved output (create_graph)', () => {
    const x = torch.tensor([0.5, 1.0], { dtype: 'float64' }).requires_grad_();
    const y = Exp.apply(x);
    const [g] = torch.autograd.grad(y.sum(), x, { create_graph: true });
    expect(g!.requires_grad).toBe(true);
    const [gg] = torch.autograd.grad(g!.sum(), x);
    expectClose(values(gg), values(x.detach().exp()), 1e-12);
  });

  test('reentrant backward: backward may run the autograd engine again', () => {
    class RecomputeSin extends Function {
      static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctx.save_for_backward(x);
        return x.sin();
      }
      static override backward(ctx: FunctionCtx, g: Tensor): Tensor {
        const [x] = ctx.saved_tensors;
        const xd = x!.detach().requires_grad_();
        torch.enable_grad(() => torch.autograd.backward(xd.sin(), { grad_tensors: g }));
        return xd.grad!;
      }
    }
    const x = torch.tensor(X).requires_grad_();
    RecomputeSin.apply(x).sum().backward();
    expectClose(values(x.grad), X.map(Math.cos), 1e-6);
  });
});

describe('custom Function errors', () => {
  test('an error thrown in backward comes out of backward() as the same JS Error', () => {
    class Boom extends Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static override backward(): Tensor {
        throw new RangeError('boom in backward');
      }
    }
    const x = torch.ones([2]).requires_grad_();
    const y = Boom.apply(x).sum();
    expect(() => y.backward()).toThrow(RangeError);
    expect(() => Boom.apply(x).sum().backward()).toThrow('boom in backward');
    // the engine is still usable afterwards
    Exp.apply(x).sum().backward();
    expect(x.grad).not.toBeNull();
  });

  test('wrong number of gradients, wrong types: PyTorch messages', () => {
    class TooMany extends Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
      static override backward(_ctx: FunctionCtx, g: Tensor): Tensor[] {
        return [g, g];
      }
    }
    class NotATensor extends TooMany {
      static override backward(): Tensor[] {
        return [3 as unknown as Tensor];
      }
    }
    class GradForNumber extends Function {
      static override forward(_ctx: FunctionCtx, x: Tensor, _k: number): Tensor {
        return x.mul(2);
      }
      static override backward(_ctx: FunctionCtx, g: Tensor): Tensor[] {
        return [g, g];
      }
    }
    const x = torch.ones([2]).requires_grad_();
    expect(() => TooMany.apply(x).sum().backward()).toThrow('function TooManyBackward returned an incorrect number of gradients (expected 1, got 2)');
    expect(() => NotATensor.apply(x).sum().backward()).toThrow('expected Variable or None (got number)');
    expect(() => GradForNumber.apply(x, 1).sum().backward()).toThrow(
      'function GradForNumberBackward returned a gradient different than None at position 2, but the corresponding forward input was not a Variable',
    );
  });

  test('a saved tensor modified in place, and a second backward through freed buffers', () => {
    class SaveInput extends Function {
      static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
        ctx.save_for_backward(x);
        return x.mul(x);
      }
      static override backward(ctx: FunctionCtx, g: Tensor): Tensor {
        const [x] = ctx.saved_tensors;
        return g.mul(x!).mul(2);
      }
    }
    const x = torch.ones([2]).requires_grad_();
    const h = x.mul(1);
    const y = SaveInput.apply(h).sum();
    h.add_(1);
    expect(() => y.backward()).toThrow(/modified by an inplace operation/);
    const z = SaveInput.apply(x).sum();
    z.backward();
    expect(() => z.backward()).toThrow(/Trying to backward through the graph a second time/);
  });

  test('forward and backward that were not implemented', () => {
    class NoForward extends Function {}
    class NoBackward extends Function {
      static override forward(_ctx: FunctionCtx, x: Tensor): Tensor {
        return x.mul(2);
      }
    }
    expect(() => NoForward.apply(torch.ones([1]))).toThrow('You must implement the forward function for custom autograd.Function.');
    expect(() => NoBackward.apply(torch.ones([1]).requires_grad_()).sum().backward()).toThrow(
      'You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.',
    );
  });
});

describe('custom Function memory', () => {
  test('no live tensors left after forward, backward and dispose', () => {
    const before = torch.memory().liveTensors;
    for (let i = 0; i < 50; i++) {
      torch.scope(() => {
        const x = torch.randn([16]).requires_grad_();
        const y = MulSin.apply(x, x.mul(2), 0.5);
        const [z] = [Exp.apply(y)];
        z.sum().backward();
        x.grad!.sum();
      });
    }
    expect(torch.memory().liveTensors).toBe(before);
  });

  test('the graph (and what it saved) is freed with the last tensor that refers to it', () => {
    const heap = (): number => nativeHeap() ?? 0;
    const big = torch.randn([1 << 20]); // 4 MB
    const x = big.requires_grad_();
    const base = heap();
    const y = torch.scope(() => Exp.apply(x.mul(1)).mul(1));
    const held = heap() - base; // y, plus Exp's saved output (the intermediates are gone)
    expect(held).toBeGreaterThan(7.5e6);
    y.dispose();
    expect(heap() - base).toBeLessThan(0.5e6);
    big.dispose();
  });
});

function nativeHeap(): number | null {
  return (native as unknown as { heapStats(): number | null }).heapStats();
}

describe.skipIf(!python)(`custom Functions against PyTorch${python ? '' : ` (${pythonMissingReason})`}`, () => {
  test('Exp, straight-through clamp and MulSin give PyTorch\'s values and gradients', () => {
    const ref = runPython<Record<string, number[]>>(`
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp(); ctx.save_for_backward(y); return y
    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors; return g * y
class STClamp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lo, hi): return x.clamp(lo, hi)
    @staticmethod
    def backward(ctx, g): return g, None, None
class MulSin(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b); ctx.scale = scale; return (a * b + a.sin()) * scale
    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors; gs = g * ctx.scale
        return gs * (b + a.cos()), gs * a, None
X = torch.tensor(${JSON.stringify(X)})
w = torch.arange(6.)
x = X.clone().requires_grad_(); y = Exp.apply(x); (y * w).sum().backward()
out = {'exp': y.tolist(), 'exp_grad': x.grad.tolist()}
x = X.clone().requires_grad_(); y = STClamp.apply(x, -0.5, 0.5); (y * w).sum().backward()
out['st'] = y.tolist(); out['st_grad'] = x.grad.tolist()
a = X.clone().requires_grad_(); b = X.flip(0).requires_grad_(); y = MulSin.apply(a, b, 0.75); (y * w).sum().backward()
out['ms'] = y.tolist(); out['ms_ga'] = a.grad.tolist(); out['ms_gb'] = b.grad.tolist()
`);
    const w = torch.arange(6, { dtype: 'float32' });
    let x = torch.tensor(X).requires_grad_();
    let y = Exp.apply(x);
    y.mul(w).sum().backward();
    expectClose(values(y), ref.exp!);
    expectClose(values(x.grad), ref.exp_grad!);

    x = torch.tensor(X).requires_grad_();
    y = StraightThroughClamp.apply(x, -0.5, 0.5);
    y.mul(w).sum().backward();
    expect(values(y)).toEqual(ref.st);
    expect(values(x.grad)).toEqual(ref.st_grad);

    const a = torch.tensor(X).requires_grad_();
    const b = torch.tensor(X).flip(0).requires_grad_();
    y = MulSin.apply(a, b, 0.75);
    y.mul(w).sum().backward();
    expectClose(values(y), ref.ms!);
    expectClose(values(a.grad), ref.ms_ga!);
    expectClose(values(b.grad), ref.ms_gb!);
  });
});
