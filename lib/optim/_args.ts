// Python's calling convention for optimizers and schedulers: positional
// arguments in PyTorch's order, then an optional object of keyword arguments
// (new SGD(params, 0.1), new SGD(params, { lr: 0.1, momentum: 0.9 }),
// new StepLR(opt, 30, { gamma: 0.5 })). nn's helpers, shared.
export { type Args, parseArgs } from '../nn/_utils.js';
