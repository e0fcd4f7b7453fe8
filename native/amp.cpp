// Mixed precision: libtorch's thread-local autocast state (what torch.autocast
// sets on enter and restores on exit), and a kernel lookup that lets
// GradScaler use libtorch's fused _amp_* kernels where the device has them.
#include <ATen/autocast_mode.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/version.h>
#include "errors.h"
#include "instance.h"

// libtorch 2.4 replaced the per-device autocast functions (set_enabled,
// set_cpu_enabled, set_autocast_gpu_dtype, ...) by ones taking a DeviceType;
// the old names were deprecated and later removed.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define TN_AUTOCAST_BY_DEVICE 1
#else
#define TN_AUTOCAST_BY_DEVICE 0
#endif

namespace tn {

namespace {

c10::DeviceType autocast_device(const Napi::Value& v) {
  std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (s == "cpu") return c10::DeviceType::CPU;
  if (s == "cuda") return c10::DeviceType::CUDA;
  throw UserError("User specified autocast device_type must be 'cuda' or 'cpu'");
}

bool autocast_enabled(c10::DeviceType d) {
#if TN_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(d);
#else
  return d == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}

void set_autocast_enabled(c10::DeviceType d, bool on) {
#if TN_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(d, on);
#else
  if (d == c10::DeviceType::CPU) at::autocast::set_cpu_enabled(on);
  else at::autocast::set_enabled(on);
#endif
}

c10::ScalarType autocast_dtype(c10::DeviceType d) {
#if TN_AUTOCAST_BY_DEVICE
  return at::autocast::get_autocast_dtype(d);
#else
  return d == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
#endif
}

void set_autocast_dtype(c10::DeviceType d, c10::ScalarType t) {
#if TN_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_dtype(d, t);
#else
  if (d == c10::DeviceType::CPU) at::autocast::set_autocast_cpu_dtype(t);
  else at::autocast::set_autocast_gpu_dtype(t);
#endif
}

}  // namespace

// autocastState(device_type) -> {enabled, dtype, cacheEnabled}
TN_ENTRY(autocastState) {
  Napi::Env env = info.Env();
  c10::DeviceType d = autocast_device(info[0]);
  Napi::Object out = Napi::Object::New(env);
  out.Set("enabled", autocast_enabled(d));
  out.Set("dtype", scalar_type_name(autocast_dtype(d)));
  out.Set("cacheEnabled", at::autocast::is_autocast_cache_enabled());
  return out;
}

// autocastSetState(device_type, enabled, dtype, cacheEnabled)
TN_ENTRY(autocastSetState) {
  c10::DeviceType d = autocast_device(info[0]);
  if (!info[1].IsBoolean() || !info[2].IsString() || !info[3].IsBoolean()) {
    throw UserError("autocastSetState(device_type, enabled: bool, dtype: str, cache_enabled: bool): bad arguments");
  }
  set_autocast_enabled(d, info[1].As<Napi::Boolean>().Value());
  set_autocast_dtype(d, scalar_type_from_name(info[2].As<Napi::String>().Utf8Value()));
  at::autocast::set_autocast_cache_enabled(info[3].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

TN_ENTRY(autocastIncrementNesting) { return Napi::Number::New(info.Env(), at::autocast::increment_nesting()); }

TN_ENTRY(autocastDecrementNesting) { return Napi::Number::New(info.Env(), at::autocast::decrement_nesting()); }

// The casts autocast cached for leaf tensors (weights) while the outermost region was open.
TN_ENTRY(autocastClearCache) {
  at::autocast::clear_cache();
  return info.Env().Undefined();
}

// opHasKernel(name, overload, dispatchKey): whether libtorch has a kernel for the op on that
// backend ("CPU", "CUDA"), e.g. _amp_update_scale_ has CPU kernels only since 2.x.
TN_ENTRY(opHasKernel) {
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsString()) throw UserError("opHasKernel(name, overload, key): expected three strings");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string key = info[2].As<Napi::String>().Utf8Value();
  c10::DispatchKey k;
  if (key == "CPU") k = c10::DispatchKey::CPU;
  else if (key == "CUDA") k = c10::DispatchKey::CUDA;
  else throw UserError("opHasKernel(): dispatch key must be 'CPU' or 'CUDA', got '" + key + "'");
  auto op = c10::Dispatcher::singleton().findSchema({"aten::" + name, info[1].As<Napi::String>().Utf8Value()});
  return Napi::Boolean::New(info.Env(), op.has_value() && op->hasKernelForDispatchKey(k));
}

void register_amp(Napi::Env env, Napi::Object exports) {
#define TN_EXPORT(name) exports.Set(#name, Napi::Function::New(env, name, #name))
  TN_EXPORT(autocastState);
  TN_EXPORT(autocastSetState);
  TN_EXPORT(autocastIncrementNesting);
  TN_EXPORT(autocastDecrementNesting);
  TN_EXPORT(autocastClearCache);
  TN_EXPORT(opHasKernel);
#undef TN_EXPORT
}

}  // namespace tn
