// torch.utils.checkpoint.checkpoint: trade compute for memory. The function
// runs under no_grad in forward, so none of its activations are kept; only its
// inputs are saved. In backward it runs again with grad enabled (from the same
// RNG state, so dropout draws the same mask) and its own graph is
// backpropagated right there: PyTorch's reentrant algorithm, built on a custom
// autograd.Function whose backward runs the autograd engine again.
import { Function, type FunctionCtx, _is_checkpoint_valid } from '../autograd/function.js';
import { enable_grad } from '../autograd/grad_mode.js';
import { backward as autogradBackward } from '../autograd/index.js';
import { tensor } from '../factories.js';
import { scope } from '../memory.js';
import type { Module } from '../nn/module.js';
import { get_rng_state, set_rng_state } from '../random.js';
import { Tensor } from '../tensor.js';

export interface CheckpointOptions {
  /**
   * true (the default, as in PyTorch 1.13): the reentrant algorithm. false, PyTorch's
   * saved-tensor-hooks variant, is not available in torch-node yet and raises an Error.
   */
  use_reentrant?: boolean;
  /** Restore the CPU RNG state before recomputing, so random ops (dropout) repeat their draws. Default true. */
  preserve_rng_state?: boolean;
}

const OPTION_KEYS = new Set(['use_reentrant', 'preserve_rng_state']);

interface CheckpointCtx extends FunctionCtx {
  run_function: (...args: unknown[]) => unknown;
  preserve_rng_state: boolean;
  /** The CPU generator's state as bytes: a Tensor on ctx would stay alive until GC. */
  fwd_cpu_state: Uint8Array | null;
  inputs: unknown[];
  tensor_indices: number[];
}

function warnNoInputRequiresGrad(args: unknown[]): void {
  if (!args.some((a) => a instanceof Tensor && a.requires_grad)) {
    process.emitWarning('None of the inputs have requires_grad=True. Gradients will be None', 'UserWarning');
  }
}

/** Runs fn with the RNG state of the forward pass, then puts the current state back (torch.random.fork_rng). */
function withForwardRngState<T>(state: Uint8Array | null, fn: () => T): T {
  if (state === null) return fn();
  const current = get_rng_state();
  const saved = tensor(state);
  try {
    set_rng_state(saved);
    return fn();
  } finally {
    set_rng_state(current);
    current.dispose();
    saved.dispose();
  }
}

class CheckpointFunction extends Function {
  static override forward(ctx: CheckpointCtx, run_function: (...args: unknown[]) => unknown, preserve_rng_state: boolean, ...args: unknown[]): unknown {
    warnNoInputRequiresGrad(args);
    ctx.run_function = run_function;
    ctx.preserve_rng_state = preserve_rng_state;
    ctx.fwd_cpu_state = null;
    if (preserve_rng_state) {
      const state = get_rng_state();
      ctx.fwd_cpu_state = state.toTypedArray() as Uint8Array;
      state.dispose();
    }
    ctx.inputs = [];
    ctx.tensor_indices = [];
    const tensorInputs: Tensor[] = [];
    args.forEach((a, i) => {
      if (a instanceof Tensor) {
        tensorInputs.push(a);
        ctx.tensor_indices.push(i);
        ctx.inputs.push(null);
      } else {
        ctx.inputs.push(a);
      }
    });
    ctx.save_for_backward(...tensorInputs);
    // Already under no_grad (Function.apply): no graph is built, and the scope frees
    // the intermediates now rather than at some later garbage collection.
    return scope(() => run_function(...args));
  }

