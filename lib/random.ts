// torch.manual_seed, torch.Generator: the same generators libtorch uses, so
// seeded draws equal Python's on the same libtorch.
import type { DeviceLike } from './device.js';
import { GENERATOR, native } from './native.js';
import { wrap } from './bridge.js';
import type { Tensor } from './tensor.js';

const generatorFinalizer = new FinalizationRegistry<number>((index) => native.generatorRelease(index));

export class Generator {
  /** @internal index in the addon's generator table */
  readonly [GENERATOR]: number;

  /** torch.Generator(device='cpu') */
  constructor(device: DeviceLike = 'cpu') {
    this[GENERATOR] = native.generatorNew(typeof device === 'string' ? device : String(device));
    generatorFinalizer.register(this, this[GENERATOR]);
  }

  /** @internal wraps libtorch's global CPU generator */
  static defaultGenerator(): Generator {
    const g = Object.create(Generator.prototype) as { [GENERATOR]: number };
    g[GENERATOR] = native.generatorNew('default');
    return g as unknown as Generator;
  }

  manual_seed(seed: number | bigint): this {
    native.generatorManualSeed(this[GENERATOR], seed);
    return this;
  }
  initial_seed(): number | bigint {
    return native.generatorInitialSeed(this[GENERATOR]);
  }
  /** Seeds from a non-deterministic source and returns the seed, as Python's Generator.seed(). */
  seed(): number | bigint {
    const s = randomSeed();
    native.generatorManualSeed(this[GENERATOR], s);
    return s;
  }
  get device(): string {
    return native.generatorDevice(this[GENERATOR]);
  }
  get_state(): Tensor {
    return wrap(native.generatorGetState(this[GENERATOR]));
  }
  set_state(new_state: Tensor): this {
    native.generatorSetState(this[GENERATOR], new_state);
    return this;
  }
}

function randomSeed(): bigint {
  const words = new BigUint64Array(1);
  globalThis.crypto.getRandomValues(words);
  return words[0]! & ((1n << 63n) - 1n);
}

/** libtorch's global CPU generator, as torch.default_generator. */
export const default_generator: Generator = Generator.defaultGenerator();

/** Seeds the CPU generator and every CUDA device's; returns default_generator, as Python does. */
export function manual_seed(seed: number | bigint): Generator {
  native.manualSeed(seed);
  return default_generator;
}

export function initial_seed(): number | bigint {
  return native.initialSeed();
}

/** Seeds with a non-deterministic number and returns it. */
export function seed(): number | bigint {
  const s = randomSeed();
  native.manualSeed(s);
  return s;
}

export function get_rng_state(): Tensor {
  return default_generator.get_state();
}
export function set_rng_state(new_state: Tensor): void {
  default_generator.set_state(new_state);
}
