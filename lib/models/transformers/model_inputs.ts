// How the models take their inputs: forward(input_ids, {attention_mask, ...}) as
// Python's keyword arguments, or forward({input_ids, attention_mask, ...}), the
// object a tokenizer returns (Python's model(**inputs)).
import { Tensor } from '../../tensor.js';

/** The merged inputs of either calling form; input_ids given twice is an error. */
export function mergeInputs<T extends { input_ids?: Tensor | null }>(first: Tensor | T | null | undefined, options: T | undefined, where: string): T {
  if (first instanceof Tensor || first === null || first === undefined) {
    if (options?.input_ids != null && first != null) throw new Error(`${where}: input_ids given twice (as the first argument and in the options)`);
    return { ...(options ?? ({} as T)), input_ids: first ?? options?.input_ids ?? null };
  }
  if (options !== undefined) throw new Error(`${where}: pass either (input_ids, options) or one options object, not an options object and more options`);
  return first;
}

