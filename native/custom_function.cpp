// torch.autograd.Function: an autograd Node whose backward is a JS function.
//
// What PyTorch's custom_function.cpp and python_function.cpp do for a Python
// Function, done for a JS one. Forward runs in JS (under no_grad); then
// customFunctionWrap makes a JsNode, connects it to the inputs' grad_fns
// (collect_next_edges), and passes the raw outputs through libtorch's own
// _wrap_outputs, which sets each output's history (or detaches a
// non-differentiable one, views a returned input, rebases a dirty one) exactly
// as it does for Python Functions. Saved tensors become SavedVariables, so
// in-place changes are caught and saved outputs hold no reference cycle.
//
// Threads: JS runs only on the thread that owns its environment. libtorch runs
// a CPU graph's backward on the thread that called backward(), so apply()
// runs there; on any other thread (CUDA device threads) it refuses with an
// error, never touching JS.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/saved_variable.h>
#include <torch/version.h>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include "errors.h"
#include "instance.h"

namespace tn {
namespace {

using torch::autograd::SavedVariable;
using torch::autograd::Variable;
using torch::autograd::variable_list;
using torch::autograd::VariableInfo;

// The JS environment that backward callbacks belong to. A node can be destroyed
// on any thread and after its environment is gone; napi references are only
// deleted on the owning thread while it is alive (others wait in `orphans`).
struct JsOwner {
  napi_env env;
  std::thread::id thread;
  std::mutex mutex;
  bool alive = true;
  std::vector<napi_ref> orphans;
};

std::shared_ptr<JsOwner> owner_for(napi_env env) {
  // One environment per thread (main thread or worker), so a thread-local suffices.
  thread_local std::shared_ptr<JsOwner> owner;
  if (owner && owner->env == env) return owner;
  owner = std::make_shared<JsOwner>();
  owner->env = env;
  owner->thread = std::this_thread::get_id();
  auto* keep = new std::shared_ptr<JsOwner>(owner);
  napi_add_env_cleanup_hook(
      env,
      [](void* arg) {
        auto* p = static_cast<std::shared_ptr<JsOwner>*>(arg);
        {
          std::lock_guard<std::mutex> lock((*p)->mutex);
          (*p)->alive = false;  // the environment frees its references itself
          (*p)->orphans.clear();
        }
        delete p;
      },
      keep);
  return owner;
}

void drain_orphans(JsOwner& owner) {
  std::vector<napi_ref> refs;
  {
    std::lock_guard<std::mutex> lock(owner.mutex);
    refs.swap(owner.orphans);
  }
  for (napi_ref r : refs) napi_delete_reference(owner.env, r);
}

class JsNode : public torch::autograd::Node {
 public:
  JsNode(std::string name, std::shared_ptr<JsOwner> owner, napi_ref backward)
      : name_(std::move(name)), owner_(std::move(owner)), backward_(backward) {}

  ~JsNode() override {
    std::lock_guard<std::mutex> lock(owner_->mutex);
    if (!owner_->alive) return;
    if (std::this_thread::get_id() == owner_->thread) napi_delete_reference(owner_->env, backward_);
    else owner_->orphans.push_back(backward_);
  }

  std::string name() const override { return name_; }

  void release_variables() override {
    saved_.clear();
    freed_ = true;
  }

  variable_list apply(variable_list&& grads) override;

  std::vector<SavedVariable> saved_;
  std::vector<VariableInfo> output_info_;
  bool has_saved_ = false;
  bool materialize_grads_ = true;

