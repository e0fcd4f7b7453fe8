// The operator bridge. An op is resolved once (name + overload -> index), its
// schema turned into ArgSpecs; each call then converts the JS arguments by
// those specs, calls the kernel through the dispatcher (boxed) and converts
// the results. This is the only place where JS values become op arguments.
#include "ops.h"
#include "errors.h"
#include "instance.h"
#include <ATen/ScalarOps.h>
#include <ATen/core/function_schema.h>
#include <ATen/core/jit_type.h>
#include <ATen/core/stack.h>
#include <cmath>
#include <sstream>

namespace tn {
namespace {

// SymInt, SymInt[], or an optional of those.
bool is_symint(const c10::TypePtr& t) {
  using K = c10::TypeKind;
  switch (t->kind()) {
    case K::SymIntType: return true;
    case K::OptionalType: return is_symint(t->castRaw<c10::OptionalType>()->getElementType());
    case K::ListType: return t->castRaw<c10::ListType>()->getElementType()->kind() == K::SymIntType;
    default: return false;
  }
}

Kind kind_of(const c10::TypePtr& t, bool& optional) {
  using K = c10::TypeKind;
  if (t->kind() == K::OptionalType) {
    optional = true;
    return kind_of(t->castRaw<c10::OptionalType>()->getElementType(), optional);
  }
  switch (t->kind()) {
    case K::TensorType: return Kind::Tensor;
    case K::NumberType: return Kind::Scalar;
    case K::IntType: case K::SymIntType: return Kind::Int;
    case K::FloatType: return Kind::Float;
    case K::BoolType: return Kind::Bool;
    case K::StringType: return Kind::Str;
    case K::ScalarTypeType: return Kind::ScalarType;
    case K::LayoutType: return Kind::Layout;
    case K::MemoryFormatType: return Kind::MemoryFormat;
    case K::DeviceObjType: return Kind::Device;
    case K::GeneratorType: return Kind::Generator;
    case K::ListType: {
      const auto& elem = t->castRaw<c10::ListType>()->getElementType();
      switch (elem->kind()) {
        case K::TensorType: return Kind::TensorList;
        case K::IntType: case K::SymIntType: return Kind::IntList;
        case K::FloatType: return Kind::FloatList;
        case K::BoolType: return Kind::BoolList;
        case K::OptionalType:
          if (elem->castRaw<c10::OptionalType>()->getElementType()->kind() == K::TensorType)
            return Kind::OptTensorList;
          return Kind::Unsupported;
        default: return Kind::Unsupported;
      }
    }
    default: return Kind::Unsupported;
  }
}

std::unique_ptr<OpSpec> make_spec(const c10::OperatorHandle& handle) {
  auto spec = std::make_unique<OpSpec>(OpSpec{handle, {}, {}, {}, {}});
  const c10::FunctionSchema& schema = handle.schema();
  spec->name = schema.name();
  spec->overload = schema.overload_name();
  for (const auto& a : schema.arguments()) {
    ArgSpec s;
    s.name = a.name();
    s.kind = kind_of(a.real_type(), s.optional);
    s.kwarg_only = a.kwarg_only();
    s.default_value = a.default_value();
    if (s.default_value && s.default_value->isScalar()) s.default_scalar = s.default_value->toScalar();
    s.fixed_size = a.N() ? *a.N() : 0;
    s.type_str = a.real_type()->annotation_str();
    s.written = a.alias_info() && a.alias_info()->isWrite();
    s.symint = is_symint(a.real_type());
    spec->args.push_back(std::move(s));
  }
  const auto& args = schema.arguments();
  for (const auto& r : schema.returns()) {
    ReturnSpec s;
    bool opt = false;
    s.kind = kind_of(r.real_type(), opt);
    s.type_str = r.real_type()->annotation_str();
    // A written-to return alias (Tensor(a!)) is one of the inputs handed back.
    if (r.alias_info() && r.alias_info()->isWrite()) {
      for (size_t i = 0; i < args.size(); ++i) {
        const auto* ai = args[i].alias_info();
        if (ai && ai->isWrite() && ai->beforeSets() == r.alias_info()->beforeSets()) {
          s.alias_of_arg = static_cast<int>(i);
          break;
        }
      }
    }
    spec->returns.push_back(std::move(s));
  }
  spec->unboxed = choose_unboxed(*spec);
  return spec;
}

// How an op is named in messages: "add", as Python's errors name it.
std::string qualified(const OpSpec& op) {
  auto pos = op.name.find("::");
  return pos == std::string::npos ? op.name : op.name.substr(pos + 2);
}

[[noreturn]] void bad_arg(const OpSpec& op, size_t i, const std::string& expected, const Napi::Value& got) {
  std::ostringstream m;
  m << qualified(op) << "(): argument '" << op.args[i].name << "' (position " << (i + 1) << ") must be "
    << expected << ", not " << js_type_name(got);
  throw UserError(m.str());
}

bool is_js_int(const Napi::Value& v, int64_t& out) {
  if (v.IsNumber()) return int_from_double(v.As<Napi::Number>().DoubleValue(), out);
  if (v.IsBigInt()) {
    bool lossless;
    out = v.As<Napi::BigInt>().Int64Value(&lossless);
    return lossless;
  }
  return false;
}

c10::IValue int_list(const OpSpec& op, size_t i, const Napi::Value& v) {
  const ArgSpec& a = op.args[i];
  int64_t x;
  if (is_js_int(v, x)) {
    // int[2] kernel_size=3 means [3, 3]; a bare int for int[] means [x] (dim=1)
    return c10::IValue(std::vector<int64_t>(a.fixed_size > 0 ? a.fixed_size : 1, x));
  }
  if (!v.IsArray()) bad_arg(op, i, "tuple of ints", v);
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value e = arr.Get(k);
    if (!is_js_int(e, out[k])) bad_arg(op, i, "tuple of ints", e);
  }
  return c10::IValue(std::move(out));
}

// The handle a JS Tensor object carries, read with raw N-API calls: this runs for
// every tensor argument of every op, so it avoids node-addon-api's repeated napi_typeof.
bool handle_of(napi_env env, napi_value obj, napi_value key, double& out) {
  napi_value h;
  if (napi_get_property(env, obj, key, &h) != napi_ok) return false;
  return napi_get_value_double(env, h, &out) == napi_ok;
}

c10::IValue convert_arg(Instance& inst, const OpSpec& op, size_t i, const Napi::Value& v, napi_valuetype type, napi_value key) {
  const ArgSpec& a = op.args[i];
  napi_env env = v.Env();
  if (type == napi_undefined || type == napi_null) {
    if (type == napi_undefined && a.default_value) return *a.default_value;
    if (a.optional) return c10::IValue();
    if (type == napi_undefined) {
      throw UserError(qualified(op) + "() missing required argument '" + a.name + "' (position " + std::to_string(i + 1) + ")");
    }
    bad_arg(op, i, a.type_str, v);
  }
  // The common cases first, with one napi_typeof per argument.
  double d;
  switch (a.kind) {
    case Kind::Tensor:
      if (type == napi_object && handle_of(env, v, key, d)) return inst.handles.get(d);
      break;
    case Kind::Int: {
      int64_t x;
      if (type == napi_number && napi_get_value_double(env, v, &d) == napi_ok && int_from_double(d, x)) return c10::IValue(x);
      break;
    }
    case Kind::Bool:
      if (type == napi_boolean) {
        bool b;
        napi_get_value_bool(env, v, &b);
        return c10::IValue(b);
      }
      break;
    default:
      break;
  }
  switch (a.kind) {
    case Kind::Tensor: {
      if (type == napi_object && !v.IsArray()) return tensor_from_js(inst, v, a.name.c_str());
      c10::Scalar s;
      if (to_scalar(v, s)) return c10::IValue(wrapped_number(s));
      bad_arg(op, i, "Tensor", v);
    }
    case Kind::TensorList:
    case Kind::OptTensorList: {
      if (!v.IsArray()) bad_arg(op, i, "tuple of Tensors", v);
      auto arr = v.As<Napi::Array>();
      if (a.kind == Kind::TensorList) {
        std::vector<at::Tensor> out;
        out.reserve(arr.Length());
        for (uint32_t k = 0; k < arr.Length(); ++k) {
          Napi::Value e = arr.Get(k);
          if (!e.IsObject()) bad_arg(op, i, "tuple of Tensors", e);
          out.push_back(tensor_from_js(inst, e, a.name.c_str()));
        }
        return c10::IValue(std::move(out));
      }
      c10::List<c10::optional<at::Tensor>> out;
      for (uint32_t k = 0; k < arr.Length(); ++k) {
        Napi::Value e = arr.Get(k);
        if (e.IsUndefined() || e.IsNull()) out.push_back(c10::nullopt);
        else out.push_back(tensor_from_js(inst, e, a.name.c_str()));
      }
      return c10::IValue(std::move(out));
    }
    case Kind::Scalar: {
      c10::Scalar s;
      if (to_scalar(v, s)) return c10::IValue(s);
      if (v.IsObject()) {
        const at::Tensor& t = tensor_from_js(inst, v, a.name.c_str());
        if (t.numel() == 1) return c10::IValue(t.item());
      }
      bad_arg(op, i, "Number", v);
    }
    case Kind::Int: {
      int64_t x;
      if (is_js_int(v, x)) return c10::IValue(x);
      bad_arg(op, i, "int", v);
    }
    case Kind::IntList: return int_list(op, i, v);
    case Kind::Float: {
      if (v.IsNumber()) return c10::IValue(v.As<Napi::Number>().DoubleValue());
      bad_arg(op, i, "float", v);
    }
    case Kind::FloatList: {
      if (v.IsNumber()) return c10::IValue(std::vector<double>(a.fixed_size > 0 ? a.fixed_size : 1, v.As<Napi::Number>().DoubleValue()));
      if (!v.IsArray()) bad_arg(op, i, "tuple of floats", v);
      auto arr = v.As<Napi::Array>();
      std::vector<double> out(arr.Length());
      for (uint32_t k = 0; k < arr.Length(); ++k) {
        Napi::Value e = arr.Get(k);
        if (!e.IsNumber()) bad_arg(op, i, "tuple of floats", e);
        out[k] = e.As<Napi::Number>().DoubleValue();
      }
      return c10::IValue(std::move(out));
    }
    case Kind::Bool: {
      if (v.IsBoolean()) return c10::IValue(v.As<Napi::Boolean>().Value());
      bad_arg(op, i, "bool", v);
    }
    case Kind::BoolList: {
      if (!v.IsArray()) bad_arg(op, i, "tuple of bools", v);
      auto arr = v.As<Napi::Array>();
      c10::List<bool> out;
      for (uint32_t k = 0; k < arr.Length(); ++k) {
        Napi::Value e = arr.Get(k);
        if (!e.IsBoolean()) bad_arg(op, i, "tuple of bools", e);
        out.push_back(e.As<Napi::Boolean>().Value());
      }
      // bool[3] in the schema is a std::array<bool, N> in the kernel; boxed it is a List<bool>.
      return c10::IValue(std::move(out));
    }
    case Kind::Str: {
      if (v.IsString()) return c10::IValue(v.As<Napi::String>().Utf8Value());
      bad_arg(op, i, "str", v);
    }
    case Kind::ScalarType: {
      if (v.IsString()) return c10::IValue(static_cast<int64_t>(scalar_type_from_name(v.As<Napi::String>().Utf8Value())));
      bad_arg(op, i, "torch.dtype", v);
    }
    case Kind::Layout: {
      if (v.IsString()) {
        std::string s = v.As<Napi::String>().Utf8Value();
        if (s == "strided" || s == "torch.strided") return c10::IValue(static_cast<int64_t>(c10::Layout::Strided));
        if (s == "sparse_coo" || s == "torch.sparse_coo") return c10::IValue(static_cast<int64_t>(c10::Layout::Sparse));
        throw UserError(qualified(op) + "(): unknown layout '" + s + "' for argument '" + a.name + "' (expected 'strided' or 'sparse_coo')");
      }
      bad_arg(op, i, "torch.layout", v);
    }
    case Kind::MemoryFormat: {
      if (v.IsString()) {
        std::string s = v.As<Napi::String>().Utf8Value();
        if (s.rfind("torch.", 0) == 0) s = s.substr(6);
        if (s == "contiguous_format") return c10::IValue(static_cast<int64_t>(c10::MemoryFormat::Contiguous));
        if (s == "preserve_format") return c10::IValue(static_cast<int64_t>(c10::MemoryFormat::Preserve));
        if (s == "channels_last") return c10::IValue(static_cast<int64_t>(c10::MemoryFormat::ChannelsLast));
        if (s == "channels_last_3d") return c10::IValue(static_cast<int64_t>(c10::MemoryFormat::ChannelsLast3d));
        throw UserError(qualified(op) + "(): unknown memory format '" + s + "' for argument '" + a.name + "'");
      }
      bad_arg(op, i, "torch.memory_format", v);
    }
    case Kind::Device: return c10::IValue(device_from_js(v));
    case Kind::Generator: {
      if (v.IsObject()) {
        Napi::Value g = v.As<Napi::Object>().Get(inst.generator_key.Value());
        if (g.IsNumber()) {
          auto idx = static_cast<size_t>(g.As<Napi::Number>().Int64Value());
          if (idx > 0 && idx < inst.generators.size()) return c10::IValue(inst.generators[idx]);
        }
      }
      bad_arg(op, i, "torch.Generator", v);
    }
    case Kind::Unsupported: break;
  }
  throw UserError(qualified(op) + "(): argument '" + a.name + "' has type " + a.type_str + ", which torch-node cannot pass yet");
}

Napi::Value convert_return(Napi::Env env, Instance& inst, const ReturnSpec& r, c10::IValue&& v) {
  if (v.isNone()) return env.Null();
  if (v.isTensor()) return tensor_to_js(env, inst, std::move(v).toTensor());
  if (v.isTensorList()) {
    auto list = std::move(v).toTensorList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t k = 0; k < list.size(); ++k) arr.Set(k, tensor_to_js(env, inst, list.get(k)));
    return arr;
  }
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isInt()) {
    if (r.kind == Kind::ScalarType) return Napi::String::New(env, scalar_type_name(static_cast<c10::ScalarType>(v.toInt())));
    return Napi::Number::New(env, static_cast<double>(v.toInt()));
  }
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isIntList()) {
    auto list = v.toIntList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t k = 0; k < list.size(); ++k) arr.Set(k, Napi::Number::New(env, static_cast<double>(list.get(k))));
    return arr;
  }
  if (v.isDoubleList()) {
    auto list = v.toDoubleList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t k = 0; k < list.size(); ++k) arr.Set(k, Napi::Number::New(env, list.get(k)));
    return arr;
  }
  if (v.isComplexDouble()) {
    auto c = v.toComplexDouble();
    auto arr = Napi::Array::New(env, 2);
    arr.Set(0u, Napi::Number::New(env, c.real()));
    arr.Set(1u, Napi::Number::New(env, c.imag()));
    return arr;
  }
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  throw UserError(std::string("torch-node cannot return a value of type ") + v.tagKind() + " yet");
}

