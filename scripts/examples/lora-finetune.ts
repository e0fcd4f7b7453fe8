// LoRA fine-tuning of a small GPT-2 on a text file, end to end:
//
//   npx tsx scripts/examples/lora-finetune.ts [--steps 120] [--checkpoint] [--text FILE]
//       [--log-every 10] [--batch 8] [--seq 64] [--lr 0.01] [--seed 0]
//
// The model is transformers' GPT2LMHeadModel (lib/models/transformers) in a small
// configuration: 2 layers, n_embd 64, 4 heads and a byte-level vocabulary of 256,
// so each byte of the text is one token and no tokenizer is needed. A real GPT-2
// checkpoint has a 50,257-token BPE vocabulary: docs/models.md says how to load one
// with from_pretrained and where its tokenizer comes from.
//
// No byte-level GPT-2 weights come with this repository, so the "pretrained" base is
// a freshly initialised model (transformers' init, with a larger initializer_range:
// see below), written with save_pretrained and read back with from_pretrained as a
// downloaded one would be. The loss therefore starts near uniform (ln 256 = 5.55) and
// what the adapters learn is mostly the text's byte statistics. Then:
//   1. LoRA adapters (peft) on every block's attn.c_attn, a Conv1D, so fan_in_fan_out;
//      only they train (AdamW); the training loss is printed every --log-every steps;
//   2. with --checkpoint, the GPT-2 blocks run through torch.utils.checkpoint
//      (gradient_checkpointing_enable; the frozen embeddings' output is made to
//      require grad, as the reentrant algorithm needs);
//   3. the adapter-only state_dict is saved with torch.save, loaded into a fresh copy
//      of the base, and gives the same held-out loss;
//   4. merge_and_unload() folds the adapters into c_attn's weights: the plain
//      GPT2LMHeadModel that comes out gives the adapted model's logits.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../lib/index.js';
import { optim, peft, type Tensor } from '../../lib/index.js';
import { GPT2Config, GPT2LMHeadModel, logging } from '../../lib/models/transformers/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_TEXT = join(HERE, 'data', 'lighthouse.txt');

export interface FinetuneOptions {
  steps: number;
  /** Run the GPT-2 blocks through torch.utils.checkpoint while training. */
  checkpoint: boolean;
  text: string;
  logEvery: number;
  batch: number;
  seq: number;
  lr: number;
  seed: number;
  log: (line: string) => void;
}

export const DEFAULTS: FinetuneOptions = {
  steps: 120, checkpoint: false, text: DEFAULT_TEXT, logEvery: 10, batch: 8, seq: 64, lr: 1e-2, seed: 0, log: console.log,
};

export interface FinetuneResult {
  /** [step, mean training loss over the steps since the previous entry]. */
  trainLosses: [number, number][];
  evalBefore: number;
  evalAfter: number;
  /** The held-out loss of a fresh base with the saved adapters loaded. */
  evalReloaded: number;
  /** Largest |logit difference| between the adapted model and its merge_and_unload(). */
  mergeMaxDiff: number;
  /** The keys of the saved adapter state_dict. */
  adapterKeys: string[];
  trainSeconds: number;
}

/** The text as one int64 token per byte. */
function readBytes(path: string): Tensor {
  const bytes = readFileSync(path);
  return torch.tensor(Array.from(bytes), { dtype: 'int64' });
}

/** `batch` windows of `seq` tokens starting at random offsets. */
function randomWindows(data: Tensor, batch: number, seq: number): Tensor {
  const starts = torch.randint(data.size(0) - seq, [batch, 1]);
  const index = starts.add(torch.arange(seq).unsqueeze(0));
  return data.index_select(0, index.flatten()).view(batch, seq);
}

