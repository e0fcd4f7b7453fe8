// The output records of HF's models (transformers/modeling_outputs.py), as plain
// objects with HF's field names. Fields HF leaves as None are null here.
import type { Tensor } from '../../tensor.js';

/** One layer's cached (key, value), each (batch, num_heads, seq, head_dim). */
export type KeyValue = [key: Tensor, value: Tensor];

export interface BaseModelOutputWithPooling {
  last_hidden_state: Tensor;
  /** The first token's hidden state through the pooler (dense + tanh); null without a pooler. */
  pooler_output: Tensor | null;
  /** With output_hidden_states: the embeddings' output, then each layer's. */
  hidden_states: Tensor[] | null;
  /** With output_attentions: each layer's attention probabilities (batch, heads, seq, seq). */
  attentions: Tensor[] | null;
}

export interface BaseModelOutputWithPast {
  last_hidden_state: Tensor;
  /** With use_cache: each layer's (key, value), to pass back as past_key_values. */
  past_key_values: KeyValue[] | null;
  hidden_states: Tensor[] | null;
  attentions: Tensor[] | null;
}

export interface SequenceClassifierOutput {
  /** With labels: the classification (or regression) loss. */
  loss: Tensor | null;
  logits: Tensor;
  hidden_states: Tensor[] | null;
  attentions: Tensor[] | null;
}

export interface SequenceClassifierOutputWithPast extends SequenceClassifierOutput {
  past_key_values: KeyValue[] | null;
}

export interface CausalLMOutput {
  /** With labels: the next-token cross-entropy (labels shifted inside the model). */
  loss: Tensor | null;
  logits: Tensor;
  past_key_values: KeyValue[] | null;
  hidden_states: Tensor[] | null;
  attentions: Tensor[] | null;
}
