// The operator bridge's fast path: ops whose schema is one of a few common
// signatures are called through a c10::TypedOperatorHandle with C++ arguments
// read straight from the JS values, without the boxed path's IValue stack.
//
// A signature is a list of C++ argument types; Arg<T> says which schema
// arguments T stands for (fits) and how to read one from JS (load). An op gets
// the first signature whose every argument fits its schema and that libtorch
// accepts for the op (typed() checks the registered kernel's C++ signature).
// At call time a load that finds anything unusual (a Tensor object instead of a
// handle, a fraction for an int, a list where a Tensor belongs) gives up and
// the boxed path runs, so unusual conversions and all error messages stay in
// one place (ops.cpp: convert_arg); the common ones use ops.cpp's rules too
// (number_scalar, wrapped_number).
//
// In-place ops (add_, mul_, zero_, ...) take the same path with their C++
// signature (Tensor& self, returned): opCall then returns undefined and the JS
// side hands back the argument, as on the boxed path.
#include "ops.h"
#include "instance.h"
#include <c10/core/SymIntArrayRef.h>
#include <c10/util/SmallVector.h>
#include <tuple>
#include <type_traits>
#include <utility>

namespace tn {
namespace {

bool is_handle(const JsArgs& js, size_t i) { return i < js.passed && i < 24 && ((js.handle_mask >> i) & 1u); }

const at::Tensor& handle_at(const JsArgs& js, size_t i) {
  double h = -1;
  napi_get_value_double(js.env, js.argv[i], &h);
  return js.inst.handles.get(h);  // a disposed tensor throws its message here, as on the boxed path
}

napi_valuetype type_at(const JsArgs& js, size_t i) {
  napi_valuetype t = napi_undefined;
  if (i < js.passed) napi_typeof(js.env, js.argv[i], &t);
  return t;
}

bool absent(const JsArgs& js, size_t i) { return type_at(js, i) == napi_undefined; }

// A JS number or boolean as a Scalar, by the boxed path's rule.
bool load_scalar(const JsArgs& js, size_t i, c10::Scalar& out) {
  if (is_handle(js, i)) return false;  // a one-element Tensor for a Scalar: the boxed path reads it
  switch (type_at(js, i)) {
    case napi_number: {
      double d;
      napi_get_value_double(js.env, js.argv[i], &d);
      out = number_scalar(d);
      return true;
    }
    case napi_boolean: {
      bool b;
      napi_get_value_bool(js.env, js.argv[i], &b);
      out = c10::Scalar(b);
      return true;
    }
    default:
      return false;
  }
}

bool js_int(napi_env env, napi_value v, int64_t& out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return false;
  double d;
  napi_get_value_double(env, v, &d);
  return int_from_double(d, out);
}

// An int argument given, or left to an int default.
bool load_int(const JsArgs& js, size_t i, int64_t& out) {
  if (is_handle(js, i)) return false;  // a handle number is not an int: the boxed path says so
  if (absent(js, i)) {
    const auto& d = js.op.args[i].default_value;
    if (!d || !d->isInt()) return false;
    out = d->toInt();
    return true;
  }
  return js_int(js.env, js.argv[i], out);
}

template <class Vec>
bool load_ints(const JsArgs& js, size_t i, Vec& out) {
  if (i >= js.passed || is_handle(js, i)) return false;
  bool is_array = false;
  napi_is_array(js.env, js.argv[i], &is_array);
  if (!is_array) return false;  // a bare int for int[N], and everything odd, take the boxed path
  uint32_t n = 0;
  napi_get_array_length(js.env, js.argv[i], &n);
  out.resize(n);
  for (uint32_t k = 0; k < n; ++k) {
    napi_value e;
    int64_t x;
    if (napi_get_element(js.env, js.argv[i], k, &e) != napi_ok || !js_int(js.env, e, x)) return false;
    out[k] = x;
  }
  return true;
}

template <class T>
struct Arg;

// A tensor given as a handle, or a number given where a Tensor belongs (a wrapped number, as in Python).
template <>
struct Arg<const at::Tensor&> {
  static constexpr bool kHandle = true;
  struct Store {
    const at::Tensor* given = nullptr;
    c10::optional<at::Tensor> wrapped;  // empty unless a number was given: no Tensor made per call
  };
  static bool fits(const ArgSpec& a) { return a.kind == Kind::Tensor && !a.optional && !a.written; }
  static bool load(const JsArgs& js, size_t i, Store& s) {
    if (is_handle(js, i)) {
      s.given = &handle_at(js, i);
      return true;
    }
    c10::Scalar n;
    if (!load_scalar(js, i, n)) return false;
    s.wrapped = wrapped_number(n);
    s.given = &*s.wrapped;
    return true;
  }
  static const at::Tensor& pass(const Store& s) { return *s.given; }
};

// The tensor an in-place op writes to (self of add_).
template <>
struct Arg<at::Tensor&> {
  static constexpr bool kHandle = true;
  using Store = at::Tensor*;
  static bool fits(const ArgSpec& a) { return a.kind == Kind::Tensor && !a.optional && a.written; }
  static bool load(const JsArgs& js, size_t i, Store& s) {
    if (!is_handle(js, i)) return false;
    // The handle table's at::Tensor is only a reference to the TensorImpl the op writes.
    s = const_cast<at::Tensor*>(&handle_at(js, i));
    return true;
  }
  static at::Tensor& pass(const Store& s) { return *s; }
};

template <>
struct Arg<bool> {
  static constexpr bool kHandle = false;
  using Store = bool;
  static bool fits(const ArgSpec& a) { return a.kind == Kind::Bool && !a.optional; }
  static bool load(const JsArgs& js, size_t i, Store& s) {
    if (is_handle(js, i)) return false;
    if (absent(js, i)) {
      const auto& d = js.op.args[i].default_value;
      if (!d || !d->isBool()) return false;
      s = d->toBool();
      return true;
    }
    if (type_at(js, i) != napi_boolean) return false;
    napi_get_value_bool(js.env, js.argv[i], &s);
    return true;
  }
  static bool pass(const Store& s) { return s; }
};

template <>
struct Arg<const c10::optional<at::Tensor>&> {
  static constexpr bool kHandle = true;
  using Store = c10::optional<at::Tensor>;
  static bool fits(const ArgSpec& a) { return a.kind == Kind::Tensor && a.optional; }
  static bool load(const JsArgs& js, size_t i, Store& s) {
    if (is_handle(js, i)) {
      s = handle_at(js, i);
      return true;
    }
    napi_valuetype t = type_at(js, i);
    return t == napi_undefined || t == napi_null;  // None
  }
  static const c10::optional<at::Tensor>& pass(const Store& s) { return s; }
};

template <>
struct Arg<int64_t> {
  static constexpr bool kHandle = false;
  using Store = int64_t;
  static bool fits(const ArgSpec& a) { return a.kind == Kind::Int && !a.optional && !a.symint; }
  static bool load(const JsArgs& js, size_t i, Store& s) { return load_int(js, i, s); }
  static int64_t pass(const Store& s) { return s; }
};

template <>
struct Arg<c10::SymInt> {
  static constexpr bool kHandle = false;
  using Store = int64_t;
  static bool fits(const ArgSpec& a) { return a.kind == Kind::Int && !a.optional && a.symint; }
  static bool load(const JsArgs& js, size_t i, Store& s) { return load_int(js, i, s); }
  static c10::SymInt pass(const Store& s) { return c10::SymInt(s); }
};

template <>
struct Arg<at::IntArrayRef> {
  static constexpr bool kHandle = false;
  using Store = c10::SmallVector<int64_t, 6>;
  static bool fits(const ArgSpec& a) { return a.kind == Kind::IntList && !a.optional && !a.symint; }
  static bool load(const JsArgs& js, size_t i, Store& s) { return load_ints(js, i, s); }
  static at::IntArrayRef pass(const Store& s) { return at::IntArrayRef(s.data(), s.size()); }
};

template <>
struct Arg<c10::SymIntArrayRef> {
  static constexpr bool kHandle = false;
  using Store = c10::SmallVector<c10::SymInt, 6>;
  static bool fits(const ArgSpec& a) { return a.kind == Kind::IntList && !a.optional && a.symint; }
  static bool load(const JsArgs& js, size_t i, Store& s) { return load_ints(js, i, s); }
  static c10::SymIntArrayRef pass(const Store& s) { return c10::SymIntArrayRef(s.data(), s.size()); }
};

// A Scalar: a JS number or boolean, or left to its default (alpha=1).
template <>
struct Arg<const c10::Scalar&> {
  static constexpr bool kHandle = false;
  struct Store {
    const c10::Scalar* value = nullptr;  // the op's default, or given
    c10::Scalar given;
  };
  static bool fits(const ArgSpec& a) { return a.kind == Kind::Scalar && !a.optional; }
  static bool load(const JsArgs& js, size_t i, Store& s) {
    if (absent(js, i)) {
      const auto& d = js.op.args[i].default_scalar;
      if (!d) return false;
      s.value = &*d;
      return true;
    }
    if (!load_scalar(js, i, s.given)) return false;
    s.value = &s.given;
    return true;
  }
  static const c10::Scalar& pass(const Store& s) { return *s.value; }
};

// R is at::Tensor for ops that return a new tensor, at::Tensor& for in-place ones.
template <class R, class... A>
class Typed final : public UnboxedCall {
 public:
  using Sig = R(A...);