/** Consecutive non-overlapping windows (at most `max`): the fixed held-out batch. */
function heldOutWindows(data: Tensor, seq: number, max: number): Tensor {
  const n = Math.min(max, Math.floor(data.size(0) / seq));
  if (n < 1) throw new Error(`the held-out part of the text has ${data.size(0)} bytes, fewer than --seq ${seq}`);
  return data.narrow(0, 0, n * seq).view(n, seq);
}

/**
 * `steps` AdamW steps on random windows of `data`, training `params`; returns
 * [step, mean loss since the previous entry] every `every` steps and at the end.
 */
function trainSteps(
  model: peft.PeftModel | GPT2LMHeadModel, params: Tensor[], data: Tensor, o: FinetuneOptions, steps: number, lr: number, every: number,
  report: (step: number, loss: number) => void = () => {},
): [number, number][] {
  const opt = new optim.AdamW(params, { lr });
  const losses: [number, number][] = [];
  let sum = 0;
  let count = 0;
  model.train();
  for (let step = 1; step <= steps; step++) {
    sum += torch.scope(() => {
      const ids = randomWindows(data, o.batch, o.seq);
      opt.zero_grad();
      const loss = (model.call(ids, { labels: ids }) as { loss: Tensor }).loss;
      loss.backward();
      opt.step();
      return loss.item();
    });
    count++;
    if (step % every === 0 || step === steps) {
      losses.push([step, sum / count]);
      report(step, sum / count);
      sum = 0;
      count = 0;
    }
  }
  return losses;
}

function lossOf(model: peft.PeftModel | GPT2LMHeadModel, ids: Tensor): number {
  return torch.scope(() => {
    model.eval();
    return torch.no_grad(() => (model.call(ids, { labels: ids }) as { loss: Tensor }).loss.item());
  });
}

function logitsOf(model: peft.PeftModel | GPT2LMHeadModel, ids: Tensor): Tensor {
  model.eval();
  return torch.no_grad(() => (model.call(ids) as { logits: Tensor }).logits);
}

