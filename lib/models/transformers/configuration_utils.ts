// transformers.PretrainedConfig: the settings of a model, read from and written
// to the config.json that sits beside Hugging Face checkpoints. Fields keep HF's
// names and defaults. Keys this library does not know (n_ctx, task_specific_params,
// transformers_version, ...) are kept in `extra` and written back unchanged.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONFIG_NAME = 'config.json';

export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';
/** A JSON value, as config.json may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The fields every config has (transformers.PretrainedConfig.__init__'s keyword arguments this library uses). */
export interface PretrainedConfigInit {
  return_dict?: boolean;
  output_hidden_states?: boolean;
  output_attentions?: boolean;
  torch_dtype?: string | null;
  tie_word_embeddings?: boolean;
  is_decoder?: boolean;
  add_cross_attention?: boolean;
  chunk_size_feed_forward?: number;
  architectures?: string[] | null;
  finetuning_task?: string | null;
  /** Label names by class index; its size sets num_labels. JSON keys are strings ("0"), read as numbers. */
  id2label?: Record<number, string> | null;
  label2id?: Record<string, number> | null;
  num_labels?: number;
  problem_type?: ProblemType | null;
  pad_token_id?: number | null;
  bos_token_id?: number | null;
  eos_token_id?: number | null;
}

/** A config class as from_dict / from_pretrained see it. */
export interface ConfigClass<C extends PretrainedConfig> {
  new (init?: any): C;
  readonly model_type: string;
  readonly attribute_map: Readonly<Record<string, string>>;
}

function defaultLabels(n: number): Record<number, string> {
  const out: Record<number, string> = {};
  for (let i = 0; i < n; i++) out[i] = `LABEL_${i}`;
  return out;
}

export class PretrainedConfig {
  /** The "model_type" key of config.json ("bert", "gpt2"); empty for the base class. */
  static readonly model_type: string = '';
  /** Other names config.json may use for a field (GPT-2: hidden_size is n_embd). */
  static readonly attribute_map: Readonly<Record<string, string>> = {};

  return_dict: boolean;
  output_hidden_states: boolean;
  output_attentions: boolean;
  torch_dtype: string | null;
  tie_word_embeddings: boolean;
  is_decoder: boolean;
  add_cross_attention: boolean;
  chunk_size_feed_forward: number;
  architectures: string[] | null;
  finetuning_task: string | null;
  id2label: Record<number, string>;
  label2id: Record<string, number>;
  problem_type: ProblemType | null;
  pad_token_id: number | null;
  bos_token_id: number | null;
  eos_token_id: number | null;
  /** Keys of config.json this library has no field for, kept to be written back. */
  extra: Record<string, JsonValue>;

  constructor(init: PretrainedConfigInit = {}) {
    this.return_dict = init.return_dict ?? true;
    this.output_hidden_states = init.output_hidden_states ?? false;
    this.output_attentions = init.output_attentions ?? false;
    this.torch_dtype = init.torch_dtype ?? null;
    this.tie_word_embeddings = init.tie_word_embeddings ?? true;
    this.is_decoder = init.is_decoder ?? false;
    this.add_cross_attention = init.add_cross_attention ?? false;
    this.chunk_size_feed_forward = init.chunk_size_feed_forward ?? 0;
    this.architectures = init.architectures ?? null;
    this.finetuning_task = init.finetuning_task ?? null;
    this.id2label = {};
    this.label2id = {};
    if (init.id2label) {
      for (const [k, v] of Object.entries(init.id2label)) this.id2label[Number(k)] = v;
      this.label2id = init.label2id ? { ...init.label2id } : Object.fromEntries(Object.entries(this.id2label).map(([k, v]) => [v, Number(k)]));
    }
    if (init.num_labels !== undefined && init.id2label && Object.keys(init.id2label).length !== init.num_labels) {
      throw new Error(
        `You passed along \`num_labels=${init.num_labels}\` with an incompatible id to label map: ${JSON.stringify(init.id2label)}. ` +
          `Since those arguments are inconsistent with each other, you should remove one of them.`,
      );
    }
    if (!init.id2label) this.num_labels = init.num_labels ?? 2;
    this.problem_type = init.problem_type ?? null;
    if (this.problem_type !== null && !['regression', 'single_label_classification', 'multi_label_classification'].includes(this.problem_type)) {
      throw new Error(
        `The config parameter \`problem_type\` was not understood: received ${this.problem_type} but only 'regression', ` +
          `'single_label_classification' and 'multi_label_classification' are valid.`,
      );
    }
    this.pad_token_id = init.pad_token_id ?? null;
    this.bos_token_id = init.bos_token_id ?? null;
    this.eos_token_id = init.eos_token_id ?? null;
    this.extra = {};
  }

