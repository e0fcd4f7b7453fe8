# The Python half of test/ops_parity.test.ts: runs every case of the table
# (written once, as data, in the .ts file) on real PyTorch and encodes each
# result the way the TypeScript half encodes its own. Run through
# test/helpers/python.ts runPython, which prepends `import json, torch, math`.
import warnings

warnings.filterwarnings('ignore')


def _inputs(spec):
    out = {}
    for name, s in spec.items():
        dt = getattr(torch, s['dtype'])
        if 're' in s:
            out[name] = torch.complex(torch.tensor(s['re'], dtype=torch.float64), torch.tensor(s['im'], dtype=torch.float64)).to(dt)
        else:
            out[name] = torch.tensor(s['data'], dtype=dt)
    return out


def _arg(a, inputs):
    if isinstance(a, list):
        return [_arg(x, inputs) for x in a]
    if isinstance(a, dict):
        if 't' in a:
            return inputs[a['t']]
        if 'd' in a:
            return getattr(torch, a['d'])
        if 'g' in a:
            return torch.Generator().manual_seed(a['g'])
        if 'dev' in a:
            return torch.device(a['dev'])
        if 'tuple' in a:
            return tuple(_arg(x, inputs) for x in a['tuple'])
    return a


def _num(v):
    # NaN and infinities as strings: the JSON reader on the other side takes no literals for them.
    if isinstance(v, float) and not math.isfinite(v):
        return 'nan' if v != v else ('inf' if v > 0 else '-inf')
    return v


def _values(t):
    t = t.detach().cpu()
    if t.is_complex():
        vals = torch.view_as_real(t.resolve_conj()).reshape(-1).tolist()
    elif t.dtype in (torch.float16, torch.bfloat16):
        vals = t.float().reshape(-1).tolist()
    else:
        vals = t.reshape(-1).tolist()
    return [_num(v) for v in vals]


def _enc(r):
    if isinstance(r, torch.Tensor):
        return {'dtype': str(r.dtype).replace('torch.', ''), 'shape': list(r.shape), 'values': _values(r)}
    if isinstance(r, (tuple, list)):
        e = {'seq': [_enc(x) for x in r]}
        if hasattr(r, '_fields'):
            e['names'] = list(r._fields)
        return e
    if isinstance(r, torch.dtype):
        return {'dtype_value': str(r).replace('torch.', '')}
    if isinstance(r, torch.Size):
        return {'py': list(r)}
    return {'py': _num(r)}


def _run(case, inputs):
    if 'seed' in case:
        torch.manual_seed(case['seed'])
    args = [_arg(a, inputs) for a in case.get('args', [])]
    kw = {k: _arg(v, inputs) for k, v in case.get('kw', {}).items()}
    if 'm' in case:
        self = inputs[case['self']]
        if case['m'].endswith('_'):
            self = self.clone()
        if case.get('prop'):
            return getattr(self, case['m'])
        return getattr(self, case['m'])(*args, **kw)
    fn = torch
    for part in case['f'].split('.'):
        fn = getattr(fn, part)
    if case['f'].endswith('_') and args and isinstance(args[0], torch.Tensor):
        args[0] = args[0].clone()
    return fn(*args, **kw)


def run_all(path):
    with open(path) as f:
        data = json.load(f)
    inputs = _inputs(data['inputs'])
    results = {}
    for case in data['cases']:
        try:
            results[case['id']] = _enc(_run(case, inputs))
        except Exception as e:  # noqa: BLE001 - the error itself is the reference
            msg = type(e).__name__ + ': ' + str(e).split('\n')[0]
            results[case['id']] = {'error': msg.replace('NaN', 'nan').replace('Infinity', 'inf')}
    return results
