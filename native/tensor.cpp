// Tensor data and metadata: creating tensors from JS memory, reading them back,
// and the properties a JS Tensor shows (dtype, shape, device, autograd state).
#include <ATen/ATen.h>
#include <cstring>
#include <torch/csrc/autograd/function.h>
#include "errors.h"
#include "instance.h"

namespace tn {
namespace {

const at::Tensor& arg_tensor(const Napi::CallbackInfo& info, size_t i) {
  return tensor_from_js(instance(info.Env()), info[i], "self");
}

std::vector<int64_t> shape_from_js(const Napi::Value& v) {
  if (!v.IsArray()) throw UserError("shape must be an array of non-negative integers");
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value e = arr.Get(k);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0) || d != static_cast<double>(static_cast<int64_t>(d))) {
      throw UserError("shape must be an array of non-negative integers, got " + js_type_name(e) + " at index " + std::to_string(k));
    }
    out[k] = static_cast<int64_t>(d);
  }
  return out;
}

}  // namespace

// fromBytes(bytes: TypedArray | ArrayBuffer | Buffer, dtype: string, shape: number[]) -> handle.
// The bytes are copied: the tensor owns its memory, whatever happens to the JS buffer.
TN_ENTRY(fromBytes) {
  Napi::Env env = info.Env();
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (info[0].IsTypedArray()) {
    auto ta = info[0].As<Napi::TypedArray>();
    data = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    length = ta.ByteLength();
  } else if (info[0].IsArrayBuffer()) {
    auto ab = info[0].As<Napi::ArrayBuffer>();
    data = static_cast<const uint8_t*>(ab.Data());
    length = ab.ByteLength();
  } else if (info[0].IsDataView()) {
    auto dv = info[0].As<Napi::DataView>();
    data = static_cast<const uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset();
    length = dv.ByteLength();
  } else {
    throw UserError("fromBytes(): expected a TypedArray, Buffer or ArrayBuffer, got " + js_type_name(info[0]));
  }
  if (!info[1].IsString()) throw UserError("fromBytes(): dtype must be a string");
  c10::ScalarType dtype = scalar_type_from_name(info[1].As<Napi::String>().Utf8Value());
  std::vector<int64_t> shape = shape_from_js(info[2]);
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  size_t need = t.nbytes();
  if (need != length) {
    throw UserError("fromBytes(): " + std::to_string(length) + " bytes given but shape " + c10::str(t.sizes()) + " of " +
                    scalar_type_name(dtype) + " needs " + std::to_string(need));
  }
  if (need) std::memcpy(t.data_ptr(), data, need);
  return tensor_to_js(env, instance(env), std::move(t));
}

// toBytes(t) -> ArrayBuffer holding a contiguous CPU copy of t's elements.
TN_ENTRY(toBytes) {
  Napi::Env env = info.Env();
  at::Tensor t = arg_tensor(info, 0);
  if (t.is_sparse()) throw UserError("toBytes(): sparse tensors have no dense data; call to_dense() first");
  at::Tensor c = t.detach().to(at::kCPU).contiguous();
  if (c.is_conj()) c = c.resolve_conj();
  if (c.is_neg()) c = c.resolve_neg();
  auto ab = Napi::ArrayBuffer::New(env, c.nbytes());
  if (c.nbytes()) std::memcpy(ab.Data(), c.data_ptr(), c.nbytes());
  return ab;
}

// dataView(t) -> an ArrayBuffer over t's own memory (no copy), or null when t is not a
// contiguous, dense CPU tensor. The buffer holds a reference to the tensor, so its memory
// stays valid while the buffer lives, even after dispose().
TN_ENTRY(dataView) {
  Napi::Env env = info.Env();
  const at::Tensor& t = arg_tensor(info, 0);
  if (!t.device().is_cpu() || t.layout() != c10::kStrided || !t.is_contiguous() || t.is_conj() || t.is_neg() || t.nbytes() == 0) {
    return env.Null();
  }
  auto* owner = new at::Tensor(t);
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(
      env, t.data_ptr(), t.nbytes(),
      [](napi_env, void*, void* hint) { delete static_cast<at::Tensor*>(hint); }, owner, &ab);
  if (st != napi_ok) {
    delete owner;
    return env.Null();  // e.g. a runtime that forbids external buffers: the caller copies instead
  }
  return Napi::Value(env, ab);
}

// release(handle) -> whether this call freed it (false when already released).
TN_ENTRY(release) {
  if (!info[0].IsNumber()) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), instance(info.Env()).handles.release(info[0].As<Napi::Number>().DoubleValue()));
}