// A Tensor given for argument i: as is where the schema wants a Tensor, as a
// number where it wants a Scalar (one element), else a type error.
c10::IValue tensor_for_arg(const OpSpec& op, size_t i, const at::Tensor& t) {
  const ArgSpec& a = op.args[i];
  if (a.kind == Kind::Tensor) return t;
  if (a.kind == Kind::Scalar && t.numel() == 1) return c10::IValue(t.item());
  throw UserError(qualified(op) + "(): argument '" + a.name + "' (position " + std::to_string(i + 1) + ") must be " +
                  a.type_str + ", not Tensor");
}

// Borrows an argument stack from the instance's pool, so an op call does not
// allocate one; nested calls (a getter run during conversion) get their own.
struct StackLease {
  Instance& inst;
  torch::jit::Stack& stack;
  explicit StackLease(Instance& i) : inst(i), stack(acquire(i)) {}
  ~StackLease() {
    stack.clear();  // drops the references the arguments and results held
    --inst.stack_depth;
  }
  static torch::jit::Stack& acquire(Instance& i) {
    if (i.stack_depth == i.stack_pool.size()) i.stack_pool.push_back(std::make_unique<torch::jit::Stack>());
    return *i.stack_pool[i.stack_depth++];
  }
};

OpSpec& op_at(Instance& inst, const Napi::Value& id) {
  double k = -1;
  if (napi_get_value_double(id.Env(), id, &k) != napi_ok) throw UserError("operator id must be a number");
  if (!(k >= 0) || k >= static_cast<double>(inst.ops.size())) throw UserError("unknown operator id " + std::to_string(k));
  return *inst.ops[static_cast<size_t>(k)];
}

}  // namespace

