// One rank of the DDP buffer test: a model with BatchNorm1d, whose running
// statistics each rank updates from its own batches. DDP broadcasts rank 0's
// buffers before every forward (broadcast_buffers, the default), so an
// eval-mode forward after training leaves both ranks with rank 0's statistics.
import * as torch from '../../../lib/index.js';
import { nn, optim } from '../../../lib/index.js';

const dist = torch.distributed;
dist.init_process_group('gloo', { timeout: 20_000 });
const rank = dist.get_rank();
torch.manual_seed(rank);
const bn = new nn.BatchNorm1d(20);
const model = new nn.Sequential(new nn.Linear(10, 20), bn, new nn.ReLU(), new nn.Linear(20, 10));
const ddp = new nn.parallel.DistributedDataParallel(model);
const opt = new optim.SGD(ddp.parameters(), { lr: 0.01 });
const mean = () => bn.running_mean!.tolist() as number[];
const atStart = mean();
for (let s = 0; s < 3; s++) {
  torch.scope(() => {
    opt.zero_grad();
    new nn.MSELoss().forward(ddp.forward(torch.randn(32, 10).add(rank * 3)), torch.randn(32, 10)).backward();
    opt.step();
  });
}
const afterTraining = mean();
ddp.eval();
torch.no_grad(() => ddp.forward(torch.randn(4, 10)).dispose());
console.log(JSON.stringify({ rank, atStart, afterTraining, afterEvalForward: mean(), stateKeys: [...ddp.state_dict().keys()].slice(0, 3) }));
dist.destroy_process_group();
