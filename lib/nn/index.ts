// torch.nn
export { Parameter } from './parameter.js';
