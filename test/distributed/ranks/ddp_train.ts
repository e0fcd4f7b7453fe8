// One rank of the DDP training test (started by scripts/torchrun.ts).
// The article's model (Linear 10->20, ReLU, Linear 20->10; MSELoss; SGD lr
// 0.01), seeded differently on each rank so that only DDP's start-up
// broadcast can make them equal. Every rank trains on its 100-row half of a
// 200-row batch; rank 0 also trains a plain copy on the whole batch, the
// single-process reference. Prints one JSON line per step.
//   argv: steps [nosync|smallbuckets]
//     nosync: each step accumulates 2 micro-batches, the first under no_sync
//     smallbuckets: a 2.5 MB model (Linear 10->30000->10) with bucket_cap_mb 0.5, so that after the
//       first iteration the Reducer's rebuilt buckets (1 MiB first, then 0.5 MiB) split the
//       parameters into several all-reduces; params are printed as every 997th value
import * as torch from '../../../lib/index.js';
import { nn, optim } from '../../../lib/index.js';
import type { Tensor } from '../../../lib/tensor.js';

const steps = Number(process.argv[2] ?? 5);
const noSync = process.argv[3] === 'nosync';
const smallBuckets = process.argv[3] === 'smallbuckets';
const dist = torch.distributed;
dist.init_process_group('gloo', { timeout: 20_000 });
const rank = dist.get_rank();
const world = dist.get_world_size();

torch.manual_seed(100 + rank);
const hidden = smallBuckets ? 30_000 : 20;
const model = new nn.Sequential(new nn.Linear(10, hidden), new nn.ReLU(), new nn.Linear(hidden, 10));
const ddp = new nn.parallel.DistributedDataParallel(model, smallBuckets ? { bucket_cap_mb: 0.5 } : {});
const reference = rank === 0 ? nn.deepcopy(model) : null;
const opt = new optim.SGD(ddp.parameters(), { lr: 0.01 });
const refOpt = reference ? new optim.SGD(reference.parameters(), { lr: 0.01 }) : null;
const lossFn = new nn.MSELoss();

torch.manual_seed(1234);  // the same data on every rank
const micro = noSync ? 2 : 1;
const xs = torch.randn(steps, micro, 100 * world, 10);
const ys = torch.randn(steps, micro, 100 * world, 10);

const flat = (m: nn.Module): number[] =>
  torch.scope(() => {
    const all = torch.cat(m.parameters().map((p) => p.detach().reshape(-1)));
    return (smallBuckets ? all.index_select(0, torch.arange(0, all.numel(), 997)) : all).tolist() as number[];
  });
const emit = (step: number): void => {
  console.log(JSON.stringify({ rank, step, params: flat(model), reference: reference ? flat(reference) : null, live: torch.memory().liveTensors }));
};

emit(0);
for (let s = 0; s < steps; s++) {
  torch.scope(() => {
    opt.zero_grad();
    for (let m = 0; m < micro; m++) {
      const x = xs.select(0, s).select(0, m);
      const y = ys.select(0, s).select(0, m);
      const mine = (t: Tensor) => t.narrow(0, 100 * rank, 100);
      const step = () => lossFn.forward(ddp.forward(mine(x)), mine(y)).backward();
      if (m < micro - 1) ddp.no_sync(step);
      else step();
      if (noSync) {
        // What .grad holds now: this rank's own sum inside no_sync, the ranks' average after the synced backward.
        const grads = torch.cat(model.parameters().map((p) => p.grad!.reshape(-1))).tolist() as number[];
        console.log(JSON.stringify({ rank, step: s + 1, micro: m, grads }));
      }
    }
    opt.step();
    if (reference && refOpt) {
      refOpt.zero_grad();
      for (let m = 0; m < micro; m++) {
        lossFn.forward(reference.forward(xs.select(0, s).select(0, m)), ys.select(0, s).select(0, m)).backward();
      }
      refOpt.step();
    }
  });
  emit(s + 1);
}
dist.destroy_process_group();
