// The operator bridge: any ATen operator, called by name through the c10
// dispatcher, with JS arguments converted by the operator's schema.
#pragma once
#include <napi.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <memory>
#include <string>
#include <vector>

namespace tn {

// What the bridge does with one schema argument or return, decided once per op.
enum class Kind : uint8_t {
  Tensor, TensorList, OptTensorList, Scalar, Int, IntList, Float, FloatList, Bool, BoolList,
  Str, ScalarType, Layout, MemoryFormat, Device, Generator, Unsupported
};

struct ArgSpec {
  std::string name;
  Kind kind = Kind::Unsupported;
  bool optional = false;
  bool kwarg_only = false;
  c10::optional<c10::IValue> default_value;
  c10::optional<c10::Scalar> default_scalar;  // default_value as a Scalar, where it is one (alpha=1)
  int fixed_size = 0;  // int[2]: a single int is repeated, as PyTorch's parser does
  bool written = false;  // Tensor(a!): the op writes to it
  bool symint = false;  // SymInt / SymInt[]: the C++ kernel takes c10::SymInt(ArrayRef)
  std::string type_str;
};

struct ReturnSpec {
  Kind kind = Kind::Unsupported;
  int alias_of_arg = -1;  // in-place and out= results: the JS side returns that argument's object
  std::string type_str;
};

struct Instance;
struct OpSpec;

// The JS arguments of one opCall, as the fast path reads them.
struct JsArgs {
  napi_env env;
  Instance& inst;
  const OpSpec& op;
  uint32_t handle_mask;  // which positions hold tensor handle numbers
  napi_value* argv;
  size_t passed;
};

// An op called unboxed, through a c10::TypedOperatorHandle, when its schema is
// one of the common signatures (native/unboxed.cpp): the boxed path's stack and
// IValue (un)boxing cost about as much as a small kernel. Chosen once per op.
struct UnboxedCall {
  virtual ~UnboxedCall() = default;
  // false, with nothing done, when an argument is not in the form the fast path
  // takes (a Tensor object, a fraction for an int, ...): the boxed path then
  // runs and gives the usual conversions and errors.
  virtual bool call(const JsArgs& js, at::Tensor& out) = 0;
};

struct OpSpec {
  c10::OperatorHandle handle;
  std::string name;      // "add"
  std::string overload;  // "Tensor"
  std::vector<ArgSpec> args;
  std::vector<ReturnSpec> returns;
  std::unique_ptr<UnboxedCall> unboxed;  // null: always boxed
};

// How the bridge reads JS values, shared by the boxed and the unboxed path.
// A JS number is an int when it holds an integer value in int64's range.
bool int_from_double(double d, int64_t& out);
// A JS number is an int Scalar when it holds an integer value (Python's 2 vs 2.5).
c10::Scalar number_scalar(double d);
// A number, boolean or BigInt as a Scalar; false for anything else.
bool to_scalar(const Napi::Value& v, c10::Scalar& out);
// A number given where a Tensor belongs, as Python's wrapped-number tensor.
at::Tensor wrapped_number(const c10::Scalar& s);

// The fast path for an op whose schema matches one of the signatures in
// native/unboxed.cpp and which returns one new Tensor or writes self in place
// and returns it; null otherwise.
std::unique_ptr<UnboxedCall> choose_unboxed(const OpSpec& spec);

void register_ops(Napi::Env env, Napi::Object exports);

}  // namespace tn