  get model_type(): string {
    return (this.constructor as typeof PretrainedConfig).model_type;
  }

  /** The number of labels of a classification head: the size of id2label. */
  get num_labels(): number {
    return Object.keys(this.id2label).length;
  }
  set num_labels(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`num_labels must be a positive integer, got ${n}`);
    if (Object.keys(this.id2label).length !== n) {
      this.id2label = defaultLabels(n);
      this.label2id = Object.fromEntries(Object.entries(this.id2label).map(([k, v]) => [v, Number(k)]));
    }
  }

  /** Python's config.use_return_dict. */
  get use_return_dict(): boolean {
    return this.return_dict;
  }

  /**
   * Builds a config from config.json's object. Unknown keys go to `extra`;
   * a model_type that names another family is reported (as HF warns).
   */
  static from_dict<C extends PretrainedConfig>(this: ConfigClass<C>, dict: Record<string, JsonValue>, overrides: Record<string, unknown> = {}): C {
    if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) {
      throw new TypeError(`a config must be a JSON object, got ${Array.isArray(dict) ? 'an array' : typeof dict}`);
    }
    const merged: Record<string, unknown> = { ...dict, ...overrides };
    const known = new Set([...Object.keys(new this({})), 'num_labels']);
    const init: Record<string, unknown> = {};
    const extra: Record<string, JsonValue> = {};
    for (const [name, v] of Object.entries(merged)) {
      if (name === 'model_type' || name === 'extra') continue;
      const k = this.attribute_map[name] ?? name;
      if (known.has(k)) init[k] = v;
      else extra[k] = v as JsonValue;
    }
    // num_labels given as an override wins over the file's id2label (HF: from_pretrained(..., num_labels=3)).
    if ('num_labels' in overrides && !('id2label' in overrides)) {
      delete init.id2label;
      delete init.label2id;
    }
    const mt = dict.model_type;
    if (typeof mt === 'string' && this.model_type !== '' && mt !== this.model_type) {
      process.emitWarning(
        `You are using a model of type ${mt} to instantiate a model of type ${this.model_type}. This is not supported for all configurations of models and can yield errors.`,
      );
    }
    const cfg = new this(init);
    cfg.extra = extra;
    return cfg;
  }

  /** Reads a config.json file. */
  static from_json_file<C extends PretrainedConfig>(this: ConfigClass<C>, path: string): C {
    let dict: unknown;
    try {
      dict = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`It looks like the config file at '${path}' is not a valid JSON file: ${(e as Error).message}`);
    }
    return (this as unknown as typeof PretrainedConfig).from_dict.call(this, dict as Record<string, JsonValue>) as C;
  }

  /** Reads `dir/config.json` (a path to a JSON file also works). */
  static from_pretrained<C extends PretrainedConfig>(this: ConfigClass<C>, dir: string, overrides: Record<string, unknown> = {}): C {
    let path = dir;
    let st;
    try {
      st = statSync(dir);
    } catch {
      throw new Error(`Can't load the configuration of '${dir}': no such file or directory`);
    }
    if (st.isDirectory()) path = join(dir, CONFIG_NAME);
    let dict: unknown;
    try {
      dict = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      throw new Error(
        missing
          ? `${dir} does not appear to have a file named ${CONFIG_NAME}.`
          : `It looks like the config file at '${path}' is not a valid JSON file: ${(e as Error).message}`,
      );
    }
    return (this as unknown as typeof PretrainedConfig).from_dict.call(this, dict as Record<string, JsonValue>, overrides) as C;
  }

  /**
   * config.json's object, as HF's to_diff_dict writes it: the family's own fields
   * always, the common fields only where they differ from PretrainedConfig's
   * defaults, `extra` as loaded, and model_type.
   */
  to_dict(): Record<string, JsonValue> {
    const base = new PretrainedConfig() as unknown as Record<string, unknown>;
    const self = this as unknown as Record<string, unknown>;
    const out: Record<string, JsonValue> = {};
    for (const k of Object.keys(self)) {
      if (k === 'extra') continue;
      const v = self[k];
      if (k in base && JSON.stringify(v) === JSON.stringify(base[k])) continue;
      if (k === 'label2id' && !('id2label' in out)) continue;
      out[k] = v as JsonValue;
    }
    Object.assign(out, this.extra);
    if (this.model_type) out.model_type = this.model_type;
    const sorted: Record<string, JsonValue> = {};
    for (const k of Object.keys(out).sort()) sorted[k] = out[k]!;
    return sorted;
  }

  to_json_string(): string {
    return JSON.stringify(this.to_dict(), null, 2) + '\n';
  }

  /** Writes `dir/config.json` (the folder is created if needed). */
  save_pretrained(dir: string): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, CONFIG_NAME), this.to_json_string());
  }
}
