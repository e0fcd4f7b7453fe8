// import * as torch from 'torch-node'; or import { nn, optim } from 'torch-node'.
export * from './torch.js';
export * as peft from './peft/index.js';