bool int_from_double(double d, int64_t& out) {
  // The range first: casting a double outside int64's range is undefined.
  if (!(d >= -9.2233720368547758e18 && d < 9.2233720368547758e18) || d != std::trunc(d)) return false;
  out = static_cast<int64_t>(d);
  return true;
}

c10::Scalar number_scalar(double d) {
  if (std::abs(d) <= 9007199254740992.0 && d == static_cast<double>(static_cast<int64_t>(d))) return c10::Scalar(static_cast<int64_t>(d));
  return c10::Scalar(d);
}

bool to_scalar(const Napi::Value& v, c10::Scalar& out) {
  if (v.IsBoolean()) { out = c10::Scalar(v.As<Napi::Boolean>().Value()); return true; }
  int64_t i;
  if (v.IsNumber()) {
    out = number_scalar(v.As<Napi::Number>().DoubleValue());
    return true;
  }
  if (v.IsBigInt() && is_js_int(v, i)) { out = c10::Scalar(i); return true; }
  return false;
}

// So int_tensor + 2.5 promotes to float, and float_tensor + 2 stays float.
at::Tensor wrapped_number(const c10::Scalar& s) {
  at::Tensor w = c10::scalar_to_tensor(s);
  w.unsafeGetTensorImpl()->set_wrapped_number(true);
  return w;
}

