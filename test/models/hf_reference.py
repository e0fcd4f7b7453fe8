"""A compact plain-PyTorch reference of Hugging Face's BERT and GPT-2 (eager attention),
written from transformers' modeling_bert.py / modeling_gpt2.py with HF's exact module
and parameter names, so that its state_dicts are HF's. transformers itself is not
installed here; this file is the oracle the TypeScript models are compared with.

Functions called by test/models/{bert,gpt2}.test.ts (through runPython):
  write_bert(dir, layout) / write_gpt2(dir, layout): random weights for a small config,
      saved as HF folders (config.json + pytorch_model.bin), in HF's current layout or
      as older published checkpoints look (prefixes, gamma/beta, stored buffers).
  bert_outputs(dir, ...) / gpt2_outputs(dir, ...): the reference outputs for that folder.
  base_keys(kind): (key, shape) of the full-size base configs, and parameter counts.
"""
import json
import math
import os
from types import SimpleNamespace

import torch
from torch import nn

# ---- configs (HF defaults) ------------------------------------------------------------

BERT_DEFAULTS = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                     intermediate_size=3072, hidden_act="gelu", hidden_dropout_prob=0.1,
                     attention_probs_dropout_prob=0.1, max_position_embeddings=512, type_vocab_size=2,
                     initializer_range=0.02, layer_norm_eps=1e-12, pad_token_id=0, classifier_dropout=None,
                     num_labels=2, problem_type=None)
GPT2_DEFAULTS = dict(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12, n_inner=None,
                     activation_function="gelu_new", resid_pdrop=0.1, embd_pdrop=0.1, attn_pdrop=0.1,
                     layer_norm_epsilon=1e-5, initializer_range=0.02, scale_attn_weights=True,
                     scale_attn_by_inverse_layer_idx=False, reorder_and_upcast_attn=False,
                     pad_token_id=None, num_labels=2, problem_type=None)


def config(defaults, **kw):
    c = dict(defaults)
    c.update(kw)
    if "id2label" in c:
        c["num_labels"] = len(c["id2label"])
    return SimpleNamespace(**c)


# ---- activations (transformers/activations.py) ---------------------------------------

class GELUActivation(nn.Module):
    def forward(self, x):
        return nn.functional.gelu(x)


class NewGELUActivation(nn.Module):
    def forward(self, input):
        return 0.5 * input * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (input + 0.044715 * torch.pow(input, 3.0))))


class FastGELUActivation(nn.Module):
    def forward(self, input):
        return 0.5 * input * (1.0 + torch.tanh(input * 0.7978845608 * (1.0 + 0.044715 * input * input)))


class QuickGELUActivation(nn.Module):
    def forward(self, input):
        return input * torch.sigmoid(1.702 * input)


class GELUPythonActivation(nn.Module):
    def forward(self, input):
        return input * 0.5 * (1.0 + torch.erf(input / math.sqrt(2.0)))


ACT = {"gelu": GELUActivation, "gelu_new": NewGELUActivation, "gelu_fast": FastGELUActivation,
       "quick_gelu": QuickGELUActivation, "gelu_python": GELUPythonActivation, "relu": nn.ReLU}


