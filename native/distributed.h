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
#include <string>
#include <vector>

namespace tn {

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
