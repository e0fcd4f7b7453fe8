// DistributedDataParallel's native half: c10d::Reducer, the same bucketed
// gradient reducer Python's DDP drives. Its autograd hooks sit on the
// parameters' grad accumulators and run inside libtorch's backward: each
// bucket is all-reduced (averaged) as soon as its last gradient is ready,
// and backward returns once every bucket has been copied back into .grad.
// No JS runs during backward.
//
// Also: compute_bucket_assignment_by_size, broadcast_coalesced (DDP's start:
// rank 0's parameters and buffers to everyone) and the parameter-shape check.
#include "distributed.h"

#if TN_HAVE_C10D
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>
#include <limits>
#include <memory>
#include <type_traits>
#include <unordered_map>

namespace tn {
namespace {

struct ReducerBox {
  std::shared_ptr<c10d::Reducer> reducer;
};

ReducerBox& reducer_from_js(const Napi::Value& v) {
  if (!v.IsExternal() || !v.As<Napi::External<ReducerBox>>().CheckTypeTag(&kReducerTag))
    throw UserError("expected a DDP Reducer, got " + js_type_name(v));
  auto& box = *v.As<Napi::External<ReducerBox>>().Data();
  if (!box.reducer) throw UserError("this DistributedDataParallel was disposed");
  return box;
}

// Byte sizes: JS numbers; Infinity or anything past 2^63 means "no limit" (Python's sys.maxsize).
size_t size_value(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw UserError(std::string(what) + " must be a number of bytes, not " + js_type_name(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0)) throw UserError(std::string(what) + " must be a non-negative number of bytes");
  if (d >= 9.2233720368547758e18) return static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<size_t>(d);
}

std::vector<size_t> size_list(const Napi::Value& v, const char* what) {
  if (!v.IsArray()) throw UserError(std::string(what) + " must be a list of numbers, not " + js_type_name(v));
  auto arr = v.As<Napi::Array>();
  std::vector<size_t> out;
  for (uint32_t i = 0; i < arr.Length(); ++i) out.push_back(size_value(arr.Get(i), what));
  return out;
}

std::vector<std::vector<size_t>> bucket_list(const Napi::Value& v) {
  if (!v.IsArray()) throw UserError("bucket_indices must be a list of lists of parameter indices");
  auto arr = v.As<Napi::Array>();
  std::vector<std::vector<size_t>> out;
  for (uint32_t i = 0; i < arr.Length(); ++i) out.push_back(size_list(arr.Get(i), "bucket_indices"));
  return out;
}

std::vector<bool> bool_list(const Napi::Value& v, size_t n) {
  std::vector<bool> out(n, false);
  if (v.IsArray()) {
    auto arr = v.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length() && i < n; ++i) out[i] = arr.Get(i).ToBoolean().Value();
  }
  return out;
}

Napi::Array to_js(Napi::Env env, const std::vector<size_t>& v) {
  auto a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(v[i])));
  return a;
}

// The Reducer's constructor changed after 1.13: per_bucket_size_limits was
// dropped, then skip_all_reduce_unused_params and use_python_reducer were
// added (without defaults in some releases). Rather than pin each release by
// TORCH_VERSION_MINOR, try the known signatures in order and use the one this
// libtorch declares; a libtorch matching none fails to compile here, loudly.
template <typename R>
std::shared_ptr<R> make_reducer(std::vector<at::Tensor> params, std::vector<std::vector<size_t>> buckets,
                                std::vector<size_t> limits, c10::intrusive_ptr<c10d::ProcessGroup> pg,
                                std::vector<bool> sparse, int64_t cap, bool find_unused, bool as_view,
                                std::unordered_map<size_t, std::string> names, int64_t first_cap) {
  using T = std::vector<at::Tensor>;
  using B = std::vector<std::vector<size_t>>;
  using L = std::vector<size_t>;
  using P = c10::intrusive_ptr<c10d::ProcessGroup>;
  using S = std::vector<bool>;
  using N = std::unordered_map<size_t, std::string>;
  if constexpr (std::is_constructible_v<R, T, B, L, P, S, int64_t, bool, bool, N, int64_t>) {
    // libtorch 1.13 to early 2.x.
    return std::make_shared<R>(std::move(params), std::move(buckets), std::move(limits), std::move(pg), std::move(sparse),
                               cap, find_unused, as_view, std::move(names), first_cap);
  } else if constexpr (std::is_constructible_v<R, T, B, P, S, int64_t, bool, bool, N, int64_t>) {
    return std::make_shared<R>(std::move(params), std::move(buckets), std::move(pg), std::move(sparse), cap, find_unused,
                               as_view, std::move(names), first_cap);
  } else if constexpr (std::is_constructible_v<R, T, B, P, S, int64_t, bool, bool, N, int64_t, bool>) {
    return std::make_shared<R>(std::move(params), std::move(buckets), std::move(pg), std::move(sparse), cap, find_unused,
                               as_view, std::move(names), first_cap, /*skip_all_reduce_unused_params=*/false);
  } else {
    return std::make_shared<R>(std::move(params), std::move(buckets), std::move(pg), std::move(sparse), cap, find_unused,
                               as_view, std::move(names), first_cap, /*skip_all_reduce_unused_params=*/false,
                               /*use_python_reducer=*/false);
  }
}

}  // namespace

