// transformers.PreTrainedModel: what BERT and GPT-2 share. A model is built from
// a config, initialised as HF initialises it (post_init: _init_weights on every
// submodule, then tie_weights), and moves to and from a Hugging Face folder with
// from_pretrained(dir) / save_pretrained(dir): config.json plus model.safetensors,
// pytorch_model.bin or their sharded forms, under HF's parameter names.
import { mkdirSync } from 'node:fs';
import { no_grad } from '../../autograd/grad_mode.js';
import type { dtype } from '../../dtype.js';
import * as init from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import { Embedding } from '../../nn/modules/sparse.js';
import { Linear } from '../../nn/modules/linear.js';
import { torchSize } from '../../nn/_utils.js';
import { save_sharded } from '../../serialization/sharded.js';
import { Tensor } from '../../tensor.js';
import { find_weights_file, fix_state_dict_key, read_state_dict, remove_stale_weights } from './checkpoint_files.js';
import { type ConfigClass, PretrainedConfig, type PretrainedConfigInit } from './configuration_utils.js';
import * as logging from './logging.js';

/** The init object type of a config class (BertConfigInit for BertConfig). */
export type InitOf<C> = C extends { readonly __init?: infer I } ? NonNullable<I> : PretrainedConfigInit;
export type ConfigOf<M> = M extends PreTrainedModel<infer C> ? C : never;

export interface FromPretrainedOptions<C extends PretrainedConfig = PretrainedConfig> {
  /** Use this config instead of the folder's config.json. */
  config?: C;
  /** Leave weights whose shapes differ from the checkpoint's newly initialised instead of failing (a new head). */
  ignore_mismatched_sizes?: boolean;
  /** The dtype to load in: float32 by default, 'auto' for config.torch_dtype. */
  torch_dtype?: dtype | 'auto';
  /** true: only safetensors files; false: only pytorch_model.bin files; default: safetensors first. */
  use_safetensors?: boolean | null;
  /** Also return what was missing, unexpected or mismatched. */
  output_loading_info?: boolean;
}

/** from_pretrained's options plus config fields to override, as HF takes them (num_labels: 3). */
export type FromPretrainedArgs<C extends PretrainedConfig> = FromPretrainedOptions<C> & Partial<InitOf<C>>;

export interface MismatchedKey {
  key: string;
  checkpoint_shape: number[];
  model_shape: number[];
}

export interface LoadingInfo {
  missing_keys: string[];
  unexpected_keys: string[];
  mismatched_keys: MismatchedKey[];
  error_msgs: string[];
}

export interface SavePretrainedOptions {
  /** safetensors (default, as HF) or torch.save files. */
  safe_serialization?: boolean;
  /** Largest shard, in bytes or as '5GB' / '500MB' (default '5GB'). */
  max_shard_size?: number | string;
}

/** A PreTrainedModel subclass as its static methods see it. */
export interface PreTrainedModelClass<M extends PreTrainedModel> {
  new (config: ConfigOf<M>): M;
  readonly name: string;
  readonly config_class: ConfigClass<ConfigOf<M>>;
  readonly base_model_prefix: string;
  readonly _tied_weights_keys: readonly string[];
  readonly _keys_to_ignore_on_load_missing: readonly RegExp[];
  readonly _keys_to_ignore_on_load_unexpected: readonly RegExp[];
}

const LOAD_OPTION_KEYS = new Set(['config', 'ignore_mismatched_sizes', 'torch_dtype', 'use_safetensors', 'output_loading_info']);

export abstract class PreTrainedModel<C extends PretrainedConfig = PretrainedConfig> extends Module {
  static readonly config_class: ConfigClass<PretrainedConfig> = PretrainedConfig;
  /** The attribute holding the bare model in models with a head ('bert', 'transformer'). */
  static readonly base_model_prefix: string = '';
  /** Keys that are tied to another weight (lm_head.weight to the word embeddings). */
  static readonly _tied_weights_keys: readonly string[] = [];
  static readonly _keys_to_ignore_on_load_missing: readonly RegExp[] = [];
  static readonly _keys_to_ignore_on_load_unexpected: readonly RegExp[] = [];

  declare config: C;

