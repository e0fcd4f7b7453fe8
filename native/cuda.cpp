// torch.cuda: devices, seeds and the caching allocator's statistics.
//
// Device management goes through c10's device-guard registry and ATen's CUDA
// hooks, which torch_cuda fills in at load time, so this part needs no CUDA
// headers and compiles against CPU libtorch too (where it reports no devices).
// What only the CUDA runtime or the caching allocator can answer (memory
// statistics, empty_cache, device names, free memory) is compiled only when
// CMake found a CUDA libtorch and the CUDA headers (TORCH_NODE_CUDA); a CPU
// build includes no CUDA header.
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <mutex>
#include "errors.h"
#include "instance.h"

#ifdef TORCH_NODE_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>
#endif

namespace tn {

namespace {

// Python's message when torch has no CUDA at all (torch.cuda._lazy_init).
const char* kNotCompiled = "Torch not compiled with CUDA enabled";

bool compiled_with_cuda() {
  // c10_cuda registers CUDA's device guard when it loads: true for any CUDA libtorch, GPU or not.
  return c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA);
}

int device_count() {
  const auto& hooks = at::detail::getCUDAHooks();
  return hooks.hasCUDA() ? hooks.getNumGPUs() : 0;
}

// Throws Python's errors when CUDA cannot be used at all.
void require_cuda() {
  if (!compiled_with_cuda()) throw UserError(kNotCompiled);
  if (device_count() == 0) throw UserError("No CUDA GPUs are available");
}

// A device index argument: a number, or undefined/null for the current device (-1).
int device_arg(const Napi::Value& v, const char* fn) {
  if (v.IsUndefined() || v.IsNull()) return -1;
  if (!v.IsNumber()) throw UserError(std::string(fn) + "(): device must be an int, not " + js_type_name(v));
  int64_t i = v.As<Napi::Number>().Int64Value();
  int n = device_count();
  if (i < -1 || i >= n) {
    throw UserError(std::string(fn) + "(): invalid device ordinal " + std::to_string(i) + ": " + std::to_string(n) +
                    " CUDA device(s) visible (expected 0.." + std::to_string(n - 1) + ")");
  }
  return static_cast<int>(i);
}

const c10::impl::DeviceGuardImplInterface* cuda_guard_impl() {
  return c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA);
}

int current_device() { return cuda_guard_impl()->getDevice().index(); }

int resolve(int index) { return index < 0 ? current_device() : index; }

}  // namespace

const at::Generator& cuda_default_generator(int index) {
  return at::globalContext().defaultGenerator(c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(index)));
}

namespace {

void seed_cuda_generator(int index, uint64_t seed) {
  at::Generator g = cuda_default_generator(index);
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(seed);
}

uint64_t seed_arg(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless = false;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) throw UserError("manual_seed(): seed must be an int, got " + std::to_string(d));
    return static_cast<uint64_t>(static_cast<int64_t>(d));
  }
  throw UserError("manual_seed(): seed must be an int, not " + js_type_name(v));
}

}  // namespace

TN_ENTRY(cudaIsAvailable) { return Napi::Boolean::New(info.Env(), device_count() > 0); }

TN_ENTRY(cudaDeviceCount) { return Napi::Number::New(info.Env(), device_count()); }

// Whether this addon was built against a CUDA libtorch (false: every CUDA call says "not compiled").
TN_ENTRY(cudaCompiled) { return Napi::Boolean::New(info.Env(), compiled_with_cuda()); }

TN_ENTRY(cudaCurrentDevice) {
  require_cuda();
  return Napi::Number::New(info.Env(), current_device());
}

TN_ENTRY(cudaSetDevice) {
  require_cuda();
  int index = device_arg(info[0], "set_device");
  // As Python: a negative index is a no-op.
  if (index >= 0) cuda_guard_impl()->setDevice(c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(index)));
  return info.Env().Undefined();
}

TN_ENTRY(cudaSynchronize) {
  require_cuda();
  int index = resolve(device_arg(info[0], "synchronize"));
  at::detail::getCUDAHooks().deviceSynchronize(index);
  return info.Env().Undefined();
}

