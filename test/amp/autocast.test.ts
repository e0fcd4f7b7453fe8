// torch.autocast on CPU (bfloat16) against Python 1.13's torch.autocast('cpu'):
// which ops run in bfloat16 and which stay float32, the values bit for bit, the
// gradients, and the state restored on exit, on throw and when nested.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn } from '../../lib/index.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

interface Ref {
  dtypes: Record<string, string>;
  values: Record<string, number[]>;
}

const PY = `
torch.manual_seed(0)
a = torch.randn(5, 8); b = torch.randn(8, 3)
lin1 = torch.nn.Linear(8, 16); lin2 = torch.nn.Linear(16, 4)
img = torch.randn(2, 3, 6, 6); conv = torch.nn.Conv2d(3, 4, 3)
dtypes = {}; values = {}
def put(name, t):
    dtypes[name] = str(t.dtype).replace('torch.', '')
    values[name] = t.detach().double().flatten().tolist()
with torch.autocast('cpu', dtype=torch.bfloat16):
    put('mm', a.matmul(b))
    h = lin1(a).relu()
    put('hidden', h)
    out = torch.log_softmax(lin2(h), 1)
    put('log_softmax', out)
    put('conv', conv(img))
    put('add_mixed', a.matmul(b) + torch.ones(5, 3))
    put('sum', a.matmul(b).sum())
loss = out.float().sum()
loss.backward()
put('lin1.weight.grad', lin1.weight.grad)
put('lin2.bias.grad', lin2.bias.grad)
put('outside', a.matmul(b))
out = {'dtypes': dtypes, 'values': values}
`;

function flat(t: torch.Tensor): number[] {
  return Array.from(t.detach().to('float64').flatten().toTypedArray() as Float64Array);
}

describe.skipIf(!python)(`autocast('cpu', bfloat16) against Python ${pythonMissingReason}`, () => {
  it('casts the same ops to bfloat16, keeps the same ops in float32, and gives the same numbers and gradients', () => {
    const ref = runPython<Ref>(PY);
    torch.manual_seed(0);
    const a = torch.randn(5, 8), b = torch.randn(8, 3);
    const lin1 = new nn.Linear(8, 16), lin2 = new nn.Linear(16, 4);
    const img = torch.randn(2, 3, 6, 6);
    const conv = new nn.Conv2d(3, 4, 3);
    const got: Record<string, torch.Tensor> = {};
    const out = torch.autocast('cpu', { dtype: 'bfloat16' }, () => {
      got.mm = a.matmul(b);
      const h = lin1.call(a).relu();
      got.hidden = h;
      const o = torch.log_softmax(lin2.call(h), 1);
      got.log_softmax = o;
      got.conv = conv.call(img);
      got.add_mixed = a.matmul(b).add(torch.ones(5, 3));
      got.sum = a.matmul(b).sum();
      return o;
    });
    out.float().sum().backward();
    got['lin1.weight.grad'] = lin1.weight.grad!;
    got['lin2.bias.grad'] = lin2.bias!.grad!;
    got.outside = a.matmul(b);
    for (const [name, t] of Object.entries(got)) {
      expect(t.dtype, name).toBe(ref.dtypes[name]);
      expect(flat(t), name).toEqual(ref.values[name]);
    }
  });
});

describe('autocast state', () => {
  it('is on inside the scope only, and restored when fn throws', () => {
    expect(torch.amp.is_autocast_enabled('cpu')).toBe(false);
    expect(torch.autocast('cpu', () => torch.amp.is_autocast_enabled('cpu'))).toBe(true);
    expect(torch.amp.is_autocast_enabled('cpu')).toBe(false);
    expect(() => torch.autocast('cpu', () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(torch.amp.is_autocast_enabled('cpu')).toBe(false);
  });

  it('nests: an inner enabled:false region turns it off, the outer state comes back', () => {
    const seen = torch.autocast('cpu', () => {
      const inner = torch.autocast('cpu', { enabled: false }, () => torch.randn(2, 2).matmul(torch.randn(2, 2)).dtype);
      return [inner, torch.amp.is_autocast_enabled('cpu'), torch.randn(2, 2).matmul(torch.randn(2, 2)).dtype];
    });
    expect(seen).toEqual(['float32', true, 'bfloat16']);
  });

  it('works as a guard (dispose) and as an enter/exit object', () => {
    const guard = torch.autocast('cpu');
    expect(torch.amp.is_autocast_enabled('cpu')).toBe(true);
    guard[Symbol.dispose]();
    expect(torch.amp.is_autocast_enabled('cpu')).toBe(false);
    const mode = new torch.amp.autocast_mode('cpu', { dtype: 'bfloat16' });
    mode.enter();
    expect(() => mode.enter()).toThrow('already entered');
    expect(torch.amp.get_autocast_dtype('cpu')).toBe('bfloat16');
    mode.exit();
    expect(torch.amp.is_autocast_enabled('cpu')).toBe(false);
  });

  it('restores after an async fn settles', async () => {
    const p = torch.autocast('cpu', async () => {
      await new Promise((r) => setImmediate(r));
      return torch.amp.is_autocast_enabled('cpu');
    });
    expect(await p).toBe(true);
    expect(torch.amp.is_autocast_enabled('cpu')).toBe(false);
  });

  it("refuses devices other than 'cuda' and 'cpu' with Python's message", () => {
    expect(() => torch.autocast('mps' as 'cpu', () => 1)).toThrow("User specified autocast device_type must be 'cuda' or 'cpu'");
  });

  it('float16 on CPU: warns that it disables itself, then libtorch refuses the dtype, as Python 1.13', () => {
    expect(() => torch.autocast('cpu', { dtype: 'float16' }, () => 1)).toThrow('Currently, AutocastCPU only support Bfloat16 as the autocast_cpu_dtype');
    expect(torch.amp.is_autocast_enabled('cpu')).toBe(false);
    expect(torch.amp.get_autocast_dtype('cpu')).toBe('bfloat16');
  });

  it.skipIf(torch.cuda.is_available())("disables itself for 'cuda' when CUDA is not available, as Python", () => {
    expect(torch.autocast('cuda', () => torch.amp.is_autocast_enabled('cuda'))).toBe(false);
    expect(torch.cuda.amp.autocast({}, () => torch.amp.is_autocast_enabled('cuda'))).toBe(false);
  });
});
