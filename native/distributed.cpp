// torch.distributed on c10d, PyTorch's own engine: TCPStore / PrefixStore,
// ProcessGroupGloo, the collectives, and their Work handles.
//
// Synchronous collectives block the JS thread in Work::wait(), as PyTorch
// blocks its caller; waitAsync runs the wait on libuv's thread pool and
// settles a promise. Every Gloo failure (a timeout, a peer that went away)
// arrives here as a C++ exception and leaves as a JS Error.
#include "distributed.h"

#if TN_HAVE_C10D
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#if TN_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#include <chrono>
#include <cstdlib>
#include <type_traits>
#include "errors.h"
#include "instance.h"

namespace tn {
namespace {

using std::chrono::milliseconds;

// Type tags: an External made by this file cannot be mistaken for another.
constexpr napi_type_tag kStoreTag = {0x7d1c0e5a9b2f4c11ULL, 0x8a3e5f60d4c2b701ULL};
constexpr napi_type_tag kGroupTag = {0x7d1c0e5a9b2f4c11ULL, 0x8a3e5f60d4c2b702ULL};
constexpr napi_type_tag kWorkTag = {0x7d1c0e5a9b2f4c11ULL, 0x8a3e5f60d4c2b703ULL};

struct StoreBox {
  c10::intrusive_ptr<c10d::Store> store;
};
struct WorkBox {
  c10::intrusive_ptr<c10d::Work> work;
};

template <typename T>
Napi::Value wrap(Napi::Env env, T* box, const napi_type_tag& tag) {
  auto ext = Napi::External<T>::New(env, box, [](Napi::Env, T* p) {
    // A destructor that throws (a group still draining work) must not abort Node.
    try { delete p; } catch (...) {}
  });
  ext.TypeTag(&tag);
  return ext;
}

template <typename T>
T& unwrap(const Napi::Value& v, const napi_type_tag& tag, const char* what) {
  if (!v.IsExternal() || !v.As<Napi::External<T>>().CheckTypeTag(&tag))
    throw UserError(std::string("expected a ") + what + ", got " + js_type_name(v));
  return *v.As<Napi::External<T>>().Data();
}

c10d::Store& store_from_js(const Napi::Value& v) {
  auto& box = unwrap<StoreBox>(v, kStoreTag, "torch.distributed Store");
  return *box.store;
}

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

// Timeouts travel as milliseconds; undefined/null means "the default" (-1 here).
milliseconds timeout_arg(const Napi::Value& v, const char* what) {
  if (v.IsUndefined() || v.IsNull()) return milliseconds(-1);
  int64_t ms = int_arg(v, what);
  if (ms < 0) throw UserError(std::string(what) + " must be a non-negative number of milliseconds, got " + std::to_string(ms));
  return milliseconds(ms);
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

std::vector<at::Tensor> tensor_list(Instance& inst, const Napi::Value& v, const char* what) {
  if (!v.IsArray()) throw UserError(std::string("argument '") + what + "' must be a list of Tensors, not " + js_type_name(v));
  auto arr = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) out.push_back(tensor_from_js(inst, arr.Get(i), what));
  return out;
}

c10d::ReduceOp reduce_op_arg(const Napi::Value& v) {
  int64_t op = int_arg(v, "op");
  // The numbers are c10d::ReduceOp::RedOpType's, which lib/distributed/reduce_op.ts mirrors.
  if (op < 0 || op > c10d::ReduceOp::BXOR || op == c10d::ReduceOp::PREMUL_SUM)
    throw UserError("op must be one of ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR, got " + std::to_string(op));
  return c10d::ReduceOp(static_cast<c10d::ReduceOp::RedOpType>(op));
}

Napi::Value work_to_js(Napi::Env env, c10::intrusive_ptr<c10d::Work> work) {
  return wrap(env, new WorkBox{std::move(work)}, kWorkTag);
}

#if TN_HAVE_GLOO
// Python's ProcessGroupGloo(store, rank, size, timeout) picks its devices so:
// the interfaces named in GLOO_SOCKET_IFNAME, else the address the hostname
// resolves to (falling back to loopback). Same rule here, so a Node rank and
// a Python rank on one machine land on the same network.
c10::intrusive_ptr<c10d::ProcessGroupGloo::Options> gloo_options(milliseconds timeout) {
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  const char* ifnames = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifnames != nullptr && std::string(ifnames).size() > 1) {
    std::string all(ifnames);
    size_t start = 0;
    while (start <= all.size()) {
      size_t comma = all.find(',', start);
      std::string name = all.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!name.empty()) opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  opts->threads = static_cast<int>(opts->devices.size() * 2);
  return opts;
}
#endif

#if TORCH_VERSION_MAJOR >= 2
// libtorch 2.x splits the old ProcessGroup in two: backends (ProcessGroupGloo,
// ProcessGroupNCCL) derive from c10d::Backend, and user-facing collectives go
// through a c10d::ProcessGroup that dispatches to the backend registered for
// the tensors' device. Its constructor took Options up to about 2.5 and only
// (store, rank, size) after; pick whichever this libtorch declares.
template <typename PG, typename = void>
struct has_options : std::false_type {};
template <typename PG>
struct has_options<PG, std::void_t<typename PG::Options>> : std::true_type {};

template <typename PG>
c10::intrusive_ptr<PG> make_process_group(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                          const std::string& backend, milliseconds timeout) {
  if constexpr (has_options<PG>::value) {
    using Opts = typename PG::Options;
    if constexpr (std::is_constructible_v<PG, const c10::intrusive_ptr<c10d::Store>&, int, int, c10::intrusive_ptr<Opts>>) {
      return c10::make_intrusive<PG>(store, rank, size, c10::make_intrusive<Opts>(backend, timeout));
    } else {
      return c10::make_intrusive<PG>(store, rank, size);
    }
  } else {
    return c10::make_intrusive<PG>(store, rank, size);
  }
}
#endif

}  // namespace

GroupBox& group_from_js(const Napi::Value& v) {
  auto& box = unwrap<GroupBox>(v, kGroupTag, "torch.distributed ProcessGroup");
  if (box.destroyed || !box.pg) throw UserError("the process group was destroyed (destroy_process_group); create a new one with init_process_group");
  return box;
}

// distAvailable() -> { gloo, nccl, torchVersion }
TN_ENTRY(distAvailable) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("gloo", Napi::Boolean::New(env, TN_HAVE_GLOO != 0));
  o.Set("nccl", Napi::Boolean::New(env, false));
  o.Set("torchVersion", Napi::String::New(env, TORCH_VERSION));
  return o;
}

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

