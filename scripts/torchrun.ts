// A single-node torchrun: starts --nproc_per_node copies of a training script
// with the environment torch.distributed's env:// rendezvous reads, as
// `torchrun` (torch.distributed.run) does.
//
//   npx tsx scripts/torchrun.ts --nproc_per_node 2 train.ts [script args...]
//   npx tsx scripts/torchrun.ts --nproc_per_node 2 --no_python python3 train.py
//
// Options (also as --name=value; '-' and '_' are interchangeable):
//   --nproc_per_node N   processes to start (default 1)
//   --master_addr A      rendezvous address (default 127.0.0.1)
//   --master_port P      rendezvous port (default 29500)
//   --standalone         pick a free port instead of --master_port
//   --no_python          run the script as a program instead of with Node
// Each process gets RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK,
// MASTER_ADDR, MASTER_PORT and TORCHELASTIC_RUN_ID. A .ts script runs under
// Node with tsx; .js/.mjs/.cjs under plain Node. When a process fails, the
// others are stopped (SIGTERM, then SIGKILL after 5 s) and torchrun exits
// non-zero naming the first failure, as torchrun's elastic agent does.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

interface LaunchOptions {
  nproc: number;
  masterAddr: string;
  masterPort: number;
  standalone: boolean;
  noPython: boolean;
  script: string;
  scriptArgs: string[];
}

const USAGE = 'usage: torchrun.ts [--nproc_per_node N] [--master_addr A] [--master_port P] [--standalone] [--no_python] script [args...]';

function parseArgs(argv: string[]): LaunchOptions {
  const o = { nproc: 1, masterAddr: '127.0.0.1', masterPort: 29500, standalone: false, noPython: false };
  let i = 0;
  const value = (name: string, inline: string | undefined): string => {
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Error(`torchrun: ${name} expects a value\n${USAGE}`);
    return v;
  };
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`torchrun: ${name} expects an integer >= ${min}, got '${text}'`);
    return n;
  };
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) break;
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(2, eq) : arg.slice(2)).replace(/-/g, '_');
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    switch (name) {
      case 'nproc_per_node': o.nproc = int('--nproc_per_node', value(name, inline), 1); break;
      case 'master_addr': o.masterAddr = value(name, inline); break;
      case 'master_port': o.masterPort = int('--master_port', value(name, inline), 0); break;
      case 'standalone': o.standalone = true; break;
      case 'no_python': o.noPython = true; break;
      case 'nnodes': {
        const n = value(name, inline);
        if (n !== '1' && n !== '1:1') throw new Error('torchrun: this launcher starts one node only (--nnodes 1); start each node\'s ranks with init_method tcp:// or env:// yourself');
        break;
      }
      case 'help': console.log(USAGE); process.exit(0);
      default: throw new Error(`torchrun: unknown option --${name}\n${USAGE}`);
    }
  }
  const script = argv[i];
  if (script === undefined) throw new Error(`torchrun: the training script is missing\n${USAGE}`);
  return { ...o, script, scriptArgs: argv.slice(i + 1) };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function commandFor(o: LaunchOptions): [string, string[]] {
  if (o.noPython) return [o.script, o.scriptArgs];
  if (/\.(c|m)?tsx?$/.test(o.script)) return [process.execPath, ['--import', 'tsx', o.script, ...o.scriptArgs]];
  return [process.execPath, [o.script, ...o.scriptArgs]];
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const port = o.standalone ? await freePort(o.masterAddr) : o.masterPort;
  const [cmd, args] = commandFor(o);
  const runId = `torchrun-${process.pid}-${Date.now()}`;
  const children: ChildProcess[] = [];
  let failure: { rank: number; code: number | null; signal: NodeJS.Signals | null } | null = null;
  let killTimer: NodeJS.Timeout | null = null;

  const stopAll = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    killTimer ??= setTimeout(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, 5000);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, stopAll);

  const exits = [];
  for (let rank = 0; rank < o.nproc; rank++) {
    const env = {
      ...process.env,
      RANK: String(rank), LOCAL_RANK: String(rank), GROUP_RANK: '0', ROLE_RANK: String(rank),
      WORLD_SIZE: String(o.nproc), LOCAL_WORLD_SIZE: String(o.nproc), ROLE_WORLD_SIZE: String(o.nproc),
      MASTER_ADDR: o.masterAddr, MASTER_PORT: String(port), TORCHELASTIC_RUN_ID: runId,
    };
    const child = spawn(cmd, args, { env, stdio: 'inherit' });
    children.push(child);
    exits.push(new Promise<void>((resolve) => {
      child.once('error', (e) => {
        failure ??= { rank, code: null, signal: null };
        console.error(`torchrun: rank ${rank} could not start ${cmd}: ${e.message}`);
        stopAll();
        resolve();
      });
      child.once('exit', (code, signal) => {
        if ((code !== 0 || signal !== null) && failure === null) {
          failure = { rank, code, signal };
          stopAll();
        }
        resolve();
      });
    }));
  }
  await Promise.all(exits);
  if (killTimer) clearTimeout(killTimer);
  if (failure === null) return 0;
  const f = failure as { rank: number; code: number | null; signal: NodeJS.Signals | null };
  console.error(`torchrun: rank ${f.rank} (local_rank ${f.rank}) failed: ${f.signal ? `killed by ${f.signal}` : `exit code ${f.code}`}; the other ranks were stopped`);
  return 1;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
});