 private:
  std::string name_;
  std::shared_ptr<JsOwner> owner_;
  napi_ref backward_;
  bool freed_ = false;
};

// Handles made for one backward call; released when the call ends, however it
// ends (a release of a handle JS already disposed is ignored by the table).
struct CallHandles {
  HandleTable& table;
  std::vector<double> handles;
  ~CallHandles() {
    for (double h : handles) table.release(h);
  }
  Napi::Value add(Napi::Env env, const at::Tensor& t) {
    if (!t.defined()) return env.Null();
    double h = table.add(t);
    handles.push_back(h);
    return Napi::Number::New(env, h);
  }
};

variable_list JsNode::apply(variable_list&& grads) {
  {
    std::lock_guard<std::mutex> lock(owner_->mutex);
    TORCH_CHECK(owner_->alive && std::this_thread::get_id() == owner_->thread, "custom autograd.Function ", name_,
                ": its backward is JavaScript and can only run on the JS thread that created it; "
                "backward of custom Functions on CUDA tensors is not supported yet");
  }
  at::OptionalDeviceGuard device_guard;
  variable_list inputs;
  inputs.reserve(grads.size());
  for (size_t i = 0; i < grads.size(); ++i) {
    if (grads[i].defined() || !materialize_grads_) inputs.push_back(grads[i]);
    else inputs.push_back(output_info_[i].zeros(device_guard));
  }
  variable_list saved;
  if (has_saved_) {
    TORCH_CHECK(!freed_, torch::autograd::ERR_BACKWARD_TWICE);
    auto self = shared_from_this();
    saved.reserve(saved_.size());
    for (const auto& s : saved_) saved.push_back(s.unpack(self));
  }

  Napi::Env env(owner_->env);
  Napi::HandleScope scope(env);
  Instance& inst = instance(env);
  CallHandles made{inst.handles, {}};
  auto grad_arr = Napi::Array::New(env, inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) grad_arr.Set(i, made.add(env, inputs[i]));
  auto saved_arr = Napi::Array::New(env, saved.size());
  for (size_t i = 0; i < saved.size(); ++i) saved_arr.Set(i, made.add(env, saved[i]));
  inputs.clear();
  saved.clear();

  napi_value fn;
  napi_get_reference_value(env, backward_, &fn);
  // A JS exception becomes a Napi::Error here; the engine carries it out of backward() unchanged.
  Napi::Value result = Napi::Function(env, fn).Call({grad_arr, saved_arr});

  size_t n = num_outputs();
  TORCH_CHECK(result.IsArray(), "custom autograd.Function ", name_, ": internal error, backward gave no gradient list");
  auto arr = result.As<Napi::Array>();
  TORCH_CHECK(arr.Length() == n, "function ", name_, " returned an incorrect number of gradients (expected ", n, ", got ",
              arr.Length(), ")");
  // The JS side handed over one fresh handle per gradient: they are released here.
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value v = arr.Get(i);
    if (v.IsNumber()) made.handles.push_back(v.As<Napi::Number>().DoubleValue());
  }
  variable_list out(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value v = arr.Get(i);
    if (v.IsNumber()) out[i] = inst.handles.get(v.As<Napi::Number>().DoubleValue());
  }
  return out;
}

std::vector<at::Tensor> tensor_list(Instance& inst, const Napi::Value& v, const char* what) {
  if (!v.IsArray()) throw UserError(std::string(what) + " must be an array of Tensors, not " + js_type_name(v));
  auto arr = v.As<Napi::Array>();
  std::vector<at::Tensor> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value e = arr.Get(k);
    if (!e.IsNull() && !e.IsUndefined()) out[k] = tensor_from_js(inst, e, what);
  }
  return out;
}

std::unordered_set<at::TensorImpl*> impl_set(const std::vector<at::Tensor>& ts) {
  std::unordered_set<at::TensorImpl*> out;
  for (const auto& t : ts)
    if (t.defined()) out.insert(t.unsafeGetTensorImpl());
  return out;
}

// _wrap_outputs gained parameters in 2.x (to_save_if_setup_context in 2.0,
// view_as_self_fn later in the 2.x series): pick the call that this libtorch's
// declaration accepts. A template, so that only the matching branch is compiled.
template <typename WrapFn>
std::vector<c10::optional<Variable>> call_wrap_outputs(WrapFn wrap, const variable_list& inputs,
                                                       const std::unordered_set<at::TensorImpl*>& non_differentiable,
                                                       const std::unordered_set<at::TensorImpl*>& dirty,
                                                       const std::vector<c10::optional<Variable>>& raw,
                                                       const std::shared_ptr<torch::autograd::Node>& node) {
  torch::autograd::_jvp_fn_t jvp = [](variable_list, variable_list) -> variable_list {
    TORCH_CHECK(false, "forward-mode AD (jvp) is not supported for torch-node custom Functions");
  };
  at::ArrayRef<c10::optional<Variable>> raw_ref(raw);
#if TORCH_VERSION_MAJOR >= 2
  std::unordered_set<at::TensorImpl*> to_save_if_setup_context;
  std::function<at::Tensor(at::Tensor)> view_as_self = [](at::Tensor x) { return x.view_as(x); };
  if constexpr (std::is_invocable_v<WrapFn, const variable_list&, const std::unordered_set<at::TensorImpl*>&,
                                    const std::unordered_set<at::TensorImpl*>&, at::ArrayRef<c10::optional<Variable>>,
                                    const std::shared_ptr<torch::autograd::Node>&, const torch::autograd::_jvp_fn_t&,
                                    const std::unordered_set<at::TensorImpl*>&, const std::function<at::Tensor(at::Tensor)>&>) {
    return wrap(inputs, non_differentiable, dirty, raw_ref, node, jvp, to_save_if_setup_context, view_as_self);
  } else {
    return wrap(inputs, non_differentiable, dirty, raw_ref, node, jvp, to_save_if_setup_context);
  }
#else
  // libtorch 1.x: the six-parameter form.
  return wrap(inputs, non_differentiable, dirty, raw_ref, node, jvp);
#endif
}

}  // namespace

