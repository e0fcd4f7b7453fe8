// GPT-2 (lib/models/transformers) against test/models/hf_reference.py, a plain-PyTorch
// GPT-2 with Hugging Face's parameter names: HF's activations and Conv1D, the base
// config's keys and shapes, logits / loss / hidden states / attentions / gradients from
// the same weights (within 1e-4), the causal mask with padding, the key/value cache,
// the tied lm_head as HF stores and loads it, published-style checkpoints, and the
// sequence-classification head built on a language model's weights.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import {
  Conv1D, GPT2Config, GPT2ForSequenceClassification, GPT2LMHeadModel, GPT2Model, get_activation, logging,
} from '../../lib/models/transformers/index.js';
import { safetensors } from '../../lib/serialization/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { python, pythonMissingReason } from '../helpers/python.js';
import { expectClose, maxDiffs, type Nested, runRef, tempDir } from './hf_fixtures.js';

logging.set_verbosity_error();

const INPUT_IDS = [[5, 17, 99, 42, 8, 63, 21, 0], [0, 0, 31, 7, 56, 12, 77, 3]];
const ATTENTION_MASK = [[1, 1, 1, 1, 1, 1, 1, 0], [0, 0, 1, 1, 1, 1, 1, 1]]; // right and left padding
const LABELS = [[5, 17, 99, 42, 8, 63, 21, -100], [-100, -100, 31, 7, 56, 12, 77, 3]];
const GRADS = ['transformer.wte.weight', 'transformer.h.0.attn.c_attn.weight', 'transformer.h.1.mlp.c_proj.bias', 'transformer.ln_f.weight'];
const X = [[-3.5, -1.25, -0.5, 0, 0.3, 1, 2.75, 8]];

interface GptRef {
  logits: Nested; loss: number; plain_logits: Nested; step_logits: Nested; hidden_states: Nested[]; attentions: Nested[];
  present_0_key: Nested; with_pos_logits: Nested; grads: Record<string, Nested>;
}
interface KeysRef { base: [string, number[]][]; head: [string, number[]][]; base_params: number; head_params: number }
interface Ref {
  hf: GptRef; published_keys: string[]; base: KeysRef; acts: Record<string, Nested>;
  conv: { weight: Nested; bias: Nested; out: Nested }; cls: { logits: Nested; loss: number };
}

const ids = (): Tensor => torch.tensor(INPUT_IDS, { dtype: 'int64' });
const mask = (): Tensor => torch.tensor(ATTENTION_MASK, { dtype: 'int64' });

describe('GPT2Config', () => {
  it("has the gpt2 checkpoint's defaults and HF's aliases", () => {
    const c = new GPT2Config();
    expect([c.vocab_size, c.n_positions, c.n_embd, c.n_layer, c.n_head, c.n_inner]).toEqual([50257, 1024, 768, 12, 12, null]);
    expect([c.activation_function, c.layer_norm_epsilon, c.bos_token_id, c.eos_token_id]).toEqual(['gelu_new', 1e-5, 50256, 50256]);
    expect([c.hidden_size, c.max_position_embeddings, c.num_attention_heads, c.num_hidden_layers]).toEqual([768, 1024, 12, 12]);
    const aliased = GPT2Config.from_dict({ hidden_size: 64, num_hidden_layers: 2, n_head: 4, n_ctx: 32 });
    expect([aliased.n_embd, aliased.n_layer, aliased.extra.n_ctx]).toEqual([64, 2, 32]);
    expect(() => get_activation('gelu_newest')).toThrow(/function gelu_newest not found in ACT2FN mapping/);
    expect(() => new GPT2Model(new GPT2Config({ n_embd: 10, n_head: 3, n_layer: 1, vocab_size: 5, n_positions: 4 }))).toThrow(
      '`embed_dim` must be divisible by num_heads (got `embed_dim`: 10 and `num_heads`: 3).',
    );
  });
});

