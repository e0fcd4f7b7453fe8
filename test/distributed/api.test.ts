// torch.distributed in one process: a world of one rank, the stores, and the
// errors for misuse (before init, bad URLs, backends, arguments).
import { afterEach, describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { freePort, glooMissingReason, glooNote } from './helpers.js';

const dist = torch.distributed;

afterEach(() => {
  if (dist.is_initialized()) dist.destroy_process_group();
});

describe.skipIf(!!glooMissingReason)(`torch.distributed, one rank${glooNote}`, () => {
  it('is available with Gloo, not NCCL, in this build', () => {
    expect(dist.is_available()).toBe(true);
    expect(dist.is_gloo_available()).toBe(true);
    expect(dist.is_nccl_available()).toBe(false);
  });

  it('before init_process_group, the queries say so in PyTorch\'s words', () => {
    expect(dist.is_initialized()).toBe(false);
    const msg = 'RuntimeError: Default process group has not been initialized, please make sure to call init_process_group.';
    expect(() => dist.get_rank()).toThrow(msg);
    expect(() => dist.get_world_size()).toThrow(msg);
    expect(() => dist.all_reduce(torch.ones(1))).toThrow(msg);
  });

  it('a world of one over tcp://: collectives are identities, and the group can be made again after destroy', async () => {
    for (let round = 0; round < 2; round++) {
      const port = await freePort();
      dist.init_process_group('gloo', { init_method: `tcp://127.0.0.1:${port}`, rank: 0, world_size: 1, timeout: 5000 });
      expect([dist.get_rank(), dist.get_world_size(), dist.get_backend()]).toEqual([0, 1, 'gloo']);
      const t = torch.tensor([1.5, -2]);
      dist.all_reduce(t, { op: dist.ReduceOp.PRODUCT });
      expect(t.tolist()).toEqual([1.5, -2]);
      const out = [torch.zeros(2)];
      dist.all_gather(out, t);
      expect(out[0]!.tolist()).toEqual([1.5, -2]);
      dist.broadcast(t, 0);
      dist.barrier();
      const w = dist.all_reduce(t, { async_op: true });
      expect(w).toBeInstanceOf(dist.Work);
      expect(await w.waitAsync()).toBe(true);
      dist.destroy_process_group();
      expect(dist.is_initialized()).toBe(false);
    }
  });

  it('rejects wrong arguments with messages that say what was expected', async () => {
    const port = await freePort();
    dist.init_process_group({ backend: 'gloo', init_method: `tcp://127.0.0.1:${port}?rank=0&world_size=1`, timeout: 5000 });
    expect(() => dist.all_reduce({} as torch.Tensor)).toThrow("argument 'tensor' must be Tensor, not Object");
    expect(() => dist.all_reduce(torch.ones(1), { op: 'MEAN' as never })).toThrow(/op must be a torch.distributed.ReduceOp/);
    expect(() => dist.broadcast(torch.ones(1), 3)).toThrow(/[Ii]nvalid root rank/);
  });
});

describe.skipIf(!!glooMissingReason)(`torch.distributed rendezvous and backends${glooNote}`, () => {
  it('env:// names the missing variable', () => {
    const saved = { ...process.env };
    for (const k of ['MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE']) delete process.env[k];
    try {
      expect(() => dist.init_process_group('gloo')).toThrow(
        'ValueError: Error initializing torch.distributed using env:// rendezvous: environment variable RANK expected, but not set');
      process.env.RANK = '0';
      process.env.WORLD_SIZE = '1';
      expect(() => dist.init_process_group('gloo', { init_method: 'env://' })).toThrow(/environment variable MASTER_ADDR expected, but not set/);
    } finally {
      process.env = saved;
    }
  });

  it('tcp:// without port, rank or world size; unknown schemes; unknown and unbuilt backends', () => {
    expect(() => dist.init_process_group('gloo', { init_method: 'tcp://127.0.0.1', rank: 0, world_size: 1 })).toThrow('tcp:// rendezvous: port number missing');
    expect(() => dist.init_process_group('gloo', { init_method: 'tcp://127.0.0.1:1234', world_size: 1 })).toThrow('tcp:// rendezvous: rank parameter missing');
    expect(() => dist.init_process_group('gloo', { init_method: 'tcp://127.0.0.1:297519', rank: 0, world_size: 1 })).toThrow(
      "ValueError: Error initializing torch.distributed using tcp:// rendezvous: cannot parse 'tcp://127.0.0.1:297519' (expected tcp://host:port, with a port in 0..65535)");
    expect(() => dist.init_process_group('gloo', { init_method: 'file:///tmp/x', rank: 0, world_size: 1 })).toThrow(/No rendezvous handler for file:\/\//);
    expect(() => dist.init_process_group('mpi' as never)).toThrow("ValueError: Invalid backend: 'mpi'");
    const store = new dist.TCPStore('127.0.0.1', 0, { is_master: true, world_size: 1, wait_for_workers: false, timeout: 2000 });
    expect(() => dist.init_process_group('nccl', { store, rank: 0, world_size: 1 })).toThrow(/doesn't have NCCL built in/);
    expect(() => dist.init_process_group('gloo', { store, rank: 1, world_size: 1 })).toThrow('rank 1 is out of range for world_size 1');
    expect(dist.is_initialized()).toBe(false);
  });
});

describe.skipIf(!!glooMissingReason)(`torch.distributed stores${glooNote}`, () => {
  it('TCPStore and PrefixStore: set, get, add, wait, num_keys, delete_key, and a get that times out', () => {
    const store = new dist.TCPStore('127.0.0.1', 0, { is_master: true, world_size: 1, wait_for_workers: false, timeout: 5000 });
    expect(store.port).toBeGreaterThan(0);
    const client = new dist.TCPStore('127.0.0.1', store.port, { timeout: 5000 });
    store.set('a', 'hello');
    expect(Buffer.from(client.get('a')).toString()).toBe('hello');
    client.set('bytes', new Uint8Array([0, 255, 7]));
    expect([...store.get('bytes')]).toEqual([0, 255, 7]);
    expect(store.add('n', 5)).toBe(5);
    expect(client.add('n', -2)).toBe(3);
    const prefixed = new dist.PrefixStore('job', client);
    prefixed.set('k', 'v');
    expect(Buffer.from(store.get('job/k')).toString()).toBe('v');
    prefixed.wait(['k']);
    expect(store.delete_key('a')).toBe(true);
    expect(store.num_keys()).toBeGreaterThanOrEqual(3);
    client.set_timeout(300);
    const t0 = Date.now();
    expect(() => client.get('never')).toThrow(/[Tt]imeout/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