  static override backward(ctx: CheckpointCtx, ...grads: (Tensor | null)[]): (Tensor | null)[] {
    if (!_is_checkpoint_valid()) {
      throw new Error(
        'Checkpointing is not compatible with .grad() or when an `inputs` parameter is passed to .backward(). Please use .backward() and do not pass its `inputs` argument.',
      );
    }
    const inputs = [...ctx.inputs];
    const saved = ctx.saved_tensors;
    ctx.tensor_indices.forEach((idx, i) => {
      inputs[idx] = saved[i];
    });
    // Fresh leaves, so the recomputed graph ends here and their .grad is this function's input gradient.
    const detached = inputs.map((x) => (x instanceof Tensor ? x.detach().requires_grad_(x.requires_grad) : x));
    const result = withForwardRngState(ctx.preserve_rng_state ? ctx.fwd_cpu_state : null, () =>
      enable_grad(() => ctx.run_function(...detached)),
    );
    const outputs = Array.isArray(result) ? result : [result];
    const outputsWithGrad: Tensor[] = [];
    const gradsOfThose: Tensor[] = [];
    outputs.forEach((o, i) => {
      if (o instanceof Tensor && o.requires_grad && grads[i] !== null && grads[i] !== undefined) {
        outputsWithGrad.push(o);
        gradsOfThose.push(grads[i]!);
      }
    });
    if (outputsWithGrad.length === 0) {
      throw new Error('none of output has requires_grad=True, this checkpoint() is not necessary');
    }
    autogradBackward(outputsWithGrad, { grad_tensors: gradsOfThose });
    return [null, null, ...detached.map((x) => (x instanceof Tensor ? x.grad : null))];
  }
}

function splitOptions(args: unknown[]): [unknown[], CheckpointOptions] {
  const last = args[args.length - 1];
  if (
    typeof last === 'object' && last !== null && Object.getPrototypeOf(last) === Object.prototype &&
    Object.keys(last).length > 0 && Object.keys(last).every((k) => OPTION_KEYS.has(k))
  ) {
    return [args.slice(0, -1), last as CheckpointOptions];
  }
  return [args, {}];
}

/**
 * torch.utils.checkpoint.checkpoint(fn, ...args, {use_reentrant, preserve_rng_state}):
 * fn(...args) without keeping its activations; they are recomputed in backward.
 * As in PyTorch's reentrant variant: at least one tensor input must require grad
 * (else the parameters inside fn get no gradient), and torch.autograd.grad()
 * or backward({inputs}) through a checkpoint raise an Error.
 */
export function checkpoint<A extends unknown[], R>(fn: (...args: A) => R, ...args: A | [...A, CheckpointOptions]): R {
  if (typeof fn !== 'function') throw new TypeError(`checkpoint(): function must be callable, got ${typeof fn}`);
  const [fnArgs, options] = splitOptions(args as unknown[]);
  if (options.use_reentrant === false) {
    throw new Error(
      'checkpoint(use_reentrant=False) is not supported by torch-node yet (it needs saved-tensor hooks); use use_reentrant: true',
    );
  }
  const preserve = options.preserve_rng_state ?? true;
  return CheckpointFunction.apply(fn as (...args: unknown[]) => unknown, preserve, ...fnArgs) as R;
}

/** What checkpoint_sequential runs: modules (called with hooks) or plain functions of one tensor. */
export type SequentialStep = Module | ((input: Tensor) => Tensor);

/**
 * torch.utils.checkpoint.checkpoint_sequential(functions, segments, input, {use_reentrant, preserve_rng_state}):
 * runs a list of modules (or an nn.Sequential's children) in `segments` chunks, all
 * but the last one checkpointed.
 */
export function checkpoint_sequential(
  functions: readonly SequentialStep[] | Module,
  segments: number,
  input: Tensor,
  options: CheckpointOptions = {},
): Tensor {
  const list: readonly SequentialStep[] = Array.isArray(functions) ? functions : (functions as Module).children();
  const step = (f: SequentialStep, x: Tensor): Tensor => (typeof f === 'function' ? f(x) : (f.call(x) as Tensor));
  const runRange = (start: number, end: number) => (x: Tensor): Tensor => {
    for (let j = start; j <= end; j++) x = step(list[j]!, x);
    return x;
  };
  const segmentSize = Math.floor(list.length / segments);
  let end = -1;
  let x = input;
  for (let start = 0; start < segmentSize * (segments - 1); start += segmentSize) {
    end = start + segmentSize - 1;
    x = checkpoint(runRange(start, end), x, options);
  }
  return runRange(end + 1, list.length - 1)(x);
}
