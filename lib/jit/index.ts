// torch.jit: TorchScript models written in Python, loaded, run, fine-tuned and
// saved from TypeScript. torch.jit.script and torch.jit.trace exist only in
// Python; docs/torchscript.md shows how to produce the file there.
import { existsSync, statSync } from 'node:fs';
import { device as Device, type DeviceLike } from '../device.js';
import { jnative } from './native.js';
import { ScriptModule } from './script_module.js';

export { ScriptModule } from './script_module.js';
export type { MethodSchema } from './native.js';

export interface LoadOptions {
  /** Where the tensors go ('cpu', 'cuda:0', a torch.device); by default where they were saved. */
  map_location?: DeviceLike | null;
}

/**
 * torch.jit.load(f, map_location): a TorchScript archive (written by Python's
 * torch.jit.save / ScriptModule.save, or by save() here) from a path or bytes,
 * as a ScriptModule. A file that is not a TorchScript archive (a torch.save
 * checkpoint, a truncated download) is refused with an Error that says so.
 */
export function load(f: string | Uint8Array | ArrayBuffer, options: LoadOptions | DeviceLike | null = {}): ScriptModule {
  const mapLocation = options === null || typeof options === 'string' || options instanceof Device ? options : options.map_location;
  const dev = mapLocation === undefined || mapLocation === null ? null : new Device(mapLocation).toString();
  if (typeof f === 'string') {
    if (!existsSync(f)) throw new Error(`jit.load(): no such file: '${f}'`);
    if (statSync(f).isDirectory()) throw new Error(`jit.load(): '${f}' is a directory, not a TorchScript archive`);
    return new ScriptModule(jnative.jitLoad(f, dev, `'${f}'`));
  }
  if (f instanceof Uint8Array || f instanceof ArrayBuffer) return new ScriptModule(jnative.jitLoad(f, dev, 'the buffer'));
  throw new TypeError(`jit.load(): f must be a file path or a Buffer, not ${f === null ? 'null' : typeof f}`);
}

/** torch.jit.save(m, f): writes m as a TorchScript archive that Python's torch.jit.load reads. */
export function save(m: ScriptModule, f: string): void {
  if (!(m instanceof ScriptModule)) {
    throw new TypeError(
      'jit.save(): expected a ScriptModule (from torch.jit.load); a TypeScript nn.Module cannot be compiled to TorchScript here: save its state_dict with torch.save',
    );
  }
  m.save(f);
}