  constructor(config: C) {
    super();
    const cls = (this.constructor as unknown as PreTrainedModelClass<PreTrainedModel>).config_class;
    if (!(config instanceof PretrainedConfig)) {
      throw new TypeError(
        `Parameter config in \`${this.constructor.name}(config)\` should be an instance of class \`PretrainedConfig\`. ` +
          `To create a model from a pretrained model use \`model = ${this.constructor.name}.from_pretrained(PRETRAINED_MODEL_NAME)\``,
      );
    }
    if (!(config instanceof cls)) throw new TypeError(`${this.constructor.name} needs a ${cls.name}, got a ${(config as object).constructor.name}`);
    this.config = config;
  }

  /** Initialises one module's weights (called on every submodule, children first). */
  protected abstract _init_weights(module: Module): void;

  /** HF's post_init(): initialise every weight, then tie the output embeddings to the input ones. */
  protected post_init(): void {
    this.init_weights();
  }

  init_weights(): void {
    no_grad(() => this.apply((m) => this._init_weights(m)));
    this.tie_weights();
  }

  /** The model under base_model_prefix (the bare BertModel inside BertForSequenceClassification), or this model. */
  get base_model(): Module {
    const prefix = (this.constructor as unknown as PreTrainedModelClass<PreTrainedModel>).base_model_prefix;
    const m = this._modules.get(prefix);
    return m ?? this;
  }

  get_input_embeddings(): Embedding | null {
    const base = this.base_model;
    return base !== this && base instanceof PreTrainedModel ? base.get_input_embeddings() : null;
  }

  get_output_embeddings(): Linear | null {
    return null;
  }

  /** With config.tie_word_embeddings, the output embeddings share the input embeddings' Parameter (one tensor, two keys). */
  tie_weights(): void {
    if (!this.config.tie_word_embeddings) return;
    const out = this.get_output_embeddings();
    const inp = this.get_input_embeddings();
    if (out === null || inp === null) return;
    const old = out.weight;
    if (old === inp.weight) return;
    out.weight = inp.weight;
    old.dispose();
  }

  /** The dtype of the model's parameters. */
  get dtype(): dtype {
    const p = this.parameters()[0];
    return p ? p.dtype : 'float32';
  }

  num_parameters(options: { only_trainable?: boolean } = {}): number {
    return this.parameters()
      .filter((p) => !options.only_trainable || p.requires_grad)
      .reduce((n, p) => n + p.numel(), 0);
  }

  /**
   * HF's get_head_mask: head_mask of shape (num_heads) or (num_hidden_layers, num_heads),
   * 1 keeping a head and 0 silencing it, as one (1, num_heads, 1, 1)-broadcastable tensor per layer.
   */
  protected get_head_mask(head_mask: Tensor | null | undefined, num_hidden_layers: number): (Tensor | null)[] {
    if (head_mask === null || head_mask === undefined) return new Array<Tensor | null>(num_hidden_layers).fill(null);
    let m: Tensor;
    if (head_mask.dim() === 1) {
      m = head_mask.view(1, 1, -1, 1, 1).expand(num_hidden_layers, -1, -1, -1, -1);
    } else if (head_mask.dim() === 2) {
      m = head_mask.view(head_mask.size(0), 1, -1, 1, 1);
    } else {
      throw new Error(`head_mask.dim != 5, instead ${head_mask.dim()}: expected a head_mask of shape (num_heads) or (num_hidden_layers, num_heads)`);
    }
    if (m.size(0) !== num_hidden_layers) {
      throw new Error(`head_mask has ${m.size(0)} rows, expected one per layer (${num_hidden_layers})`);
    }
    const asDtype = m.to(this.dtype);
    return Array.from({ length: num_hidden_layers }, (_, i) => asDtype.select(0, i));
  }

  // ---- from_pretrained ---------------------------------------------------------------------

