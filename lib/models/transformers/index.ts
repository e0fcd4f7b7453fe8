// Hugging Face transformers families on torch-node: BERT and GPT-2 with HF's
// module trees, parameter names and config.json, loading and saving HF folders
// (config.json + model.safetensors / pytorch_model.bin, sharded or not).
export { PretrainedConfig, type PretrainedConfigInit, type ProblemType, type JsonValue, CONFIG_NAME } from './configuration_utils.js';
export { BertConfig, type BertConfigInit } from './configuration_bert.js';
export { GPT2Config, type GPT2ConfigInit } from './configuration_gpt2.js';
export {
  PreTrainedModel, type FromPretrainedOptions, type FromPretrainedArgs, type LoadingInfo, type MismatchedKey, type SavePretrainedOptions,
} from './modeling_utils.js';
export {
  BertModel, BertForSequenceClassification, BertPreTrainedModel, BertEmbeddings, BertEncoder, BertLayer, BertAttention,
  BertSelfAttention, BertSelfOutput, BertIntermediate, BertOutput, BertPooler,
  type BertModelInputs, type BertForSequenceClassificationInputs, type BertEncoderOutput,
} from './modeling_bert.js';
export {
  GPT2Model, GPT2LMHeadModel, GPT2ForSequenceClassification, GPT2PreTrainedModel, GPT2Block, GPT2Attention, GPT2MLP,
  type GPT2ModelInputs, type GPT2LMHeadModelInputs, type GPT2ForSequenceClassificationInputs, type GPT2AttentionOptions, type GPT2AttentionOutput,
} from './modeling_gpt2.js';
export { Conv1D } from './conv1d.js';
export {
  get_activation, type ActivationName, GELUActivation, NewGELUActivation, GELUPythonActivation, PytorchGELUTanh, FastGELUActivation,
  QuickGELUActivation, MishActivation, LinearActivation,
} from './activations.js';
export type {
  BaseModelOutputWithPooling, BaseModelOutputWithPast, SequenceClassifierOutput, SequenceClassifierOutputWithPast, CausalLMOutput, KeyValue,
} from './modeling_outputs.js';
export {
  SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME, WEIGHTS_NAME, WEIGHTS_INDEX_NAME,
} from './checkpoint_files.js';
export * as logging from './logging.js';