// cudaManualSeed(seed, all): the current device's generator, or every device's.
// Without CUDA it does nothing, as Python (which queues the call until CUDA initialises).
TN_ENTRY(cudaManualSeed) {
  uint64_t seed = seed_arg(info[0]);
  bool all = info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  int n = device_count();
  if (n == 0) return info.Env().Undefined();
  if (all) {
    for (int i = 0; i < n; ++i) seed_cuda_generator(i, seed);
  } else {
    seed_cuda_generator(current_device(), seed);
  }
  return info.Env().Undefined();
}

TN_ENTRY(cudaGetDeviceName) {
  require_cuda();
  int index = resolve(device_arg(info[0], "get_device_name"));
#ifdef TORCH_NODE_CUDA
  cudaDeviceProp prop;
  cudaError_t err = cudaGetDeviceProperties(&prop, index);
  if (err != cudaSuccess) throw UserError(std::string("get_device_name(): ") + cudaGetErrorString(err));
  return Napi::String::New(info.Env(), prop.name);
#else
  (void)index;
  throw UserError("get_device_name(): this addon was built without the CUDA headers; rebuild it against a CUDA libtorch with the CUDA toolkit installed");
#endif
}

// cudaMemoryStats(device) -> {allocated, reserved, peakAllocated, peakReserved} of the caching allocator.
// Without CUDA all zero, as Python's memory_allocated() etc. before CUDA is initialised.
TN_ENTRY(cudaMemoryStats) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  double allocated = 0, reserved = 0, peak_allocated = 0, peak_reserved = 0;
#ifdef TORCH_NODE_CUDA
  if (device_count() > 0) {
    int index = resolve(device_arg(info[0], "memory_stats"));
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(index));
    // Index 0 is StatType::AGGREGATE in every version (the enum moved namespaces in 2.x).
    allocated = static_cast<double>(stats.allocated_bytes[0].current);
    peak_allocated = static_cast<double>(stats.allocated_bytes[0].peak);
    reserved = static_cast<double>(stats.reserved_bytes[0].current);
    peak_reserved = static_cast<double>(stats.reserved_bytes[0].peak);
  }
#endif
  out.Set("allocated", allocated);
  out.Set("reserved", reserved);
  out.Set("peakAllocated", peak_allocated);
  out.Set("peakReserved", peak_reserved);
  return out;
}

TN_ENTRY(cudaResetPeakMemoryStats) {
  require_cuda();
  int index = resolve(device_arg(info[0], "reset_peak_memory_stats"));
#ifdef TORCH_NODE_CUDA
  c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(index));
#else
  (void)index;
  throw UserError("reset_peak_memory_stats(): this addon was built without the CUDA headers");
#endif
  return info.Env().Undefined();
}

// Releases the caching allocator's unused blocks; without CUDA nothing to do (as Python).
TN_ENTRY(cudaEmptyCache) {
#ifdef TORCH_NODE_CUDA
  if (device_count() > 0) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  return info.Env().Undefined();
}

// cudaMemGetInfo(device) -> [free, total] bytes as the driver reports them (cudaMemGetInfo).
TN_ENTRY(cudaMemGetInfo) {
  require_cuda();
  int index = resolve(device_arg(info[0], "mem_get_info"));
#ifdef TORCH_NODE_CUDA
  c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(index));
  size_t free_bytes = 0, total_bytes = 0;
  cudaError_t err = cudaMemGetInfo(&free_bytes, &total_bytes);
  if (err != cudaSuccess) throw UserError(std::string("mem_get_info(): ") + cudaGetErrorString(err));
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(free_bytes)));
  out.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(total_bytes)));
  return out;
#else
  (void)index;
  throw UserError("mem_get_info(): this addon was built without the CUDA headers");
#endif
}

void register_cuda(Napi::Env env, Napi::Object exports) {
#define TN_EXPORT(name) exports.Set(#name, Napi::Function::New(env, name, #name))
  TN_EXPORT(cudaIsAvailable);
  TN_EXPORT(cudaDeviceCount);
  TN_EXPORT(cudaCompiled);
  TN_EXPORT(cudaCurrentDevice);
  TN_EXPORT(cudaSetDevice);
  TN_EXPORT(cudaSynchronize);
  TN_EXPORT(cudaManualSeed);
  TN_EXPORT(cudaGetDeviceName);
  TN_EXPORT(cudaMemoryStats);
  TN_EXPORT(cudaResetPeakMemoryStats);
  TN_EXPORT(cudaEmptyCache);
  TN_EXPORT(cudaMemGetInfo);
#undef TN_EXPORT
}

}  // namespace tn
