// torch.distributed's stores on c10d: TCPStore (rank 0 serves it, everyone
// connects) and PrefixStore, through which ranks rendezvous; plus the argument
// readers the distributed*.cpp files share.
#include "distributed.h"

#if TN_HAVE_C10D
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace tn {

std::string string_arg(const Napi::Value& v, const char* what) {
  if (!v.IsString()) throw UserError(std::string("argument '") + what + "' must be str, not " + js_type_name(v));
  return v.As<Napi::String>().Utf8Value();
}

int64_t int_arg(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw UserError(std::string("argument '") + what + "' must be int, not " + js_type_name(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d)))
    throw UserError(std::string("argument '") + what + "' must be an integer, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

milliseconds timeout_arg(const Napi::Value& v, const char* what) {
  if (v.IsUndefined() || v.IsNull()) return milliseconds(-1);
  int64_t ms = int_arg(v, what);
  if (ms < 0) throw UserError(std::string(what) + " must be a non-negative number of milliseconds, got " + std::to_string(ms));
  return milliseconds(ms);
}

std::vector<at::Tensor> tensor_list(Instance& inst, const Napi::Value& v, const char* what) {
  if (!v.IsArray()) throw UserError(std::string("argument '") + what + "' must be a list of Tensors, not " + js_type_name(v));
  auto arr = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) out.push_back(tensor_from_js(inst, arr.Get(i), what));
  return out;
}

namespace {

c10d::Store& store_from_js(const Napi::Value& v) {
  return *unwrap<StoreBox>(v, kStoreTag, "torch.distributed Store").store;
}

std::vector<uint8_t> bytes_arg(const Napi::Value& v, const char* what) {
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    return std::vector<uint8_t>(s.begin(), s.end());
  }
  if (v.IsTypedArray()) {
    auto a = v.As<Napi::TypedArray>();
    auto* p = static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
    return std::vector<uint8_t>(p, p + a.ByteLength());
  }
  throw UserError(std::string("argument '") + what + "' must be str or Uint8Array, not " + js_type_name(v));
}

}  // namespace

// distTcpStore(host, port, worldSize | null, isServer, timeoutMs, waitWorkers, multiTenant)
TN_ENTRY(distTcpStore) {
  c10d::TCPStoreOptions opts;
  std::string host = string_arg(info[0], "host_name");
  int64_t port = int_arg(info[1], "port");
  if (port < 0 || port > 65535) throw UserError("port must be in [0, 65535], got " + std::to_string(port));
  opts.port = static_cast<std::uint16_t>(port);
  if (!info[2].IsNull() && !info[2].IsUndefined()) opts.numWorkers = static_cast<std::size_t>(int_arg(info[2], "world_size"));
  opts.isServer = info[3].ToBoolean().Value();
  milliseconds t = timeout_arg(info[4], "timeout");
  if (t.count() >= 0) opts.timeout = t;
  opts.waitWorkers = info[5].ToBoolean().Value();
  opts.multiTenant = info[6].ToBoolean().Value();
  auto store = c10::make_intrusive<c10d::TCPStore>(host, opts);
  return wrap(info.Env(), new StoreBox{store}, kStoreTag);
}

// distTcpStorePort(store) -> the port the store listens on / connected to (0 asks the OS for one).
TN_ENTRY(distTcpStorePort) {
  auto& box = unwrap<StoreBox>(info[0], kStoreTag, "torch.distributed Store");
  auto* tcp = dynamic_cast<c10d::TCPStore*>(box.store.get());
  if (tcp == nullptr) throw UserError("port is only defined for a TCPStore");
  return Napi::Number::New(info.Env(), tcp->getPort());
}

// distPrefixStore(prefix, store)
TN_ENTRY(distPrefixStore) {
  std::string prefix = string_arg(info[0], "prefix");
  auto& inner = unwrap<StoreBox>(info[1], kStoreTag, "torch.distributed Store");
  auto store = c10::make_intrusive<c10d::PrefixStore>(prefix, inner.store);
  return wrap(info.Env(), new StoreBox{store}, kStoreTag);
}

TN_ENTRY(distStoreSet) {
  store_from_js(info[0]).set(string_arg(info[1], "key"), bytes_arg(info[2], "value"));
  return info.Env().Undefined();
}

TN_ENTRY(distStoreGet) {
  auto value = store_from_js(info[0]).get(string_arg(info[1], "key"));
  return Napi::Buffer<uint8_t>::Copy(info.Env(), value.data(), value.size());
}

TN_ENTRY(distStoreAdd) {
  int64_t n = store_from_js(info[0]).add(string_arg(info[1], "key"), int_arg(info[2], "amount"));
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

// distStoreWait(store, keys, timeoutMs?)
TN_ENTRY(distStoreWait) {
  auto& store = store_from_js(info[0]);
  if (!info[1].IsArray()) throw UserError("argument 'keys' must be a list of str, not " + js_type_name(info[1]));
  auto arr = info[1].As<Napi::Array>();
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < arr.Length(); ++i) keys.push_back(string_arg(arr.Get(i), "keys"));
  milliseconds t = timeout_arg(info[2], "timeout");
  if (t.count() >= 0) store.wait(keys, t);
  else store.wait(keys);
  return info.Env().Undefined();
}

TN_ENTRY(distStoreSetTimeout) {
  milliseconds t = timeout_arg(info[1], "timeout");
  if (t.count() < 0) throw UserError("set_timeout(): expected a timeout in milliseconds");
  store_from_js(info[0]).setTimeout(t);
  return info.Env().Undefined();
}

TN_ENTRY(distStoreNumKeys) {
  return Napi::Number::New(info.Env(), static_cast<double>(store_from_js(info[0]).getNumKeys()));
}

TN_ENTRY(distStoreDeleteKey) {
  return Napi::Boolean::New(info.Env(), store_from_js(info[0]).deleteKey(string_arg(info[1], "key")));
}

void register_distributed_store(Napi::Env env, Napi::Object exports) {
#define TN_EXPORT(name) exports.Set(#name, Napi::Function::New(env, name, #name))
  TN_EXPORT(distTcpStore);
  TN_EXPORT(distTcpStorePort);
  TN_EXPORT(distPrefixStore);
  TN_EXPORT(distStoreSet);
  TN_EXPORT(distStoreGet);
  TN_EXPORT(distStoreAdd);
  TN_EXPORT(distStoreWait);
  TN_EXPORT(distStoreSetTimeout);
  TN_EXPORT(distStoreNumKeys);
  TN_EXPORT(distStoreDeleteKey);
#undef TN_EXPORT
}

}  // namespace tn
#endif  // TN_HAVE_C10D