class Conv1D(nn.Module):
    """transformers.pytorch_utils.Conv1D: a Linear with its weight stored (nx, nf)."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


def cls_loss(c, num_labels, logits, labels):
    if c.problem_type is None:
        if num_labels == 1:
            c.problem_type = "regression"
        elif labels.dtype in (torch.long, torch.int):
            c.problem_type = "single_label_classification"
        else:
            c.problem_type = "multi_label_classification"
    if c.problem_type == "regression":
        return nn.functional.mse_loss(logits.squeeze(), labels.squeeze()) if num_labels == 1 else nn.functional.mse_loss(logits, labels)
    if c.problem_type == "single_label_classification":
        return nn.functional.cross_entropy(logits.view(-1, num_labels), labels.view(-1))
    return nn.functional.binary_cross_entropy_with_logits(logits, labels)


# ---- BERT -----------------------------------------------------------------------------

class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings).expand((1, -1)), persistent=False)
        self.register_buffer("token_type_ids", torch.zeros(1, c.max_position_embeddings, dtype=torch.long), persistent=False)

    def forward(self, input_ids, token_type_ids=None, position_ids=None):
        b, n = input_ids.shape
        if position_ids is None:
            position_ids = self.position_ids[:, :n]
        if token_type_ids is None:
            token_type_ids = self.token_type_ids[:, :n].expand(b, n)
        e = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        e = e + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(e))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_attention_heads = c.num_attention_heads
        self.attention_head_size = int(c.hidden_size / c.num_attention_heads)
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(c.hidden_size, self.all_head_size)
        self.key = nn.Linear(c.hidden_size, self.all_head_size)
        self.value = nn.Linear(c.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(c.attention_probs_dropout_prob)

    def t(self, x):
        return x.view(x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)).permute(0, 2, 1, 3)

    def forward(self, h, mask=None):
        q, k, v = self.t(self.query(h)), self.t(self.key(h)), self.t(self.value(h))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.attention_head_size)
        if mask is not None:
            scores = scores + mask
        probs = self.dropout(nn.functional.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.size()[:-2] + (self.all_head_size,)), probs


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, h, x):
        return self.LayerNorm(self.dropout(self.dense(h)) + x)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, h, mask=None):
        ctx, probs = self.self(h, mask)
        return self.output(ctx, h), probs


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)
        self.intermediate_act_fn = ACT[c.hidden_act]()

    def forward(self, h):
        return self.intermediate_act_fn(self.dense(h))


class BertOutput(BertSelfOutput):
    def __init__(self, c):
        super().__init__(c)
        self.dense = nn.Linear(c.intermediate_size, c.hidden_size)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, h, mask=None):
        a, probs = self.attention(h, mask)
        return self.output(self.intermediate(a), a), probs


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c.num_hidden_layers)])


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, h):
        return self.activation(self.dense(h[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        h = self.embeddings(input_ids, token_type_ids)
        mask = None
        if attention_mask is not None:
            m = attention_mask[:, None, None, :].to(h.dtype)
            mask = (1.0 - m) * torch.finfo(h.dtype).min
        hidden, attns = [], []
        for layer in self.encoder.layer:
            hidden.append(h)
            h, probs = layer(h, mask)
            attns.append(probs)
        hidden.append(h)
        return h, self.pooler(h), hidden, attns


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = c.num_labels
        self.bert = BertModel(c)
        self.dropout = nn.Dropout(c.classifier_dropout if c.classifier_dropout is not None else c.hidden_dropout_prob)
        self.classifier = nn.Linear(c.hidden_size, c.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        _, pooled, _, _ = self.bert(input_ids, attention_mask, token_type_ids)
        logits = self.classifier(self.dropout(pooled))
        loss = cls_loss(self.config, self.num_labels, logits, labels) if labels is not None else None
        return logits, loss


# ---- GPT-2 ----------------------------------------------------------------------------

class GPT2Attention(nn.Module):
    def __init__(self, c, layer_idx=None):
        super().__init__()
        n = c.n_positions
        self.register_buffer("bias", torch.tril(torch.ones((n, n), dtype=torch.bool)).view(1, 1, n, n), persistent=False)
        self.register_buffer("masked_bias", torch.tensor(-1e4), persistent=False)
        self.embed_dim = c.n_embd
        self.num_heads = c.n_head
        self.head_dim = self.embed_dim // self.num_heads
        self.split_size = self.embed_dim
        self.scale_attn_weights = c.scale_attn_weights
        self.scale_attn_by_inverse_layer_idx = c.scale_attn_by_inverse_layer_idx
        self.layer_idx = layer_idx
        self.c_attn = Conv1D(3 * self.embed_dim, self.embed_dim)
        self.c_proj = Conv1D(self.embed_dim, self.embed_dim)
        self.attn_dropout = nn.Dropout(c.attn_pdrop)
        self.resid_dropout = nn.Dropout(c.resid_pdrop)

    def _attn(self, q, k, v, attention_mask=None):
        w = torch.matmul(q, k.transpose(-1, -2))
        if self.scale_attn_weights:
            w = w / torch.full([], v.size(-1) ** 0.5, dtype=w.dtype, device=w.device)
        if self.scale_attn_by_inverse_layer_idx:
            w = w / float(self.layer_idx + 1)
        ql, kl = q.size(-2), k.size(-2)
        causal = self.bias[:, :, kl - ql: kl, :kl]
        w = torch.where(causal, w, torch.full([], torch.finfo(w.dtype).min, dtype=w.dtype, device=w.device))
        if attention_mask is not None:
            w = w + attention_mask
        w = self.attn_dropout(nn.functional.softmax(w, dim=-1).type(v.dtype))
        return torch.matmul(w, v), w

    def split(self, t):
        return t.view(t.size()[:-1] + (self.num_heads, self.head_dim)).permute(0, 2, 1, 3)

    def merge(self, t):
        t = t.permute(0, 2, 1, 3).contiguous()
        return t.view(t.size()[:-2] + (self.num_heads * self.head_dim,))

    def forward(self, h, layer_past=None, attention_mask=None):
        q, k, v = self.c_attn(h).split(self.split_size, dim=2)
        q, k, v = self.split(q), self.split(k), self.split(v)
        if layer_past is not None:
            k = torch.cat((layer_past[0], k), dim=-2)
            v = torch.cat((layer_past[1], v), dim=-2)
        out, w = self._attn(q, k, v, attention_mask)
        return self.resid_dropout(self.c_proj(self.merge(out))), (k, v), w


class GPT2MLP(nn.Module):
    def __init__(self, inner, c):
        super().__init__()
        self.c_fc = Conv1D(inner, c.n_embd)
        self.c_proj = Conv1D(c.n_embd, inner)
        self.act = ACT[c.activation_function]()
        self.dropout = nn.Dropout(c.resid_pdrop)

    def forward(self, h):
        return self.dropout(self.c_proj(self.act(self.c_fc(h))))


class GPT2Block(nn.Module):
    def __init__(self, c, layer_idx=None):
        super().__init__()
        inner = c.n_inner if c.n_inner is not None else 4 * c.n_embd
        self.ln_1 = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.attn = GPT2Attention(c, layer_idx)
        self.ln_2 = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.mlp = GPT2MLP(inner, c)

    def forward(self, h, layer_past=None, attention_mask=None):
        a, present, w = self.attn(self.ln_1(h), layer_past, attention_mask)
        h = a + h
        return h + self.mlp(self.ln_2(h)), present, w


class GPT2Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.wpe = nn.Embedding(c.n_positions, c.n_embd)
        self.drop = nn.Dropout(c.embd_pdrop)
        self.h = nn.ModuleList([GPT2Block(c, i) for i in range(c.n_layer)])
        self.ln_f = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)

    def forward(self, input_ids, past_key_values=None, attention_mask=None, position_ids=None, token_type_ids=None):
        b, n = input_ids.shape
        past_length = 0 if past_key_values is None else past_key_values[0][0].size(-2)
        if position_ids is None:
            position_ids = torch.arange(past_length, n + past_length, dtype=torch.long).unsqueeze(0)
        h = self.wte(input_ids) + self.wpe(position_ids)
        mask = None
        if attention_mask is not None:
            m = attention_mask.view(b, -1)[:, None, None, :].to(h.dtype)
            mask = (1.0 - m) * torch.finfo(h.dtype).min
        if token_type_ids is not None:
            h = h + self.wte(token_type_ids)
        h = self.drop(h)
        hidden, presents, attns = [], [], []
        for i, block in enumerate(self.h):
            hidden.append(h)
            h, present, w = block(h, None if past_key_values is None else past_key_values[i], mask)
            presents.append(present)
            attns.append(w)
        h = self.ln_f(h)
        hidden.append(h)
        return h, presents, hidden, attns


class GPT2LMHeadModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = GPT2Model(c)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied, as HF's tie_weights

    def forward(self, input_ids, labels=None, **kw):
        h, presents, hidden, attns = self.transformer(input_ids, **kw)
        logits = self.lm_head(h)
        loss = None
        if labels is not None:
            sl = logits[..., :-1, :].contiguous()
            lab = labels[..., 1:].contiguous()
            loss = nn.functional.cross_entropy(sl.view(-1, sl.size(-1)), lab.view(-1))
        return logits, loss, presents, hidden, attns


class GPT2ForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = c.num_labels
        self.transformer = GPT2Model(c)
        self.score = nn.Linear(c.n_embd, c.num_labels, bias=False)

    def forward(self, input_ids, attention_mask=None, labels=None):
        h, _, _, _ = self.transformer(input_ids, attention_mask=attention_mask)
        logits = self.score(h)
        b, n = input_ids.shape
        # HF >= 4.48: the right-most token that is not padding.
        non_pad = (input_ids != self.config.pad_token_id).to(torch.long)
        last = (torch.arange(n, dtype=torch.long) * non_pad).argmax(-1)
        pooled = logits[torch.arange(b), last]
        loss = cls_loss(self.config, self.num_labels, pooled, labels) if labels is not None else None
        return pooled, loss


# ---- fixtures -------------------------------------------------------------------------

SMALL_BERT = dict(vocab_size=99, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                  max_position_embeddings=40, type_vocab_size=2, pad_token_id=0, layer_norm_eps=1e-12)
SMALL_GPT2 = dict(vocab_size=101, n_positions=32, n_embd=64, n_layer=2, n_head=4)


@torch.no_grad()
def randomize(model, seed):
    """Weights far from HF's small init, so that every parameter visibly matters."""
    g = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():
        if "LayerNorm" in name or ".ln_" in name or name.startswith("ln_") or "ln_f" in name:
            base = 1.0 if name.endswith("weight") else 0.0
            p.copy_(base + 0.1 * torch.randn(p.shape, generator=g))
        elif name.endswith("bias"):
            p.copy_(0.1 * torch.randn(p.shape, generator=g))
        else:
            p.copy_(0.3 * torch.randn(p.shape, generator=g))


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)


