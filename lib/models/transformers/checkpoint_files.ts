// Finding and reading the weights of a Hugging Face model folder, with HF's
// file names and precedence: model.safetensors, model.safetensors.index.json,
// pytorch_model.bin, pytorch_model.bin.index.json (safetensors first unless
// use_safetensors is false). Published checkpoints also use older parameter
// names, which fix_state_dict_key renames as HF does on load.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OrderedDict } from '../../collections.js';
import { load } from '../../serialization/load.js';
import { load_file } from '../../serialization/safetensors.js';
import { load_sharded } from '../../serialization/sharded.js';
import { Tensor } from '../../tensor.js';

export const SAFE_WEIGHTS_NAME = 'model.safetensors';
export const SAFE_WEIGHTS_INDEX_NAME = 'model.safetensors.index.json';
export const WEIGHTS_NAME = 'pytorch_model.bin';
export const WEIGHTS_INDEX_NAME = 'pytorch_model.bin.index.json';

export interface WeightsFile {
  path: string;
  kind: 'safetensors' | 'bin';
  sharded: boolean;
}

/** The weights file from_pretrained reads in dir; throws HF's message when there is none. */
export function find_weights_file(dir: string, use_safetensors: boolean | null = null): WeightsFile {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new Error(`'${dir}' is not a local folder: from_pretrained reads a directory holding config.json and the weights (downloading from the Hub is not supported)`);
  }
  if (!st.isDirectory()) throw new Error(`'${dir}' is not a directory: from_pretrained expects the folder that save_pretrained writes`);
  const safe: WeightsFile[] = [
    { path: join(dir, SAFE_WEIGHTS_NAME), kind: 'safetensors', sharded: false },
    { path: join(dir, SAFE_WEIGHTS_INDEX_NAME), kind: 'safetensors', sharded: true },
  ];
  const bin: WeightsFile[] = [
    { path: join(dir, WEIGHTS_NAME), kind: 'bin', sharded: false },
    { path: join(dir, WEIGHTS_INDEX_NAME), kind: 'bin', sharded: true },
  ];
  const order = use_safetensors === false ? bin : use_safetensors === true ? safe : [...safe, ...bin];
  for (const f of order) if (existsSync(f.path)) return f;
  if (use_safetensors === true) {
    throw new Error(`Error no file named ${SAFE_WEIGHTS_NAME} or ${SAFE_WEIGHTS_INDEX_NAME} found in directory ${dir}.`);
  }
  throw new Error(
    `Error no file named ${[SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME, WEIGHTS_NAME, WEIGHTS_INDEX_NAME].join(', ')} found in directory ${dir}.`,
  );
}

/** Reads the whole state_dict of a weights file (tensors on the CPU; the caller owns them). */
export function read_state_dict(file: WeightsFile): Map<string, Tensor> {
  if (file.sharded) return load_sharded(file.path, { map_location: 'cpu' });
  if (file.kind === 'safetensors') return load_file(file.path);
  const v: unknown = load(file.path, { map_location: 'cpu' });
  if (!(v instanceof Map)) throw new Error(`${file.path}: expected a state_dict (a dict of tensors), found ${typeof v}`);
  const out = new Map<string, Tensor>();
  for (const [k, t] of v as OrderedDict<unknown, unknown>) {
    if (typeof k === 'string' && t instanceof Tensor) out.set(k, t);
  }
  return out;
}

/**
 * HF's _fix_state_dict_key_on_load: TensorFlow-era BERT checkpoints (bert-base-uncased's
 * pytorch_model.bin among them) name LayerNorm parameters gamma and beta.
 */
export function fix_state_dict_key(key: string): string {
  if (key.endsWith('LayerNorm.gamma')) return key.slice(0, -'gamma'.length) + 'weight';
  if (key.endsWith('LayerNorm.beta')) return key.slice(0, -'beta'.length) + 'bias';
  return key;
}

const SHARD = /^(model|pytorch_model)-\d{5}-of-\d{5}\.(safetensors|bin)$/;

/**
 * Removes weights that an earlier save of the same format left in dir and the new
 * save did not overwrite: stale shards, as HF's save_pretrained does, and also a
 * stale single file or index, which from_pretrained would otherwise read first.
 */
export function remove_stale_weights(dir: string, kind: 'safetensors' | 'bin', written: readonly string[]): void {
  const keep = new Set(written);
  const stem = kind === 'safetensors' ? 'model' : 'pytorch_model';
  const ext = kind === 'safetensors' ? 'safetensors' : 'bin';
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (keep.has(full)) continue;
    const m = SHARD.exec(name);
    const staleShard = m !== null && m[1] === stem && m[2] === ext;
    const staleIndex = name === `${stem}.${ext}.index.json`;
    const staleSingle = name === `${stem}.${ext}`;
    if (staleShard || staleIndex || staleSingle) rmSync(full, { force: true });
  }
}