// opResolve(name, overload) -> id. name may carry the "aten::" namespace.
TN_ENTRY(opResolve) {
  Instance& inst = instance(info.Env());
  if (!info[0].IsString()) throw UserError("opResolve(): operator name must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  if (name.find("::") == std::string::npos) name = "aten::" + name;
  std::string key = overload.empty() ? name : name + "." + overload;
  auto it = inst.op_ids.find(key);
  if (it != inst.op_ids.end()) return Napi::Number::New(info.Env(), it->second);
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) throw UserError("unknown operator " + key + ": no such operator and overload is registered with libtorch");
  inst.ops.push_back(make_spec(*handle));
  double id = static_cast<double>(inst.ops.size() - 1);
  inst.op_ids.emplace(key, id);
  return Napi::Number::New(info.Env(), id);
}

// opSchema(id) -> { name, overload, schema, args: [...], returns: [...] }
TN_ENTRY(opSchema) {
  Napi::Env env = info.Env();
  OpSpec& op = op_at(instance(env), info[0]);
  auto o = Napi::Object::New(env);
  o.Set("name", op.name);
  o.Set("overload", op.overload);
  std::ostringstream s;
  s << op.handle.schema();
  o.Set("schema", s.str());
  o.Set("unboxed", op.unboxed != nullptr);  // whether calls can take the fast path (native/unboxed.cpp)
  auto args = Napi::Array::New(env, op.args.size());
  for (size_t i = 0; i < op.args.size(); ++i) {
    const ArgSpec& a = op.args[i];
    auto ao = Napi::Object::New(env);
    ao.Set("name", a.name);
    ao.Set("type", a.type_str);
    ao.Set("kind", static_cast<double>(a.kind));
    ao.Set("optional", a.optional);
    ao.Set("kwargOnly", a.kwarg_only);
    ao.Set("hasDefault", a.default_value.has_value());
    args.Set(i, ao);
  }
  o.Set("args", args);
  auto rets = Napi::Array::New(env, op.returns.size());
  for (size_t i = 0; i < op.returns.size(); ++i) {
    auto ro = Napi::Object::New(env);
    ro.Set("type", op.returns[i].type_str);
    ro.Set("kind", static_cast<double>(op.returns[i].kind));
    ro.Set("aliasOfArg", static_cast<double>(op.returns[i].alias_of_arg));
    rets.Set(i, ro);
  }
  o.Set("returns", rets);
  return o;
}

