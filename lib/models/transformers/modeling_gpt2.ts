// GPT-2 (transformers/models/gpt2/modeling_gpt2.py): GPT2Model (wte, wpe, drop,
// h[i] = GPT2Block{ln_1, attn{c_attn, c_proj}, ln_2, mlp{c_fc, c_proj}}, ln_f),
// GPT2LMHeadModel (lm_head tied to wte) and GPT2ForSequenceClassification, with
// HF's module tree, Conv1D layers (weights stored (in, out)), causal mask and
// key/value cache. The attention is HF's eager path. Each GPT2Block is run
// through call(), so it can be wrapped (hooks, gradient checkpointing, LoRA).
import { arange, empty, full, ones, tensor } from '../../factories.js';
import { cat, tril, where } from '../../generated/functions.js';
import { scope } from '../../memory.js';
import * as F from '../../nn/functional.js';
import * as init from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/modules/container.js';
import { Dropout } from '../../nn/modules/dropout.js';
import { Linear } from '../../nn/modules/linear.js';
import { LayerNorm } from '../../nn/modules/normalization.js';
import { Embedding } from '../../nn/modules/sparse.js';
import type { Tensor } from '../../tensor.js';
import { get_activation } from './activations.js';
import { finfo_min, min_value_like } from './attention_mask.js';
import { sequence_classification_loss } from './classification_loss.js';
import { GPT2Config } from './configuration_gpt2.js';
import { Conv1D } from './conv1d.js';
import { mergeInputs } from './model_inputs.js';
import { init_standard_weights, PreTrainedModel } from './modeling_utils.js';
import type { BaseModelOutputWithPast, CausalLMOutput, KeyValue, SequenceClassifierOutputWithPast } from './modeling_outputs.js';

export interface GPT2AttentionOptions {
  /** This layer's cached (key, value) from earlier steps. */
  layer_past?: KeyValue | null;
  /** Additive mask (batch, 1, 1, key_length) of 0 / finfo.min, as GPT2Model builds it. */
  attention_mask?: Tensor | null;
  head_mask?: Tensor | null;
  use_cache?: boolean;
  output_attentions?: boolean;
}

/** [output, present (key, value) with use_cache, attention probabilities with output_attentions]. */
export type GPT2AttentionOutput = [output: Tensor, present: KeyValue | null, attn_weights: Tensor | null];

/** Causal multi-head self-attention: one Conv1D for q, k, v (c_attn), one for the output (c_proj). */
export class GPT2Attention extends Module {
  declare bias: Tensor;
  declare masked_bias: Tensor;
  declare embed_dim: number;
  declare num_heads: number;
  declare head_dim: number;
  declare split_size: number;
  declare scale_attn_weights: boolean;
  declare scale_attn_by_inverse_layer_idx: boolean;
  declare layer_idx: number | null;
  declare reorder_and_upcast_attn: boolean;
  declare c_attn: Conv1D;
  declare c_proj: Conv1D;
  declare attn_dropout: Dropout;
  declare resid_dropout: Dropout;

  constructor(config: GPT2Config, is_cross_attention = false, layer_idx: number | null = null) {
    super();
    if (is_cross_attention) throw new Error('GPT2Attention: cross-attention (add_cross_attention) is not supported here');
    const maxPositions = config.n_positions;
    const square = ones([maxPositions, maxPositions], { dtype: 'bool' });
    const lower = tril(square);
    this.register_buffer('bias', lower.view(1, 1, maxPositions, maxPositions), { persistent: false });
    square.dispose();
    lower.dispose();
    this.register_buffer('masked_bias', tensor(-1e4), { persistent: false });
    this.embed_dim = config.n_embd;
    this.num_heads = config.n_head;
    this.head_dim = Math.trunc(this.embed_dim / this.num_heads);
    this.split_size = this.embed_dim;
    if (this.head_dim * this.num_heads !== this.embed_dim) {
      throw new Error(`\`embed_dim\` must be divisible by num_heads (got \`embed_dim\`: ${this.embed_dim} and \`num_heads\`: ${this.num_heads}).`);
    }
    this.scale_attn_weights = config.scale_attn_weights;
    this.scale_attn_by_inverse_layer_idx = config.scale_attn_by_inverse_layer_idx;
    this.layer_idx = layer_idx;
    this.reorder_and_upcast_attn = config.reorder_and_upcast_attn;
    this.c_attn = new Conv1D(3 * this.embed_dim, this.embed_dim);
    this.c_proj = new Conv1D(this.embed_dim, this.embed_dim);
    this.attn_dropout = new Dropout(config.attn_pdrop);
    this.resid_dropout = new Dropout(config.resid_pdrop);
  }