def write_bert(d, layout="hf", seed=0, num_labels=2):
    """layout 'hf': BertForSequenceClassification as save_pretrained writes it (bin format).
    'published': a BertForPreTraining-style checkpoint as bert-base-uncased's pytorch_model.bin:
    bert.* with LayerNorm gamma/beta, bert.embeddings.position_ids stored, cls.* heads."""
    os.makedirs(d, exist_ok=True)
    c = config(BERT_DEFAULTS, **SMALL_BERT, num_labels=num_labels)
    torch.manual_seed(seed)
    model = BertForSequenceClassification(c)
    randomize(model, seed)
    sd = model.state_dict()
    cfg = dict(SMALL_BERT, model_type="bert", hidden_act="gelu", architectures=["BertForSequenceClassification"])
    if num_labels != 2:
        cfg["id2label"] = {str(i): f"LABEL_{i}" for i in range(num_labels)}
        cfg["label2id"] = {f"LABEL_{i}": i for i in range(num_labels)}
    if layout == "published":
        g = torch.Generator().manual_seed(seed + 1)
        out = {}
        for k, v in sd.items():
            if not k.startswith("bert."):
                continue
            k = k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
            out[k] = v
        out["bert.embeddings.position_ids"] = torch.arange(c.max_position_embeddings).expand((1, -1))
        h, v = c.hidden_size, c.vocab_size
        for k, shape in [("cls.predictions.bias", (v,)), ("cls.predictions.transform.dense.weight", (h, h)),
                         ("cls.predictions.transform.dense.bias", (h,)), ("cls.predictions.transform.LayerNorm.gamma", (h,)),
                         ("cls.predictions.transform.LayerNorm.beta", (h,)), ("cls.predictions.decoder.weight", (v, h)),
                         ("cls.seq_relationship.weight", (2, h)), ("cls.seq_relationship.bias", (2,))]:
            out[k] = torch.randn(shape, generator=g)
        sd = out
        cfg["architectures"] = ["BertForPreTraining"]
    torch.save(sd, os.path.join(d, "pytorch_model.bin"))
    write_json(os.path.join(d, "config.json"), cfg)
    return {"keys": list(sd.keys())}