  /**
   * Builds the model from a folder Hugging Face's save_pretrained wrote (or one downloaded
   * from the Hub): config.json and the weights. Weights under the other layout (a bare
   * model's keys loaded into a model with a head, or the reverse) are matched through
   * base_model_prefix; old gamma/beta names are renamed; the tied lm_head.weight may be
   * absent. Weights missing from the checkpoint keep their fresh initialisation and are
   * reported, as are unused ones. The model is returned in eval mode, as in HF.
   */
  static from_pretrained<M extends PreTrainedModel>(this: PreTrainedModelClass<M>, dir: string, options: FromPretrainedArgs<ConfigOf<M>> & { output_loading_info: true }): [M, LoadingInfo];
  static from_pretrained<M extends PreTrainedModel>(this: PreTrainedModelClass<M>, dir: string, options?: FromPretrainedArgs<ConfigOf<M>>): M;
  static from_pretrained<M extends PreTrainedModel>(this: PreTrainedModelClass<M>, dir: string, options: FromPretrainedArgs<ConfigOf<M>> = {}): M | [M, LoadingInfo] {
    const overrides: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options)) if (!LOAD_OPTION_KEYS.has(k)) overrides[k] = v;
    let config: ConfigOf<M>;
    if (options.config !== undefined) {
      config = options.config as ConfigOf<M>;
      Object.assign(config, overrides);
    } else {
      config = (this.config_class as unknown as typeof PretrainedConfig).from_pretrained.call(this.config_class, dir, overrides) as ConfigOf<M>;
    }
    const file = find_weights_file(dir, options.use_safetensors ?? null);
    const model = new this(config);
    let info: LoadingInfo;
    try {
      const stateDict = read_state_dict(file);
      try {
        info = loadPretrainedStateDict(model, stateDict, this, options.ignore_mismatched_sizes ?? false);
      } finally {
        for (const t of stateDict.values()) t.dispose();
      }
    } catch (e) {
      model.dispose();
      throw e;
    }
    reportLoading(this.name, dir, info);
    const want = options.torch_dtype === 'auto' ? ((config.torch_dtype as dtype | null) ?? 'float32') : (options.torch_dtype ?? 'float32');
    if (want !== model.dtype) model.to(want);
    model.eval();
    return options.output_loading_info ? [model, info] : model;
  }

  /**
   * Writes config.json and the weights under HF's names: model.safetensors (default) or
   * pytorch_model.bin, sharded with an index above max_shard_size. In safetensors files a
   * tied weight is written once (under the input embeddings' name), as HF does.
   */
  save_pretrained(dir: string, options: SavePretrainedOptions = {}): void {
    const safe = options.safe_serialization ?? true;
    mkdirSync(dir, { recursive: true });
    this.config.architectures = [this.constructor.name];
    this.config.torch_dtype = this.dtype;
    this.config.save_pretrained(dir);
    const live = this.state_dict({ keep_vars: true });
    const tied = (this.constructor as unknown as PreTrainedModelClass<PreTrainedModel>)._tied_weights_keys;
    const toSave = new Map<string, Tensor>();
    const made: Tensor[] = [];
    for (const [k, t] of live) {
      if (safe && tied.includes(k) && [...live].some(([k2, t2]) => k2 !== k && t2 === t)) continue;
      const d = t.detach();
      made.push(d);
      toSave.set(k, d);
    }
    try {
      const { files, index } = save_sharded(toSave, dir, { max_shard_size: options.max_shard_size ?? '5GB', safe_serialization: safe, metadata: { format: 'pt' } });
      remove_stale_weights(dir, safe ? 'safetensors' : 'bin', index === null ? files : [...files, index]);
    } finally {
      for (const t of made) t.dispose();
    }
  }
}