// customFunctionWrap(name, inputs, outputs, nonDifferentiable, dirty, toSave, materializeGrads, backward)
//   -> (handle | null)[]: per output, a new handle when _wrap_outputs replaced the tensor
//      (an input returned as output becomes a view of it), null when the JS object stays valid.
// backward(gradHandles, savedHandles) -> (handle | null)[] is called by the node during backward.
TN_ENTRY(customFunctionWrap) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  auto owner = owner_for(env);
  drain_orphans(*owner);
  if (!info[0].IsString()) throw UserError("customFunctionWrap(): name must be a string");
  if (!info[7].IsFunction()) throw UserError("customFunctionWrap(): backward must be a function");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  variable_list inputs = tensor_list(inst, info[1], "inputs");
  std::vector<at::Tensor> outputs = tensor_list(inst, info[2], "outputs");
  auto non_differentiable = impl_set(tensor_list(inst, info[3], "mark_non_differentiable"));
  auto dirty = impl_set(tensor_list(inst, info[4], "mark_dirty"));
  std::vector<at::Tensor> to_save = tensor_list(inst, info[5], "save_for_backward");
  bool materialize = !info[6].IsBoolean() || info[6].As<Napi::Boolean>().Value();

  for (const auto& t : inputs) TORCH_CHECK(t.defined(), "customFunctionWrap(): inputs must be Tensors");

  bool is_executable = at::GradMode::is_enabled() && torch::autograd::any_variable_requires_grad(inputs);
  std::shared_ptr<JsNode> node;
  if (is_executable) {
    napi_ref ref;
    if (napi_create_reference(env, info[7], 1, &ref) != napi_ok) throw UserError("customFunctionWrap(): cannot hold the backward function");
    node = std::shared_ptr<JsNode>(new JsNode(std::move(name), owner, ref), torch::autograd::deleteNode);
    node->set_next_edges(torch::autograd::collect_next_edges(inputs));
    node->materialize_grads_ = materialize;
  }

  std::vector<c10::optional<Variable>> raw;
  raw.reserve(outputs.size());
  for (const auto& t : outputs) {
    if (t.defined()) raw.emplace_back(t);
    else raw.emplace_back(c10::nullopt);
  }
  std::shared_ptr<torch::autograd::Node> cdata = node;
  auto wrapped = call_wrap_outputs(&torch::autograd::_wrap_outputs, inputs, non_differentiable, dirty, raw, cdata);

  if (node) {
    node->output_info_.reserve(wrapped.size());
    for (const auto& w : wrapped) node->output_info_.push_back(w.has_value() ? VariableInfo(*w) : VariableInfo());
    node->has_saved_ = !to_save.empty();
    node->saved_.reserve(to_save.size());
    for (const auto& t : to_save) {
      if (!t.defined()) {
        node->saved_.emplace_back();
        continue;
      }
      // A saved output is saved without a strong reference to its grad_fn (this node): no cycle.
      bool is_output = t.grad_fn().get() == node.get();
      node->saved_.emplace_back(t, is_output);
    }
  }

  auto result = Napi::Array::New(env, wrapped.size());
  for (size_t i = 0; i < wrapped.size(); ++i) {
    const auto& w = wrapped[i];
    bool same = w.has_value() && outputs[i].defined() && w->unsafeGetTensorImpl() == outputs[i].unsafeGetTensorImpl();
    result.Set(i, w.has_value() && !same ? tensor_to_js(env, inst, *w) : env.Null());
  }
  return result;
}

// customFunctionShare(t) -> a new handle for the same tensor (the JS side hands
// gradients to the node this way, so that its scope can free every tensor it made).
TN_ENTRY(customFunctionShare) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  return tensor_to_js(env, inst, tensor_from_js(inst, info[0], "gradient"));
}

// Whether checkpoint's reentrant backward may run here: false inside
// autograd.grad() or backward(inputs=...), where the engine would skip it (PyTorch's check).
TN_ENTRY(isCheckpointValid) {
  return Napi::Boolean::New(info.Env(), torch::autograd::Engine::get_default_engine().is_checkpoint_valid());
}

void register_custom_function(Napi::Env env, Napi::Object exports) {
  exports.Set("customFunctionWrap", Napi::Function::New(env, customFunctionWrap, "customFunctionWrap"));
  exports.Set("customFunctionShare", Napi::Function::New(env, customFunctionShare, "customFunctionShare"));
  exports.Set("isCheckpointValid", Napi::Function::New(env, isCheckpointValid, "isCheckpointValid"));
}

}  // namespace tn
