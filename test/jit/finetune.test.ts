// A CNN with BatchNorm scripted in Python: loaded here, its outputs equal
// Python's; fine-tuned with optim.SGD as Python fine-tunes it; saved; and
// Python's torch.jit.load of that file gives the outputs this side gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { jit, nn, optim } from '../../lib/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { python, pythonMissingReason } from '../helpers/python.js';
import { expectClose, runJitPython, tempDir, type Nested } from './fixtures.js';

interface CnnRef {
  x: Nested; y: number[]; x2: Nested;
  eval_out: Nested; eval_features: Nested; train_out: Nested; running_mean_after_train_forward: number[];
  tuned_losses: number[]; tuned_out: Nested; tuned_state: Record<string, number[]>;
  state_keys: string[]; param_names: string[]; buffer_names: string[]; children: string[]; modules: string[];
  repr: string; steps: number; lr: number; momentum: number;
}

interface SavedRef {
  training: boolean;
  out: Nested;
  state: Record<string, number[]>;
  requires_grad: Record<string, boolean>;
}

describe.skipIf(!python)(`TorchScript CNN: load, fine-tune, save, reload in Python${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let tmp: ReturnType<typeof tempDir>;
  let ref: CnnRef;
  let path: string;
  let x: Tensor, y: Tensor, x2: Tensor;

  beforeAll(() => {
    tmp = tempDir();
    path = `${tmp.dir}/cnn.pt`;
    ref = runJitPython<CnnRef>(`out = jm.make_cnn(${JSON.stringify(tmp.dir)})`);
    x = torch.tensor(ref.x as number[], { dtype: 'float32' });
    y = torch.tensor(ref.y, { dtype: 'int64' });
    x2 = torch.tensor(ref.x2 as number[], { dtype: 'float32' });
  });
  afterAll(() => tmp?.cleanup());

  it('is an nn.Module with the structure, names and printed form Python shows', () => {
    const m = jit.load(path);
    expect(m).toBeInstanceOf(nn.Module);
    expect(m).toBeInstanceOf(jit.ScriptModule);
    expect(m.original_name).toBe('SmallCNN');
    expect(m.named_parameters().map(([n]) => n)).toEqual(ref.param_names);
    expect(m.named_buffers().map(([n]) => n)).toEqual(ref.buffer_names);
    expect(m.named_children().map(([n]) => n)).toEqual(ref.children);
    expect(m.named_modules().map(([n]) => n)).toEqual(ref.modules);
    expect([...m.state_dict().keys()]).toEqual(ref.state_keys);
    expect(m.toString()).toBe(ref.repr);
    expect(m.training).toBe(false); // saved in eval mode
    for (const p of m.parameters()) {
      expect(p).toBeInstanceOf(nn.Parameter);
      expect(p.requires_grad).toBe(true);
    }
  });

  it("gives Python's outputs in eval mode, for forward and an exported method", () => {
    const m = jit.load(path);
    torch.no_grad(() => {
      expectClose(m.forward(x), ref.eval_out, 1e-6, 1e-6);
      expectClose(m.call(x), ref.eval_out, 1e-6, 1e-6);
      expectClose(m.run_method('features', x2), ref.eval_features, 1e-6, 1e-6);
      expectClose((m as unknown as { features(x: Tensor): Tensor }).features(x2), ref.eval_features, 1e-6, 1e-6);
    });
  });

  it('train() switches BatchNorm to batch statistics and updates the running stats the JS buffers see', () => {
    const m = jit.load(path);
    m.train();
    expect(m.training).toBe(true);
    expect(m.get_submodule('bn1').training).toBe(true);
    const rm = m.get_buffer('bn1.running_mean');
    const before = rm.tolist() as number[];
    torch.no_grad(() => expectClose(m.forward(x), ref.train_out, 1e-5, 1e-5));
    expectClose(rm, ref.running_mean_after_train_forward, 1e-6, 1e-6);
    expect(rm.tolist()).not.toEqual(before);
    m.eval();
    expect(m.get_submodule('bn2').training).toBe(false);
  });

  it('fine-tunes with optim.SGD as Python does; the saved file gives Python the same outputs', () => {
    const m = jit.load(path);
    m.train();
    const opt = new optim.SGD(m.parameters(), { lr: ref.lr, momentum: ref.momentum });
    const losses: number[] = [];
    for (let i = 0; i < ref.steps; i++) {
      opt.zero_grad();
      const loss = nn.functional.cross_entropy(m.forward(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item() as number);
      loss.dispose();
    }
    m.eval();
    expectClose(losses, ref.tuned_losses, 1e-5, 1e-5);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    const out = torch.no_grad(() => m.forward(x2));
    expectClose(out, ref.tuned_out, 1e-5, 1e-5);
    const sd = m.state_dict();
    for (const [k, v] of sd) expectClose(v.reshape([-1]), ref.tuned_state[k]!, 1e-5, 1e-5);

    const saved = `${tmp.dir}/tuned.pt`;
    m.save(saved);
    const py = runJitPython<SavedRef>(`out = jm.run_saved(${JSON.stringify(saved)}, ${JSON.stringify(ref.x2)})`);
    expect(py.training).toBe(false);
    expectClose(out, py.out, 0, 0); // same libtorch, same weights: the same bits
    for (const [k, v] of sd) expectClose(v.reshape([-1]), py.state[k]!, 0, 0);
    expect(Object.values(py.requires_grad).every((r) => r)).toBe(true);

    // And this side reads its own file back to the same module.
    const again = jit.load(saved);
    expectClose(torch.no_grad(() => again.forward(x2)), out.tolist() as Nested, 0, 0);
  });

  it('load_state_dict copies into the scripted module (and assign: true replaces its tensors)', () => {
    const tuned = jit.load(`${tmp.dir}/tuned.pt`);
    const want = torch.no_grad(() => tuned.forward(x2));
    for (const assign of [false, true]) {
      const m = jit.load(path);
      m.eval();
      expect(m.load_state_dict(tuned.state_dict(), { assign })).toEqual({ missing_keys: [], unexpected_keys: [] });
      expectClose(torch.no_grad(() => m.forward(x2)), want.tolist() as Nested, 0, 0);
      // the file written afterwards holds the loaded values
      const buf = m.save_to_buffer();
      expectClose(torch.no_grad(() => jit.load(buf).forward(x2)), want.tolist() as Nested, 0, 0);
    }
    const m = jit.load(path);
    const sd = tuned.state_dict();
    sd.delete('fc.bias');
    expect(() => m.load_state_dict(sd)).toThrow(/Missing key\(s\) in state_dict: "fc.bias"/);
  });
});
