// torch.cuda: what the libtorch this addon links offers. Debian's libtorch is CPU-only.
import { native } from '../native.js';

export function is_available(): boolean {
  return native.cudaIsAvailable();
}

export function device_count(): number {
  return native.cudaDeviceCount();
}
