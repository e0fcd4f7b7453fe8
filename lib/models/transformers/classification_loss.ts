// The loss of HF's *ForSequenceClassification heads: the problem type is taken
// from config.problem_type, or inferred on first use (and stored, as HF does):
// one label -> regression (MSE), integer labels -> single-label (cross-entropy),
// otherwise multi-label (BCE with logits).
import * as F from '../../nn/functional.js';
import type { Tensor } from '../../tensor.js';
import type { PretrainedConfig } from './configuration_utils.js';

export function sequence_classification_loss(config: PretrainedConfig, num_labels: number, logits: Tensor, labels: Tensor): Tensor {
  if (config.problem_type === null) {
    if (num_labels === 1) config.problem_type = 'regression';
    else if (num_labels > 1 && (labels.dtype === 'int64' || labels.dtype === 'int32')) config.problem_type = 'single_label_classification';
    else config.problem_type = 'multi_label_classification';
  }
  switch (config.problem_type) {
    case 'regression':
      return num_labels === 1 ? F.mse_loss(logits.squeeze(), labels.squeeze()) : F.mse_loss(logits, labels);
    case 'single_label_classification':
      return F.cross_entropy(logits.view(-1, num_labels), labels.view(-1));
    case 'multi_label_classification':
      return F.binary_cross_entropy_with_logits(logits, labels);
  }
}
