// BERT (transformers/models/bert/modeling_bert.py): BertModel (embeddings,
// encoder, pooler) and BertForSequenceClassification, with HF's module tree so
// that state_dict keys and shapes are HF's (bert.embeddings.word_embeddings.weight,
// bert.encoder.layer.0.attention.self.query.weight, ...). The attention is HF's
// eager path. Each BertLayer is run through call(), so it can be wrapped (hooks,
// gradient checkpointing, adapters).
import { arange, zeros } from '../../factories.js';
import { scope } from '../../memory.js';
import * as init from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import { Tanh } from '../../nn/modules/activation.js';
import { ModuleList } from '../../nn/modules/container.js';
import { Dropout } from '../../nn/modules/dropout.js';
import { Linear } from '../../nn/modules/linear.js';
import { LayerNorm } from '../../nn/modules/normalization.js';
import { Embedding } from '../../nn/modules/sparse.js';
import { Tensor } from '../../tensor.js';
import { get_activation } from './activations.js';
import { extended_attention_mask } from './attention_mask.js';
import { sequence_classification_loss } from './classification_loss.js';
import { BertConfig } from './configuration_bert.js';
import { mergeInputs } from './model_inputs.js';
import { init_standard_weights, PreTrainedModel } from './modeling_utils.js';
import type { BaseModelOutputWithPooling, SequenceClassifierOutput } from './modeling_outputs.js';

/** BertModel's inputs besides input_ids (HF's keyword arguments). */
export interface BertModelInputs {
  input_ids?: Tensor | null;
  /** (batch, seq) of 1 (attend) / 0 (padding), or (batch, from, to). */
  attention_mask?: Tensor | null;
  /** Segment ids (0 for sentence A, 1 for B); zeros by default. */
  token_type_ids?: Tensor | null;
  position_ids?: Tensor | null;
  /** (num_heads) or (num_layers, num_heads): 1 keeps a head, 0 silences it. */
  head_mask?: Tensor | null;
  /** Embedded input (batch, seq, hidden) instead of input_ids. */
  inputs_embeds?: Tensor | null;
  output_attentions?: boolean;
  output_hidden_states?: boolean;
}

export interface BertForSequenceClassificationInputs extends BertModelInputs {
  /** (batch) class indices, or (batch, num_labels) floats for regression / multi-label. */
  labels?: Tensor | null;
}

function checkInputs(input_ids: Tensor | null | undefined, inputs_embeds: Tensor | null | undefined): number[] {
  if (input_ids != null && inputs_embeds != null) throw new Error('You cannot specify both input_ids and inputs_embeds at the same time');
  if (input_ids != null) return input_ids.shape;
  if (inputs_embeds != null) return inputs_embeds.shape.slice(0, -1);
  throw new Error('You have to specify either input_ids or inputs_embeds');
}

/** Word, position and token-type embeddings, summed, then LayerNorm and dropout. */
export class BertEmbeddings extends Module {
  declare word_embeddings: Embedding;
  declare position_embeddings: Embedding;
  declare token_type_embeddings: Embedding;
  declare LayerNorm: LayerNorm;
  declare dropout: Dropout;
  declare position_embedding_type: string;
  declare position_ids: Tensor;
  declare token_type_ids: Tensor;

  constructor(config: BertConfig) {
    super();
    this.word_embeddings = new Embedding(config.vocab_size, config.hidden_size, { padding_idx: config.pad_token_id });
    this.position_embeddings = new Embedding(config.max_position_embeddings, config.hidden_size);
    this.token_type_embeddings = new Embedding(config.type_vocab_size, config.hidden_size);
    // Not snake-cased, as in HF, to keep the TensorFlow checkpoints' names.
    this.LayerNorm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
    this.dropout = new Dropout(config.hidden_dropout_prob);
    this.position_embedding_type = config.position_embedding_type;
    const positions = arange(config.max_position_embeddings);
    this.register_buffer('position_ids', positions.expand(1, -1), { persistent: false });
    positions.dispose();
    this.register_buffer('token_type_ids', zeros([1, config.max_position_embeddings], { dtype: 'int64' }), { persistent: false });
  }

