// LoRA as peft's: only the adapters train, merging gives the unmerged outputs,
// the adapter state_dict round-trips through torch.save / torch.load, GPT-2-style
// Conv1D layers are recognized, and seeded adapters equal PyTorch's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn, optim, peft, type Tensor } from '../../lib/index.js';
import { Parameter } from '../../lib/nn/parameter.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const D = 16;

/** One attention head and an MLP, named as transformer blocks name them. */
class TinyBlock extends nn.Module {
  q_proj = new nn.Linear(D, D);
  k_proj = new nn.Linear(D, D);
  v_proj = new nn.Linear(D, D);
  out_proj = new nn.Linear(D, D);
  mlp = new nn.Sequential(new nn.Linear(D, 2 * D), new nn.GELU(), new nn.Linear(2 * D, D));
  override forward(x: Tensor): Tensor {
    const q = this.q_proj.call(x);
    const k = this.k_proj.call(x);
    const v = this.v_proj.call(x);
    const att = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(D)).softmax(-1);
    const h = x.add(this.out_proj.call(att.matmul(v)));
    return h.add(this.mlp.call(h));
  }
}

class TinyModel extends nn.Module {
  blocks = new nn.ModuleList([new TinyBlock(), new TinyBlock()]);
  head = new nn.Linear(D, 3);
  override forward(x: Tensor): Tensor {
    let h = x;
    for (const b of this.blocks.children()) h = b.call(h) as Tensor;
    return this.head.call(h);
  }
}

/** A stand-in for transformers' Conv1D (GPT-2): weight (nx, nf), y = x W + b. */
class Conv1D extends nn.Module {
  nf: number;
  weight: Parameter;
  bias: Parameter;
  constructor(nf: number, nx: number) {
    super();
    this.nf = nf;
    this.weight = new Parameter(torch.randn([nx, nf]).mul(0.02));
    this.bias = new Parameter(torch.zeros([nf]));
  }
  override forward(x: Tensor): Tensor {
    return x.matmul(this.weight).add(this.bias);
  }
}

class Gpt2Attn extends nn.Module {
  c_attn = new Conv1D(3 * D, D);
  c_proj = new Conv1D(D, D);
  override forward(x: Tensor): Tensor {
    const [q, , v] = this.c_attn.call(x).split(D, -1);
    return this.c_proj.call(q!.mul(v!));
  }
}

const flat = (t: Tensor): number[] => Array.from(t.detach().reshape(-1).toTypedArray() as Float32Array);

function maxDiff(a: Tensor, b: Tensor): number {
  return a.sub(b).abs().max().item();
}

function snapshot(m: nn.Module): Map<string, number[]> {
  return new Map(m.named_parameters().map(([n, p]) => [n, flat(p)]));
}

