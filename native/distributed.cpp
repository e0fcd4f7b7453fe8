// torch.distributed on c10d, PyTorch's own engine: ProcessGroupGloo, the
// collectives, and their Work handles (stores: distributed_store.cpp).
//
// Synchronous collectives block the JS thread in Work::wait(), as PyTorch
// blocks its caller; waitAsync runs the wait on libuv's thread pool and
// settles a promise. Every Gloo failure (a timeout, a peer that went away)
// arrives here as a C++ exception and leaves as a JS Error.
#include "distributed.h"

#if TN_HAVE_C10D
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#if TN_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#include <chrono>
#include <cstdlib>
#include <type_traits>

namespace tn {
namespace {

struct WorkBox {
  c10::intrusive_ptr<c10d::Work> work;
};

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

void register_distributed_store(Napi::Env env, Napi::Object exports);
void register_distributed_reducer(Napi::Env env, Napi::Object exports);

void register_distributed(Napi::Env env, Napi::Object exports) {
#define TN_EXPORT(name) exports.Set(#name, Napi::Function::New(env, name, #name))
  TN_EXPORT(distAvailable);
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
  register_distributed_store(env, exports);
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
