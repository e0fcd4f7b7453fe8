// Transfer learning: load a checkpoint into a model partially. Keys are renamed
// (prefixes stripped or mapped), entries whose shapes differ from the model's
// (a new head) are skipped, and a report says what was loaded, skipped, missing
// and unexpected.
import { Tensor } from '../tensor.js';
import { load } from './load.js';
import * as safetensors from './safetensors.js';
import { load_sharded } from './sharded.js';

/** What load_partial needs from a model: nn.Module has both methods. */
export interface PartialLoadable {
  state_dict(): Map<string, Tensor>;
  load_state_dict(state_dict: Map<string, Tensor>, options?: { strict?: boolean }): unknown;
}

export interface LoadPartialOptions {
  /** Prefixes removed from checkpoint keys, e.g. 'module.' (DataParallel) or 'model.'. */
  strip_prefix?: string | string[];
  /** Checkpoint key prefix -> model key prefix, e.g. {'backbone.': 'features.'}; the longest match wins. */
  prefix_map?: Record<string, string> | Map<string, string>;
  /** Skip entries whose shape differs from the model's (default true); false throws as load_state_dict would. */
  skip_mismatched_shapes?: boolean;
  /** Checkpoint keys (after renaming) not to load: exact names or patterns. */
  exclude?: (string | RegExp)[];
  /**
   * The checkpoint entry that holds the state_dict, for training checkpoints
   * ({'model': ..., 'optimizer': ...}). By default: the checkpoint itself when it
   * holds tensors only, else its 'state_dict', 'model_state_dict', 'model' or 'module' entry.
   */
  key?: string;
}

export interface SkippedEntry {
  key: string;
  reason: 'shape mismatch' | 'excluded' | 'not a tensor';
  checkpoint_shape?: number[];
  model_shape?: number[];
}

export interface LoadPartialReport {
  /** Model keys filled from the checkpoint. */
  loaded: string[];
  /** Checkpoint entries the model has but that were not loaded, and why. */
  skipped: SkippedEntry[];
  /** Model keys the checkpoint did not fill (they keep their current values). */
  missing: string[];
  /** Checkpoint keys (after renaming) that the model does not have. */
  unexpected: string[];
}

type Dict = Map<unknown, unknown> | Record<string, unknown>;

function entriesOf(d: Dict): [unknown, unknown][] {
  return d instanceof Map ? [...d.entries()] : Object.entries(d);
}

function isDict(v: unknown): v is Dict {
  return v instanceof Map || (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor) && Object.getPrototypeOf(v) === Object.prototype);
}

function pickStateDict(ck: Dict, key: string | undefined): Dict {
  const get = (k: string): unknown => (ck instanceof Map ? ck.get(k) : (ck as Record<string, unknown>)[k]);
  if (key !== undefined) {
    const v = get(key);
    if (!isDict(v)) throw new Error(`load_partial: the checkpoint has no dict under '${key}'`);
    return v;
  }
  const entries = entriesOf(ck);
  if (entries.length > 0 && entries.every(([, v]) => v instanceof Tensor)) return ck;
  for (const k of ['state_dict', 'model_state_dict', 'model', 'module', 'net']) {
    const v = get(k);
    if (isDict(v)) return v;
  }
  return ck;
}

function rename(key: string, strip: string[], map: [string, string][]): string {
  let k = key;
  for (const p of strip) if (p && k.startsWith(p)) k = k.slice(p.length);
  for (const [from, to] of map) {
    if (k.startsWith(from)) {
      k = to + k.slice(from.length);
      break;
    }
  }
  return k;
}

const sameShape = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const sizeStr = (s: number[]): string => `torch.Size([${s.join(', ')}])`;

/**
 * load_partial(model, checkpoint, options): loads what fits of a checkpoint (a path,
 * a state_dict, or a training checkpoint holding one) into model and reports the rest.
 * Tensors it loaded from a path itself are freed once copied into the model.
 */
export function load_partial(model: PartialLoadable, checkpoint: string | Dict, options: LoadPartialOptions = {}): LoadPartialReport {
  let owned: Dict | undefined;
  if (typeof checkpoint === 'string') {
    owned = checkpoint.endsWith('.safetensors')
      ? safetensors.load_file(checkpoint)
      : checkpoint.endsWith('.index.json')
        ? load_sharded(checkpoint)
        : (load(checkpoint) as Dict);
    if (!isDict(owned)) throw new Error(`load_partial: ${checkpoint} does not hold a dict`);
  }
  try {
    return loadInto(model, owned ?? (checkpoint as Dict), options);
  } finally {
    if (owned) disposeAll(owned);
  }
}

function disposeAll(v: unknown, seen = new Set<unknown>()): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  if (v instanceof Tensor) v.dispose();
  else if (v instanceof Map) for (const x of v.values()) disposeAll(x, seen);
  else if (Array.isArray(v)) for (const x of v) disposeAll(x, seen);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) disposeAll(x, seen);
}

function loadInto(model: PartialLoadable, checkpoint: Dict, options: LoadPartialOptions): LoadPartialReport {
  const sd = pickStateDict(checkpoint, options.key);
  const strip = options.strip_prefix === undefined ? [] : Array.isArray(options.strip_prefix) ? options.strip_prefix : [options.strip_prefix];
  const map = (options.prefix_map instanceof Map ? [...options.prefix_map] : Object.entries(options.prefix_map ?? {})).sort((a, b) => b[0].length - a[0].length);
  const skipMismatch = options.skip_mismatched_shapes ?? true;
  const exclude = options.exclude ?? [];
  const excluded = (k: string): boolean => exclude.some((e) => (typeof e === 'string' ? e === k : e.test(k)));

  const modelSd = model.state_dict();
  const modelShapes = new Map<string, number[]>();
  for (const [k, t] of modelSd) modelShapes.set(k, t.shape);

  const report: LoadPartialReport = { loaded: [], skipped: [], missing: [], unexpected: [] };
  const filtered = new Map<string, Tensor>();
  const renamedFrom = new Map<string, string>();
  for (const [rawKey, value] of entriesOf(sd)) {
    if (typeof rawKey !== 'string') continue;
    const key = rename(rawKey, strip, map);
    const prev = renamedFrom.get(key);
    if (prev !== undefined) throw new Error(`load_partial: checkpoint keys '${prev}' and '${rawKey}' both become '${key}' after renaming`);
    renamedFrom.set(key, rawKey);
    const want = modelShapes.get(key);
    if (want === undefined) {
      report.unexpected.push(key);
      continue;
    }
    if (!(value instanceof Tensor)) {
      report.skipped.push({ key, reason: 'not a tensor', model_shape: want });
      continue;
    }
    if (excluded(key)) {
      report.skipped.push({ key, reason: 'excluded', checkpoint_shape: value.shape, model_shape: want });
      continue;
    }
    const have = value.shape;
    if (!sameShape(have, want)) {
      if (!skipMismatch) {
        throw new Error(`size mismatch for ${key}: copying a param with shape ${sizeStr(have)} from checkpoint, the shape in current model is ${sizeStr(want)}.`);
      }
      report.skipped.push({ key, reason: 'shape mismatch', checkpoint_shape: have, model_shape: want });
      continue;
    }
    filtered.set(key, value);
  }
  model.load_state_dict(filtered, { strict: false });
  for (const k of modelShapes.keys()) {
    if (filtered.has(k)) report.loaded.push(k);
    else report.missing.push(k);
  }
  return report;
}
