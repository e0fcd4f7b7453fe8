// The operator bridge: any ATen operator, called by name through the c10
// dispatcher, with JS arguments converted by the operator's schema.
#pragma once
#include <napi.h>
#include <ATen/core/dispatch/Dispatcher.h>
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
  int fixed_size = 0;  // int[2]: a single int is repeated, as PyTorch's parser does
  std::string type_str;
};

struct ReturnSpec {
  Kind kind = Kind::Unsupported;
  int alias_of_arg = -1;  // in-place and out= results: the JS side returns that argument's object
  std::string type_str;
};

// The C++ signatures of the commonest ops, called unboxed when every tensor
// argument comes as a handle: the boxed path's stack and (un)boxing cost about
// as much as a small kernel. Decided once per op; libtorch checks the signature.
using UnarySig = at::Tensor(const at::Tensor&);
using BinarySig = at::Tensor(const at::Tensor&, const at::Tensor&);
using BinaryAlphaSig = at::Tensor(const at::Tensor&, const at::Tensor&, const c10::Scalar&);

struct OpSpec {
  c10::OperatorHandle handle;
  std::string name;      // "add"
  std::string overload;  // "Tensor"
  std::vector<ArgSpec> args;
  std::vector<ReturnSpec> returns;
  c10::optional<c10::TypedOperatorHandle<UnarySig>> unary;            // (Tensor) -> Tensor
  c10::optional<c10::TypedOperatorHandle<BinarySig>> binary;          // (Tensor, Tensor) -> Tensor
  c10::optional<c10::TypedOperatorHandle<BinaryAlphaSig>> binary_alpha;  // (Tensor, Tensor, Scalar=default) -> Tensor
  c10::Scalar alpha_default;
};

void register_ops(Napi::Env env, Napi::Object exports);

}  // namespace tn
