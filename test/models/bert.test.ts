// BERT (lib/models/transformers) against test/models/hf_reference.py, a plain-PyTorch
// BERT with Hugging Face's parameter names: the base config's keys and shapes, outputs,
// loss and gradients from the same weights (within 1e-4), checkpoints in HF's layouts
// (pytorch_model.bin, model.safetensors, sharded, old published names), save_pretrained
// read back by Python, and the transfer-learning move (replace_head).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { optim } from '../../lib/index.js';
import {
  BertConfig, BertForSequenceClassification, BertModel, logging,
} from '../../lib/models/transformers/index.js';
import type { Tensor } from '../../lib/tensor.js';
import { python, pythonMissingReason } from '../helpers/python.js';
import { expectClose, maxDiffs, type Nested, runRef, tempDir } from './hf_fixtures.js';

logging.set_verbosity_error();

const INPUT_IDS = [[2, 15, 37, 8, 91, 4, 3, 0], [2, 44, 5, 3, 0, 0, 0, 0]];
const ATTENTION_MASK = [[1, 1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 0, 0, 0, 0]];
const TOKEN_TYPE_IDS = [[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 0, 0, 0, 0]];
const LABELS = [1, 0];
const GRADS = ['classifier.weight', 'bert.encoder.layer.0.attention.self.query.weight', 'bert.embeddings.word_embeddings.weight', 'bert.pooler.dense.bias'];

interface BertRef {
  last_hidden_state: Nested; pooler_output: Nested; hidden_states: Nested[]; attentions: Nested[];
  logits: Nested; loss: number; missing: string[]; grads: Record<string, Nested>; no_mask_last: Nested;
}
interface KeysRef { base: [string, number[]][]; head: [string, number[]][]; base_params: number; head_params: number }
interface Ref { hf: BertRef; published_keys: string[]; base: KeysRef }

function inputs(): { input_ids: Tensor; attention_mask: Tensor; token_type_ids: Tensor } {
  return {
    input_ids: torch.tensor(INPUT_IDS, { dtype: 'int64' }),
    attention_mask: torch.tensor(ATTENTION_MASK, { dtype: 'int64' }),
    token_type_ids: torch.tensor(TOKEN_TYPE_IDS, { dtype: 'int64' }),
  };
}

