// torch.autograd: backward and grad over libtorch's engine.
import { wrap } from '../bridge.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';

export { enable_grad, is_grad_enabled, no_grad, set_grad_enabled } from './grad_mode.js';

const asList = (t: Tensor | readonly Tensor[]): Tensor[] => (Array.isArray(t) ? [...t] : [t as Tensor]);

export interface GradOptions {
  grad_outputs?: Tensor | readonly (Tensor | null)[] | null;
  retain_graph?: boolean;
  create_graph?: boolean;
  allow_unused?: boolean;
}

/** torch.autograd.grad(outputs, inputs, {grad_outputs, retain_graph, create_graph, allow_unused}). */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const go = options.grad_outputs;
  const gradOutputs = go === undefined || go === null ? null : Array.isArray(go) ? [...go] : [go as Tensor];
  const handles = native.autogradGrad(asList(outputs), asList(inputs), gradOutputs, options.retain_graph, options.create_graph, options.allow_unused);
  return handles.map((h) => (h === null ? null : wrap(h)));
}

export interface BackwardOptions {
  grad_tensors?: Tensor | readonly (Tensor | null)[] | null;
  retain_graph?: boolean;
  create_graph?: boolean;
  inputs?: Tensor | readonly Tensor[];
}

/** torch.autograd.backward(tensors, {grad_tensors, retain_graph, create_graph, inputs}). */
export function backward(tensors: Tensor | readonly Tensor[], options: BackwardOptions = {}): void {
  const gt = options.grad_tensors;
  const grads = gt === undefined || gt === null ? null : Array.isArray(gt) ? [...gt] : [gt as Tensor];
  native.backward(asList(tensors), grads, options.retain_graph, options.create_graph, options.inputs ? asList(options.inputs) : null);
}
export { Function, FunctionCtx, type ForwardArgs, type ForwardResult } from './function.js';