describe.skipIf(!python)(`GPT-2 against the plain-PyTorch reference${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let tmp: ReturnType<typeof tempDir>;
  let ref: Ref;
  let hfDir: string, publishedDir: string;
  const scoreWeight = Array.from({ length: 3 }, (_, i) => Array.from({ length: 64 }, (_, j) => Math.sin(i * 64 + j) * 0.1));

  beforeAll(() => {
    tmp = tempDir('gpt2');
    hfDir = join(tmp.dir, 'hf');
    publishedDir = join(tmp.dir, 'published');
    ref = runRef<Ref>(`
ref.write_gpt2(${JSON.stringify(hfDir)}, 'hf', seed=1)
pub = ref.write_gpt2(${JSON.stringify(publishedDir)}, 'published', seed=1)
out = {
  'hf': ref.gpt2_outputs(${JSON.stringify(hfDir)}, ${JSON.stringify(INPUT_IDS)}, ${JSON.stringify(ATTENTION_MASK)}, ${JSON.stringify(LABELS)}, ${JSON.stringify(GRADS)}),
  'published_keys': pub['keys'],
  'base': ref.base_keys('gpt2'),
  'acts': ref.activations(${JSON.stringify(X)}),
  'conv': ref.conv1d([[[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]], 4, 3, 7),
  'cls': ref.gpt2_cls_outputs(${JSON.stringify(hfDir)}, ${JSON.stringify(INPUT_IDS)}, ${JSON.stringify(ATTENTION_MASK)}, [2, 0], 0, ${JSON.stringify(scoreWeight)}),
}`);
  });
  afterAll(() => {
    tmp?.cleanup();
    if (maxDiffs.size > 0) console.log('GPT-2 max |ours - reference|:', Object.fromEntries(maxDiffs));
  });

  it("HF's activations (gelu, gelu_new, gelu_fast, quick_gelu, gelu_python, relu) give HF's values", () => {
    const x = torch.tensor(X);
    for (const [name, expected] of Object.entries(ref.acts)) expectClose(get_activation(name).call(x) as Tensor, expected, 1e-6, 1e-6, `act ${name}`);
  });

  it("Conv1D: weight (nx, nf), HF's init and forward", () => {
    torch.manual_seed(7);
    const layer = new Conv1D(4, 3);
    torch.no_grad(() => layer.bias.normal_());
    expect(layer.weight.shape).toEqual([3, 4]);
    expect([...layer.state_dict().keys()]).toEqual(['weight', 'bias']);
    expect(layer.toString()).toBe('Conv1D(nf=4, nx=3)');
    expectClose(layer.weight, ref.conv.weight, 0, 0, 'conv1d');
    expectClose(layer.bias, ref.conv.bias, 0, 0, 'conv1d');
    expectClose(layer.call(torch.tensor([[[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]])), ref.conv.out, 1e-6, 1e-6, 'conv1d');
  });

  it("base config: state_dict keys and shapes are HF's gpt2 (124,439,808 parameters, lm_head tied)", () => {
    const model = new GPT2LMHeadModel(new GPT2Config());
    try {
      const shapes = (m: { state_dict(): Map<string, Tensor> }): [string, number[]][] => {
        const sd = m.state_dict();
        const out = [...sd].map(([k, t]) => [k, t.shape] as [string, number[]]);
        for (const t of sd.values()) t.dispose();
        return out;
      };
      expect(shapes(model.transformer)).toEqual(ref.base.base);
      expect(shapes(model)).toEqual(ref.base.head);
      expect(model.num_parameters()).toBe(124439808);
      expect(ref.base.head_params).toBe(124439808);
      expect(model.lm_head.weight).toBe(model.transformer.wte.weight);
      const keys = ref.base.base.map(([k]) => k);
      expect(keys).toContain('h.11.attn.c_attn.weight');
      expect(ref.base.base.find(([k]) => k === 'h.0.attn.c_attn.weight')![1]).toEqual([768, 2304]); // Conv1D: (in, out)
      expect(keys).not.toContain('h.0.attn.bias'); // the causal mask is a non-persistent buffer in current HF
    } finally {
      model.dispose();
    }
  }, 180_000);

  it('from_pretrained(pytorch_model.bin): logits, loss, hidden states, attentions and gradients within 1e-4', () => {
    const [model, info] = GPT2LMHeadModel.from_pretrained(hfDir, { output_loading_info: true });
    expect(info).toEqual({ missing_keys: [], unexpected_keys: [], mismatched_keys: [], error_msgs: [] });
    expect(model.lm_head.weight).toBe(model.transformer.wte.weight);
    expect(model.config.extra.n_ctx).toBe(32);
    const out = model.forward(ids(), { attention_mask: mask(), labels: torch.tensor(LABELS), output_hidden_states: true, output_attentions: true });
    expectClose(out.logits, ref.hf.logits, 1e-4, 1e-4, 'logits');
    expect(Math.abs(out.loss!.item() - ref.hf.loss)).toBeLessThan(1e-4);
    out.hidden_states!.forEach((h, i) => expectClose(h, ref.hf.hidden_states[i]!, 1e-4, 1e-4, 'hidden_states'));
    out.attentions!.forEach((a, i) => expectClose(a, ref.hf.attentions[i]!, 1e-4, 1e-4, 'attentions'));
    expect(out.past_key_values).toHaveLength(2); // use_cache defaults to config.use_cache (true)
    expectClose(out.past_key_values![0]![0], ref.hf.present_0_key, 1e-4, 1e-4, 'present');
    out.loss!.backward();
    for (const name of GRADS) expectClose(model.get_parameter(name).grad!, ref.hf.grads[name]!, 1e-4, 1e-3, 'grads');
    torch.no_grad(() => {
      expectClose(model.forward(ids()).logits, ref.hf.plain_logits, 1e-4, 1e-4, 'plain_logits');
      const positions = torch.arange(8).flip(0).unsqueeze(0);
      expectClose(model.forward(ids(), { position_ids: positions, token_type_ids: torch.ones(2, 8, { dtype: 'int64' }) }).logits, ref.hf.with_pos_logits, 1e-4, 1e-4, 'with_pos_logits');
    });
  });

  it('the key/value cache: the last two tokens after the first six give the full pass logits', () => {
    const model = GPT2LMHeadModel.from_pretrained(hfDir);
    torch.no_grad(() => {
      const first = model.forward(ids().narrow(1, 0, 6), { use_cache: true });
      expect(first.past_key_values![0]![0].shape).toEqual([2, 4, 6, 16]);
      const step = model.forward(ids().narrow(1, 6, 2), { past_key_values: first.past_key_values });
      expectClose(step.logits, ref.hf.step_logits, 1e-4, 1e-4, 'step_logits');
      expectClose(step.logits, (ref.hf.plain_logits as Nested[]).map((row) => (row as Nested[]).slice(6)), 1e-4, 1e-4, 'step_logits');
      expect(model.forward(ids(), { use_cache: false }).past_key_values).toBe(null);
    });
    expect(() => model.forward(torch.zeros(1, 40, { dtype: 'int64' }))).toThrow(/index out of range|exceeds the maximum of 32 positions/);
  });

  it('loads the published gpt2 layout: no transformer. prefix, stored attn.bias / masked_bias, no lm_head.weight', () => {
    expect(ref.published_keys).toContain('h.0.attn.bias');
    expect(ref.published_keys).not.toContain('lm_head.weight');
    const [model, info] = GPT2LMHeadModel.from_pretrained(publishedDir, { output_loading_info: true });
    expect(info).toEqual({ missing_keys: [], unexpected_keys: [], mismatched_keys: [], error_msgs: [] });
    expect(model.lm_head.weight).toBe(model.transformer.wte.weight);
    torch.no_grad(() => expectClose(model.forward(ids(), { attention_mask: mask() }).logits, ref.hf.logits, 1e-4, 1e-4, 'logits'));
    // The bare model from the head model's checkpoint: the prefix is stripped, lm_head.weight is unused.
    const [bare, bareInfo] = GPT2Model.from_pretrained(hfDir, { output_loading_info: true });
    expect(bareInfo.missing_keys).toEqual([]);
    expect(bareInfo.unexpected_keys).toEqual(['lm_head.weight']);
    torch.no_grad(() => expectClose(bare.forward(ids(), { attention_mask: mask() }).last_hidden_state, ref.hf.hidden_states[2]!, 1e-4, 1e-4, 'hidden_states'));
  });

  it('save_pretrained writes the tied weight once in safetensors, twice (one storage) in pytorch_model.bin, and both load', () => {
    const model = GPT2LMHeadModel.from_pretrained(hfDir);
    const before = torch.no_grad(() => model.forward(ids()).logits);
    const safeDir = join(tmp.dir, 'safe');
    model.save_pretrained(safeDir);
    const keys = [...safetensors.load_file(join(safeDir, 'model.safetensors')).keys()];
    expect(keys).toContain('transformer.wte.weight');
    expect(keys).not.toContain('lm_head.weight');
    expect(JSON.parse(readFileSync(join(safeDir, 'config.json'), 'utf8')).task_specific_params).toEqual({ 'text-generation': { do_sample: true, max_length: 50 } });
    const shardDir = join(tmp.dir, 'shards');
    model.save_pretrained(shardDir, { max_shard_size: '20KB' });
    expect(existsSync(join(shardDir, 'model.safetensors.index.json'))).toBe(true);
    const binDir = join(tmp.dir, 'bin');
    model.save_pretrained(binDir, { safe_serialization: false });
    for (const dir of [safeDir, shardDir, binDir]) {
      const again = GPT2LMHeadModel.from_pretrained(dir);
      expect(again.lm_head.weight).toBe(again.transformer.wte.weight);
      torch.no_grad(() => expect(again.forward(ids()).logits.equal(before)).toBe(true));
    }
    const py = runRef<{ keys: string[]; shared: boolean }>(`
sd = torch.load(${JSON.stringify(join(binDir, 'pytorch_model.bin'))}, weights_only=True)
m = ref.GPT2LMHeadModel(ref.config(ref.GPT2_DEFAULTS, **ref.SMALL_GPT2))
m.load_state_dict(sd, strict=True)
out = {'keys': list(sd.keys()), 'shared': sd['lm_head.weight'].data_ptr() == sd['transformer.wte.weight'].data_ptr()}`);
    expect(py.keys).toContain('lm_head.weight');
    expect(py.shared).toBe(true);
  });

  it("GPT2ForSequenceClassification from a language model's folder: last non-padding token, loss, replace_head", () => {
    const [model, info] = GPT2ForSequenceClassification.from_pretrained(hfDir, { num_labels: 3, pad_token_id: 0, output_loading_info: true });
    expect(info.missing_keys).toEqual(['score.weight']);
    expect(info.unexpected_keys).toEqual(['lm_head.weight']);
    torch.no_grad(() => model.score.weight.copy_(torch.tensor(scoreWeight)));
    const out = model.forward({ input_ids: ids(), attention_mask: mask(), labels: torch.tensor([2, 0]) });
    expectClose(out.logits, ref.cls.logits, 1e-4, 1e-4, 'cls_logits');
    expect(Math.abs(out.loss!.item() - ref.cls.loss)).toBeLessThan(1e-4);
    const head = model.replace_head(5).score;
    expect(head.weight.shape).toEqual([5, 64]);
    expect(head.bias).toBe(null);
    expect(model.config.num_labels).toBe(5);
    expect(torch.no_grad(() => model.forward(ids(), { attention_mask: mask() }).logits.shape)).toEqual([2, 5]);
    const noPad = GPT2ForSequenceClassification.from_pretrained(hfDir);
    expect(() => noPad.forward(ids())).toThrow('Cannot handle batch sizes > 1 if no padding token is defined.');
  });

  it('reorder_and_upcast_attn (baddbmm in float32) computes what the plain attention computes', () => {
    const plain = GPT2LMHeadModel.from_pretrained(hfDir);
    const upcast = GPT2LMHeadModel.from_pretrained(hfDir, { reorder_and_upcast_attn: true });
    expect(upcast.config.reorder_and_upcast_attn).toBe(true);
    torch.no_grad(() => {
      const a = plain.forward(ids(), { attention_mask: mask() }).logits;
      expectClose(upcast.forward(ids(), { attention_mask: mask() }).logits, a.tolist() as Nested, 1e-5, 1e-5, 'upcast');
    });
  });

  it('GPT2Block runs through call(), so a hook (or a checkpointing wrapper) sees every block', () => {
    const model = GPT2LMHeadModel.from_pretrained(hfDir);
    const seen: number[] = [];
    const handles = [...model.transformer.h].map((block, i) => block.register_forward_hook(() => { seen.push(i); }));
    torch.no_grad(() => model.forward(ids()));
    expect(seen).toEqual([0, 1]);
    for (const h of handles) h.remove();
  });

  it('a generation-style loop with the cache leaks no tensors', () => {
    const model = GPT2LMHeadModel.from_pretrained(hfDir);
    const step = (): void => torch.scope(() => torch.no_grad(() => {
      let out = model.forward(ids().narrow(1, 0, 4));
      for (let t = 0; t < 4; t++) {
        const next = out.logits.select(1, -1).argmax(-1).unsqueeze(-1);
        out = model.forward(next, { past_key_values: out.past_key_values });
      }
    }));
    step();
    const live = torch.memory().liveTensors;
    for (let i = 0; i < 5; i++) step();
    expect(torch.memory().liveTensors).toBe(live);
  });
});