// opList() -> every registered operator as "aten::add.Tensor"
TN_ENTRY(opList) {
  Napi::Env env = info.Env();
  auto names = c10::Dispatcher::singleton().getAllOpNames();
  auto arr = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    arr.Set(i, names[i].overload_name.empty() ? names[i].name : names[i].name + "." + names[i].overload_name);
  }
  return arr;
}

// opCall(id, mask, ...args): positional arguments in schema order; undefined takes
// the default. Bits 0-23 of mask say which args are already tensor handle numbers;
// bits 24-30 hold how many args the caller meant to give (the JS fast path always
// passes a fixed number, padding with undefined). Returns one value, an array for
// several returns, or undefined for a return that is an input.
//
// A raw N-API callback rather than a node-addon-api one: this runs for every op,
// and the wrapper's CallbackInfo and instance-data lookups showed up in profiles.
constexpr uint32_t kHandleBits = 24;
constexpr size_t kStackArgs = 12;

// The unboxed call (native/unboxed.cpp), when the op has one and the arguments
// suit it; nullptr otherwise, and the boxed path runs.
static napi_value call_unboxed(napi_env env, Instance& inst, OpSpec& op, uint32_t mask, napi_value* args, size_t passed) {
  if (!op.unboxed) return nullptr;
  at::Tensor out;
  if (!op.unboxed->call(JsArgs{env, inst, op, mask, args, passed}, out)) return nullptr;
  if (op.returns[0].alias_of_arg >= 0) {  // in place: the JS side returns the argument
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    return undefined;
  }
  return tensor_to_js(Napi::Env(env), inst, std::move(out));
}

