// LoRA fine-tuning with gradient checkpointing, end to end, on a small
// GPT-2-shaped stand-in (Conv1D attention and MLP blocks) so that it runs
// anywhere in seconds. The lead wires the same steps to the real GPT-2
// (lib/models/transformers) once both are merged: swap makeModel() for it.
//
//   npx tsx scripts/examples/lora-finetune.ts [--steps 60] [--no-checkpoint]
//
// Steps: a "pretrained" model; adapters on c_attn (Conv1D, fan_in_fan_out) and
// c_fc; a few AdamW steps on a toy next-token task with every block
// checkpointed; the adapter-only state_dict saved with torch.save; merged back
// into the base weights; the merged model's outputs checked against the
// adapted one.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../lib/index.js';
import { nn, optim, peft, type Tensor } from '../../lib/index.js';
import { Parameter } from '../../lib/nn/parameter.js';

const args = process.argv.slice(2);
const steps = Number(args[args.indexOf('--steps') + 1] ?? 60) || 60;
const useCheckpoint = !args.includes('--no-checkpoint');

const VOCAB = 32;
const D = 64;
const LAYERS = 4;
const SEQ = 16;

/** transformers' Conv1D: weight (nx, nf), y = x W + b. */
class Conv1D extends nn.Module {
  nf: number;
  weight: Parameter;
  bias: Parameter;
  constructor(nf: number, nx: number) {
    super();
    this.nf = nf;
    this.weight = new Parameter(torch.randn([nx, nf]).mul(0.02));
    this.bias = new Parameter(torch.zeros([nf]));
  }
  override forward(x: Tensor): Tensor {
    return x.matmul(this.weight).add(this.bias);
  }
}

class Block extends nn.Module {
  ln_1 = new nn.LayerNorm(D);
  c_attn = new Conv1D(3 * D, D);
  c_proj = new Conv1D(D, D);
  ln_2 = new nn.LayerNorm(D);
  c_fc = new Conv1D(4 * D, D);
  mlp_proj = new Conv1D(D, 4 * D);
  override forward(x: Tensor): Tensor {
    const [q, k, v] = this.c_attn.call(this.ln_1.call(x)).split(D, -1) as Tensor[];
    const T = x.shape[1]!;
    const mask = torch.ones([T, T]).triu(1).bool();
    const att = q!.matmul(k!.transpose(-2, -1)).div(Math.sqrt(D)).masked_fill(mask, -Infinity).softmax(-1);
    const h = x.add(this.c_proj.call(att.matmul(v!)));
    return h.add(this.mlp_proj.call(nn.functional.gelu(this.c_fc.call(this.ln_2.call(h)))));
  }
}

class TinyLM extends nn.Module {
  wte = new nn.Embedding(VOCAB, D);
  h = new nn.ModuleList(Array.from({ length: LAYERS }, () => new Block()));
  ln_f = new nn.LayerNorm(D);
  lm_head = new nn.Linear(D, VOCAB, { bias: false });
  gradient_checkpointing = false;
  override forward(ids: Tensor): Tensor {
    let x = this.wte.call(ids);
    // As transformers: checkpoint only while training.
    const ckpt = this.gradient_checkpointing && this.training;
    // Reentrant checkpointing needs an input that requires grad; the embedding is frozen.
    if (ckpt && !x.requires_grad) x.requires_grad_();
    for (const block of this.h.children()) {
      x = ckpt ? torch.utils.checkpoint.checkpoint((t: Tensor) => block.call(t) as Tensor, x) : (block.call(x) as Tensor);
    }
    return this.lm_head.call(this.ln_f.call(x));
  }
}

function makeModel(): TinyLM {
  torch.manual_seed(0);
  return new TinyLM();
}

/** Toy task: predict (token + 1) mod VOCAB. */
function batch(n: number): [Tensor, Tensor] {
  const ids = torch.randint(VOCAB, [n, SEQ]);
  return [ids, ids.add(1).remainder(VOCAB)];
}

const model = makeModel();
model.gradient_checkpointing = useCheckpoint;
const config = new peft.LoraConfig({ r: 8, lora_alpha: 16, lora_dropout: 0.05, target_modules: ['c_attn', 'c_fc'], fan_in_fan_out: true });
const lora = peft.get_peft_model(model, config);
lora.print_trainable_parameters();

const opt = new optim.AdamW(lora.parameters().filter((p) => p.requires_grad), { lr: 3e-3 });
const started = performance.now();
for (let step = 1; step <= steps; step++) {
  const loss = torch.scope(() => {
    const [ids, target] = batch(16);
    opt.zero_grad();
    const logits = lora.call(ids) as Tensor;
    const l = nn.functional.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1));
    l.backward();
    opt.step();
    return l.item();
  });
  if (step === 1 || step % 10 === 0) console.log(`step ${step}: loss ${loss.toFixed(4)}`);
}
console.log(`${steps} steps in ${((performance.now() - started) / 1000).toFixed(1)} s (checkpointing ${useCheckpoint ? 'on' : 'off'})`);

const dir = mkdtempSync(join(tmpdir(), 'lora-'));
const adapterFile = join(dir, 'adapter_model.pt');
torch.save(peft.get_peft_model_state_dict(lora), adapterFile);
console.log(`adapter state_dict saved: ${adapterFile}`);

lora.eval();
const [ids] = batch(4);
const adapted = torch.no_grad(() => lora.call(ids) as Tensor);
const merged = lora.merge_and_unload() as TinyLM;
const plain = torch.no_grad(() => merged.call(ids));
console.log(`merged vs adapted outputs: max |diff| = ${plain.sub(adapted).abs().max().item().toExponential(2)}`);
