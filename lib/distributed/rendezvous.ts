// init_method URLs to a store, rank and world size, as Python's
// torch/distributed/rendezvous.py reads them: tcp://host:port?rank=R&world_size=N
// and env:// (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE).
import { TCPStore } from './store.js';

export interface Rendezvous {
  store: TCPStore;
  rank: number;
  world_size: number;
}

function rendezvousError(msg: string): Error {
  return new Error(`ValueError: Error initializing torch.distributed using ${msg}`);
}

function intParam(text: string, what: string, scheme: string): number {
  const n = Number(text);
  if (!Number.isInteger(n)) throw rendezvousError(`${scheme}:// rendezvous: ${what} must be an integer, got '${text}'`);
  return n;
}

/**
 * Python's rendezvous(url, rank, world_size): explicit rank / world_size
 * (not -1) are added to the URL's query first; then the scheme's handler runs.
 * Rank 0 serves the TCPStore; every store is multi-tenant, as Python's.
 */
export function rendezvous(url: string, rank: number, world_size: number, timeout: number): Rendezvous {
  const scheme = /^([a-z]+):\/\//.exec(url)?.[1];
  if (scheme !== 'tcp' && scheme !== 'env') {
    throw new Error(`No rendezvous handler for ${scheme ? scheme + '://' : url} (torch-node supports tcp:// and env://)`);
  }
  // WHATWG URL parses only known schemes fully; read it as http. env:// has no host: give it one.
  const rest = url.slice(scheme.length + 3);
  let parsed: URL;
  try {
    parsed = new URL(`http://${rest === '' || rest.startsWith('?') || rest.startsWith('/') ? 'env' + rest : rest}`);
  } catch {
    throw rendezvousError(`${scheme}:// rendezvous: cannot parse '${url}' (expected ${scheme === 'tcp' ? 'tcp://host:port' : 'env://'}, with a port in 0..65535)`);
  }
  const query = parsed.searchParams;
  if (rank !== -1 && !query.has('rank')) query.set('rank', String(rank));
  if (world_size !== -1 && !query.has('world_size')) query.set('world_size', String(world_size));

  let host: string;
  let port: number;
  if (scheme === 'tcp') {
    if (!parsed.port) throw rendezvousError('tcp:// rendezvous: port number missing');
    if (!query.has('rank')) throw rendezvousError('tcp:// rendezvous: rank parameter missing');
    if (!query.has('world_size')) throw rendezvousError('tcp:// rendezvous: world size parameter missing');
    host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    port = Number(parsed.port);
    rank = intParam(query.get('rank')!, 'rank', 'tcp');
    world_size = intParam(query.get('world_size')!, 'world_size', 'tcp');
  } else {
    const env = (name: string): string => {
      const v = process.env[name];
      if (v === undefined) throw rendezvousError(`env:// rendezvous: environment variable ${name} expected, but not set`);
      return v;
    };
    rank = intParam(query.get('rank') ?? env('RANK'), 'RANK', 'env');
    world_size = intParam(query.get('world_size') ?? env('WORLD_SIZE'), 'WORLD_SIZE', 'env');
    host = env('MASTER_ADDR');
    port = intParam(env('MASTER_PORT'), 'MASTER_PORT', 'env');
  }
  const store = new TCPStore(host, port, {
    world_size, is_master: rank === 0, timeout, wait_for_workers: true, multi_tenant: true,
  });
  return { store, rank, world_size };
}