static napi_value op_call(napi_env env, Instance& inst, napi_value* argv, size_t argc) {
  if (argc < 2) throw UserError("opCall(): expected an operator id and an argument mask");
  OpSpec& op = op_at(inst, Napi::Value(env, argv[0]));
  uint32_t mask = 0;
  napi_get_value_uint32(env, argv[1], &mask);
  size_t given = mask >> kHandleBits;
  mask &= (1u << kHandleBits) - 1;
  size_t passed = argc - 2;
  if (given > op.args.size()) {
    throw UserError(qualified(op) + "() takes " + std::to_string(op.args.size()) + " arguments but " +
                    std::to_string(given) + " were given");
  }
  // Callers that pad with undefined say how many they mean in the mask; others pass what they mean.
  if (napi_value fast = call_unboxed(env, inst, op, mask, argv + 2, given > 0 ? std::min(given, passed) : passed)) return fast;
  napi_value key = nullptr;  // the handle symbol, fetched for the first Tensor object not given as a handle
  StackLease lease(inst);
  torch::jit::Stack& stack = lease.stack;
  for (size_t i = 0; i < op.args.size(); ++i) {
    if (i < kHandleBits && (mask >> i) & 1u) {
      double h = -1;
      napi_get_value_double(env, argv[i + 2], &h);
      stack.push_back(tensor_for_arg(op, i, inst.handles.get(h)));
      continue;
    }
    napi_valuetype type = napi_undefined;
    napi_value raw = nullptr;
    if (i < passed) {
      raw = argv[i + 2];
      napi_typeof(env, raw, &type);
    } else {
      napi_get_undefined(env, &raw);
    }
    if (key == nullptr && type == napi_object) key = inst.handle_key.Value();
    stack.push_back(convert_arg(inst, op, i, Napi::Value(env, raw), type, key));
  }
  op.handle.callBoxed(&stack);
  Napi::Env e(env);
  if (op.returns.size() == 1) {
    if (op.returns[0].alias_of_arg >= 0) return e.Undefined();
    return convert_return(e, inst, op.returns[0], std::move(stack[0]));
  }
  if (op.returns.empty()) return e.Undefined();
  auto arr = Napi::Array::New(e, op.returns.size());
  for (size_t k = 0; k < op.returns.size(); ++k) {
    if (op.returns[k].alias_of_arg >= 0) arr.Set(k, e.Undefined());
    else arr.Set(k, convert_return(e, inst, op.returns[k], std::move(stack[k])));
  }
  return arr;
}

static napi_value opCall(napi_env env, napi_callback_info cbinfo) {
  napi_value stack_argv[kStackArgs];
  size_t argc = kStackArgs;
  void* data = nullptr;
  napi_get_cb_info(env, cbinfo, &argc, stack_argv, nullptr, &data);
  Instance& inst = *static_cast<Instance*>(data);
  inst.handles.drain();  // before the kernel allocates: disposed tensors' memory goes first
  return guard(env, [&]() -> napi_value {
    if (argc <= kStackArgs) return op_call(env, inst, stack_argv, argc);
    std::vector<napi_value> argv(argc);
    size_t n = argc;
    napi_get_cb_info(env, cbinfo, &n, argv.data(), nullptr, nullptr);
    return op_call(env, inst, argv.data(), argc);
  });
}

void register_ops(Napi::Env env, Napi::Object exports) {
  exports.Set("opResolve", Napi::Function::New(env, opResolve, "opResolve"));
  exports.Set("opSchema", Napi::Function::New(env, opSchema, "opSchema"));
  exports.Set("opList", Napi::Function::New(env, opList, "opList"));
  napi_value call;
  napi_create_function(env, "opCall", NAPI_AUTO_LENGTH, opCall, &instance(env), &call);
  exports.Set("opCall", call);
}

}  // namespace tn
