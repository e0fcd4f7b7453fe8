// torch-node's model families: torchvision's vision models, Hugging Face transformers.
export * from './vision/index.js';
export * from './transformers/index.js';
