// Child process for checkpoint-kill.test.ts: saves version after version of a
// ~16 MB checkpoint to one path until it is killed, saying "saving N" before each
// save and "saved N" after it. Usage: node --import tsx save-loop.ts <path> <sync|async> <first version>
import * as torch from '../../lib/index.js';
import { saveAsync } from '../../lib/serialization/index.js';

const [path, mode, first] = process.argv.slice(2);
if (!path || (mode !== 'sync' && mode !== 'async')) throw new Error('usage: save-loop.ts <path> <sync|async> <first version>');

async function main(): Promise<void> {
  for (let version = Number(first ?? 1); ; version++) {
    const ck = { version, w: torch.full([4 << 20], version), b: torch.arange(1000).add(version) };
    process.stdout.write(`saving ${version}\n`);
    if (mode === 'sync') torch.save(ck, path!);
    else await saveAsync(ck, path!);
    process.stdout.write(`saved ${version}\n`);
    ck.w.dispose();
    ck.b.dispose();
  }
}

void main();
