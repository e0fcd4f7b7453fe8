// The flag transformers puts on the modules that run their layers through
// torch.utils.checkpoint (GPT2Model: `gradient_checkpointing` and
// `_gradient_checkpointing_func`), and PreTrainedModel._set_gradient_checkpointing's
// walk over the model that sets it.
import type { Module } from '../../nn/module.js';
import { type CheckpointOptions, checkpoint } from '../../utils/checkpoint.js';

/** checkpoint() with the options of gradient_checkpointing_enable() bound (Python's functools.partial). */
export type GradientCheckpointingFunc = <A extends unknown[], R>(fn: (...args: A) => R, ...args: A) => R;

/** A module whose forward checkpoints its layers while `gradient_checkpointing` is set and it is training. */
export interface GradientCheckpointingModule extends Module {
  gradient_checkpointing: boolean;
  _gradient_checkpointing_func: GradientCheckpointingFunc | null;
}

export function isGradientCheckpointingModule(m: Module): m is GradientCheckpointingModule {
  return typeof (m as unknown as { gradient_checkpointing?: unknown }).gradient_checkpointing === 'boolean';
}

/** functools.partial(checkpoint, **kwargs). */
export function bindCheckpoint(kwargs: CheckpointOptions): GradientCheckpointingFunc {
  const bound = Object.keys(kwargs).length > 0;
  return <A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R =>
    bound ? checkpoint(fn, ...([...args, kwargs] as [...A, CheckpointOptions])) : checkpoint(fn, ...args);
}

/**
 * Sets the flag (and the checkpoint function) on every module of `model` that has one.
 * As transformers, a model none of whose modules has the flag is an error.
 */
export function setGradientCheckpointing(model: Module, enable: boolean, func: GradientCheckpointingFunc | null): void {
  let found = false;
  for (const m of model.modules()) {
    if (!isGradientCheckpointingModule(m)) continue;
    m._gradient_checkpointing_func = func;
    m.gradient_checkpointing = enable;
    found = true;
  }
  if (!found) {
    throw new Error(
      `${model.constructor.name} is not compatible with gradient checkpointing. Make sure all the architecture support it by setting a boolean attribute \`gradient_checkpointing\` to modules of the model that uses checkpointing.`,
    );
  }
}