  override forward(
    input_ids: Tensor | null,
    token_type_ids: Tensor | null = null,
    position_ids: Tensor | null = null,
    inputs_embeds: Tensor | null = null,
    past_key_values_length = 0,
  ): Tensor {
    return scope(() => {
      const inputShape = input_ids !== null ? input_ids.shape : inputs_embeds!.shape.slice(0, -1);
      const seqLength = inputShape[1]!;
      const positions = position_ids ?? this.position_ids.narrow(1, past_key_values_length, seqLength);
      const tokenTypes = token_type_ids ?? this.token_type_ids.narrow(1, 0, seqLength).expand(inputShape[0]!, seqLength);
      const words = inputs_embeds ?? this.word_embeddings.call(input_ids!);
      let embeddings = words.add(this.token_type_embeddings.call(tokenTypes));
      if (this.position_embedding_type === 'absolute') embeddings = embeddings.add(this.position_embeddings.call(positions));
      return this.dropout.call(this.LayerNorm.call(embeddings));
    });
  }
}

/** Multi-head scaled dot-product self-attention with query / key / value projections. */
export class BertSelfAttention extends Module {
  declare num_attention_heads: number;
  declare attention_head_size: number;
  declare all_head_size: number;
  declare query: Linear;
  declare key: Linear;
  declare value: Linear;
  declare dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    if (config.hidden_size % config.num_attention_heads !== 0) {
      throw new Error(`The hidden size (${config.hidden_size}) is not a multiple of the number of attention heads (${config.num_attention_heads})`);
    }
    this.num_attention_heads = config.num_attention_heads;
    this.attention_head_size = Math.trunc(config.hidden_size / config.num_attention_heads);
    this.all_head_size = this.num_attention_heads * this.attention_head_size;
    this.query = new Linear(config.hidden_size, this.all_head_size);
    this.key = new Linear(config.hidden_size, this.all_head_size);
    this.value = new Linear(config.hidden_size, this.all_head_size);
    this.dropout = new Dropout(config.attention_probs_dropout_prob);
  }

  transpose_for_scores(x: Tensor): Tensor {
    const [b, s] = x.shape;
    const v = x.view(b!, s!, this.num_attention_heads, this.attention_head_size);
    const out = v.permute(0, 2, 1, 3);
    v.dispose();
    return out;
  }

  /** Returns [context] or, with output_attentions, [context, attention_probs]. */
  override forward(hidden_states: Tensor, attention_mask: Tensor | null = null, head_mask: Tensor | null = null, output_attentions = false): Tensor[] {
    return scope(() => {
      const query = this.transpose_for_scores(this.query.call(hidden_states));
      const key = this.transpose_for_scores(this.key.call(hidden_states));
      const value = this.transpose_for_scores(this.value.call(hidden_states));
      let scores = query.matmul(key.transpose(-1, -2)).div(Math.sqrt(this.attention_head_size));
      if (attention_mask !== null) scores = scores.add(attention_mask);
      let probs = this.dropout.call(scores.softmax(-1));
      if (head_mask !== null) probs = probs.mul(head_mask);
      const context = probs.matmul(value).permute(0, 2, 1, 3).contiguous();
      const [b, s] = context.shape;
      const out = context.view(b!, s!, this.all_head_size);
      return output_attentions ? [out, probs] : [out];
    });
  }
}

/** dense, dropout, then LayerNorm over the residual sum. */
export class BertSelfOutput extends Module {
  declare dense: Linear;
  declare LayerNorm: LayerNorm;
  declare dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hidden_size, config.hidden_size);
    this.LayerNorm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
    this.dropout = new Dropout(config.hidden_dropout_prob);
  }

  override forward(hidden_states: Tensor, input_tensor: Tensor): Tensor {
    return scope(() => this.LayerNorm.call(this.dropout.call(this.dense.call(hidden_states)).add(input_tensor)));
  }
}

export class BertAttention extends Module {
  declare self: BertSelfAttention;
  declare output: BertSelfOutput;

  constructor(config: BertConfig) {
    super();
    this.self = new BertSelfAttention(config);
    this.output = new BertSelfOutput(config);
  }

  override forward(hidden_states: Tensor, attention_mask: Tensor | null = null, head_mask: Tensor | null = null, output_attentions = false): Tensor[] {
    return scope(() => {
      const [context, ...rest] = this.self.call(hidden_states, attention_mask, head_mask, output_attentions);
      return [this.output.call(context!, hidden_states), ...rest];
    });
  }
}