  /** The causal mask rows for the queries (the last query_length of key_length positions). */
  private causalMask(queryLength: number, keyLength: number): Tensor {
    if (keyLength > this.bias.size(-1)) {
      throw new Error(`GPT2: sequence length ${keyLength} exceeds the maximum of ${this.bias.size(-1)} positions (config.n_positions)`);
    }
    return this.bias.narrow(2, keyLength - queryLength, queryLength).narrow(3, 0, keyLength);
  }

  _attn(query: Tensor, key: Tensor, value: Tensor, attention_mask: Tensor | null, head_mask: Tensor | null): [Tensor, Tensor] {
    let w = query.matmul(key.transpose(-1, -2));
    if (this.scale_attn_weights) w = w.div(full([], value.size(-1) ** 0.5, { dtype: w.dtype, device: w.device }));
    if (this.scale_attn_by_inverse_layer_idx) w = w.div(this.layer_idx! + 1);
    w = where(this.causalMask(query.size(-2), key.size(-2)), w, min_value_like(w));
    if (attention_mask !== null) w = w.add(attention_mask);
    let probs = w.softmax(-1);
    if (probs.dtype !== value.dtype) probs = probs.to(value.dtype);
    probs = this.attn_dropout.call(probs);
    if (head_mask !== null) probs = probs.mul(head_mask);
    return [probs.matmul(value), probs];
  }

  /** HF's reorder_and_upcast_attn path: scores in float32 through baddbmm with the scale as alpha. */
  _upcast_and_reordered_attn(query: Tensor, key: Tensor, value: Tensor, attention_mask: Tensor | null, head_mask: Tensor | null): [Tensor, Tensor] {
    const [bsz, numHeads, qLen, dk] = query.shape as [number, number, number, number];
    const kLen = key.size(-2);
    let scale = 1.0;
    if (this.scale_attn_weights) scale /= dk ** 0.5;
    if (this.scale_attn_by_inverse_layer_idx) scale /= this.layer_idx! + 1;
    const q = query.reshape(-1, qLen, dk).float();
    const k = key.transpose(-1, -2).reshape(-1, dk, kLen).float();
    const buf = empty([bsz * numHeads, qLen, kLen], { dtype: 'float32', device: query.device });
    let w = buf.baddbmm(q, k, { beta: 0, alpha: scale }).reshape(bsz, numHeads, qLen, kLen);
    w = where(this.causalMask(qLen, kLen), w, min_value_like(w));
    if (attention_mask !== null) w = w.add(attention_mask);
    let probs = w.softmax(-1).to(value.dtype);
    probs = this.attn_dropout.call(probs);
    if (head_mask !== null) probs = probs.mul(head_mask);
    return [probs.matmul(value), probs];
  }

  _split_heads(t: Tensor): Tensor {
    return t.view(...t.shape.slice(0, -1), this.num_heads, this.head_dim).permute(0, 2, 1, 3);
  }

  _merge_heads(t: Tensor): Tensor {
    const c = t.permute(0, 2, 1, 3).contiguous();
    return c.view(...c.shape.slice(0, -2), this.num_heads * this.head_dim);
  }

  override forward(hidden_states: Tensor, options: GPT2AttentionOptions = {}): GPT2AttentionOutput {
    return scope(() => {
      const [q, k, v] = this.c_attn.call(hidden_states).split(this.split_size, 2);
      const query = this._split_heads(q!);
      let key = this._split_heads(k!);
      let value = this._split_heads(v!);
      if (options.layer_past) {
        key = cat([options.layer_past[0], key], -2);
        value = cat([options.layer_past[1], value], -2);
      }
      const present: KeyValue | null = options.use_cache ? [key, value] : null;
      const attend = this.reorder_and_upcast_attn ? this._upcast_and_reordered_attn : this._attn;
      const [attnOutput, attnWeights] = attend.call(this, query, key, value, options.attention_mask ?? null, options.head_mask ?? null);
      const out = this.resid_dropout.call(this.c_proj.call(this._merge_heads(attnOutput)));
      return [out, present, options.output_attentions ? attnWeights : null] as GPT2AttentionOutput;
    });
  }
}