  static bool fits(const OpSpec& op) { return op.args.size() == sizeof...(A) && fits_each(op, std::index_sequence_for<A...>{}); }
  explicit Typed(c10::TypedOperatorHandle<Sig> h) : handle_(std::move(h)) {}

  bool call(const JsArgs& js, at::Tensor& out) override { return run(js, out, std::index_sequence_for<A...>{}); }

 private:
  template <size_t... I>
  static bool fits_each(const OpSpec& op, std::index_sequence<I...>) {
    return (Arg<A>::fits(op.args[I]) && ...);
  }
  template <size_t... I>
  bool run(const JsArgs& js, at::Tensor& out, std::index_sequence<I...>) {
    std::tuple<typename Arg<A>::Store...> stored;
    // Values first, tensors last: reading an int[] element can run a JS getter, which may
    // make tensors and so move the handle table's slots that a loaded tensor points into.
    if (!((Arg<A>::kHandle || Arg<A>::load(js, I, std::get<I>(stored))) && ...)) return false;
    if (!((!Arg<A>::kHandle || Arg<A>::load(js, I, std::get<I>(stored))) && ...)) return false;
    if constexpr (std::is_reference_v<R>) {
      handle_.call(Arg<A>::pass(std::get<I>(stored))...);
    } else {
      out = handle_.call(Arg<A>::pass(std::get<I>(stored))...);
    }
    return true;
  }
  c10::TypedOperatorHandle<Sig> handle_;
};

template <class R, class... A>
std::unique_ptr<UnboxedCall> try_signature(const OpSpec& op) {
  using Call = Typed<R, A...>;
  if (!Call::fits(op)) return nullptr;
  try {
    return std::make_unique<Call>(op.handle.typed<typename Call::Sig>());
  } catch (const c10::Error&) {
    return nullptr;  // the kernels were registered with another C++ signature
  }
}

using T = const at::Tensor&;
using OptT = const c10::optional<at::Tensor>&;
using S = const c10::Scalar&;
using Out = at::Tensor;
using Self = at::Tensor&;

}  // namespace

std::unique_ptr<UnboxedCall> choose_unboxed(const OpSpec& op) {
  if (op.returns.size() != 1 || op.returns[0].kind != Kind::Tensor) return nullptr;
  using Try = std::unique_ptr<UnboxedCall> (*)(const OpSpec&);
  if (op.returns[0].alias_of_arg == 0) {
    // In-place on self, the only argument written: zero_; mul_, div_; mul_.Scalar;
    // unsqueeze_; transpose_; add_, sub_; copy_; addcmul_, addcdiv_.
    for (size_t i = 1; i < op.args.size(); ++i) {
      if (op.args[i].written) return nullptr;
    }
    static const Try in_place[] = {
        try_signature<Self, Self>,
        try_signature<Self, Self, T>,
        try_signature<Self, Self, S>,
        try_signature<Self, Self, int64_t>,
        try_signature<Self, Self, int64_t, int64_t>,
        try_signature<Self, Self, T, S>,
        try_signature<Self, Self, T, bool>,
        try_signature<Self, Self, T, T, S>,
    };
    for (Try t : in_place) {
      if (auto u = t(op)) return u;
    }
    return nullptr;
  }
  // One new Tensor back, nothing written in place (out= ops hand back an argument).
  if (op.returns[0].alias_of_arg >= 0) return nullptr;
  for (const auto& a : op.args) {
    if (a.written) return nullptr;
  }
  // abs, relu, t; add, mul, matmul; mul.Scalar; add.Tensor (alpha); add.Scalar;
  // view, reshape; permute; unsqueeze; transpose, select (1.x); select (2.x);
  // linear; mse_loss; addmm.
  static const Try fresh[] = {
      try_signature<Out, T>,
      try_signature<Out, T, T>,
      try_signature<Out, T, S>,
      try_signature<Out, T, T, S>,
      try_signature<Out, T, S, S>,
      try_signature<Out, T, c10::SymIntArrayRef>,
      try_signature<Out, T, at::IntArrayRef>,
      try_signature<Out, T, int64_t>,
      try_signature<Out, T, int64_t, int64_t>,
      try_signature<Out, T, int64_t, c10::SymInt>,
      try_signature<Out, T, T, OptT>,
      try_signature<Out, T, T, int64_t>,
      try_signature<Out, T, T, T, S, S>,
  };
  for (Try t : fresh) {
    if (auto u = t(op)) return u;
  }
  return nullptr;
}

}  // namespace tn