// setReleaseQueue(Float64Array): where dispose() leaves handles for the next drain (see handles.h).
TN_ENTRY(setReleaseQueue) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw UserError("setReleaseQueue(): expected a Float64Array");
  }
  auto q = info[0].As<Napi::Float64Array>();
  if (q.ElementLength() < 2) throw UserError("setReleaseQueue(): the queue needs room for at least one handle");
  Instance& inst = instance(env);
  inst.release_queue = Napi::Persistent(q);
  inst.handles.set_release_queue(q.Data(), q.ElementLength() - 1);
  return env.Undefined();
}

// drainReleases(): frees the handles dispose() queued (JS calls it when the queue is full).
TN_ENTRY(drainReleases) {
  instance(info.Env()).handles.drain();
  return info.Env().Undefined();
}

// isLive(handle) -> whether the handle still names a tensor.
TN_ENTRY(isLive) {
  try {
    instance(info.Env()).handles.get(info[0].As<Napi::Number>().DoubleValue());
    return Napi::Boolean::New(info.Env(), true);
  } catch (const UserError&) {
    return Napi::Boolean::New(info.Env(), false);
  }
}

TN_ENTRY(memoryStats) {
  Napi::Env env = info.Env();
  const HandleTable& h = instance(env).handles;
  auto o = Napi::Object::New(env);
  o.Set("liveTensors", static_cast<double>(h.live_count()));
  o.Set("liveBytes", static_cast<double>(h.live_bytes()));
  o.Set("peakTensors", static_cast<double>(h.peak_count()));
  return o;
}

TN_ENTRY(dtype) {
  return Napi::String::New(info.Env(), scalar_type_name(arg_tensor(info, 0).scalar_type()));
}

TN_ENTRY(shape) {
  Napi::Env env = info.Env();
  auto sizes = arg_tensor(info, 0).sizes();
  auto arr = Napi::Array::New(env, sizes.size());
  for (size_t k = 0; k < sizes.size(); ++k) arr.Set(k, Napi::Number::New(env, static_cast<double>(sizes[k])));
  return arr;
}

TN_ENTRY(strides) {
  Napi::Env env = info.Env();
  auto st = arg_tensor(info, 0).strides();
  auto arr = Napi::Array::New(env, st.size());
  for (size_t k = 0; k < st.size(); ++k) arr.Set(k, Napi::Number::New(env, static_cast<double>(st[k])));
  return arr;
}

// setDimsBuffer(buffer): the Float64Array shapeInto and stridesInto write into.
TN_ENTRY(setDimsBuffer) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw UserError("setDimsBuffer(): expected a Float64Array");
  }
  auto b = info[0].As<Napi::Float64Array>();
  Instance& inst = instance(env);
  inst.dims_buffer = Napi::Persistent(b);
  inst.dims = b.Data();
  inst.dims_capacity = b.ElementLength();
  return env.Undefined();
}

// shapeInto(t) / stridesInto(t) -> the number of dims; their values are in the dims buffer
// when they fit. (Making a JS array natively, an N-API call per element, cost 0.31 us for
// two dims, five times the call itself.)
static Napi::Value dims_into(const Napi::CallbackInfo& info, c10::IntArrayRef values) {
  Instance& inst = instance(info.Env());
  if (values.size() <= inst.dims_capacity) {
    for (size_t k = 0; k < values.size(); ++k) inst.dims[k] = static_cast<double>(values[k]);
  }
  return Napi::Number::New(info.Env(), static_cast<double>(values.size()));
}
TN_ENTRY(shapeInto) { return dims_into(info, arg_tensor(info, 0).sizes()); }
TN_ENTRY(stridesInto) { return dims_into(info, arg_tensor(info, 0).strides()); }

TN_ENTRY(dim) { return Napi::Number::New(info.Env(), static_cast<double>(arg_tensor(info, 0).dim())); }
TN_ENTRY(numel) { return Napi::Number::New(info.Env(), static_cast<double>(arg_tensor(info, 0).numel())); }
TN_ENTRY(device) { return Napi::String::New(info.Env(), arg_tensor(info, 0).device().str()); }
TN_ENTRY(requiresGrad) { return Napi::Boolean::New(info.Env(), arg_tensor(info, 0).requires_grad()); }
TN_ENTRY(isLeaf) { return Napi::Boolean::New(info.Env(), arg_tensor(info, 0).is_leaf()); }
TN_ENTRY(isContiguous) { return Napi::Boolean::New(info.Env(), arg_tensor(info, 0).is_contiguous()); }