/** c_fc, activation (config.activation_function), c_proj, dropout. */
export class GPT2MLP extends Module {
  declare c_fc: Conv1D;
  declare c_proj: Conv1D;
  declare act: Module;
  declare dropout: Dropout;

  constructor(intermediate_size: number, config: GPT2Config) {
    super();
    this.c_fc = new Conv1D(intermediate_size, config.n_embd);
    this.c_proj = new Conv1D(config.n_embd, intermediate_size);
    this.act = get_activation(config.activation_function);
    this.dropout = new Dropout(config.resid_pdrop);
  }

  override forward(hidden_states: Tensor): Tensor {
    return scope(() => this.dropout.call(this.c_proj.call(this.act.call(this.c_fc.call(hidden_states)) as Tensor)));
  }
}

/** One pre-norm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class GPT2Block extends Module {
  declare ln_1: LayerNorm;
  declare attn: GPT2Attention;
  declare ln_2: LayerNorm;
  declare mlp: GPT2MLP;

  constructor(config: GPT2Config, layer_idx: number | null = null) {
    super();
    if (config.add_cross_attention) throw new Error('GPT2Block: add_cross_attention is not supported here');
    const hidden = config.n_embd;
    const inner = config.n_inner ?? 4 * hidden;
    this.ln_1 = new LayerNorm(hidden, { eps: config.layer_norm_epsilon });
    this.attn = new GPT2Attention(config, false, layer_idx);
    this.ln_2 = new LayerNorm(hidden, { eps: config.layer_norm_epsilon });
    this.mlp = new GPT2MLP(inner, config);
  }

  /** Returns [hidden_states, present (with use_cache, else null), attention probabilities (with output_attentions, else null)]. */
  override forward(hidden_states: Tensor, options: GPT2AttentionOptions = {}): GPT2AttentionOutput {
    return scope(() => {
      const [attnOutput, present, weights] = this.attn.call(this.ln_1.call(hidden_states), options);
      const h = attnOutput.add(hidden_states);
      const out = this.mlp.call(this.ln_2.call(h)).add(h);
      return [out, present, weights] as GPT2AttentionOutput;
    });
  }
}

/** GPT2Model's inputs besides input_ids (HF's keyword arguments). */
export interface GPT2ModelInputs {
  input_ids?: Tensor | null;
  /** Each layer's cached (key, value) from earlier steps: then input_ids holds only the new tokens. */
  past_key_values?: KeyValue[] | null;
  /** (batch, past + seq) of 1 (attend) / 0 (padding). */
  attention_mask?: Tensor | null;
  token_type_ids?: Tensor | null;
  position_ids?: Tensor | null;
  head_mask?: Tensor | null;
  inputs_embeds?: Tensor | null;
  /** Return each layer's (key, value); config.use_cache (true) by default. */
  use_cache?: boolean;
  output_attentions?: boolean;
  output_hidden_states?: boolean;
}

export interface GPT2LMHeadModelInputs extends GPT2ModelInputs {
  /** (batch, seq) token ids; shifted inside the model (labels = input_ids works); -100 is ignored. */
  labels?: Tensor | null;
}

export interface GPT2ForSequenceClassificationInputs extends GPT2ModelInputs {
  labels?: Tensor | null;
}

export abstract class GPT2PreTrainedModel extends PreTrainedModel<GPT2Config> {
  static override readonly config_class = GPT2Config;
  static override readonly base_model_prefix: string = 'transformer';

  protected override _init_weights(module: Module): void {
    const std = this.config.initializer_range;
    if (module instanceof Conv1D) {
      init.normal_(module.weight, 0.0, std);
      init.zeros_(module.bias);
    } else if (!init_standard_weights(module, std) && module instanceof LayerNorm) {
      if (module.bias !== null) init.zeros_(module.bias);
      if (module.weight !== null) init.ones_(module.weight);
    }
    // GPT-2's scaled init of the residual projections: std / sqrt(2 * n_layer).
    for (const [name, p] of module.named_parameters()) {
      if (name === 'c_proj.weight') init.normal_(p, 0.0, std / Math.sqrt(2 * this.config.n_layer));
    }
  }
}

