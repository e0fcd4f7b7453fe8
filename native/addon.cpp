// Module entry: per-environment instance data and the helpers every area shares.
#include <napi.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <ATen/Parallel.h>
#include "errors.h"
#include "instance.h"

namespace tn {

void register_tensor(Napi::Env env, Napi::Object exports);
void register_autograd(Napi::Env env, Napi::Object exports);
void register_cuda(Napi::Env env, Napi::Object exports);
void register_amp(Napi::Env env, Napi::Object exports);
void register_distributed(Napi::Env env, Napi::Object exports);
void register_jit(Napi::Env env, Napi::Object exports);
void register_serialization(Napi::Env env, Napi::Object exports);
void register_custom_function(Napi::Env env, Napi::Object exports);
void register_heap_stats(Napi::Env env, Napi::Object exports);

Instance& instance(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

void drain_released(napi_env env) {
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) == napi_ok && data != nullptr) static_cast<Instance*>(data)->handles.drain();
}

void throw_current_as_js(napi_env env) noexcept {
  try {
    try {
      throw;
    } catch (const Napi::Error& e) {
      e.ThrowAsJavaScriptException();
    } catch (const c10::Error& e) {
      Napi::Error::New(env, clean_torch_message(e)).ThrowAsJavaScriptException();
    } catch (const std::bad_alloc&) {
      Napi::RangeError::New(env, "out of memory: the allocation failed").ThrowAsJavaScriptException();
    } catch (const std::exception& e) {
      Napi::Error::New(env, e.what()).ThrowAsJavaScriptException();
    } catch (...) {
      Napi::Error::New(env, "unknown native error in torch-node").ThrowAsJavaScriptException();
    }
  } catch (...) {
    // Making or throwing the JS Error failed: the environment is going away and nobody can catch it.
  }
}

std::string clean_torch_message(const c10::Error& e) {
  std::string m = e.what_without_backtrace();
  // Some builds still append "Exception raised from ... (most recent call first):" frames.
  auto cut = m.find("\nException raised from ");
  if (cut != std::string::npos) m.erase(cut);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

std::string js_type_name(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "bool";
    case napi_number: {
      double d = v.As<Napi::Number>().DoubleValue();
      return d == static_cast<double>(static_cast<int64_t>(d)) ? "int" : "float";
    }
    case napi_string: return "str";
    case napi_symbol: return "symbol";
    case napi_function: return "function";
    case napi_bigint: return "bigint";
    case napi_object: {
      if (v.IsArray()) return "Array";
      if (v.IsTypedArray()) return "TypedArray";
      Napi::Value ctor = v.As<Napi::Object>().Get("constructor");
      if (ctor.IsFunction()) {
        Napi::Value name = ctor.As<Napi::Object>().Get("name");
        if (name.IsString()) return name.As<Napi::String>().Utf8Value();
      }
      return "object";
    }
    default: return "value";
  }
}

namespace {
struct DtypeName { const char* name; c10::ScalarType type; };
// First entry per type is the canonical name; the rest are PyTorch's aliases.
const DtypeName kDtypes[] = {
    {"float32", c10::kFloat},   {"float64", c10::kDouble},   {"float16", c10::kHalf},
    {"bfloat16", c10::kBFloat16}, {"int8", c10::kChar},      {"int16", c10::kShort},
    {"int32", c10::kInt},       {"int64", c10::kLong},       {"uint8", c10::kByte},
    {"bool", c10::kBool},       {"complex64", c10::kComplexFloat}, {"complex128", c10::kComplexDouble},
    {"complex32", c10::kComplexHalf},
    {"float", c10::kFloat},     {"double", c10::kDouble},    {"half", c10::kHalf},
    {"short", c10::kShort},     {"int", c10::kInt},          {"long", c10::kLong},
    {"cfloat", c10::kComplexFloat}, {"cdouble", c10::kComplexDouble}, {"chalf", c10::kComplexHalf},
};
}  // namespace

c10::ScalarType scalar_type_from_name(const std::string& raw) {
  std::string name = raw.rfind("torch.", 0) == 0 ? raw.substr(6) : raw;
  for (const auto& d : kDtypes) if (name == d.name) return d.type;
  throw UserError("unknown dtype '" + raw + "': expected one of float32, float64, float16, bfloat16, int8, int16, int32, int64, uint8, bool, complex64, complex128");
}

const char* scalar_type_name(c10::ScalarType t) {
  for (const auto& d : kDtypes) if (d.type == t) return d.name;
  return c10::toString(t);
}