export class BertIntermediate extends Module {
  declare dense: Linear;
  declare intermediate_act_fn: Module;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hidden_size, config.intermediate_size);
    this.intermediate_act_fn = get_activation(config.hidden_act);
  }

  override forward(hidden_states: Tensor): Tensor {
    return scope(() => this.intermediate_act_fn.call(this.dense.call(hidden_states)) as Tensor);
  }
}

export class BertOutput extends Module {
  declare dense: Linear;
  declare LayerNorm: LayerNorm;
  declare dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.intermediate_size, config.hidden_size);
    this.LayerNorm = new LayerNorm(config.hidden_size, { eps: config.layer_norm_eps });
    this.dropout = new Dropout(config.hidden_dropout_prob);
  }

  override forward(hidden_states: Tensor, input_tensor: Tensor): Tensor {
    return scope(() => this.LayerNorm.call(this.dropout.call(this.dense.call(hidden_states)).add(input_tensor)));
  }
}

/** One encoder layer: self-attention block, then the feed-forward block. */
export class BertLayer extends Module {
  declare attention: BertAttention;
  declare intermediate: BertIntermediate;
  declare output: BertOutput;

  constructor(config: BertConfig) {
    super();
    if (config.is_decoder || config.add_cross_attention) {
      throw new Error('BertLayer: is_decoder / add_cross_attention (BERT as a decoder) is not supported here');
    }
    this.attention = new BertAttention(config);
    this.intermediate = new BertIntermediate(config);
    this.output = new BertOutput(config);
  }

  /** Returns [layer_output] or, with output_attentions, [layer_output, attention_probs]. */
  override forward(hidden_states: Tensor, attention_mask: Tensor | null = null, head_mask: Tensor | null = null, output_attentions = false): Tensor[] {
    return scope(() => {
      const [attentionOutput, ...rest] = this.attention.call(hidden_states, attention_mask, head_mask, output_attentions);
      return [this.feed_forward_chunk(attentionOutput!), ...rest];
    });
  }

  feed_forward_chunk(attention_output: Tensor): Tensor {
    return scope(() => this.output.call(this.intermediate.call(attention_output), attention_output));
  }
}

export interface BertEncoderOutput {
  last_hidden_state: Tensor;
  hidden_states: Tensor[] | null;
  attentions: Tensor[] | null;
}

export class BertEncoder extends Module {
  declare config: BertConfig;
  declare layer: ModuleList<BertLayer>;

  constructor(config: BertConfig) {
    super();
    this.config = config;
    this.layer = new ModuleList(Array.from({ length: config.num_hidden_layers }, () => new BertLayer(config)));
  }

  override forward(
    hidden_states: Tensor,
    attention_mask: Tensor | null = null,
    head_mask: (Tensor | null)[] | null = null,
    output_attentions = false,
    output_hidden_states = false,
  ): BertEncoderOutput {
    return scope(() => {
      const allHidden: Tensor[] | null = output_hidden_states ? [] : null;
      const allAttentions: Tensor[] | null = output_attentions ? [] : null;
      let h = hidden_states;
      let i = 0;
      for (const layer of this.layer) {
        allHidden?.push(h);
        const outputs = layer.call(h, attention_mask, head_mask?.[i] ?? null, output_attentions);
        h = outputs[0]!;
        if (allAttentions) allAttentions.push(outputs[1]!);
        i++;
      }
      allHidden?.push(h);
      return { last_hidden_state: h, hidden_states: allHidden, attentions: allAttentions };
    });
  }
}

/** The first token's hidden state through dense + tanh. */
export class BertPooler extends Module {
  declare dense: Linear;
  declare activation: Tanh;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hidden_size, config.hidden_size);
    this.activation = new Tanh();
  }

  override forward(hidden_states: Tensor): Tensor {
    return scope(() => this.activation.call(this.dense.call(hidden_states.select(1, 0))));
  }
}

export abstract class BertPreTrainedModel extends PreTrainedModel<BertConfig> {
  static override readonly config_class = BertConfig;
  static override readonly base_model_prefix: string = 'bert';

  protected override _init_weights(module: Module): void {
    if (init_standard_weights(module, this.config.initializer_range)) return;
    if (module instanceof LayerNorm) {
      if (module.bias !== null) init.zeros_(module.bias);
      if (module.weight !== null) init.ones_(module.weight);
    }
  }
}