/** The bare GPT-2 decoder: last_hidden_state (after ln_f) and the key/value cache. */
export class GPT2Model extends GPT2PreTrainedModel {
  declare embed_dim: number;
  declare wte: Embedding;
  declare wpe: Embedding;
  declare drop: Dropout;
  declare h: ModuleList<GPT2Block>;
  declare ln_f: LayerNorm;

  constructor(config: GPT2Config) {
    super(config);
    this.embed_dim = config.n_embd;
    this.wte = new Embedding(config.vocab_size, this.embed_dim);
    this.wpe = new Embedding(config.n_positions, this.embed_dim);
    this.drop = new Dropout(config.embd_pdrop);
    this.h = new ModuleList(Array.from({ length: config.n_layer }, (_, i) => new GPT2Block(config, i)));
    this.ln_f = new LayerNorm(this.embed_dim, { eps: config.layer_norm_epsilon });
    this.post_init();
  }

  override get_input_embeddings(): Embedding {
    return this.wte;
  }

  /** forward(input_ids, {attention_mask, past_key_values, ...}) or forward({input_ids, attention_mask, ...}). */
  override forward(input_ids?: Tensor | GPT2ModelInputs | null, options?: GPT2ModelInputs): BaseModelOutputWithPast {
    const o = mergeInputs(input_ids, options, 'GPT2Model.forward');
    if (o.input_ids != null && o.inputs_embeds != null) throw new Error('You cannot specify both input_ids and inputs_embeds at the same time');
    if (o.input_ids == null && o.inputs_embeds == null) throw new Error('You have to specify either input_ids or inputs_embeds');
    return scope(() => {
      const outputAttentions = o.output_attentions ?? this.config.output_attentions;
      const outputHidden = o.output_hidden_states ?? this.config.output_hidden_states;
      const useCache = o.use_cache ?? this.config.use_cache;
      const inputShape = o.input_ids != null ? o.input_ids.shape : o.inputs_embeds!.shape.slice(0, -1);
      const seq = inputShape[inputShape.length - 1]!;
      const ids = o.input_ids != null ? o.input_ids.view(-1, seq) : null;
      const batchSize = ids !== null ? ids.size(0) : o.inputs_embeds!.size(0);
      const tokenTypes = o.token_type_ids != null ? o.token_type_ids.view(-1, seq) : null;
      const past = o.past_key_values ?? null;
      if (past !== null && past.length !== this.h.length) throw new Error(`past_key_values has ${past.length} layers, expected ${this.h.length}`);
      const pastLength = past !== null ? past[0]![0].size(-2) : 0;
      const positions = o.position_ids ?? arange(pastLength, seq + pastLength, { dtype: 'int64', device: (ids ?? o.inputs_embeds!).device }).unsqueeze(0);
      const inputsEmbeds = o.inputs_embeds ?? this.wte.call(ids!);
      let hidden = inputsEmbeds.add(this.wpe.call(positions));

      let mask: Tensor | null = null;
      if (o.attention_mask != null) {
        const m = o.attention_mask.view(batchSize, -1);
        const m4 = m.view(batchSize, 1, 1, m.size(1)).to(this.dtype);
        mask = m4.neg().add(1.0).mul(finfo_min(this.dtype));
      }
      const headMask = this.get_head_mask(o.head_mask, this.config.n_layer);
      if (tokenTypes !== null) hidden = hidden.add(this.wte.call(tokenTypes));
      hidden = this.drop.call(hidden);
      const outputShape = [-1, ...inputShape.slice(1), hidden.size(-1)];

      const presents: KeyValue[] | null = useCache ? [] : null;
      const allAttentions: Tensor[] | null = outputAttentions ? [] : null;
      const allHidden: Tensor[] | null = outputHidden ? [] : null;
      let i = 0;
      for (const block of this.h) {
        allHidden?.push(hidden);
        const [h, present, weights] = block.call(hidden, {
          layer_past: past?.[i] ?? null,
          attention_mask: mask,
          head_mask: headMask[i] ?? null,
          use_cache: useCache,
          output_attentions: outputAttentions,
        });
        hidden = h;
        if (presents !== null) presents.push(present!);
        if (allAttentions !== null) allAttentions.push(weights!);
        i++;
      }
      hidden = this.ln_f.call(hidden).view(outputShape);
      allHidden?.push(hidden);
      return { last_hidden_state: hidden, past_key_values: presents, hidden_states: allHidden, attentions: allAttentions };
    });
  }
}

