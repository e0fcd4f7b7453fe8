// transformers.GPT2Config (models/gpt2/configuration_gpt2.py): defaults are the
// 124M "gpt2" checkpoint's architecture. hidden_size, max_position_embeddings,
// num_attention_heads and num_hidden_layers are HF's aliases of n_embd,
// n_positions, n_head and n_layer.
import { type PretrainedConfigInit, PretrainedConfig } from './configuration_utils.js';
import type { ActivationName } from './activations.js';

export interface GPT2ConfigInit extends PretrainedConfigInit {
  vocab_size?: number;
  n_positions?: number;
  n_embd?: number;
  n_layer?: number;
  n_head?: number;
  n_inner?: number | null;
  activation_function?: ActivationName;
  resid_pdrop?: number;
  embd_pdrop?: number;
  attn_pdrop?: number;
  layer_norm_epsilon?: number;
  initializer_range?: number;
  summary_type?: string;
  summary_use_proj?: boolean;
  summary_activation?: string | null;
  summary_proj_to_labels?: boolean;
  summary_first_dropout?: number;
  scale_attn_weights?: boolean;
  use_cache?: boolean;
  scale_attn_by_inverse_layer_idx?: boolean;
  reorder_and_upcast_attn?: boolean;
  /** Aliases, as HF's attribute_map. */
  hidden_size?: number;
  max_position_embeddings?: number;
  num_attention_heads?: number;
  num_hidden_layers?: number;
}

export class GPT2Config extends PretrainedConfig {
  /** Type only: the constructor's init object (from_pretrained takes its fields as overrides). */
  declare readonly __init?: GPT2ConfigInit;
  static override readonly model_type = 'gpt2';
  static override readonly attribute_map = {
    hidden_size: 'n_embd',
    max_position_embeddings: 'n_positions',
    num_attention_heads: 'n_head',
    num_hidden_layers: 'n_layer',
  };

  vocab_size: number;
  n_positions: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  n_inner: number | null;
  activation_function: ActivationName;
  resid_pdrop: number;
  embd_pdrop: number;
  attn_pdrop: number;
  layer_norm_epsilon: number;
  initializer_range: number;
  summary_type: string;
  summary_use_proj: boolean;
  summary_activation: string | null;
  summary_first_dropout: number;
  summary_proj_to_labels: boolean;
  scale_attn_weights: boolean;
  use_cache: boolean;
  scale_attn_by_inverse_layer_idx: boolean;
  reorder_and_upcast_attn: boolean;

  constructor(init: GPT2ConfigInit = {}) {
    super({
      ...init,
      bos_token_id: init.bos_token_id === undefined ? 50256 : init.bos_token_id,
      eos_token_id: init.eos_token_id === undefined ? 50256 : init.eos_token_id,
    });
    this.vocab_size = init.vocab_size ?? 50257;
    this.n_positions = init.n_positions ?? init.max_position_embeddings ?? 1024;
    this.n_embd = init.n_embd ?? init.hidden_size ?? 768;
    this.n_layer = init.n_layer ?? init.num_hidden_layers ?? 12;
    this.n_head = init.n_head ?? init.num_attention_heads ?? 12;
    this.n_inner = init.n_inner ?? null;
    this.activation_function = init.activation_function ?? 'gelu_new';
    this.resid_pdrop = init.resid_pdrop ?? 0.1;
    this.embd_pdrop = init.embd_pdrop ?? 0.1;
    this.attn_pdrop = init.attn_pdrop ?? 0.1;
    this.layer_norm_epsilon = init.layer_norm_epsilon ?? 1e-5;
    this.initializer_range = init.initializer_range ?? 0.02;
    this.summary_type = init.summary_type ?? 'cls_index';
    this.summary_use_proj = init.summary_use_proj ?? true;
    this.summary_activation = init.summary_activation ?? null;
    this.summary_first_dropout = init.summary_first_dropout ?? 0.1;
    this.summary_proj_to_labels = init.summary_proj_to_labels ?? true;
    this.scale_attn_weights = init.scale_attn_weights ?? true;
    this.use_cache = init.use_cache ?? true;
    this.scale_attn_by_inverse_layer_idx = init.scale_attn_by_inverse_layer_idx ?? false;
    this.reorder_and_upcast_attn = init.reorder_and_upcast_attn ?? false;
  }

  get hidden_size(): number {
    return this.n_embd;
  }
  set hidden_size(v: number) {
    this.n_embd = v;
  }
  get max_position_embeddings(): number {
    return this.n_positions;
  }
  set max_position_embeddings(v: number) {
    this.n_positions = v;
  }
  get num_attention_heads(): number {
    return this.n_head;
  }
  set num_attention_heads(v: number) {
    this.n_head = v;
  }
  get num_hidden_layers(): number {
    return this.n_layer;
  }
  set num_hidden_layers(v: number) {
    this.n_layer = v;
  }
}
