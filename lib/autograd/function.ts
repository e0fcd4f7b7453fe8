// torch.autograd.Function: user-defined operations with their own backward.
//
//   class Exp extends torch.autograd.Function {
//     static override forward(ctx: FunctionCtx, x: Tensor): Tensor {
//       const y = x.exp();
//       ctx.save_for_backward(y);
//       return y;
//     }
//     static override backward(ctx: FunctionCtx, grad: Tensor): Tensor {
//       const [y] = ctx.saved_tensors;
//       return grad.mul(y!);
//     }
//   }
//   const y = Exp.apply(x);
//
// forward runs here under no_grad; native/custom_function.cpp then attaches
// an autograd node to the outputs (libtorch's own _wrap_outputs, as for Python
// Functions) whose backward calls back into the JS backward below.
import { wrap } from '../bridge.js';
import { scope } from '../memory.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { no_grad } from './grad_mode.js';

/** What the addon adds for custom Functions (native/custom_function.cpp). */
interface CustomFunctionNative {
  customFunctionWrap(
    name: string,
    inputs: Tensor[],
    outputs: (Tensor | null)[],
    nonDifferentiable: Tensor[],
    dirty: Tensor[],
    toSave: (Tensor | null)[],
    materializeGrads: boolean,
    backward: (grads: (number | null)[], saved: (number | null)[]) => (number | null)[],
  ): (number | null)[];
  customFunctionShare(t: Tensor): number;
  isCheckpointValid(): boolean;
}
const addon = native as unknown as CustomFunctionNative;

/**
 * Whether a reentrant backward may run here (torch._C._is_checkpoint_valid): false inside
 * autograd.grad() or backward(inputs=...), where the engine would skip it.
 */
export function _is_checkpoint_valid(): boolean {
  return addon.isCheckpointValid();
}

const TO_SAVE: unique symbol = Symbol('ctx.to_save');
const SAVED: unique symbol = Symbol('ctx.saved');
const NON_DIFF: unique symbol = Symbol('ctx.non_differentiable');
const DIRTY: unique symbol = Symbol('ctx.dirty');
const MATERIALIZE: unique symbol = Symbol('ctx.materialize_grads');

/**
 * The ctx passed to forward and backward (Python's FunctionCtx / BackwardCFunction).
 * Any other attribute may be set on it in forward and read in backward; tensors
 * needed in backward belong in save_for_backward (attributes holding an output
 * would keep the graph alive in a cycle the garbage collector cannot see, as in PyTorch).
 */
export class FunctionCtx {
  /** For each forward argument: whether it is a Tensor that requires grad. */
  needs_input_grad: boolean[] = [];
  /** @internal */ [TO_SAVE]: (Tensor | null)[] = [];
  /** @internal */ [SAVED]: Tensor[] | null = null;
  /** @internal */ [NON_DIFF]: Tensor[] = [];
  /** @internal */ [DIRTY]: Tensor[] = [];
  /** @internal */ [MATERIALIZE] = true;
  [attribute: string]: unknown;

  /** Saves tensors for backward (inputs, outputs or intermediates); call it at most once, in forward. */
  save_for_backward(...tensors: Tensor[]): void {
    const list = tensors as (Tensor | null | undefined)[];
    list.forEach((t, i) => {
      if (t !== null && t !== undefined && !(t instanceof Tensor)) {
        throw new TypeError(`save_for_backward can only save variables, but argument ${i} is of type ${typeName(t)}`);
      }
    });
    this[TO_SAVE] = list.map((t) => t ?? null);
  }

  /**
   * In backward, the tensors given to save_for_backward (an error if the graph
   * was freed or one of them was modified in place). Valid until backward returns.
   */
  get saved_tensors(): Tensor[] {
    if (this[SAVED] !== null) return this[SAVED];
    return this[TO_SAVE] as Tensor[];
  }

  /** Marks outputs that have no gradient: they come out with requires_grad false. */
  mark_non_differentiable(...outputs: Tensor[]): void {
    this[NON_DIFF] = checkTensors('mark_non_differentiable', outputs);
  }

  /** Marks inputs that forward modified in place. */
  mark_dirty(...inputs: Tensor[]): void {
    this[DIRTY] = checkTensors('mark_dirty', inputs);
  }

  /** Whether undefined output gradients reach backward as zeros (true, the default) or as null. */
  set_materialize_grads(value: boolean): void {
    this[MATERIALIZE] = value;
  }
}