// distNewGroup(backend, store, rank, worldSize, timeoutMs)
TN_ENTRY(distNewGroup) {
  std::string backend = string_arg(info[0], "backend");
  auto& store = unwrap<StoreBox>(info[1], kStoreTag, "torch.distributed Store");
  int rank = static_cast<int>(int_arg(info[2], "rank"));
  int size = static_cast<int>(int_arg(info[3], "world_size"));
  milliseconds timeout = timeout_arg(info[4], "timeout");
  if (timeout.count() < 0) timeout = std::chrono::minutes(30);  // Python's default_pg_timeout
  if (size < 1 || rank < 0 || rank >= size)
    throw UserError("rank " + std::to_string(rank) + " is out of range for world_size " + std::to_string(size) + " (expected 0 <= rank < world_size)");
  if (backend == "gloo") {
#if TN_HAVE_GLOO
    auto gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(store.store, rank, size, gloo_options(timeout));
#if TORCH_VERSION_MAJOR >= 2
    auto pg = make_process_group<c10d::ProcessGroup>(store.store, rank, size, backend, timeout);
    c10::intrusive_ptr<c10d::Backend> as_backend(gloo);
    pg->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, as_backend);
    pg->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
#else
    c10::intrusive_ptr<c10d::ProcessGroup> pg(gloo);
#endif
    return wrap(info.Env(), new GroupBox{pg, backend, false}, kGroupTag);
#else
    throw UserError("torch-node was built without Gloo headers, so the 'gloo' backend is unavailable: install libgloo-dev (Debian/Ubuntu) and rebuild the addon");
#endif
  }
  if (backend == "nccl")
    throw UserError("Distributed package doesn't have NCCL built in: this torch-node addon binds Gloo only (NCCL needs a CUDA libtorch and is not bound yet); use backend 'gloo'");
  throw UserError("Invalid backend: '" + backend + "' (expected 'gloo' or 'nccl')");
}

