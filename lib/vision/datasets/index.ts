// torchvision.datasets
export { MNIST, FashionMNIST, read_idx, type MNISTOptions } from './mnist.js';