describe('BertConfig', () => {
  it("has bert-base-uncased's defaults and HF's config.json fields", () => {
    const c = new BertConfig();
    expect([c.vocab_size, c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size]).toEqual([30522, 768, 12, 12, 3072]);
    expect([c.hidden_act, c.max_position_embeddings, c.type_vocab_size, c.layer_norm_eps, c.pad_token_id]).toEqual(['gelu', 512, 2, 1e-12, 0]);
    expect(c.num_labels).toBe(2);
    expect(c.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1' });
    const d = c.to_dict();
    expect(d.model_type).toBe('bert');
    expect(d.hidden_size).toBe(768);
    expect('id2label' in d).toBe(false); // default labels are not written, as HF's to_diff_dict
    const three = BertConfig.from_dict({ ...d, n_ctx: 7, id2label: { 0: 'neg', 1: 'neu', 2: 'pos' } });
    expect(three.num_labels).toBe(3);
    expect(three.label2id).toEqual({ neg: 0, neu: 1, pos: 2 });
    expect(three.extra).toEqual({ n_ctx: 7 });
    expect(three.to_dict().n_ctx).toBe(7);
    expect(JSON.parse(three.to_json_string()).id2label).toEqual({ 0: 'neg', 1: 'neu', 2: 'pos' });
    expect(() => new BertConfig({ num_labels: 3, id2label: { 0: 'a' } })).toThrow(/incompatible id to label map/);
    expect(() => new BertConfig({ hidden_size: 10, num_attention_heads: 3, num_hidden_layers: 1 }) && new BertModel(new BertConfig({ hidden_size: 10, num_attention_heads: 3, num_hidden_layers: 1, vocab_size: 5, intermediate_size: 4 }))).toThrow(
      'The hidden size (10) is not a multiple of the number of attention heads (3)',
    );
  });
});

describe.skipIf(!python)(`BERT against the plain-PyTorch reference${python ? '' : ` (${pythonMissingReason})`}`, () => {
  let tmp: ReturnType<typeof tempDir>;
  let ref: Ref;
  let hfDir: string, publishedDir: string;

  beforeAll(() => {
    tmp = tempDir('bert');
    hfDir = join(tmp.dir, 'hf');
    publishedDir = join(tmp.dir, 'published');
    ref = runRef<Ref>(`
ref.write_bert(${JSON.stringify(hfDir)}, 'hf', seed=0)
pub = ref.write_bert(${JSON.stringify(publishedDir)}, 'published', seed=0)
out = {
  'hf': ref.bert_outputs(${JSON.stringify(hfDir)}, ${JSON.stringify(INPUT_IDS)}, ${JSON.stringify(ATTENTION_MASK)}, ${JSON.stringify(TOKEN_TYPE_IDS)}, ${JSON.stringify(LABELS)}, ${JSON.stringify(GRADS)}),
  'published_keys': pub['keys'],
  'base': ref.base_keys('bert'),
}`);
  });
  afterAll(() => {
    tmp?.cleanup();
    if (maxDiffs.size > 0) console.log('BERT max |ours - reference|:', Object.fromEntries(maxDiffs));
  });

  it("base config: state_dict keys and shapes are HF's bert-base-uncased (109,482,240 parameters)", () => {
    const model = new BertForSequenceClassification(new BertConfig());
    try {
      const shapes = (m: { state_dict(): Map<string, Tensor> }): [string, number[]][] => {
        const sd = m.state_dict();
        const out = [...sd].map(([k, t]) => [k, t.shape] as [string, number[]]);
        for (const t of sd.values()) t.dispose();
        return out;
      };
      expect(shapes(model.bert)).toEqual(ref.base.base);
      expect(shapes(model)).toEqual(ref.base.head);
      expect(model.bert.num_parameters()).toBe(109482240);
      expect(ref.base.base_params).toBe(109482240);
      expect(model.num_parameters()).toBe(ref.base.head_params);
      // A few names as HF's modeling_bert.py spells them.
      const keys = ref.base.base.map(([k]) => k);
      expect(keys).toContain('encoder.layer.11.attention.self.query.weight');
      expect(keys).toContain('encoder.layer.0.attention.output.LayerNorm.weight');
      expect(keys).toContain('pooler.dense.weight');
      expect(keys).not.toContain('embeddings.position_ids'); // a non-persistent buffer in current HF
    } finally {
      model.dispose();
    }
  }, 120_000);

  it('from_pretrained(pytorch_model.bin) gives the reference outputs and loss within 1e-4', () => {
    const [model, info] = BertForSequenceClassification.from_pretrained(hfDir, { output_loading_info: true });
    expect(info).toEqual({ missing_keys: [], unexpected_keys: [], mismatched_keys: [], error_msgs: [] });
    expect(model.training).toBe(false);
    const x = inputs();
    torch.no_grad(() => {
      const out = model.bert.forward(x.input_ids, { attention_mask: x.attention_mask, token_type_ids: x.token_type_ids, output_hidden_states: true, output_attentions: true });
      expectClose(out.last_hidden_state, ref.hf.last_hidden_state, 1e-4, 1e-4, 'last_hidden_state');
      expectClose(out.pooler_output!, ref.hf.pooler_output, 1e-4, 1e-4, 'pooler_output');
      expect(out.hidden_states).toHaveLength(3);
      out.hidden_states!.forEach((h, i) => expectClose(h, ref.hf.hidden_states[i]!, 1e-4, 1e-4, 'hidden_states'));
      out.attentions!.forEach((a, i) => expectClose(a, ref.hf.attentions[i]!, 1e-4, 1e-4, 'attentions'));
      // Without a mask or token types: every position attended, segment 0.
      expectClose(model.bert.forward(x.input_ids).last_hidden_state, ref.hf.no_mask_last, 1e-4, 1e-4, 'no_mask_last');
    });
    const out = model.forward({ ...x, labels: torch.tensor(LABELS) });
    expectClose(out.logits, ref.hf.logits, 1e-4, 1e-4, 'logits');
    expect(Math.abs(out.loss!.item() - ref.hf.loss)).toBeLessThan(1e-4);
    expect(model.config.problem_type).toBe('single_label_classification');
    out.loss!.backward();
    for (const name of GRADS) expectClose(model.get_parameter(name).grad!, ref.hf.grads[name]!, 1e-4, 1e-3, 'grads');
  });

  it('loads a published-style checkpoint: bert. prefix, LayerNorm gamma/beta, stored position_ids, cls.* heads', () => {
    expect(ref.published_keys).toContain('bert.embeddings.LayerNorm.gamma');
    expect(ref.published_keys).toContain('cls.predictions.decoder.weight');
    const [bare, bareInfo] = BertModel.from_pretrained(publishedDir, { output_loading_info: true });
    expect(bareInfo.missing_keys).toEqual([]);
    expect(bareInfo.unexpected_keys.every((k) => k.startsWith('cls.'))).toBe(true);
    expect(bareInfo.unexpected_keys).toContain('cls.predictions.transform.LayerNorm.weight'); // renamed, as HF reports it
    expect(bareInfo.unexpected_keys).not.toContain('embeddings.position_ids');
    const x = inputs();
    torch.no_grad(() => {
      const out = bare.forward(x);
      expectClose(out.last_hidden_state, ref.hf.last_hidden_state, 1e-4, 1e-4, 'last_hidden_state');
      expectClose(out.pooler_output!, ref.hf.pooler_output, 1e-4, 1e-4, 'pooler_output');
    });
    // The same checkpoint under a new classification head: the encoder loads, the head is new.
    const [cls, info] = BertForSequenceClassification.from_pretrained(publishedDir, { output_loading_info: true, num_labels: 4 });
    expect(info.missing_keys).toEqual(['classifier.weight', 'classifier.bias']);
    expect(cls.config.num_labels).toBe(4);
    expect(cls.classifier.weight.shape).toEqual([4, 64]);
    torch.no_grad(() => expectClose(cls.bert.forward(x).pooler_output!, ref.hf.pooler_output, 1e-4, 1e-4, 'pooler_output'));
    // HF's init of the new head: N(0, 0.02) weight, zero bias.
    expect(cls.classifier.bias!.abs().max().item()).toBe(0);
    expect(cls.classifier.weight.std().item()).toBeLessThan(0.05);
  });

  it('a checkpoint whose head has another size fails as HF does, and loads with ignore_mismatched_sizes', () => {
    expect(() => BertForSequenceClassification.from_pretrained(hfDir, { num_labels: 5 })).toThrow(
      /size mismatch for classifier\.weight: copying a param with shape torch\.Size\(\[2, 64\]\) from checkpoint, the shape in current model is torch\.Size\(\[5, 64\]\)/,
    );
    const [model, info] = BertForSequenceClassification.from_pretrained(hfDir, { num_labels: 5, ignore_mismatched_sizes: true, output_loading_info: true });
    expect(info.mismatched_keys.map((m) => m.key)).toEqual(['classifier.weight', 'classifier.bias']);
    expect(info.mismatched_keys[0]).toEqual({ key: 'classifier.weight', checkpoint_shape: [2, 64], model_shape: [5, 64] });
    const x = inputs();
    torch.no_grad(() => {
      expectClose(model.bert.forward(x).pooler_output!, ref.hf.pooler_output, 1e-4, 1e-4, 'pooler_output');
      expect(model.forward(x).logits.shape).toEqual([2, 5]);
    });
  });

  it('save_pretrained: safetensors (sharded and not) and pytorch_model.bin come back with equal outputs; Python reads the .bin', () => {
    const model = BertForSequenceClassification.from_pretrained(hfDir);
    const x = inputs();
    const before = torch.no_grad(() => model.forward(x).logits);
    const single = join(tmp.dir, 'saved-single');
    model.save_pretrained(single);
    expect(existsSync(join(single, 'model.safetensors'))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(single, 'config.json'), 'utf8'));
    expect(cfg.architectures).toEqual(['BertForSequenceClassification']);
    expect(cfg.model_type).toBe('bert');
    expect(cfg.torch_dtype).toBe('float32');
    expect(cfg.hidden_size).toBe(64);

    const sharded = join(tmp.dir, 'saved-sharded');
    model.save_pretrained(sharded, { max_shard_size: '100KB' });
    const files = readdirSync(sharded).sort();
    expect(files).toContain('model.safetensors.index.json');
    expect(files.filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)).length).toBeGreaterThan(2);

    const bin = join(tmp.dir, 'saved-bin');
    model.save_pretrained(bin, { safe_serialization: false, max_shard_size: '200KB' });
    expect(existsSync(join(bin, 'pytorch_model.bin.index.json'))).toBe(true);
    const binSingle = join(tmp.dir, 'saved-bin-single');
    model.save_pretrained(binSingle, { safe_serialization: false });

    for (const dir of [single, sharded, bin]) {
      const again = BertForSequenceClassification.from_pretrained(dir);
      torch.no_grad(() => expect(again.forward(x).logits.equal(before)).toBe(true));
    }
    // Python loads our pytorch_model.bin strictly into the reference and gets the reference logits.
    const py = runRef<{ logits: Nested; missing: string[] }>(`
import torch
m, missing = ref.load_bert(${JSON.stringify(binSingle)})
sd = torch.load(${JSON.stringify(join(binSingle, 'pytorch_model.bin'))}, weights_only=True)
m.load_state_dict(sd, strict=True)
with torch.no_grad():
    logits, _ = m(torch.tensor(${JSON.stringify(INPUT_IDS)}), torch.tensor(${JSON.stringify(ATTENTION_MASK)}), torch.tensor(${JSON.stringify(TOKEN_TYPE_IDS)}))
out = {'logits': logits.tolist(), 'missing': missing}`);
    expect(py.missing).toEqual([]);
    expectClose(before, py.logits, 1e-4, 1e-4, 'logits');
  });

  it('replace_head: a new classifier for 3 labels; fine-tuning moves it and leaves a frozen encoder as it was', () => {
    const model = BertForSequenceClassification.from_pretrained(hfDir);
    const old = model.classifier;
    expect(model.replace_head(3, { id2label: { 0: 'neg', 1: 'neu', 2: 'pos' } })).toBe(model);
    const head = model.classifier;
    expect(head).not.toBe(old);
    expect(head.weight.shape).toEqual([3, 64]);
    expect(model.config.num_labels).toBe(3);
    expect(model.config.label2id).toEqual({ neg: 0, neu: 1, pos: 2 });
    expect([...model.state_dict().keys()].slice(-2)).toEqual(['classifier.weight', 'classifier.bias']);
    model.bert.requires_grad_(false);
    const encoderBefore = model.bert.embeddings.word_embeddings.weight.clone();
    const headBefore = head.weight.clone();
    const opt = new optim.AdamW(model.parameters().filter((p) => p.requires_grad), { lr: 1e-2 });
    model.train();
    const x = inputs();
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      torch.scope(() => {
        opt.zero_grad();
        const out = model.forward({ ...x, labels: torch.tensor([2, 0]) });
        out.loss!.backward();
        opt.step();
        losses.push(out.loss!.item());
      });
    }
    expect(losses[4]!).toBeLessThan(losses[0]!);
    expect(model.bert.embeddings.word_embeddings.weight.equal(encoderBefore)).toBe(true);
    expect(head.weight.equal(headBefore)).toBe(false);
    expect(() => model.replace_head(2, { id2label: { 0: 'a' } })).toThrow(/id2label has 1 labels, expected 2/);
  });

  it("takes a tokenizer's output object and reports bad inputs clearly", () => {
    const model = BertModel.from_pretrained(hfDir);
    const x = inputs();
    torch.no_grad(() => {
      const a = model.forward(x).last_hidden_state;
      const b = model.call(x.input_ids, { attention_mask: x.attention_mask, token_type_ids: x.token_type_ids }).last_hidden_state;
      expect(a.equal(b)).toBe(true);
      expectClose(a, ref.hf.last_hidden_state, 1e-4, 1e-4, 'last_hidden_state');
    });
    expect(() => model.forward({})).toThrow('You have to specify either input_ids or inputs_embeds');
    expect(() => model.forward(x.input_ids, { inputs_embeds: torch.zeros(2, 8, 64) })).toThrow('You cannot specify both input_ids and inputs_embeds at the same time');
    expect(() => model.forward(x.input_ids, { input_ids: x.input_ids })).toThrow(/input_ids given twice/);
    expect(() => BertModel.from_pretrained(join(tmp.dir, 'nowhere'))).toThrow(/nowhere/);
    expect(() => BertModel.from_pretrained(tmp.dir)).toThrow(/does not appear to have a file named config\.json/);
  });

  it('head_mask: ones change nothing, silencing every head of layer 0 changes the output', () => {
    const model = BertModel.from_pretrained(hfDir);
    const x = inputs();
    torch.no_grad(() => {
      const base = model.forward(x).last_hidden_state;
      expect(model.forward({ ...x, head_mask: torch.ones(4) }).last_hidden_state.equal(base)).toBe(true);
      const silenced = torch.tensor([[0, 0, 0, 0], [1, 1, 1, 1]], { dtype: 'float32' });
      const out = model.forward({ ...x, head_mask: silenced, output_attentions: true });
      expect(out.attentions![0]!.abs().sum().item()).toBe(0);
      expect(out.last_hidden_state.equal(base)).toBe(false);
    });
  });

  it('a forward loop under no_grad leaks no tensors', () => {
    const model = BertForSequenceClassification.from_pretrained(hfDir);
    const x = inputs();
    const run = (): void => torch.no_grad(() => {
      const out = model.forward({ ...x, output_hidden_states: true, output_attentions: true });
      out.logits.dispose();
      for (const t of [...out.hidden_states!, ...out.attentions!]) t.dispose();
    });
    run();
    const live = torch.memory().liveTensors;
    for (let i = 0; i < 20; i++) run();
    expect(torch.memory().liveTensors).toBe(live);
  });
});