/** Copies a checkpoint's tensors into the model, HF's way (see from_pretrained). */
function loadPretrainedStateDict(
  model: PreTrainedModel,
  loaded: Map<string, Tensor>,
  cls: PreTrainedModelClass<PreTrainedModel>,
  ignoreMismatched: boolean,
): LoadingInfo {
  const expected = model.state_dict({ keep_vars: true });
  const prefix = cls.base_model_prefix ? cls.base_model_prefix + '.' : '';
  const renamed = new Map<string, Tensor>();
  for (const [k, t] of loaded) renamed.set(fix_state_dict_key(k), t);

  // A bare model's checkpoint into a model with a head: add the prefix to its keys.
  // A checkpoint with a head into the bare model: strip the prefix (the head's keys stay unexpected).
  const expectedKeys = [...expected.keys()];
  const loadedKeys = [...renamed.keys()];
  const expectsPrefix = prefix !== '' && expectedKeys.some((k) => k.startsWith(prefix));
  const hasPrefix = prefix !== '' && loadedKeys.some((k) => k.startsWith(prefix));
  const source = new Map<string, Tensor>();
  for (const [k, t] of renamed) {
    if (expectsPrefix && !hasPrefix) source.set(prefix + k, t);
    else if (!expectsPrefix && hasPrefix && k.startsWith(prefix)) source.set(k.slice(prefix.length), t);
    else source.set(k, t);
  }

  const missing: string[] = [];
  const mismatched: MismatchedKey[] = [];
  const errors: string[] = [];
  const loadedParams = new Set<Tensor>();
  for (const [key, param] of expected) {
    const value = source.get(key);
    if (value === undefined) {
      missing.push(key);
      continue;
    }
    const a = value.shape;
    const b = param.shape;
    if (a.length !== b.length || a.some((s, i) => s !== b[i])) {
      if (ignoreMismatched) mismatched.push({ key, checkpoint_shape: a, model_shape: b });
      else errors.push(`size mismatch for ${key}: copying a param with shape ${torchSize(a)} from checkpoint, the shape in current model is ${torchSize(b)}.`);
      continue;
    }
    no_grad(() => param.copy_(value));
    loadedParams.add(param);
  }
  if (errors.length > 0) {
    errors.push('You may consider adding `ignore_mismatched_sizes: true` to the options of `from_pretrained`.');
    throw new Error(`Error(s) in loading state_dict for ${cls.name}:\n\t${errors.join('\n\t')}`);
  }
  const buffers = new Set(model.named_buffers().map(([n]) => n));
  const unexpected = [...source.keys()].filter(
    (k) => !expected.has(k) && !buffers.has(k) && !cls._keys_to_ignore_on_load_unexpected.some((re) => re.test(k)),
  );
  // A tied weight is loaded when the weight it shares is.
  const stillMissing = missing.filter(
    (k) => !(cls._tied_weights_keys.includes(k) && loadedParams.has(expected.get(k)!)) && !cls._keys_to_ignore_on_load_missing.some((re) => re.test(k)),
  );
  return { missing_keys: stillMissing, unexpected_keys: unexpected, mismatched_keys: mismatched, error_msgs: [] };
}

function reportLoading(name: string, dir: string, info: LoadingInfo): void {
  if (info.unexpected_keys.length > 0) {
    logging.warning(
      `Some weights of the model checkpoint at ${dir} were not used when initializing ${name}: [${info.unexpected_keys.map((k) => `'${k}'`).join(', ')}]\n` +
        `- This IS expected if you are initializing ${name} from the checkpoint of a model trained on another task or with another architecture.`,
    );
  }
  if (info.missing_keys.length > 0) {
    logging.warning(
      `Some weights of ${name} were not initialized from the model checkpoint at ${dir} and are newly initialized: [${info.missing_keys.map((k) => `'${k}'`).join(', ')}]\n` +
        'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.',
    );
  }
  if (info.mismatched_keys.length > 0) {
    const lines = info.mismatched_keys.map((m) => `- ${m.key}: found shape ${torchSize(m.checkpoint_shape)} in the checkpoint and ${torchSize(m.model_shape)} in the model instantiated`);
    logging.warning(
      `Some weights of ${name} were not initialized from the model checkpoint at ${dir} and are newly initialized because the shapes did not match:\n${lines.join('\n')}\n` +
        'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.',
    );
  }
}

/** HF's _init_weights for the layers both families use: N(0, std) weights, zero biases, LayerNorm at 1 and 0. */
export function init_standard_weights(module: Module, std: number): boolean {
  if (module instanceof Linear) {
    init.normal_(module.weight, 0.0, std);
    if (module.bias !== null) init.zeros_(module.bias);
    return true;
  }
  if (module instanceof Embedding) {
    init.normal_(module.weight, 0.0, std);
    if (module.padding_idx !== null) {
      const row = module.weight.select(0, module.padding_idx);
      init.zeros_(row);
      row.dispose();
    }
    return true;
  }
  return false;
}