def load_bert(d, num_labels=2):
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    c = config(BERT_DEFAULTS, **{k: v for k, v in cfg.items() if k in BERT_DEFAULTS})
    c.num_labels = len(cfg["id2label"]) if "id2label" in cfg else num_labels
    model = BertForSequenceClassification(c)
    sd = torch.load(os.path.join(d, "pytorch_model.bin"))
    sd = {k.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias"): v for k, v in sd.items()}
    if not any(k.startswith("bert.") for k in sd):
        sd = {"bert." + k: v for k, v in sd.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in sd]
    model.load_state_dict({k: v for k, v in sd.items() if k in own}, strict=False)
    return model.eval(), missing


def tl(t):
    return t.detach().tolist()


def bert_outputs(d, input_ids, attention_mask, token_type_ids, labels, grads=()):
    model, missing = load_bert(d)
    ids = torch.tensor(input_ids)
    am = torch.tensor(attention_mask)
    tt = torch.tensor(token_type_ids)
    last, pooled, hidden, attns = model.bert(ids, am, tt)
    logits, loss = model(ids, am, tt, torch.tensor(labels))
    loss.backward()
    named = dict(model.named_parameters())
    no_mask = model.bert(ids)
    return {"last_hidden_state": tl(last), "pooler_output": tl(pooled), "hidden_states": [tl(h) for h in hidden],
            "attentions": [tl(a) for a in attns], "logits": tl(logits), "loss": loss.item(), "missing": missing,
            "grads": {k: tl(named[k].grad) for k in grads}, "no_mask_last": tl(no_mask[0])}


def write_gpt2(d, layout="hf", seed=0):
    """layout 'hf': GPT2LMHeadModel as save_pretrained(safe_serialization=False) writes it:
    transformer.* plus lm_head.weight sharing wte's storage.
    'published': as the original gpt2 pytorch_model.bin: GPT2Model keys without prefix,
    the h.N.attn.bias / masked_bias buffers stored, no lm_head.weight."""
    os.makedirs(d, exist_ok=True)
    c = config(GPT2_DEFAULTS, **SMALL_GPT2)
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(c)
    randomize(model, seed)
    sd = model.state_dict()
    cfg = dict(SMALL_GPT2, model_type="gpt2", activation_function="gelu_new", n_ctx=SMALL_GPT2["n_positions"],
               architectures=["GPT2LMHeadModel"], bos_token_id=100, eos_token_id=100,
               task_specific_params={"text-generation": {"do_sample": True, "max_length": 50}})
    if layout == "published":
        out = {}
        n = c.n_positions
        for k, v in sd.items():
            if k.startswith("transformer."):
                out[k[len("transformer."):]] = v
        for i in range(c.n_layer):
            out[f"h.{i}.attn.bias"] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
            out[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
        sd = out
    torch.save(sd, os.path.join(d, "pytorch_model.bin"))
    write_json(os.path.join(d, "config.json"), cfg)
    return {"keys": list(sd.keys())}


def load_gpt2(d, cls=GPT2LMHeadModel, **kw):
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    c = config(GPT2_DEFAULTS, **{k: v for k, v in cfg.items() if k in GPT2_DEFAULTS}, **kw)
    model = cls(c)
    sd = torch.load(os.path.join(d, "pytorch_model.bin"))
    if not any(k.startswith("transformer.") for k in sd):
        sd = {"transformer." + k: v for k, v in sd.items()}
    own = model.state_dict()
    model.load_state_dict({k: v for k, v in sd.items() if k in own}, strict=False)
    return model.eval()


def gpt2_outputs(d, input_ids, attention_mask, labels, grads=()):
    model = load_gpt2(d)
    ids = torch.tensor(input_ids)
    am = torch.tensor(attention_mask)
    logits, loss, presents, hidden, attns = model(ids, torch.tensor(labels), attention_mask=am)
    loss.backward()
    named = dict(model.named_parameters())
    plain = model(ids)[0]
    # Incremental decoding: the first n-2 tokens, then the last 2 with the cache.
    n = ids.shape[1]
    _, _, past, _, _ = model(ids[:, : n - 2])
    step = model(ids[:, n - 2:], past_key_values=past)[0]
    # Position ids given explicitly, and token_type_ids (added through wte, as HF).
    pos = torch.arange(n).flip(0).unsqueeze(0)
    with_pos = model(ids, position_ids=pos, token_type_ids=torch.ones_like(ids))[0]
    return {"logits": tl(logits), "loss": loss.item(), "plain_logits": tl(plain), "step_logits": tl(step),
            "hidden_states": [tl(h) for h in hidden], "attentions": [tl(a) for a in attns],
            "present_0_key": tl(presents[0][0]), "with_pos_logits": tl(with_pos),
            "grads": {k: tl(named[k].grad) for k in grads}}


def gpt2_cls_outputs(d, input_ids, attention_mask, labels, pad_token_id, score_weight):
    model = load_gpt2(d, GPT2ForSequenceClassification, pad_token_id=pad_token_id, num_labels=len(score_weight))
    with torch.no_grad():
        model.score.weight.copy_(torch.tensor(score_weight))
    pooled, loss = model(torch.tensor(input_ids), torch.tensor(attention_mask), torch.tensor(labels))
    return {"logits": tl(pooled), "loss": loss.item()}


def activations(x):
    t = torch.tensor(x)
    return {name: tl(cls()(t)) for name, cls in ACT.items()}


def conv1d(x, nf, nx, seed):
    torch.manual_seed(seed)
    layer = Conv1D(nf, nx)
    with torch.no_grad():
        layer.bias.normal_()
    t = torch.tensor(x)
    return {"weight": tl(layer.weight), "bias": tl(layer.bias), "out": tl(layer(t))}


def base_keys(kind):
    """(key, shape) of the full-size base configs and their parameter counts. The layers'
    random init is switched off while building: only names and shapes are wanted."""
    saved = {n: getattr(nn.init, n) for n in ("kaiming_uniform_", "uniform_", "normal_")}
    for n in saved:
        setattr(nn.init, n, lambda t, *a, **k: t)
    try:
        if kind == "bert":
            head, prefix = BertForSequenceClassification(config(BERT_DEFAULTS)), "bert."
        else:
            head, prefix = GPT2LMHeadModel(config(GPT2_DEFAULTS)), "transformer."
    finally:
        for n, f in saved.items():
            setattr(nn.init, n, f)
    base = getattr(head, prefix[:-1])
    return {"base": [[k, list(v.shape)] for k, v in base.state_dict().items()],
            "head": [[k, list(v.shape)] for k, v in head.state_dict().items()],
            "base_params": sum(p.numel() for p in base.parameters()),
            "head_params": sum(p.numel() for p in head.parameters())}