// setRequiresGrad(t, flag): PyTorch's own check (only floating/complex leaves) applies.
TN_ENTRY(setRequiresGrad) {
  if (!info[1].IsBoolean()) throw UserError("requires_grad_(): argument 'requires_grad' must be bool, not " + js_type_name(info[1]));
  at::Tensor t = arg_tensor(info, 0);
  t.requires_grad_(info[1].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

TN_ENTRY(gradFn) {
  const at::Tensor& t = arg_tensor(info, 0);
  const auto& fn = t.grad_fn();
  if (!fn) return info.Env().Null();
  std::string name = fn->name();
  // libtorch names them "torch::autograd::AddBackward0"; Python shows "AddBackward0".
  auto pos = name.rfind("::");
  if (pos != std::string::npos) name = name.substr(pos + 2);
  return Napi::String::New(info.Env(), name);
}

TN_ENTRY(grad) {
  Napi::Env env = info.Env();
  return tensor_to_js(env, instance(env), arg_tensor(info, 0).grad());
}

// setGrad(t, g | null)
TN_ENTRY(setGrad) {
  Napi::Env env = info.Env();
  at::Tensor t = arg_tensor(info, 0);
  if (info[1].IsNull() || info[1].IsUndefined()) {
    t.mutable_grad() = at::Tensor();
  } else {
    const at::Tensor& g = tensor_from_js(instance(env), info[1], "grad");
    TORCH_CHECK(g.sizes() == t.sizes(), "assigned grad has data of a different size");
    TORCH_CHECK(g.scalar_type() == t.scalar_type(), "assigned grad has data of a different type");
    TORCH_CHECK(g.device() == t.device(), "assigned grad has data located on a different device");
    t.mutable_grad() = g;
  }
  return env.Undefined();
}

// item(t) -> number | boolean | bigint (int64 outside the safe range) | [re, im]
TN_ENTRY(item) {
  Napi::Env env = info.Env();
  const at::Tensor& t = arg_tensor(info, 0);
  c10::Scalar s = t.item();
  if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
  if (s.isIntegral(false)) {
    int64_t v = s.toLong();
    if (v > 9007199254740991LL || v < -9007199254740991LL) return Napi::BigInt::New(env, v);
    return Napi::Number::New(env, static_cast<double>(v));
  }
  if (s.isComplex()) {
    auto c = s.toComplexDouble();
    auto arr = Napi::Array::New(env, 2);
    arr.Set(0u, c.real());
    arr.Set(1u, c.imag());
    return arr;
  }
  return Napi::Number::New(env, s.toDouble());
}

void register_tensor(Napi::Env env, Napi::Object exports) {
  exports.Set("fromBytes", Napi::Function::New(env, fromBytes, "fromBytes"));
  exports.Set("toBytes", Napi::Function::New(env, toBytes, "toBytes"));
  exports.Set("dataView", Napi::Function::New(env, dataView, "dataView"));
  exports.Set("release", Napi::Function::New(env, release, "release"));
  exports.Set("isLive", Napi::Function::New(env, isLive, "isLive"));
  exports.Set("setReleaseQueue", Napi::Function::New(env, setReleaseQueue, "setReleaseQueue"));
  exports.Set("drainReleases", Napi::Function::New(env, drainReleases, "drainReleases"));
  exports.Set("memoryStats", Napi::Function::New(env, memoryStats, "memoryStats"));
  exports.Set("dtype", Napi::Function::New(env, dtype, "dtype"));
  exports.Set("shape", Napi::Function::New(env, shape, "shape"));
  exports.Set("strides", Napi::Function::New(env, strides, "strides"));
  exports.Set("setDimsBuffer", Napi::Function::New(env, setDimsBuffer, "setDimsBuffer"));
  exports.Set("shapeInto", Napi::Function::New(env, shapeInto, "shapeInto"));
  exports.Set("stridesInto", Napi::Function::New(env, stridesInto, "stridesInto"));
  exports.Set("dim", Napi::Function::New(env, dim, "dim"));
  exports.Set("numel", Napi::Function::New(env, numel, "numel"));
  exports.Set("device", Napi::Function::New(env, device, "device"));
  exports.Set("requiresGrad", Napi::Function::New(env, requiresGrad, "requiresGrad"));
  exports.Set("setRequiresGrad", Napi::Function::New(env, setRequiresGrad, "setRequiresGrad"));
  exports.Set("isLeaf", Napi::Function::New(env, isLeaf, "isLeaf"));
  exports.Set("isContiguous", Napi::Function::New(env, isContiguous, "isContiguous"));
  exports.Set("gradFn", Napi::Function::New(env, gradFn, "gradFn"));
  exports.Set("grad", Napi::Function::New(env, grad, "grad"));
  exports.Set("setGrad", Napi::Function::New(env, setGrad, "setGrad"));
  exports.Set("item", Napi::Function::New(env, item, "item"));
}

}  // namespace tn
