// The Node rank of the mixed Node + Python DDP test (see ddp_interop.py).
//   argv: rank port steps
import * as torch from '../../../lib/index.js';
import { nn, optim } from '../../../lib/index.js';

const [rank, port, steps] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const dist = torch.distributed;
dist.init_process_group('gloo', { init_method: `tcp://127.0.0.1:${port}`, rank, world_size: 2, timeout: 20_000 });
torch.manual_seed(100 + rank);
const model = new nn.Sequential(new nn.Linear(10, 20), new nn.ReLU(), new nn.Linear(20, 10));
const ddp = new nn.parallel.DistributedDataParallel(model);
const opt = new optim.SGD(ddp.parameters(), { lr: 0.01 });
const lossFn = new nn.MSELoss();
torch.manual_seed(1234);
const xs = torch.randn(steps, 200, 10);
const ys = torch.randn(steps, 200, 10);
const flat = (): number[] => torch.scope(() => torch.cat(model.parameters().map((p) => p.detach().reshape(-1))).tolist() as number[]);
console.log(JSON.stringify({ rank, step: 0, params: flat() }));
for (let s = 0; s < steps; s++) {
  torch.scope(() => {
    opt.zero_grad();
    const mine = (t: torch.Tensor) => t.select(0, s).narrow(0, 100 * rank, 100);
    lossFn.forward(ddp.forward(mine(xs)), mine(ys)).backward();
    opt.step();
  });
  console.log(JSON.stringify({ rank, step: s + 1, params: flat() }));
}
dist.destroy_process_group();