c10::Device device_from_js(const Napi::Value& v) {
  std::string s;
  if (v.IsString()) {
    s = v.As<Napi::String>().Utf8Value();
  } else if (v.IsObject()) {
    // a torch.device object: { type: 'cuda', index: 1 | null }
    auto o = v.As<Napi::Object>();
    Napi::Value type = o.Get("type");
    Napi::Value index = o.Get("index");
    if (!type.IsString()) throw UserError("expected a torch.device or a device string such as 'cpu' or 'cuda:0', got " + js_type_name(v));
    s = type.As<Napi::String>().Utf8Value();
    if (index.IsNumber()) s += ":" + std::to_string(index.As<Napi::Number>().Int64Value());
  } else if (v.IsNumber()) {
    s = "cuda:" + std::to_string(v.As<Napi::Number>().Int64Value());  // PyTorch: an int means a CUDA ordinal
  } else {
    throw UserError("expected a torch.device or a device string such as 'cpu' or 'cuda:0', got " + js_type_name(v));
  }
  try {
    return c10::Device(s);
  } catch (const c10::Error&) {
    throw UserError("Expected one of cpu, cuda, ... device type at start of device string: " + s);
  }
}

const at::Tensor& tensor_from_js(Instance& inst, const Napi::Value& v, const char* what) {
  napi_env env = v.Env();
  napi_valuetype type;
  napi_typeof(env, v, &type);
  double d;
  if (type == napi_number && napi_get_value_double(env, v, &d) == napi_ok) return inst.handles.get(d);
  if (type == napi_object) {
    napi_value h;
    if (napi_get_property(env, v, inst.handle_key.Value(), &h) == napi_ok && napi_get_value_double(env, h, &d) == napi_ok)
      return inst.handles.get(d);
  }
  throw UserError(std::string("argument '") + what + "' must be Tensor, not " + js_type_name(v));
}

// setKeys(handleKey, generatorKey): the symbols under which lib/ stores handles on its objects.
TN_ENTRY(setKeys) {
  if (!info[0].IsSymbol() || !info[1].IsSymbol()) throw UserError("setKeys(): expected two symbols");
  Instance& inst = instance(info.Env());
  inst.handle_key = Napi::Persistent(info[0].As<Napi::Symbol>());
  inst.generator_key = Napi::Persistent(info[1].As<Napi::Symbol>());
  return info.Env().Undefined();
}

// Intra-op and inter-op thread pools, as torch.set_num_threads and friends.
static int positive_int(const Napi::CallbackInfo& info, const char* fn) {
  int64_t n = 0;
  bool is_int = info.Length() > 0 && info[0].IsNumber() &&
                (n = info[0].As<Napi::Number>().Int64Value(), static_cast<double>(n) == info[0].As<Napi::Number>().DoubleValue());
  if (!is_int) throw UserError(std::string(fn) + " expects an int, but got " + js_type_name(info[0]));
  if (n <= 0 || n > INT32_MAX) throw UserError(std::string(fn) + " expects a positive integer");
  return static_cast<int>(n);
}
TN_ENTRY(setNumThreads) {
  at::set_num_threads(positive_int(info, "set_num_threads"));
  return info.Env().Undefined();
}
TN_ENTRY(getNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }
TN_ENTRY(setNumInteropThreads) {
  // libtorch allows this once, before any inter-op work; its own error says so.
  at::set_num_interop_threads(positive_int(info, "set_num_interop_threads"));
  return info.Env().Undefined();
}
TN_ENTRY(getNumInteropThreads) { return Napi::Number::New(info.Env(), at::get_num_interop_threads()); }

}  // namespace tn

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // As Python's torch does on import: without it oneDNN starts with OpenMP's default
  // thread count, and the first convolutions sum in a different order than Python's.
  at::init_num_threads();
  auto* inst = new tn::Instance(env);
  exports.Set("setKeys", Napi::Function::New(env, tn::setKeys, "setKeys"));
  exports.Set("setNumThreads", Napi::Function::New(env, tn::setNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, tn::getNumThreads, "getNumThreads"));
  exports.Set("setNumInteropThreads", Napi::Function::New(env, tn::setNumInteropThreads, "setNumInteropThreads"));
  exports.Set("getNumInteropThreads", Napi::Function::New(env, tn::getNumInteropThreads, "getNumInteropThreads"));
  inst->generators.emplace_back();  // index 0: "no generator"
  env.SetInstanceData<tn::Instance>(inst);
  tn::register_ops(env, exports);
  tn::register_tensor(env, exports);
  tn::register_autograd(env, exports);
  tn::register_cuda(env, exports);
  tn::register_amp(env, exports);
  tn::register_distributed(env, exports);
  tn::register_jit(env, exports);
  tn::register_serialization(env, exports);
  tn::register_custom_function(env, exports);
  tn::register_heap_stats(env, exports);
  return exports;
}

NODE_API_MODULE(torch_node, Init)
