// Per-environment (per worker_thread) state of the addon.
#pragma once
#include <napi.h>
#include <ATen/core/Generator.h>
#include <ATen/core/ivalue.h>
#include <memory>
#include <string>
#include <unordered_map>
#include "handles.h"
#include "ops.h"

namespace tn {

struct Instance {
  explicit Instance(napi_env env) : handles(env) {}
  HandleTable handles;
  std::vector<std::unique_ptr<OpSpec>> ops;
  std::unordered_map<std::string, double> op_ids;  // "add.Tensor" -> index in ops
  std::vector<std::unique_ptr<std::vector<c10::IValue>>> stack_pool;  // argument stacks for op calls
  size_t stack_depth = 0;
  std::vector<at::Generator> generators;           // torch.Generator objects; index 0 is unused
  // Symbols under which a JS Tensor keeps its handle and a JS Generator its index.
  // (Symbols, because Node 20 cannot hold a reference to a string.)
  Napi::Reference<Napi::Symbol> handle_key;
  Napi::Reference<Napi::Symbol> generator_key;
  Napi::Reference<Napi::Float64Array> release_queue;  // keeps the handles' shared queue alive
  // Where shapeInto / stridesInto write a tensor's sizes or strides for JS to read.
  Napi::Reference<Napi::Float64Array> dims_buffer;
  double* dims = nullptr;
  size_t dims_capacity = 0;
};

Instance& instance(Napi::Env env);

// A JS Tensor object (or, for internal callers, a handle number) to its at::Tensor.
const at::Tensor& tensor_from_js(Instance& inst, const Napi::Value& v, const char* what);
// Hands a result tensor to JS as a new handle number.
inline Napi::Value tensor_to_js(Napi::Env env, Instance& inst, at::Tensor t) {
  if (!t.defined()) return env.Null();
  return Napi::Number::New(env, inst.handles.add(std::move(t)));
}

std::string js_type_name(const Napi::Value& v);
c10::ScalarType scalar_type_from_name(const std::string& name);
const char* scalar_type_name(c10::ScalarType t);
c10::Device device_from_js(const Napi::Value& v);
// The default generator of CUDA device `index` (through Context::defaultGenerator, the same call on
// libtorch 1.13 and 2.x; CUDAHooksInterface's getDefaultCUDAGenerator became getDefaultGenerator in 2.x).
const at::Generator& cuda_default_generator(int index);

}  // namespace tn