export function finetune(opts: Partial<FinetuneOptions> = {}): FinetuneResult {
  const o: FinetuneOptions = { ...DEFAULTS, ...opts };
  const log = o.log;
  logging.set_verbosity_error(); // from_pretrained's notes about the tied lm_head are noise here
  const work = mkdtempSync(join(tmpdir(), 'lora-finetune-'));
  try {
    const data = readBytes(o.text);
    const split = Math.floor(data.size(0) * 0.9);
    const train = data.narrow(0, 0, split);
    const heldOut = heldOutWindows(data.narrow(0, split, data.size(0) - split), o.seq, 8);
    log(`text: ${o.text} (${data.size(0)} bytes; ${split} for training, ${heldOut.numel()} held out)`);

    // The base model, saved as a Hugging Face folder. Its weights stay frozen, lm_head
    // (tied to wte) included, so with GPT-2's initializer_range of 0.02 the logits could
    // hardly leave the uniform distribution (|logit| <= 0.02 * n_embd); 0.1 leaves the
    // adapters room to move them.
    torch.manual_seed(o.seed);
    const config = new GPT2Config({
      vocab_size: 256, n_positions: 128, n_embd: 64, n_layer: 2, n_head: 4, initializer_range: 0.1, bos_token_id: 10, eos_token_id: 10,
    });
    if (o.seq > config.n_positions) throw new Error(`--seq ${o.seq} exceeds the model's n_positions (${config.n_positions})`);
    const baseDir = join(work, 'base');
    new GPT2LMHeadModel(config).save_pretrained(baseDir);
    const base = GPT2LMHeadModel.from_pretrained(baseDir);
    if (o.checkpoint) {
      base.gradient_checkpointing_enable();
      base.enable_input_require_grads();
    }

    const loraConfig = new peft.LoraConfig({ r: 8, lora_alpha: 16, lora_dropout: 0.05, target_modules: ['c_attn'], fan_in_fan_out: true });
    const model = peft.get_peft_model(base, loraConfig);
    model.print_trainable_parameters();

    const evalBefore = lossOf(model, heldOut);
    log(`held-out loss before: ${evalBefore.toFixed(4)} (uniform over 256 bytes: ${Math.log(256).toFixed(4)})`);

    const started = performance.now();
    const trainLosses = trainSteps(model, model.parameters().filter((p) => p.requires_grad), train, o, o.steps, o.lr, o.logEvery,
      (step, loss) => log(`step ${String(step).padStart(4)}: loss ${loss.toFixed(4)}`));
    const trainSeconds = (performance.now() - started) / 1000;
    log(`${o.steps} steps in ${trainSeconds.toFixed(1)} s (gradient checkpointing ${o.checkpoint ? 'on' : 'off'})`);
    const evalAfter = lossOf(model, heldOut);
    log(`held-out loss after: ${evalAfter.toFixed(4)}`);

    // The adapters alone, saved and loaded into a fresh copy of the base.
    const adapterFile = join(work, 'adapter_model.pt');
    const adapter = peft.get_peft_model_state_dict(model);
    const adapterKeys = [...adapter.keys()];
    torch.save(adapter, adapterFile);
    log(`adapter state_dict saved: ${adapterKeys.length} tensors, ${statSync(adapterFile).size} bytes (${adapterKeys[0]}, ...)`);
    const reloaded = peft.get_peft_model(GPT2LMHeadModel.from_pretrained(baseDir), loraConfig);
    const { unexpected_keys } = peft.set_peft_model_state_dict(reloaded, torch.load<Map<string, Tensor>>(adapterFile));
    if (unexpected_keys.length > 0) throw new Error(`the adapter file has keys the model lacks: ${unexpected_keys.join(', ')}`);
    const evalReloaded = lossOf(reloaded, heldOut);
    log(`reloaded into a fresh base: held-out loss ${evalReloaded.toFixed(4)} (|difference| ${Math.abs(evalReloaded - evalAfter).toExponential(2)})`);

    // Merged: a plain GPT2LMHeadModel whose c_attn weights include the adapters.
    const adapted = logitsOf(reloaded, heldOut);
    const merged = reloaded.merge_and_unload() as GPT2LMHeadModel;
    const mergedLogits = logitsOf(merged, heldOut);
    const mergeMaxDiff = mergedLogits.sub(adapted).abs().max().item();
    log(`merge_and_unload: ${merged.constructor.name} with no LoRA layers left: ${!merged.named_modules().some(([n]) => n.includes('lora_'))}; ` +
      `logits max |difference| from the adapted model ${mergeMaxDiff.toExponential(2)}, held-out loss ${lossOf(merged, heldOut).toFixed(4)}`);
    return { trainLosses, evalBefore, evalAfter, evalReloaded, mergeMaxDiff, adapterKeys, trainSeconds };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function parseArgs(argv: readonly string[]): Partial<FinetuneOptions> {
  const out: Partial<FinetuneOptions> = {};
  const numeric: Record<string, keyof FinetuneOptions> = {
    '--steps': 'steps', '--log-every': 'logEvery', '--batch': 'batch', '--seq': 'seq', '--lr': 'lr', '--seed': 'seed',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--checkpoint') out.checkpoint = true;
    else if (arg === '--text') out.text = resolve(argv[++i] ?? '');
    else if (arg in numeric) {
      const value = Number(argv[++i]);
      const isInt = arg !== '--lr';
      if (!Number.isFinite(value) || value < 0 || (isInt && !Number.isInteger(value)) || (arg !== '--seed' && value === 0)) {
        throw new Error(`${arg} expects a positive ${isInt ? 'integer' : 'number'}, got ${argv[i] ?? 'nothing'}`);
      }
      (out as Record<string, number>)[numeric[arg]!] = value;
    } else throw new Error(`unknown option ${arg}; expected --steps N, --checkpoint, --text FILE, --log-every N, --batch N, --seq N, --lr X, --seed N`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  finetune(parseArgs(process.argv.slice(2)));
}
