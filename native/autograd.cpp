// Autograd entry points, grad mode, and random-number generators.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/csrc/autograd/autograd.h>
#include <mutex>
#include "errors.h"
#include "instance.h"

namespace tn {
namespace {

std::vector<at::Tensor> tensors_from_js(Instance& inst, const Napi::Value& v, const char* what, bool allow_null) {
  if (!v.IsArray()) throw UserError(std::string(what) + " must be a sequence of Tensors, not " + js_type_name(v));
  auto arr = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value e = arr.Get(k);
    if (allow_null && (e.IsNull() || e.IsUndefined())) out.emplace_back();
    else out.push_back(tensor_from_js(inst, e, what));
  }
  return out;
}

c10::optional<bool> optional_bool(const Napi::Value& v, const char* what) {
  if (v.IsUndefined() || v.IsNull()) return c10::nullopt;
  if (!v.IsBoolean()) throw UserError(std::string("argument '") + what + "' must be bool, not " + js_type_name(v));
  return v.As<Napi::Boolean>().Value();
}

// Python accepts seeds in [-2^63, 2^64); negative ones wrap to unsigned.
uint64_t seed_from_js(const Napi::Value& v) {
  if (v.IsBigInt()) {
    int sign;
    size_t words = 2;
    uint64_t w[2] = {0, 0};
    v.As<Napi::BigInt>().ToWords(&sign, &words, w);
    if (words > 1 || (sign && w[0] > (uint64_t{1} << 63))) throw UserError("Overflow when unpacking long");
    return sign ? uint64_t(0) - w[0] : w[0];
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d)) && !(d >= 9.2233720368547758e18 && d < 1.8446744073709552e19))
      throw UserError("manual_seed(): seed must be an integer, got " + js_type_name(v));
    if (d >= 9.2233720368547758e18) return static_cast<uint64_t>(d);
    return static_cast<uint64_t>(static_cast<int64_t>(d));
  }
  throw UserError("manual_seed(): seed must be an int, not " + js_type_name(v));
}

Napi::Value seed_to_js(Napi::Env env, uint64_t s) {
  if (s <= 9007199254740991ULL) return Napi::Number::New(env, static_cast<double>(s));
  return Napi::BigInt::New(env, s);
}

at::Generator& generator_at(Instance& inst, const Napi::Value& v) {
  int64_t idx = v.IsNumber() ? v.As<Napi::Number>().Int64Value() : -1;
  if (idx < 0 || static_cast<size_t>(idx) >= inst.generators.size() || !inst.generators[idx].defined())
    throw UserError("invalid torch.Generator");
  return inst.generators[idx];
}

void seed_generator(at::Generator g, uint64_t seed) {
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(seed);
}

}  // namespace

// backward(tensors, grad_tensors | null, retain_graph?, create_graph?, inputs?)
TN_ENTRY(backward) {
  Instance& inst = instance(info.Env());
  auto tensors = tensors_from_js(inst, info[0], "tensors", false);
  std::vector<at::Tensor> grads;
  if (!info[1].IsNull() && !info[1].IsUndefined()) grads = tensors_from_js(inst, info[1], "grad_tensors", true);
  auto retain = optional_bool(info[2], "retain_graph");
  bool create = optional_bool(info[3], "create_graph").value_or(false);
  std::vector<at::Tensor> inputs;
  if (!info[4].IsNull() && !info[4].IsUndefined()) inputs = tensors_from_js(inst, info[4], "inputs", false);
  if (grads.empty()) grads.resize(tensors.size());
  torch::autograd::backward(tensors, grads, retain, create, inputs);
  return info.Env().Undefined();
}

// autogradGrad(outputs, inputs, grad_outputs | null, retain_graph?, create_graph?, allow_unused?) -> (handle | null)[]
TN_ENTRY(autogradGrad) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  auto outputs = tensors_from_js(inst, info[0], "outputs", false);
  auto inputs = tensors_from_js(inst, info[1], "inputs", false);
  std::vector<at::Tensor> grad_outputs;
  if (!info[2].IsNull() && !info[2].IsUndefined()) grad_outputs = tensors_from_js(inst, info[2], "grad_outputs", true);
  if (grad_outputs.empty()) grad_outputs.resize(outputs.size());
  auto retain = optional_bool(info[3], "retain_graph");
  bool create = optional_bool(info[4], "create_graph").value_or(false);
  bool allow_unused = optional_bool(info[5], "allow_unused").value_or(false);
  auto result = torch::autograd::grad(outputs, inputs, grad_outputs, retain, create, allow_unused);
  auto arr = Napi::Array::New(env, result.size());
  for (size_t k = 0; k < result.size(); ++k) arr.Set(k, tensor_to_js(env, inst, result[k]));
  return arr;
}

TN_ENTRY(isGradEnabled) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }

