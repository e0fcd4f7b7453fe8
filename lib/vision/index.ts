// torch-node's torchvision: datasets (MNIST, FashionMNIST) and transforms.
export * as datasets from './datasets/index.js';
export * as transforms from './transforms.js';