// distComputeBucketAssignment(tensors, limits, expectSparse?, tensorIndices?) -> { buckets, limits }
TN_ENTRY(distComputeBucketAssignment) {
  Napi::Env env = info.Env();
  auto tensors = tensor_list(instance(env), info[0], "tensors");
  auto limits = size_list(info[1], "bucket_size_limits");
  auto sparse = bool_list(info[2], tensors.size());
  std::vector<int64_t> order;
  if (info[3].IsArray())
    for (size_t i : size_list(info[3], "tensor_indices")) order.push_back(static_cast<int64_t>(i));
  auto result = c10d::compute_bucket_assignment_by_size(tensors, limits, sparse, order);
  auto buckets = Napi::Array::New(env);
  const auto& indices = std::get<0>(result);
  for (size_t i = 0; i < indices.size(); ++i) buckets.Set(static_cast<uint32_t>(i), to_js(env, indices[i]));
  auto out = Napi::Object::New(env);
  out.Set("buckets", buckets);
  out.Set("limits", to_js(env, std::get<1>(result)));
  return out;
}

// distReducerNew(params, buckets, perBucketLimits, group, expectSparse, bucketBytesCap,
//                findUnusedParameters, gradientAsBucketView, paramNames, firstBucketBytesCap)
TN_ENTRY(distReducerNew) {
  Napi::Env env = info.Env();
  auto params = tensor_list(instance(env), info[0], "parameters");
  for (size_t i = 0; i < params.size(); ++i)
    if (!params[i].requires_grad())
      throw UserError("DistributedDataParallel: parameter " + std::to_string(i) + " does not require grad; pass only trainable parameters");
  auto buckets = bucket_list(info[1]);
  auto limits = size_list(info[2], "per_bucket_size_limits");
  auto& group = group_from_js(info[3]);
  auto sparse = bool_list(info[4], params.size());
  auto cap = static_cast<int64_t>(size_value(info[5], "bucket_bytes_cap"));
  bool find_unused = info[6].ToBoolean().Value();
  bool as_view = info[7].ToBoolean().Value();
  std::unordered_map<size_t, std::string> names;
  if (info[8].IsArray()) {
    auto arr = info[8].As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i)
      if (arr.Get(i).IsString()) names[i] = arr.Get(i).As<Napi::String>().Utf8Value();
  }
  auto first_cap = static_cast<int64_t>(size_value(info[9], "first_bucket_bytes_cap"));
  auto reducer = make_reducer<c10d::Reducer>(std::move(params), std::move(buckets), std::move(limits), group.pg,
                                             std::move(sparse), cap, find_unused, as_view, std::move(names), first_cap);
  auto ext = Napi::External<ReducerBox>::New(env, new ReducerBox{std::move(reducer)}, [](Napi::Env, ReducerBox* p) {
    try { delete p; } catch (...) {}  // ~Reducer is noexcept(false)
  });
  ext.TypeTag(&kReducerTag);
  return ext;
}

TN_ENTRY(distReducerPrepareForForward) {
  reducer_from_js(info[0]).reducer->prepare_for_forward();
  return info.Env().Undefined();
}

// distReducerPrepareForBackward(reducer, outputs): arms the hooks for the next backward.
TN_ENTRY(distReducerPrepareForBackward) {
  auto& box = reducer_from_js(info[0]);
  box.reducer->prepare_for_backward(tensor_list(instance(info.Env()), info[1], "outputs"));
  return info.Env().Undefined();
}

// distReducerRebuildBuckets(reducer) -> bool: after the first backward, re-buckets the
// parameters in the order their gradients arrived (a broadcast from rank 0).
TN_ENTRY(distReducerRebuildBuckets) {
  return Napi::Boolean::New(info.Env(), reducer_from_js(info[0]).reducer->rebuild_buckets());
}

// distReducerRelease(reducer): removes the autograd hooks now rather than at GC.
TN_ENTRY(distReducerRelease) {
  if (!info[0].IsExternal() || !info[0].As<Napi::External<ReducerBox>>().CheckTypeTag(&kReducerTag))
    throw UserError("expected a DDP Reducer, got " + js_type_name(info[0]));
  info[0].As<Napi::External<ReducerBox>>().Data()->reducer.reset();
  return info.Env().Undefined();
}

// distBroadcastCoalesced(group, tensors, bufferSize, src): DDP's start-up sync, in place.
TN_ENTRY(distBroadcastCoalesced) {
  auto& group = group_from_js(info[0]);
  auto tensors = tensor_list(instance(info.Env()), info[1], "tensors");
  size_t buffer = size_value(info[2], "buffer_size");
  auto src = info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 0;
  if (!tensors.empty()) c10d::broadcast_coalesced(group.pg, tensors, buffer, src);
  return info.Env().Undefined();
}

// distVerifyParams(group, params): every rank must hold parameters of the same count, shapes and dtypes.
TN_ENTRY(distVerifyParams) {
  auto& group = group_from_js(info[0]);
  auto params = tensor_list(instance(info.Env()), info[1], "parameters");
  c10d::verify_params_across_processes(group.pg, params, {});
  return info.Env().Undefined();
}

void register_distributed_reducer(Napi::Env env, Napi::Object exports) {
#define TN_EXPORT(name) exports.Set(#name, Napi::Function::New(env, name, #name))
  TN_EXPORT(distComputeBucketAssignment);
  TN_EXPORT(distReducerNew);
  TN_EXPORT(distReducerPrepareForForward);
  TN_EXPORT(distReducerPrepareForBackward);
  TN_EXPORT(distReducerRebuildBuckets);
  TN_EXPORT(distReducerRelease);
  TN_EXPORT(distBroadcastCoalesced);
  TN_EXPORT(distVerifyParams);
#undef TN_EXPORT
}

}  // namespace tn
#endif  // TN_HAVE_C10D
