// torch.utils.checkpoint: gradients equal to the plain run's (dropout included,
// through the RNG restore), the memory it saves, and PyTorch's errors.
import { describe, expect, test, vi } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn, type Tensor } from '../../lib/index.js';
import { native } from '../../lib/native.js';

const { checkpoint, checkpoint_sequential } = torch.utils.checkpoint;
const heapBytes = (): number | null => (native as unknown as { heapStats(): number | null }).heapStats();

/** A transformer-style feed-forward block: width -> 4·width -> width, GELU, dropout, residual. */
class Block extends nn.Module {
  up: nn.Linear;
  down: nn.Linear;
  drop: nn.Dropout;
  constructor(width: number, p: number) {
    super();
    this.up = new nn.Linear(width, 4 * width);
    this.down = new nn.Linear(4 * width, width);
    this.drop = new nn.Dropout(p);
  }
  override forward(x: Tensor): Tensor {
    return x.add(this.drop.call(this.down.call(nn.functional.gelu(this.up.call(x)))));
  }
}

function makeStack(n: number, width: number, p: number): nn.ModuleList<Block> {
  torch.manual_seed(1);
  return new nn.ModuleList(Array.from({ length: n }, () => new Block(width, p)));
}

/** Runs the stack (checkpointing each block or not), backpropagates a fixed weighting, returns all gradients. */
function gradients(blocks: nn.ModuleList<Block>, useCheckpoint: boolean, options: { preserve_rng_state?: boolean } = {}): number[][] {
  return torch.scope(() => {
    blocks.zero_grad();
    torch.manual_seed(7);
    const width = (blocks.children()[0] as Block).up.in_features;
    const x = torch.randn([8, width]).requires_grad_();
    let h = x;
    for (const b of blocks.children() as Block[]) h = useCheckpoint ? checkpoint((t: Tensor) => b.call(t), h, options) : b.call(h);
    h.mul(torch.linspace(-1, 1, width)).sum().backward();
    const grads = [x.grad!, ...blocks.parameters().map((p) => p.grad!)];
    return grads.map((g) => Array.from(g.reshape(-1).toTypedArray() as Float32Array));
  });
}

describe('checkpoint', () => {
  test('gradients equal the un-checkpointed run, with dropout (the RNG state is restored)', () => {
    const blocks = makeStack(4, 16, 0.3);
    const plain = gradients(blocks, false);
    const ckpt = gradients(blocks, true);
    expect(ckpt).toEqual(plain);
    // Without the restore, the recomputed dropout masks differ and so do the gradients.
    const unrestored = gradients(blocks, true, { preserve_rng_state: false });
    expect(unrestored).not.toEqual(plain);
  });

  test('several inputs and outputs, non-tensor arguments', () => {
    const a = torch.randn([3]).requires_grad_();
    const b = torch.randn([3]).requires_grad_();
    const fn = (x: Tensor, y: Tensor, k: number): [Tensor, Tensor] => [x.mul(y).mul(k), x.sin()];
    const [p, q] = checkpoint(fn, a, b, 3);
    expect(p.requires_grad && q.requires_grad).toBe(true);
    p.sum().add(q.sum()).backward();
    const ga = a.grad!.tolist();
    const gb = b.grad!.tolist();
    a.grad = null;
    b.grad = null;
    const [p2, q2] = fn(a, b, 3);
    p2.sum().add(q2.sum()).backward();
    expect(ga).toEqual(a.grad!.tolist());
    expect(gb).toEqual(b.grad!.tolist());
  });

  test('checkpoint_sequential over an nn.Sequential gives the plain gradients', () => {
    torch.manual_seed(3);
    const model = new nn.Sequential(new nn.Linear(6, 6), new nn.Tanh(), new nn.Linear(6, 6), new nn.Tanh(), new nn.Linear(6, 2));
    const x = torch.randn([4, 6]).requires_grad_();
    checkpoint_sequential(model, 2, x).sum().backward();
    const g1 = [x.grad!, ...model.parameters().map((p) => p.grad!)].map((g) => g.tolist());
    model.zero_grad();
    x.grad = null;
    model.call(x).sum().backward();
    const g2 = [x.grad!, ...model.parameters().map((p) => p.grad!)].map((g) => g.tolist());
    expect(g1).toEqual(g2);
  });

  test('errors: autograd.grad through a checkpoint, use_reentrant false, outputs without grad', () => {
    const x = torch.randn([3]).requires_grad_();
    const y = checkpoint((t: Tensor) => t.exp(), x);
    expect(() => torch.autograd.grad(y.sum(), x)).toThrow(
      'Checkpointing is not compatible with .grad() or when an `inputs` parameter is passed to .backward(). Please use .backward() and do not pass its `inputs` argument.',
    );
    expect(() => checkpoint((t: Tensor) => t.exp(), x, { use_reentrant: false })).toThrow(/use_reentrant=False\) is not supported/);
    const z = checkpoint((t: Tensor) => t.detach().mul(2), x);
    expect(() => z.sum().backward()).toThrow('none of output has requires_grad=True, this checkpoint() is not necessary');
  });

  test('warns when no input requires grad (then parameters inside get no gradient)', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const lin = new nn.Linear(3, 3);
    const y = checkpoint((t: Tensor) => lin.call(t), torch.randn([2, 3]));
    expect(spy).toHaveBeenCalledWith('None of the inputs have requires_grad=True. Gradients will be None', 'UserWarning');
    expect(y.requires_grad).toBe(false);
    spy.mockRestore();
  });

  test('no tensors leak from forward and backward', () => {
    const blocks = makeStack(2, 8, 0.1);
    gradients(blocks, true); // warm-up: parameters get their .grad
    const before = torch.memory().liveTensors;
    for (let i = 0; i < 20; i++) gradients(blocks, true);
    expect(torch.memory().liveTensors).toBe(before);
  });

  test.skipIf(heapBytes() === null)('keeps far fewer activations for backward: measured with the allocator', () => {
    const width = 128;
    const batch = 256;
    const depth = 8;
    const blocks = makeStack(depth, width, 0.1);
    const retained = (useCheckpoint: boolean): number =>
      torch.scope(() => {
        const x = torch.randn([batch, width]).requires_grad_();
        const base = heapBytes()!;
        let h = x;
        for (const b of blocks.children() as Block[]) {
          const prev = h;
          h = useCheckpoint ? checkpoint((t: Tensor) => b.call(t), h) : b.call(h);
          if (prev !== x) prev.dispose(); // JS lets go: what stays is what the graph saved
        }
        const held = heapBytes()! - base;
        h.sum().backward();
        return held;
      });
    const plain = retained(false);
    const ckpt = retained(true);
    const activation = batch * width * 4;
    console.log(
      `checkpoint memory: ${depth} blocks ${width}->${4 * width}->${width}, batch ${batch}: graph holds ` +
        `${(plain / 2 ** 20).toFixed(1)} MiB plain vs ${(ckpt / 2 ** 20).toFixed(1)} MiB checkpointed ` +
        `(${(plain / activation).toFixed(1)} vs ${(ckpt / activation).toFixed(1)} block-input-sized tensors)`,
    );
    // Plain keeps per block: the input, the 4x-wide pre-activation and GELU output, and a
    // dropout mask; checkpointed keeps only each block's input.
    expect(ckpt).toBeLessThan(plain / 5);
    expect(ckpt).toBeLessThan(activation * (depth + 1.5));
  });
});
