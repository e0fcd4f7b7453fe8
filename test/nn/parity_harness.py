# The Python half of the nn parity tests (test/nn/parity.ts is the TS half):
# each case seeds, builds a module from a Python expression, records its
# state_dict, draws inputs, runs forward, backpropagates random output
# gradients, and records outputs, input and parameter gradients and the
# state after forward. Both halves draw in the same order from the same
# generator, so everything can be compared value for value.
import json, math
import torch
import torch.nn as nn
import torch.nn.functional as F


class Fn(nn.Module):
    """A module around a function, for testing nn.functional through the same harness."""
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, *xs):
        return self.f(*xs)


def flat(t):
    if t.dtype == torch.bool:
        return [bool(v) for v in t.reshape(-1).tolist()]
    return [float(v) if t.is_floating_point() else int(v) for v in t.detach().reshape(-1).tolist()]


def make_input(spec):
    kind = spec['kind']
    shape = spec.get('shape', [])
    dtype = getattr(torch, spec['dtype']) if 'dtype' in spec else None
    if kind == 'randn':
        t = torch.randn(shape, dtype=dtype)
    elif kind == 'rand':
        t = torch.rand(shape, dtype=dtype)
    elif kind == 'randint':
        t = torch.randint(spec.get('low', 0), spec['high'], shape)
    elif kind == 'softmax':
        t = torch.randn(shape, dtype=dtype).softmax(-1)
    elif kind == 'log_softmax':
        t = torch.randn(shape, dtype=dtype).log_softmax(-1)
    elif kind == 'mask':
        t = torch.rand(shape) < spec.get('p', 0.3)
    elif kind == 'const':
        t = torch.tensor(spec['values'], dtype=dtype)
    elif kind == 'none':
        return None
    else:
        raise ValueError(kind)
    if spec.get('grad', True) and t.is_floating_point() and kind not in ('const',):
        t.requires_grad_(True)
    return t


def tensors_of(out):
    if out is None:
        return []
    if isinstance(out, torch.Tensor):
        return [out]
    res = []
    for o in out:
        res.extend(tensors_of(o))
    return res


def run_case(c):
    torch.manual_seed(c['seed'])
    m = eval(c['py'])
    if c.get('eval'):
        m.eval()
    if c.get('double'):
        m.double()
    sd = m.state_dict()
    rec = {'keys': list(sd.keys()), 'init': {k: flat(v) for k, v in sd.items()}}
    torch.manual_seed(c['seed'] + 1)
    xs = [make_input(s) for s in c['inputs']]
    if c.get('double'):
        xs = [x.detach().double().requires_grad_(x.requires_grad) if x is not None and x.is_floating_point() else x for x in xs]
    call = c.get('call_py')
    with torch.set_grad_enabled(not c.get('no_grad', False)):
        out = eval(call) if call else m(*xs)
    outs = tensors_of(out)
    rec['outputs'] = [flat(o) for o in outs]
    rec['shapes'] = [list(o.shape) for o in outs]
    if c.get('grad', True) and not c.get('no_grad', False):
        loss = None
        for o in outs:
            if o.requires_grad:
                g = torch.randn_like(o)
                term = (o * g).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()
        rec['input_grads'] = [flat(x.grad) if x is not None and getattr(x, 'grad', None) is not None else None for x in xs]
        rec['param_grads'] = {n: (flat(p.grad) if p.grad is not None else None) for n, p in m.named_parameters()}
    rec['after'] = {k: flat(v) for k, v in m.state_dict().items()}
    return rec


def run_cases(cases):
    res = {}
    for c in cases:
        try:
            res[c['name']] = run_case(c)
        except Exception as e:  # reported by the TS side
            res[c['name']] = {'error': f'{type(e).__name__}: {e}'}
    return res