/** A few Adam steps on a regression target; returns the loss before and after. */
function train(model: nn.Module, steps: number): [number, number] {
  torch.manual_seed(123);
  const x = torch.randn([8, 5, D]);
  const target = torch.randn([8, 5, 3]);
  const opt = new optim.Adam(model.parameters().filter((p) => p.requires_grad), { lr: 1e-2 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    torch.scope(() => {
      opt.zero_grad();
      const loss = nn.functional.mse_loss(model.call(x) as Tensor, target);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    });
  }
  return [losses[0]!, losses[losses.length - 1]!];
}

const tmp = mkdtempSync(join(tmpdir(), 'lora-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function makePeft(options: peft.LoraConfigOptions = {}): peft.PeftModel {
  torch.manual_seed(0);
  const base = new TinyModel();
  const config = new peft.LoraConfig({ r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: ['q_proj', 'v_proj', 'mlp.0'], ...options });
  return peft.get_peft_model(base, config);
}

describe('LoRA', () => {
  test('wraps the target layers with peft\'s structure and key names', () => {
    const model = makePeft();
    const layer = model.get_base_model().get_submodule('blocks.0.q_proj');
    expect(layer).toBeInstanceOf(peft.lora.Linear);
    expect(model.get_base_model().get_submodule('blocks.0.k_proj')).toBeInstanceOf(nn.Linear);
    const keys = [...model.state_dict().keys()];
    expect(keys.slice(0, 4)).toEqual([
      'base_model.model.blocks.0.q_proj.base_layer.weight',
      'base_model.model.blocks.0.q_proj.base_layer.bias',
      'base_model.model.blocks.0.q_proj.lora_A.default.weight',
      'base_model.model.blocks.0.q_proj.lora_B.default.weight',
    ]);
    expect(keys).toContain('base_model.model.blocks.1.mlp.0.lora_B.default.weight');
    expect(String(layer)).toMatch(/^lora\.Linear\(\n {2}\(base_layer\): Linear\(in_features=16, out_features=16, bias=True\)/);
    const trainable = model.named_parameters().filter(([, p]) => p.requires_grad).map(([n]) => n);
    expect(trainable.length).toBe(12); // 2 blocks x 3 targets x (A, B)
    expect(trainable.every((n) => n.includes('lora_'))).toBe(true);
    const [t, all] = model.get_nb_trainable_parameters();
    expect(t).toBe(2 * (2 * (4 * D + D * 4) + (4 * D + 2 * D * 4)));
    expect(all).toBe(t + new TinyModel().parameters().reduce((s, p) => s + p.numel(), 0));
  });

  test('training changes only the adapter parameters', () => {
    const model = makePeft();
    const before = snapshot(model);
    const [first, last] = train(model, 30);
    expect(last).toBeLessThan(first);
    const after = snapshot(model);
    for (const [name, values] of before) {
      if (name.includes('lora_')) expect(after.get(name), name).not.toEqual(values);
      else expect(after.get(name), name).toEqual(values);
    }
  });

  test('merge_and_unload gives the outputs of the unmerged model, as a plain model', () => {
    const model = makePeft();
    train(model, 20);
    model.eval();
    torch.manual_seed(5);
    const x = torch.randn([4, 5, D]);
    const unmerged = model.call(x) as Tensor;
    // merge / unmerge on the layers keeps the outputs and restores the weights
    const w0 = flat(model.get_base_model().get_parameter('blocks.0.q_proj.base_layer.weight'));
    model.base_model.merge_adapter();
    expect(maxDiff(model.call(x) as Tensor, unmerged)).toBeLessThan(1e-5);
    model.base_model.unmerge_adapter();
    const w1 = flat(model.get_base_model().get_parameter('blocks.0.q_proj.base_layer.weight'));
    w0.forEach((v, i) => expect(Math.abs(v - w1[i]!)).toBeLessThan(1e-6));

    const merged = model.merge_and_unload();
    expect(merged).toBeInstanceOf(TinyModel);
    expect(merged.get_submodule('blocks.0.q_proj')).toBeInstanceOf(nn.Linear);
    expect(merged.get_submodule('blocks.0.q_proj')).not.toBeInstanceOf(peft.lora.Linear);
    expect([...merged.state_dict().keys()]).toEqual([...new TinyModel().state_dict().keys()]);
    const y = merged.call(x) as Tensor;
    expect(maxDiff(y, unmerged)).toBeLessThan(1e-5);
  });

  test('disable_adapter runs the base model alone', () => {
    const model = makePeft({ lora_dropout: 0 });
    train(model, 5);
    torch.manual_seed(6);
    const x = torch.randn([2, 5, D]);
    const withAdapters = model.call(x) as Tensor;
    const baseOnly = model.disable_adapter(() => model.call(x) as Tensor);
    const reference = model.unload().call(x) as Tensor; // the original layers, never merged
    expect(maxDiff(baseOnly, reference)).toBe(0);
    expect(maxDiff(withAdapters, reference)).toBeGreaterThan(1e-4);
  });

  test('the adapter state_dict round-trips through torch.save / torch.load', () => {
    const model = makePeft();
    train(model, 20);
    model.eval();
    const sd = peft.get_peft_model_state_dict(model);
    expect([...sd.keys()].slice(0, 2)).toEqual([
      'base_model.model.blocks.0.q_proj.lora_A.weight',
      'base_model.model.blocks.0.q_proj.lora_B.weight',
    ]);
    expect(sd.size).toBe(12);
    const file = join(tmp, 'adapter_model.pt');
    torch.save(sd, file);
    const loaded = torch.load<Map<string, Tensor>>(file);
    expect([...loaded.keys()]).toEqual([...sd.keys()]);

    // The same base model with fresh adapters, then the saved ones loaded into it.
    const fresh = makePeft();
    fresh.eval();
    torch.manual_seed(7);
    const x = torch.randn([3, 5, D]);
    expect(maxDiff(fresh.call(x) as Tensor, model.call(x) as Tensor)).toBeGreaterThan(1e-4);
    const result = peft.set_peft_model_state_dict(fresh, loaded);
    expect(result.unexpected_keys).toEqual([]);
    expect(result.missing_keys.every((k) => !k.includes('lora_'))).toBe(true);
    expect(maxDiff(fresh.call(x) as Tensor, model.call(x) as Tensor)).toBe(0);
  });

  test('bias "all" and "lora_only" train biases too, and their state_dict holds them', () => {
    const all = makePeft({ bias: 'all' });
    expect(all.named_parameters().filter(([n, p]) => n.endsWith('bias') && !p.requires_grad)).toEqual([]);
    const loraOnly = makePeft({ bias: 'lora_only' });
    const trainableBiases = loraOnly.named_parameters().filter(([n, p]) => n.endsWith('bias') && p.requires_grad).map(([n]) => n);
    expect(trainableBiases).toContain('base_model.model.blocks.0.q_proj.base_layer.bias');
    expect(trainableBiases).not.toContain('base_model.model.blocks.0.k_proj.bias');
    expect([...peft.get_peft_model_state_dict(loraOnly).keys()]).toContain('base_model.model.blocks.0.q_proj.base_layer.bias');
  });

  test('target_modules: suffixes, a regular expression, exclusions, and PyTorch-worded errors', () => {
    const byRegex = makePeft({ target_modules: 'blocks\\.1\\..*_proj' });
    const adapted = byRegex.named_modules().filter(([, m]) => m instanceof peft.lora.Linear).map(([n]) => n);
    expect(adapted).toEqual(['base_model.model.blocks.1.q_proj', 'base_model.model.blocks.1.k_proj', 'base_model.model.blocks.1.v_proj', 'base_model.model.blocks.1.out_proj']);
    const excluded = makePeft({ target_modules: ['q_proj'], exclude_modules: ['blocks.0.q_proj'] });
    expect(excluded.named_modules().filter(([, m]) => m instanceof peft.lora.Linear).map(([n]) => n)).toEqual(['base_model.model.blocks.1.q_proj']);
    expect(() => makePeft({ target_modules: ['query'] })).toThrow(
      "ValueError: Target modules ['query'] not found in the base model. Please check the target modules and try again.",
    );
    expect(() => makePeft({ target_modules: ['mlp.1'] })).toThrow(/Target module GELU is not supported/);
    expect(() => new peft.LoraConfig({ r: 0 })).toThrow('`r` should be a positive integer value but the value passed is 0');
  });

  test('GPT-2 Conv1D layers: recognized by shape, fan_in_fan_out set, merge exact', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    torch.manual_seed(0);
    const base = new Gpt2Attn();
    const model = peft.get_peft_model(base, new peft.LoraConfig({ r: 2, lora_alpha: 4, target_modules: ['c_attn'] }));
    expect(warn).toHaveBeenCalledWith('fan_in_fan_out is set to False but the target module is `Conv1D`. Setting fan_in_fan_out to True.', 'UserWarning');
    warn.mockRestore();
    const layer = model.get_base_model().get_submodule('c_attn') as peft.lora.Linear;
    expect([layer.in_features, layer.out_features, layer.fan_in_fan_out]).toEqual([D, 3 * D, true]);
    expect(layer.lora_A.get('default')!.weight.shape).toEqual([2, D]);
    torch.no_grad(() => layer.lora_B.get('default')!.weight.normal_()); // a non-zero update
    const x = torch.randn([2, 3, D]);
    const y = model.call(x) as Tensor;
    expect(layer.get_delta_weight('default').shape).toEqual([D, 3 * D]);
    const merged = model.merge_and_unload();
    expect(maxDiff(merged.call(x) as Tensor, y)).toBeLessThan(1e-5);
  });

  test('no tensors leak from a LoRA forward and backward', () => {
    const model = makePeft();
    train(model, 1);
    const x = torch.randn([2, 5, D]);
    const before = torch.memory().liveTensors;
    for (let i = 0; i < 10; i++) {
      torch.scope(() => {
        (model.call(x) as Tensor).sum().backward();
      });
    }
    model.zero_grad();
    expect(torch.memory().liveTensors).toBeLessThanOrEqual(before);
  });
});

describe.skipIf(!python)(`LoRA against PyTorch${python ? '' : ` (${pythonMissingReason})`}`, () => {
  test('seeded adapter init and the adapted forward equal PyTorch\'s (peft\'s order of draws)', () => {
    const ref = runPython<{ A: number[]; B: number[]; y: number[] }>(`
import torch.nn as nn
torch.manual_seed(0)
base = nn.Linear(16, 8)
A = nn.Linear(16, 4, bias=False); B = nn.Linear(4, 8, bias=False)   # peft's update_layer
nn.init.kaiming_uniform_(A.weight, a=math.sqrt(5)); nn.init.zeros_(B.weight)
out = {'A': A.weight.flatten().tolist(), 'B': B.weight.flatten().tolist()}
torch.manual_seed(1)
with torch.no_grad(): B.weight.normal_()
x = torch.randn(3, 16)
out['y'] = (base(x) + B(A(x)) * (8 / 4)).flatten().tolist()
`);
    torch.manual_seed(0);
    const layer = new peft.lora.Linear(new nn.Linear(16, 8), 'default', { r: 4, lora_alpha: 8 });
    expect(flat(layer.lora_A.get('default')!.weight)).toEqual(ref.A);
    expect(flat(layer.lora_B.get('default')!.weight)).toEqual(ref.B);
    torch.manual_seed(1);
    torch.no_grad(() => layer.lora_B.get('default')!.weight.normal_());
    const y = flat(layer.call(torch.randn([3, 16])));
    y.forEach((v, i) => expect(Math.abs(v - ref.y[i]!)).toBeLessThan(1e-5));
  });
});
