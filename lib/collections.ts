// Python's collections.OrderedDict as TS sees it: a Map (insertion order and
// key types kept: integer keys stay numbers) plus the `_metadata` attribute
// that nn.Module.state_dict() attaches and torch.save/torch.load carry.
export type StateDictMetadata = Map<string, Record<string, unknown>>;

export class OrderedDict<K = string, V = unknown> extends Map<K, V> {
  /** Per-module-prefix metadata ({'': {version: 1}, 'layer1': {version: 1}}), as PyTorch's state_dict()._metadata. */
  declare _metadata?: StateDictMetadata;

  constructor(entries?: Iterable<readonly [K, V]> | null) {
    super(entries ?? undefined);
  }

  /** The keys as an array (Python: list(d.keys())). */
  keysArray(): K[] {
    return [...this.keys()];
  }
}

/** A dict loaded from Python or built by hand: Map or plain object, both accepted where PyTorch takes a dict. */
export type DictLike<V> = Map<string, V> | Record<string, V>;

export function dictEntries<V>(d: DictLike<V>): [string, V][] {
  return d instanceof Map ? [...d.entries()] : Object.entries(d);
}
