// One rank of the failure tests. Two ranks train the article's model with DDP
// (process-group timeout: argv[3] ms). At step 3 rank 1 either dies (mode
// 'kill': SIGKILL, no goodbye) or stops taking part while staying alive
// (mode 'stall'). Rank 0 must get an Error, not hang: it prints what it
// caught and how long after its last completed step.
//   argv: mode timeoutMs
import * as torch from '../../../lib/index.js';
import { nn, optim } from '../../../lib/index.js';

const mode = process.argv[2];
const timeout = Number(process.argv[3]);
const dist = torch.distributed;
dist.init_process_group('gloo', { timeout });
const rank = dist.get_rank();

torch.manual_seed(0);
const model = new nn.Sequential(new nn.Linear(10, 20), new nn.ReLU(), new nn.Linear(20, 10));
const ddp = new nn.parallel.DistributedDataParallel(model);
const opt = new optim.SGD(ddp.parameters(), { lr: 0.01 });
const lossFn = new nn.MSELoss();

let lastDone = Date.now();
for (let step = 0; step < 10; step++) {
  if (rank === 1 && step === 3) {
    if (mode === 'kill') process.kill(process.pid, 'SIGKILL');
    // stall: alive, holding its connections, but never joins the next all-reduce.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, timeout * 2);
    process.exit(0);
  }
  try {
    torch.scope(() => {
      opt.zero_grad();
      lossFn.forward(ddp.forward(torch.randn(100, 10)), torch.randn(100, 10)).backward();
      opt.step();
    });
  } catch (e) {
    console.log(JSON.stringify({ rank, step, error: (e as Error).message, ms: Date.now() - lastDone }));
    // Clean up and end normally: tearing the group down after a failure must not hang or abort either.
    ddp.release();
    dist.destroy_process_group();
    process.exitCode = 3;
    break;
  }
  lastDone = Date.now();
  console.log(JSON.stringify({ rank, step, ok: true }));
}