/** The arguments an apply() call takes: forward's, without ctx. */
export type ForwardArgs<F> = F extends { forward(ctx: never, ...args: infer A): unknown } ? A : never;
/** What apply() returns: forward's result. */
export type ForwardResult<F> = F extends { forward(ctx: never, ...args: never[]): infer R } ? R : never;

/**
 * Base class of custom autograd operations, as torch.autograd.Function: subclass
 * it with static forward(ctx, ...args) and backward(ctx, ...grad_outputs) and call
 * MyFunction.apply(...args). backward returns one gradient (or null) per forward argument.
 */
export class Function {
  static forward(_ctx: FunctionCtx, ..._args: unknown[]): unknown {
    throw new Error('You must implement the forward function for custom autograd.Function.');
  }

  static backward(_ctx: FunctionCtx, ..._grad_outputs: (Tensor | null)[]): unknown {
    throw new Error(
      'You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.',
    );
  }

  static apply<F extends typeof Function>(this: F, ...args: ForwardArgs<F>): ForwardResult<F> {
    return applyFunction(this, args as unknown[]) as ForwardResult<F>;
  }
}

function applyFunction(cls: typeof Function, args: unknown[]): unknown {
  const name = `${cls.name}Backward`;
  const ctx = new FunctionCtx();
  const tensorInputs: Tensor[] = [];
  const isTensorInput: boolean[] = [];
  for (const a of args) {
    const isTensor = a instanceof Tensor;
    isTensorInput.push(isTensor);
    if (isTensor) tensorInputs.push(a);
  }
  ctx.needs_input_grad = args.map((a) => a instanceof Tensor && a.requires_grad);

  const result = no_grad(() => cls.forward(ctx, ...args));
  if (result instanceof Promise) throw new TypeError(`${cls.name}.forward returned a Promise; custom Functions must be synchronous`);
  const single = !Array.isArray(result);
  const items: unknown[] = single ? [result] : [...(result as unknown[])];
  const rawOutputs = items.map((o) => (o instanceof Tensor ? o : null));

  const backward = (gradHandles: (number | null)[], savedHandles: (number | null)[]): (number | null)[] =>
    scope(() => {
      const grads = gradHandles.map((h) => (h === null ? null : wrap(h)));
      ctx[SAVED] = savedHandles.map((h) => (h === null ? null : wrap(h))) as Tensor[];
      try {
        const grads_in = normalizeGradients(name, cls.backward(ctx, ...grads), isTensorInput);
        return grads_in.map((g) => (g === null ? null : addon.customFunctionShare(g)));
      } finally {
        ctx[SAVED] = null;
      }
    });

  const replaced = addon.customFunctionWrap(
    name, tensorInputs, rawOutputs, ctx[NON_DIFF], ctx[DIRTY], ctx[TO_SAVE], ctx[MATERIALIZE], backward,
  );
  // The native node holds what it needs; the ctx must not keep the user's tensors alive.
  ctx[TO_SAVE] = [];
  ctx[NON_DIFF] = [];
  ctx[DIRTY] = [];

  const outputs = items.map((o, i) => (replaced[i] === null || replaced[i] === undefined ? o : wrap(replaced[i]!)));
  return single ? outputs[0] : outputs;
}

/** PyTorch's checks on what backward returned; gives the gradients of the Tensor inputs, in order. */
function normalizeGradients(name: string, returned: unknown, isTensorInput: boolean[]): (Tensor | null)[] {
  let list: unknown[] = Array.isArray(returned) ? [...returned] : [returned];
  const expected = isTensorInput.length;
  // Returning too many results is fine as long as the extra ones are null (as in PyTorch).
  if (list.length > expected && list.slice(expected).every((g) => g === null || g === undefined)) list = list.slice(0, expected);
  if (list.length !== expected) {
    throw new Error(`function ${name} returned an incorrect number of gradients (expected ${expected}, got ${list.length})`);
  }
  const out: (Tensor | null)[] = [];
  list.forEach((g, i) => {
    if (g === null || g === undefined) {
      if (isTensorInput[i]) out.push(null);
      return;
    }
    if (!(g instanceof Tensor)) throw new TypeError(`expected Variable or None (got ${typeName(g)})`);
    if (!isTensorInput[i]) {
      throw new Error(
        `function ${name} returned a gradient different than None at position ${i + 1}, but the corresponding forward input was not a Variable`,
      );
    }
    out.push(g);
  });
  return out;
}

function checkTensors(what: string, list: unknown[]): Tensor[] {
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${what}(): argument ${i} must be a Tensor, not ${typeName(t)}`);
  });
  return list as Tensor[];
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
