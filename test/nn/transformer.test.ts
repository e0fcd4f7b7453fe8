// MultiheadAttention, TransformerEncoderLayer, TransformerEncoder against
// PyTorch, in training (with gradients) and in eval under no_grad (the fused
// fast paths PyTorch takes there).
import { nn } from '../../lib/index.js';
import { parityTests, type ParityCase } from './parity.js';

const selfAttn = (m: any, xs: any[]) => m.call(xs[0], xs[0], xs[0]);
const cases: ParityCase[] = [
  { name: 'MultiheadAttention self', seed: 140, py: 'nn.MultiheadAttention(8, 2)', ts: () => new nn.MultiheadAttention(8, 2), inputs: [{ kind: 'randn', shape: [5, 3, 8] }], call_py: 'm(xs[0], xs[0], xs[0])', call_ts: selfAttn },
  { name: 'MultiheadAttention q, k, v', seed: 141, py: 'nn.MultiheadAttention(8, 4)', ts: () => new nn.MultiheadAttention(8, 4), inputs: [{ kind: 'randn', shape: [4, 2, 8] }, { kind: 'randn', shape: [6, 2, 8] }, { kind: 'randn', shape: [6, 2, 8] }] },
  {
    name: 'MultiheadAttention batch_first, kdim/vdim, masks', seed: 142,
    py: 'nn.MultiheadAttention(6, 3, kdim=4, vdim=5, batch_first=True)', ts: () => new nn.MultiheadAttention(6, 3, { kdim: 4, vdim: 5, batch_first: true }),
    inputs: [{ kind: 'randn', shape: [2, 3, 6] }, { kind: 'randn', shape: [2, 5, 4] }, { kind: 'randn', shape: [2, 5, 5] }, { kind: 'mask', shape: [2, 5], p: 0.3 }, { kind: 'randn', shape: [3, 5], grad: false }],
    call_py: 'm(xs[0], xs[1], xs[2], key_padding_mask=xs[3], attn_mask=xs[4], average_attn_weights=False)',
    call_ts: (m, xs) => m.call(xs[0], xs[1], xs[2], { key_padding_mask: xs[3], attn_mask: xs[4], average_attn_weights: false }),
  },
  {
    name: 'MultiheadAttention bias_kv, zero_attn, no bias, need_weights=False', seed: 143,
    py: 'nn.MultiheadAttention(4, 2, bias=False, add_bias_kv=True, add_zero_attn=True)', ts: () => new nn.MultiheadAttention(4, 2, { bias: false, add_bias_kv: true, add_zero_attn: true }),
    inputs: [{ kind: 'randn', shape: [3, 2, 4] }, { kind: 'mask', shape: [3, 3] }],
    call_py: 'm(xs[0], xs[0], xs[0], attn_mask=xs[1], need_weights=False)', call_ts: (m, xs) => m.call(xs[0], xs[0], xs[0], { attn_mask: xs[1], need_weights: false }),
  },
  { name: 'MultiheadAttention dropout (training)', seed: 144, py: 'nn.MultiheadAttention(4, 2, dropout=0.5)', ts: () => new nn.MultiheadAttention(4, 2, { dropout: 0.5 }), inputs: [{ kind: 'randn', shape: [3, 2, 4] }], call_py: 'm(xs[0], xs[0], xs[0])', call_ts: selfAttn },
  { name: 'MultiheadAttention unbatched', seed: 145, py: 'nn.MultiheadAttention(4, 2)', ts: () => new nn.MultiheadAttention(4, 2), inputs: [{ kind: 'randn', shape: [3, 4] }], call_py: 'm(xs[0], xs[0], xs[0])', call_ts: selfAttn },
  {
    name: 'MultiheadAttention fast path (eval, no_grad, batch_first)', seed: 146, py: 'nn.MultiheadAttention(8, 2, batch_first=True)', ts: () => new nn.MultiheadAttention(8, 2, { batch_first: true }),
    inputs: [{ kind: 'randn', shape: [2, 5, 8] }, { kind: 'mask', shape: [2, 5], p: 0.2 }], eval: true, no_grad: true,
    call_py: 'm(xs[0], xs[0], xs[0], key_padding_mask=xs[1])', call_ts: (m, xs) => m.call(xs[0], xs[0], xs[0], { key_padding_mask: xs[1] }),
  },
  { name: 'TransformerEncoderLayer', seed: 147, py: 'nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)', ts: () => new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16 }), inputs: [{ kind: 'randn', shape: [5, 3, 8] }] },
  {
    name: 'TransformerEncoderLayer batch_first, norm_first, gelu, eval', seed: 148,
    py: "nn.TransformerEncoderLayer(8, 4, 12, 0.2, 'gelu', batch_first=True, norm_first=True)", ts: () => new nn.TransformerEncoderLayer(8, 4, 12, 0.2, 'gelu', { batch_first: true, norm_first: true }),
    inputs: [{ kind: 'randn', shape: [2, 5, 8] }], eval: true,
  },
  {
    name: 'TransformerEncoderLayer masks', seed: 149, py: 'nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)', ts: () => new nn.TransformerEncoderLayer(4, 2, 8, 0.0),
    inputs: [{ kind: 'randn', shape: [5, 2, 4] }, { kind: 'mask', shape: [5, 5], p: 0.2 }, { kind: 'mask', shape: [2, 5], p: 0.2 }],
    call_py: 'm(xs[0], src_mask=xs[1], src_key_padding_mask=xs[2])', call_ts: (m, xs) => m.call(xs[0], { src_mask: xs[1], src_key_padding_mask: xs[2] }),
  },
  {
    name: 'TransformerEncoderLayer fast path (eval, no_grad)', seed: 150, py: 'nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)', ts: () => new nn.TransformerEncoderLayer(8, 2, 16, { batch_first: true }),
    inputs: [{ kind: 'randn', shape: [2, 4, 8] }], eval: true, no_grad: true,
  },
  {
    name: 'TransformerEncoder (3 layers, deep-copied, final norm)', seed: 151,
    py: 'nn.TransformerEncoder(nn.TransformerEncoderLayer(6, 2, 10), 3, norm=nn.LayerNorm(6))', ts: () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(6, 2, 10), 3, { norm: new nn.LayerNorm(6) }),
    inputs: [{ kind: 'randn', shape: [4, 2, 6] }],
  },
  {
    name: 'TransformerEncoder nested-tensor fast path (eval, no_grad, padding mask)', seed: 152,
    py: 'nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2)', ts: () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, 16, { batch_first: true }), 2),
    inputs: [{ kind: 'randn', shape: [2, 5, 8] }, { kind: 'const', values: [[false, false, false, true, true], [false, false, false, false, false]], dtype: 'bool' }],
    eval: true, no_grad: true, call_py: 'm(xs[0], src_key_padding_mask=xs[1])', call_ts: (m, xs) => m.call(xs[0], { src_key_padding_mask: xs[1] }),
  },
];

await parityTests('transformer', cases);
