// transformers.BertConfig (models/bert/configuration_bert.py): defaults are
// bert-base-uncased's architecture.
import { type PretrainedConfigInit, PretrainedConfig } from './configuration_utils.js';
import type { ActivationName } from './activations.js';

export interface BertConfigInit extends PretrainedConfigInit {
  vocab_size?: number;
  hidden_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  intermediate_size?: number;
  hidden_act?: ActivationName;
  hidden_dropout_prob?: number;
  attention_probs_dropout_prob?: number;
  max_position_embeddings?: number;
  type_vocab_size?: number;
  initializer_range?: number;
  layer_norm_eps?: number;
  position_embedding_type?: 'absolute';
  use_cache?: boolean;
  classifier_dropout?: number | null;
}

export class BertConfig extends PretrainedConfig {
  /** Type only: the constructor's init object (from_pretrained takes its fields as overrides). */
  declare readonly __init?: BertConfigInit;
  static override readonly model_type = 'bert';

  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  hidden_act: ActivationName;
  intermediate_size: number;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  initializer_range: number;
  layer_norm_eps: number;
  position_embedding_type: 'absolute';
  use_cache: boolean;
  classifier_dropout: number | null;

  constructor(init: BertConfigInit = {}) {
    super({ ...init, pad_token_id: init.pad_token_id === undefined ? 0 : init.pad_token_id });
    this.vocab_size = init.vocab_size ?? 30522;
    this.hidden_size = init.hidden_size ?? 768;
    this.num_hidden_layers = init.num_hidden_layers ?? 12;
    this.num_attention_heads = init.num_attention_heads ?? 12;
    this.hidden_act = init.hidden_act ?? 'gelu';
    this.intermediate_size = init.intermediate_size ?? 3072;
    this.hidden_dropout_prob = init.hidden_dropout_prob ?? 0.1;
    this.attention_probs_dropout_prob = init.attention_probs_dropout_prob ?? 0.1;
    this.max_position_embeddings = init.max_position_embeddings ?? 512;
    this.type_vocab_size = init.type_vocab_size ?? 2;
    this.initializer_range = init.initializer_range ?? 0.02;
    this.layer_norm_eps = init.layer_norm_eps ?? 1e-12;
    this.position_embedding_type = init.position_embedding_type ?? 'absolute';
    if (this.position_embedding_type !== 'absolute') {
      throw new Error(`BertConfig: position_embedding_type '${String(this.position_embedding_type)}' is not supported here (only 'absolute'; 'relative_key' and 'relative_key_query' are not implemented)`);
    }
    this.use_cache = init.use_cache ?? true;
    this.classifier_dropout = init.classifier_dropout ?? null;
  }
}
