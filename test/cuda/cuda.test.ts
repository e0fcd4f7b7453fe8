// torch.cuda and devices. On a CPU-only libtorch (here, CI) every call that
// needs a GPU must fail as Python does ("Torch not compiled with CUDA enabled")
// and the memory figures are 0; the GPU block runs only where a GPU is visible
// and otherwise is reported as skipped with the reason.
import { describe, expect, it } from 'vitest';
import * as torch from '../../lib/index.js';
import { nn } from '../../lib/index.js';
import { explainCudaError } from '../../lib/cuda/errors.js';
import { python, pythonMissingReason, runPython } from '../helpers/python.js';

const HAS_GPU = torch.cuda.is_available();
const NO_GPU_REASON = 'skipped: no CUDA GPU visible (this libtorch is ' + (torch.cuda.is_built() ? 'a CUDA build' : 'CPU-only') + ')';
if (!HAS_GPU) console.warn(`test/cuda GPU tests ${NO_GPU_REASON}`);

function thrown(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
}

describe('torch.device', () => {
  it("parses 'cuda:1', ('cuda', 1), 'cuda' and refuses bad strings", () => {
    const d = new torch.device('cuda:1');
    expect([d.type, d.index, d.toString()]).toEqual(['cuda', 1, 'cuda:1']);
    expect(new torch.device('cuda', 1).equals('cuda:1')).toBe(true);
    expect(new torch.device('cuda').index).toBeNull();
    expect(() => new torch.device('gpu')).toThrow('device type at start of device string: gpu');
    expect(() => new torch.device('cuda:1', 2)).toThrow('must not include an index because index was passed explicitly');
    expect(() => torch.cuda._get_device_index('cpu')).toThrow('Expected a cuda device, but got: cpu');
    expect(torch.cuda._get_device_index('cuda:3')).toBe(3);
    expect(torch.cuda._get_device_index(null)).toBe(-1);
  });
});