/** The bare BERT encoder: last_hidden_state and pooler_output. */
export class BertModel extends BertPreTrainedModel {
  declare embeddings: BertEmbeddings;
  declare encoder: BertEncoder;
  declare pooler: BertPooler | null;

  constructor(config: BertConfig, add_pooling_layer = true) {
    super(config);
    this.embeddings = new BertEmbeddings(config);
    this.encoder = new BertEncoder(config);
    if (add_pooling_layer) this.pooler = new BertPooler(config);
    else this.pooler = null;
    this.post_init();
  }

  override get_input_embeddings(): Embedding {
    return this.embeddings.word_embeddings;
  }

  /** forward(input_ids, {attention_mask, token_type_ids, ...}) or forward({input_ids, attention_mask, ...}). */
  override forward(input_ids?: Tensor | BertModelInputs | null, options?: BertModelInputs): BaseModelOutputWithPooling {
    const o = mergeInputs(input_ids, options, 'BertModel.forward');
    const inputShape = checkInputs(o.input_ids, o.inputs_embeds);
    return scope(() => {
      const outputAttentions = o.output_attentions ?? this.config.output_attentions;
      const outputHidden = o.output_hidden_states ?? this.config.output_hidden_states;
      if (inputShape.length !== 2) throw new Error(`BertModel: input_ids must be (batch_size, sequence_length), got shape [${inputShape.join(', ')}]`);
      const embeddingOutput = this.embeddings.call(o.input_ids ?? null, o.token_type_ids ?? null, o.position_ids ?? null, o.inputs_embeds ?? null);
      const mask = o.attention_mask != null ? extended_attention_mask(o.attention_mask, embeddingOutput.dtype) : null;
      const headMask = o.head_mask != null ? this.get_head_mask(o.head_mask, this.config.num_hidden_layers) : null;
      const enc = this.encoder.call(embeddingOutput, mask, headMask, outputAttentions, outputHidden);
      const pooled = this.pooler !== null ? this.pooler.call(enc.last_hidden_state) : null;
      return { last_hidden_state: enc.last_hidden_state, pooler_output: pooled, hidden_states: enc.hidden_states, attentions: enc.attentions };
    });
  }
}

/** BERT with dropout and a linear classifier on the pooled output. */
export class BertForSequenceClassification extends BertPreTrainedModel {
  declare num_labels: number;
  declare bert: BertModel;
  declare dropout: Dropout;
  declare classifier: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.num_labels = config.num_labels;
    this.bert = new BertModel(config);
    this.dropout = new Dropout(config.classifier_dropout ?? config.hidden_dropout_prob);
    this.classifier = new Linear(config.hidden_size, config.num_labels);
    this.post_init();
  }

  override forward(input_ids?: Tensor | BertForSequenceClassificationInputs | null, options?: BertForSequenceClassificationInputs): SequenceClassifierOutput {
    const { labels, ...o } = mergeInputs(input_ids, options, 'BertForSequenceClassification.forward');
    return scope(() => {
      const outputs = this.bert.call(o);
      const logits = this.classifier.call(this.dropout.call(outputs.pooler_output!));
      const loss = labels != null ? sequence_classification_loss(this.config, this.num_labels, logits, labels) : null;
      return { loss, logits, hidden_states: outputs.hidden_states, attentions: outputs.attentions };
    });
  }

  /**
   * The transfer-learning move: a new, freshly initialised classifier (HF's init) for
   * num_labels classes, on the old one's device and dtype; config.num_labels and id2label
   * follow. The encoder keeps its weights. Returns the model (as the vision models' replace_head).
   */
  replace_head(num_labels: number, options: { id2label?: Record<number, string> } = {}): this {
    if (options.id2label) {
      if (Object.keys(options.id2label).length !== num_labels) throw new Error(`replace_head: id2label has ${Object.keys(options.id2label).length} labels, expected ${num_labels}`);
      this.config.id2label = { ...options.id2label };
      this.config.label2id = Object.fromEntries(Object.entries(options.id2label).map(([k, v]) => [v, Number(k)]));
    } else {
      this.config.num_labels = num_labels;
    }
    const old = this.classifier;
    const head = new Linear(this.config.hidden_size, num_labels, { dtype: old.weight.dtype, device: old.weight.device });
    this._init_weights(head);
    this.classifier = head;
    this.num_labels = num_labels;
    old.dispose();
    return this;
  }
}