// distGroupSetSequenceNumber(group): rank 0 picks the group's collective sequence
// number and publishes it in the store; the others wait for it. Python does this
// after init_process_group's store-based barrier, and so must we: a non-zero
// rank doing it earlier would wait on a rank 0 that is itself in the barrier.
TN_ENTRY(distGroupSetSequenceNumber) {
  group_from_js(info[0]).pg->setSequenceNumberForGroup();
  return info.Env().Undefined();
}

TN_ENTRY(distGroupRank) {
  return Napi::Number::New(info.Env(), group_from_js(info[0]).pg->getRank());
}

TN_ENTRY(distGroupSize) {
  return Napi::Number::New(info.Env(), group_from_js(info[0]).pg->getSize());
}

// distDestroyGroup(group): drops this handle's reference; the group (and its
// Gloo threads) goes once nothing else, such as a DDP Reducer, holds it.
TN_ENTRY(distDestroyGroup) {
  auto& box = unwrap<GroupBox>(info[0], kGroupTag, "torch.distributed ProcessGroup");
  box.destroyed = true;
  box.pg.reset();
  return info.Env().Undefined();
}

// distAllReduce(group, tensor, op) -> Work
TN_ENTRY(distAllReduce) {
  auto& g = group_from_js(info[0]);
  std::vector<at::Tensor> tensors{tensor_from_js(instance(info.Env()), info[1], "tensor")};
  c10d::AllreduceOptions opts;
  opts.reduceOp = reduce_op_arg(info[2]);
  return work_to_js(info.Env(), g.pg->allreduce(tensors, opts));
}

// distBroadcast(group, tensor, src) -> Work
TN_ENTRY(distBroadcast) {
  auto& g = group_from_js(info[0]);
  std::vector<at::Tensor> tensors{tensor_from_js(instance(info.Env()), info[1], "tensor")};
  c10d::BroadcastOptions opts;
  opts.rootRank = int_arg(info[2], "src");
  return work_to_js(info.Env(), g.pg->broadcast(tensors, opts));
}

// distReduce(group, tensor, dst, op) -> Work
TN_ENTRY(distReduce) {
  auto& g = group_from_js(info[0]);
  std::vector<at::Tensor> tensors{tensor_from_js(instance(info.Env()), info[1], "tensor")};
  c10d::ReduceOptions opts;
  opts.rootRank = int_arg(info[2], "dst");
  opts.reduceOp = reduce_op_arg(info[3]);
  return work_to_js(info.Env(), g.pg->reduce(tensors, opts));
}

// distAllGather(group, outputList, input) -> Work
TN_ENTRY(distAllGather) {
  auto& g = group_from_js(info[0]);
  Instance& inst = instance(info.Env());
  std::vector<std::vector<at::Tensor>> outputs{tensor_list(inst, info[1], "tensor_list")};
  std::vector<at::Tensor> inputs{tensor_from_js(inst, info[2], "tensor")};
  return work_to_js(info.Env(), g.pg->allgather(outputs, inputs));
}

// distReduceScatter(group, output, inputList, op) -> Work
TN_ENTRY(distReduceScatter) {
  auto& g = group_from_js(info[0]);
  Instance& inst = instance(info.Env());
  std::vector<at::Tensor> outputs{tensor_from_js(inst, info[1], "output")};
  std::vector<std::vector<at::Tensor>> inputs{tensor_list(inst, info[2], "input_list")};
  c10d::ReduceScatterOptions opts;
  opts.reduceOp = reduce_op_arg(info[3]);
  return work_to_js(info.Env(), g.pg->reduce_scatter(outputs, inputs, opts));
}

