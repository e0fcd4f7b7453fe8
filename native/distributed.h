// torch.distributed's native side: what distributed.cpp (stores, process
// groups, collectives) shares with distributed_reducer.cpp (DDP's Reducer).
//
// c10d objects reach JS as type-tagged Napi::Externals holding an
// intrusive_ptr, so a wrong object passed from JS is a clear error rather
// than a crash, and the object lives as long as JS (or a Reducer) holds it.
#pragma once
#include <napi.h>
#include <torch/version.h>

// A libtorch built without distributed support ships no c10d headers: then
// the addon builds without torch.distributed and says so at run time.
// (TN_FORCE_NO_C10D / TN_FORCE_NO_GLOO build those variants anywhere, to check they compile.)
#if !defined(TN_FORCE_NO_C10D) && __has_include(<torch/csrc/distributed/c10d/ProcessGroup.hpp>)
#define TN_HAVE_C10D 1
#else
#define TN_HAVE_C10D 0
#endif

// ProcessGroupGloo.hpp only declares the class when this is defined; libtorch
// defines it for its own build, not for its users'. The Gloo headers come
// from libgloo-dev (Debian) or the libtorch/wheel include directory.
#if TN_HAVE_C10D && !defined(TN_FORCE_NO_GLOO) && __has_include(<gloo/algorithm.h>)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#define TN_HAVE_GLOO 1
#else
#define TN_HAVE_GLOO 0
#endif

#if TN_HAVE_C10D
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <chrono>
#include <string>
#include <vector>
#include "errors.h"
#include "instance.h"

namespace tn {

using std::chrono::milliseconds;

// Type tags: an External made here cannot be mistaken for another.
inline constexpr napi_type_tag kStoreTag = {0x7d1c0e5a9b2f4c11ULL, 0x8a3e5f60d4c2b701ULL};
inline constexpr napi_type_tag kGroupTag = {0x7d1c0e5a9b2f4c11ULL, 0x8a3e5f60d4c2b702ULL};
inline constexpr napi_type_tag kWorkTag = {0x7d1c0e5a9b2f4c11ULL, 0x8a3e5f60d4c2b703ULL};
inline constexpr napi_type_tag kReducerTag = {0x7d1c0e5a9b2f4c11ULL, 0x8a3e5f60d4c2b704ULL};

// Hands box to JS as a tagged External that deletes it when collected.
template <typename T>
Napi::Value wrap(Napi::Env env, T* box, const napi_type_tag& tag) {
  auto ext = Napi::External<T>::New(env, box, [](Napi::Env, T* p) {
    // A destructor that throws (a group still draining work, ~Reducer) must not abort Node.
    try { delete p; } catch (...) {}
  });
  ext.TypeTag(&tag);
  return ext;
}

// The box behind a tagged External, or a UserError naming what was expected.
template <typename T>
T& unwrap(const Napi::Value& v, const napi_type_tag& tag, const char* what) {
  if (!v.IsExternal() || !v.As<Napi::External<T>>().CheckTypeTag(&tag))
    throw UserError(std::string("expected a ") + what + ", got " + js_type_name(v));
  return *v.As<Napi::External<T>>().Data();
}

struct StoreBox {
  c10::intrusive_ptr<c10d::Store> store;
};

// Argument readers shared by distributed*.cpp; each error names the argument.
std::string string_arg(const Napi::Value& v, const char* what);
int64_t int_arg(const Napi::Value& v, const char* what);
// Milliseconds; undefined/null means "the default" and reads as -1.
milliseconds timeout_arg(const Napi::Value& v, const char* what);
std::vector<at::Tensor> tensor_list(Instance& inst, const Napi::Value& v, const char* what);

struct GroupBox {
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  std::string backend;
  bool destroyed = false;
};

// The process group behind a JS group object; throws a UserError when the
// value is not one or the group was destroyed.
GroupBox& group_from_js(const Napi::Value& v);

}  // namespace tn
#endif  // TN_HAVE_C10D
