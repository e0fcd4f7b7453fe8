// Counts the bad-input cases (scripts/reliability/bad-input-cases.ts) that end
// in a proper JS Error saying what was wrong, and lists the others.
// Usage: npx tsx scripts/reliability/bad-input.ts [--json] [--all]
import * as torch from '../../lib/index.js';
import { BAD_INPUT_CASES, tryCase, type Outcome } from './bad-input-cases.js';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const all = process.argv.includes('--all');
  const before = torch.memory().liveTensors;
  const outcomes: Outcome[] = [];
  for (const c of BAD_INPUT_CASES) outcomes.push(await tryCase(c));
  const proper = outcomes.filter((o) => o.kind === 'error');
  const failures = outcomes.filter((o) => o.kind !== 'error');
  const byFamily = new Map<string, { tried: number; proper: number }>();
  for (const o of outcomes) {
    const f = byFamily.get(o.family) ?? { tried: 0, proper: 0 };
    f.tried++;
    if (o.kind === 'error') f.proper++;
    byFamily.set(o.family, f);
  }
  const leaked = torch.memory().liveTensors - before;
  if (json) {
    console.log(JSON.stringify({ tried: outcomes.length, proper: proper.length, leaked, families: Object.fromEntries(byFamily), failures }));
    return;
  }
  for (const [family, f] of byFamily) console.log(`${family.padEnd(16)} ${f.proper}/${f.tried} proper Errors`);
  for (const o of all ? outcomes : failures) console.log(`${o.kind.padEnd(13)} ${o.family} / ${o.name}: ${o.message.split('\n')[0]!.slice(0, 160)}`);
  console.log(`bad-input cases tried: ${outcomes.length}; proper JS Errors: ${proper.length}; other outcomes: ${failures.length}; live tensors left: ${leaked}; the process is alive`);
  if (failures.length > 0) process.exitCode = 1;
}

void main();