// distBarrier(group) -> Work
TN_ENTRY(distBarrier) {
  auto& g = group_from_js(info[0]);
  return work_to_js(info.Env(), g.pg->barrier());
}

// distWorkWait(work, timeoutMs?) -> true; blocks this thread, as Work.wait() does in Python.
TN_ENTRY(distWorkWait) {
  auto& box = unwrap<WorkBox>(info[0], kWorkTag, "torch.distributed Work");
  milliseconds t = timeout_arg(info[1], "timeout");
  bool ok = t.count() >= 0 ? box.work->wait(t) : box.work->wait();
  return Napi::Boolean::New(info.Env(), ok);
}

TN_ENTRY(distWorkIsCompleted) {
  auto& box = unwrap<WorkBox>(info[0], kWorkTag, "torch.distributed Work");
  return Napi::Boolean::New(info.Env(), box.work->isCompleted());
}

namespace {
// Waits for a Work on libuv's thread pool, so an async collective never
// blocks the event loop; the promise rejects with the collective's error.
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, c10::intrusive_ptr<c10d::Work> work, milliseconds timeout)
      : Napi::AsyncWorker(env), work_(std::move(work)), timeout_(timeout), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      ok_ = timeout_.count() >= 0 ? work_->wait(timeout_) : work_->wait();
    } catch (const c10::Error& e) {
      SetError(clean_torch_message(e));
    } catch (const std::exception& e) {
      SetError(e.what());
    } catch (...) {
      SetError("unknown error while waiting for a collective");
    }
  }
  void OnOK() override { deferred_.Resolve(Napi::Boolean::New(Env(), ok_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  milliseconds timeout_;
  Napi::Promise::Deferred deferred_;
  bool ok_ = false;
};
}  // namespace

// distWorkWaitAsync(work, timeoutMs?) -> Promise<true>
TN_ENTRY(distWorkWaitAsync) {
  auto& box = unwrap<WorkBox>(info[0], kWorkTag, "torch.distributed Work");
  auto* worker = new WaitWorker(info.Env(), box.work, timeout_arg(info[1], "timeout"));
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

void register_distributed_reducer(Napi::Env env, Napi::Object exports);

void register_distributed(Napi::Env env, Napi::Object exports) {
#define TN_EXPORT(name) exports.Set(#name, Napi::Function::New(env, name, #name))
  TN_EXPORT(distAvailable);
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
  TN_EXPORT(distNewGroup);
  TN_EXPORT(distGroupSetSequenceNumber);
  TN_EXPORT(distGroupRank);
  TN_EXPORT(distGroupSize);
  TN_EXPORT(distDestroyGroup);
  TN_EXPORT(distAllReduce);
  TN_EXPORT(distBroadcast);
  TN_EXPORT(distReduce);
  TN_EXPORT(distAllGather);
  TN_EXPORT(distReduceScatter);
  TN_EXPORT(distBarrier);
  TN_EXPORT(distWorkWait);
  TN_EXPORT(distWorkIsCompleted);
  TN_EXPORT(distWorkWaitAsync);
#undef TN_EXPORT
  register_distributed_reducer(env, exports);
}

}  // namespace tn

#else  // !TN_HAVE_C10D: this libtorch has no distributed support.
#include "errors.h"

namespace tn {

TN_ENTRY(distAvailable) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("gloo", Napi::Boolean::New(env, false));
  o.Set("nccl", Napi::Boolean::New(env, false));
  o.Set("torchVersion", Napi::String::New(env, TORCH_VERSION));
  return o;
}

TN_ENTRY(distNewGroup) {
  throw UserError("Distributed package doesn't have a backend: the libtorch this addon was built against has no c10d (built without USE_DISTRIBUTED)");
}

void register_distributed(Napi::Env env, Napi::Object exports) {
  exports.Set("distAvailable", Napi::Function::New(env, distAvailable, "distAvailable"));
  exports.Set("distNewGroup", Napi::Function::New(env, distNewGroup, "distNewGroup"));
}

}  // namespace tn
#endif  // TN_HAVE_C10D