TN_ENTRY(setGradEnabled) {
  if (!info[0].IsBoolean()) throw UserError("set_grad_enabled(): argument 'mode' must be bool, not " + js_type_name(info[0]));
  at::GradMode::set_enabled(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

// manualSeed(seed): the CPU generator and every CUDA device's, as torch.manual_seed.
TN_ENTRY(manualSeed) {
  uint64_t seed = seed_from_js(info[0]);
  seed_generator(at::detail::getDefaultCPUGenerator(), seed);
  const auto& cuda = at::detail::getCUDAHooks();
  if (cuda.hasCUDA()) {
    for (int i = 0; i < cuda.getNumGPUs(); ++i) {
      at::Generator g = cuda_default_generator(i);
      seed_generator(g, seed);
    }
  }
  return info.Env().Undefined();
}

TN_ENTRY(initialSeed) {
  return seed_to_js(info.Env(), at::detail::getDefaultCPUGenerator().current_seed());
}

// generatorNew(device?) -> index. Index 0 is never used; "default" creates an alias of the global CPU generator.
TN_ENTRY(generatorNew) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  at::Generator g;
  if (info[0].IsString() && info[0].As<Napi::String>().Utf8Value() == "default") {
    g = at::detail::getDefaultCPUGenerator();
  } else {
    c10::Device dev = info[0].IsUndefined() || info[0].IsNull() ? c10::Device(c10::kCPU) : device_from_js(info[0]);
    if (dev.is_cpu()) {
      g = at::make_generator<at::CPUGeneratorImpl>();
    } else if (dev.is_cuda()) {
      const auto& cuda = at::detail::getCUDAHooks();
      TORCH_CHECK(cuda.hasCUDA(), "Generator(device='", dev.str(), "'): torch-node was built without CUDA or no CUDA device is available");
      // A fresh CUDA generator is a clone of the device's default one, reseeded by the caller.
      g = cuda_default_generator(dev.has_index() ? dev.index() : 0).clone();
    } else {
      throw UserError("Generator(): device type " + dev.str() + " is not supported");
    }
  }
  inst.generators.push_back(std::move(g));
  return Napi::Number::New(env, static_cast<double>(inst.generators.size() - 1));
}

TN_ENTRY(generatorManualSeed) {
  at::Generator& g = generator_at(instance(info.Env()), info[0]);
  seed_generator(g, seed_from_js(info[1]));
  return info.Env().Undefined();
}

TN_ENTRY(generatorInitialSeed) {
  at::Generator& g = generator_at(instance(info.Env()), info[0]);
  return seed_to_js(info.Env(), g.current_seed());
}

TN_ENTRY(generatorDevice) {
  at::Generator& g = generator_at(instance(info.Env()), info[0]);
  return Napi::String::New(info.Env(), g.device().str());
}

TN_ENTRY(generatorGetState) {
  Napi::Env env = info.Env();
  at::Generator& g = generator_at(instance(env), info[0]);
  std::lock_guard<std::mutex> lock(g.mutex());
  return tensor_to_js(env, instance(env), g.get_state());
}

TN_ENTRY(generatorSetState) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  at::Generator& g = generator_at(inst, info[0]);
  const at::Tensor& state = tensor_from_js(inst, info[1], "new_state");
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_state(state);
  return env.Undefined();
}

TN_ENTRY(generatorRelease) {
  Instance& inst = instance(info.Env());
  int64_t idx = info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : -1;
  if (idx > 0 && static_cast<size_t>(idx) < inst.generators.size()) inst.generators[idx] = at::Generator();
  return info.Env().Undefined();
}

void register_autograd(Napi::Env env, Napi::Object exports) {
  exports.Set("backward", Napi::Function::New(env, backward, "backward"));
  exports.Set("autogradGrad", Napi::Function::New(env, autogradGrad, "autogradGrad"));
  exports.Set("isGradEnabled", Napi::Function::New(env, isGradEnabled, "isGradEnabled"));
  exports.Set("setGradEnabled", Napi::Function::New(env, setGradEnabled, "setGradEnabled"));
  exports.Set("manualSeed", Napi::Function::New(env, manualSeed, "manualSeed"));
  exports.Set("initialSeed", Napi::Function::New(env, initialSeed, "initialSeed"));
  exports.Set("generatorNew", Napi::Function::New(env, generatorNew, "generatorNew"));
  exports.Set("generatorManualSeed", Napi::Function::New(env, generatorManualSeed, "generatorManualSeed"));
  exports.Set("generatorInitialSeed", Napi::Function::New(env, generatorInitialSeed, "generatorInitialSeed"));
  exports.Set("generatorDevice", Napi::Function::New(env, generatorDevice, "generatorDevice"));
  exports.Set("generatorGetState", Napi::Function::New(env, generatorGetState, "generatorGetState"));
  exports.Set("generatorSetState", Napi::Function::New(env, generatorSetState, "generatorSetState"));
  exports.Set("generatorRelease", Napi::Function::New(env, generatorRelease, "generatorRelease"));
}

}  // namespace tn