describe.skipIf(HAS_GPU)('torch.cuda without a GPU', () => {
  it.skipIf(!python)(`answers as Python does on a CPU-only torch ${pythonMissingReason}`, () => {
    const ref = runPython<Record<string, string>>(`
out = {}
for name, f in [('is_available', torch.cuda.is_available), ('device_count', torch.cuda.device_count),
                ('memory_allocated', torch.cuda.memory_allocated), ('memory_reserved', torch.cuda.memory_reserved),
                ('max_memory_allocated', torch.cuda.max_memory_allocated), ('empty_cache', torch.cuda.empty_cache),
                ('manual_seed', lambda: torch.cuda.manual_seed(1)), ('manual_seed_all', lambda: torch.cuda.manual_seed_all(1)),
                ('current_device', torch.cuda.current_device), ('synchronize', torch.cuda.synchronize),
                ('get_device_name', torch.cuda.get_device_name), ('cuda()', lambda: torch.zeros(2).cuda()),
                ('to', lambda: torch.zeros(2).to('cuda:1')), ('zeros', lambda: torch.zeros(2, device='cuda'))]:
    try:
        out[name] = repr(f())
    except Exception as e:
        out[name] = 'Error: ' + str(e)
`);
    const ours: Record<string, string> = {};
    const py = (v: unknown): string => (v === undefined ? 'None' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
    const cases: [string, () => unknown][] = [
      ['is_available', torch.cuda.is_available], ['device_count', torch.cuda.device_count],
      ['memory_allocated', () => torch.cuda.memory_allocated()], ['memory_reserved', () => torch.cuda.memory_reserved()],
      ['max_memory_allocated', () => torch.cuda.max_memory_allocated()], ['empty_cache', torch.cuda.empty_cache],
      ['manual_seed', () => torch.cuda.manual_seed(1)], ['manual_seed_all', () => torch.cuda.manual_seed_all(1)],
      ['current_device', torch.cuda.current_device], ['synchronize', () => torch.cuda.synchronize()],
      ['get_device_name', () => torch.cuda.get_device_name()], ['cuda()', () => torch.zeros(2).cuda()],
      // ops that reach libtorch's dispatcher: the bridge's error path turns the dispatcher's words into Python's
      ['to', () => { try { return torch.zeros(2).to('cuda:1'); } catch (e) { throw explainCudaError(e); } }],
      ['zeros', () => { try { return torch.zeros([2], { device: 'cuda' }); } catch (e) { throw explainCudaError(e); } }],
    ];
    for (const [name, f] of cases) {
      try {
        ours[name] = py(f());
      } catch (e) {
        ours[name] = 'Error: ' + (e as Error).message;
      }
    }
    for (const name of Object.keys(ref)) {
      if (ref[name]!.startsWith('Error: ')) expect(ours[name], name).toMatch(new RegExp('^' + ref[name]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      else expect(ours[name], name).toBe(ref[name]);
    }
  });

  it('says what is wrong when a module, a generator or a load asks for CUDA', () => {
    expect(thrown(() => new nn.Linear(2, 2).cuda())).toMatch(/PyTorch is not linked with support for cuda devices|Torch not compiled with CUDA enabled/);
    const e = explainCudaError(new Error(thrown(() => new nn.Linear(2, 2).cuda()))) as Error;
    expect(e.message).toMatch(/^Torch not compiled with CUDA enabled: this addon links a CPU-only libtorch/);
    expect(thrown(() => torch.cuda.reset_peak_memory_stats())).toBe('Torch not compiled with CUDA enabled');
    expect(thrown(() => torch.cuda.set_device('cuda:0'))).toBe('Torch not compiled with CUDA enabled');
    expect(thrown(() => torch.cuda.mem_get_info())).toBe('Torch not compiled with CUDA enabled');
    // errors that have nothing to do with CUDA are left alone
    const other = new Error('mat1 and mat2 shapes cannot be multiplied');
    expect(explainCudaError(other)).toBe(other);
  });
});

describe.skipIf(!HAS_GPU)(`torch.cuda on a GPU ${HAS_GPU ? '' : NO_GPU_REASON}`, () => {
  it('reports devices, names and memory, and moves tensors and modules there and back', () => {
    expect(torch.cuda.device_count()).toBeGreaterThan(0);
    expect(torch.cuda.current_device()).toBe(0);
    expect(torch.cuda.get_device_name(0).length).toBeGreaterThan(0);
    torch.cuda.empty_cache();
    const before = torch.cuda.memory_allocated();
    const t = torch.arange(1024 * 1024, { dtype: 'float32' }).cuda();
    expect(t.device.toString()).toBe('cuda:0');
    expect(t.is_cuda).toBe(true);
    expect(torch.cuda.memory_allocated()).toBeGreaterThanOrEqual(before + 4 * 1024 * 1024);
    expect(torch.cuda.max_memory_allocated()).toBeGreaterThanOrEqual(torch.cuda.memory_allocated());
    expect(torch.cuda.memory_reserved()).toBeGreaterThanOrEqual(torch.cuda.memory_allocated());
    const back = t.cpu();
    expect(back.sum().item()).toBe(((1024 * 1024 - 1) * 1024 * 1024) / 2);
    t.dispose();
    torch.cuda.synchronize();
    const [free, total] = torch.cuda.mem_get_info();
    expect(free).toBeGreaterThan(0);
    expect(total).toBeGreaterThanOrEqual(free);
    torch.cuda.reset_peak_memory_stats();
    const m = new nn.Linear(8, 4).cuda();
    expect(m.weight.device.toString()).toBe('cuda:0');
    expect(m.call(torch.randn(2, 8).cuda()).device.toString()).toBe('cuda:0');
    m.cpu();
    expect(m.weight.device.toString()).toBe('cpu');
  });

  it('seeds CUDA generators reproducibly', () => {
    torch.cuda.manual_seed_all(7);
    const a = torch.randn([4], { device: 'cuda' }).cpu();
    torch.cuda.manual_seed(7);
    const b = torch.randn([4], { device: 'cuda' }).cpu();
    expect(torch.equal(a, b)).toBe(true);
  });

  it('autocast on CUDA runs matmul in float16 and bfloat16, and GradScaler steps with the fused kernels', () => {
    const a = torch.randn([16, 16], { device: 'cuda' }), b = torch.randn([16, 16], { device: 'cuda' });
    expect(torch.autocast('cuda', () => a.matmul(b)).dtype).toBe('float16');
    expect(torch.autocast('cuda', { dtype: 'bfloat16' }, () => a.matmul(b)).dtype).toBe('bfloat16');
    const model = new nn.Linear(16, 4).cuda();
    const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
    const scaler = new torch.amp.GradScaler('cuda', { init_scale: 1024, growth_interval: 1 });
    const loss = torch.autocast('cuda', () => model.call(a).float().pow(2).mean());
    scaler.scale(loss).backward();
    scaler.step(opt);
    scaler.update();
    expect(scaler.get_scale()).toBe(2048);
  });

  it('map_location moves a checkpoint between cpu and cuda', () => {
    const t = torch.arange(6, { dtype: 'float32' });
    const path = `/tmp/torch-node-cuda-${process.pid}.pt`;
    torch.save({ t: t.cuda() }, path);
    const onCpu = torch.load(path, { map_location: 'cpu' }) as Map<string, torch.Tensor> | Record<string, torch.Tensor>;
    const tt = onCpu instanceof Map ? onCpu.get('t')! : onCpu.t!;
    expect(tt.device.toString()).toBe('cpu');
    const onGpu = torch.load(path) as Map<string, torch.Tensor> | Record<string, torch.Tensor>;
    const tg = onGpu instanceof Map ? onGpu.get('t')! : onGpu.t!;
    expect(tg.device.toString()).toBe('cuda:0');
  });
});