/** GPT-2 with the language-modelling head: lm_head shares wte's weight (config.tie_word_embeddings). */
export class GPT2LMHeadModel extends GPT2PreTrainedModel {
  static override readonly _tied_weights_keys: readonly string[] = ['lm_head.weight'];

  declare transformer: GPT2Model;
  declare lm_head: Linear;

  constructor(config: GPT2Config) {
    super(config);
    this.transformer = new GPT2Model(config);
    this.lm_head = new Linear(config.n_embd, config.vocab_size, { bias: false });
    this.post_init();
  }

  override get_output_embeddings(): Linear {
    return this.lm_head;
  }

  override forward(input_ids?: Tensor | GPT2LMHeadModelInputs | null, options?: GPT2LMHeadModelInputs): CausalLMOutput {
    const { labels, ...o } = mergeInputs(input_ids, options, 'GPT2LMHeadModel.forward');
    return scope(() => {
      const out = this.transformer.call(o);
      const logits = this.lm_head.call(out.last_hidden_state);
      let loss: Tensor | null = null;
      if (labels != null) {
        // Tokens < n predict n: drop the last position's logits and the first label.
        const n = logits.size(-2);
        const shiftLogits = logits.narrow(-2, 0, n - 1).contiguous();
        const shiftLabels = labels.narrow(-1, 1, n - 1).contiguous();
        loss = F.cross_entropy(shiftLogits.view(-1, shiftLogits.size(-1)), shiftLabels.view(-1));
      }
      return { loss, logits, past_key_values: out.past_key_values, hidden_states: out.hidden_states, attentions: out.attentions };
    });
  }
}

/**
 * GPT-2 with a linear classifier (score, no bias) read at each sequence's last
 * non-padding token (config.pad_token_id; without one, batches of one sequence only).
 */
export class GPT2ForSequenceClassification extends GPT2PreTrainedModel {
  declare num_labels: number;
  declare transformer: GPT2Model;
  declare score: Linear;

  constructor(config: GPT2Config) {
    super(config);
    this.num_labels = config.num_labels;
    this.transformer = new GPT2Model(config);
    this.score = new Linear(config.n_embd, this.num_labels, { bias: false });
    this.post_init();
  }

  override forward(input_ids?: Tensor | GPT2ForSequenceClassificationInputs | null, options?: GPT2ForSequenceClassificationInputs): SequenceClassifierOutputWithPast {
    const { labels, ...o } = mergeInputs(input_ids, options, 'GPT2ForSequenceClassification.forward');
    return scope(() => {
      const out = this.transformer.call(o);
      const logits = this.score.call(out.last_hidden_state);
      const [batchSize, seqLen] = logits.shape as [number, number, number];
      const pad = this.config.pad_token_id;
      if (pad === null && batchSize !== 1) throw new Error('Cannot handle batch sizes > 1 if no padding token is defined.');
      let pooled: Tensor;
      if (pad === null || o.input_ids == null) {
        if (pad !== null) process.emitWarning(`${this.constructor.name} will not detect padding tokens in \`inputs_embeds\`. Results may be unexpected if using padding tokens in conjunction with \`inputs_embeds.\``);
        pooled = logits.select(1, seqLen - 1);
      } else {
        // The right-most token that is not padding (HF >= 4.48; also right for left padding).
        const notPad = o.input_ids.ne(pad).to('int64');
        const last = arange(seqLen, { dtype: 'int64', device: logits.device }).mul(notPad).argmax(-1);
        const index = last.view(batchSize, 1, 1).expand(batchSize, 1, this.num_labels);
        pooled = logits.gather(1, index).squeeze(1);
      }
      const loss = labels != null ? sequence_classification_loss(this.config, this.num_labels, pooled, labels) : null;
      return { loss, logits: pooled, past_key_values: out.past_key_values, hidden_states: out.hidden_states, attentions: out.attentions };
    });
  }

  /** A new, freshly initialised score head for num_labels classes (config.num_labels follows). Returns the model. */
  replace_head(num_labels: number): this {
    this.config.num_labels = num_labels;
    const old = this.score;
    const head = new Linear(this.config.n_embd, num_labels, { bias: false, dtype: old.weight.dtype, device: old.weight.device });
    this._init_weights(head);
    this.score = head;
    this.num_labels = num_labels;
    old.dispose();
    return this;
  }
}
