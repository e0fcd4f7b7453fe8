// TorchScript modules: load, run, inspect and save models scripted or traced
// in Python. A loaded torch::jit::Module is handed to JS as a type-tagged
// Napi::External that owns it (freed by the External's finalizer); its
// parameters and buffers go to JS as tensor handles that alias the module's
// own tensors, so in-place updates (optimizers, load_state_dict) change the
// module. Method arguments are converted by the method's schema; results by
// what they are (tuples and lists -> arrays, dicts -> Maps).
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>
#include <cerrno>
#include <cmath>
#include <functional>
#include <cstring>
#include <fstream>
#include <sstream>
#include "errors.h"
#include "instance.h"

namespace tn {
namespace {

using torch::jit::Module;

const napi_type_tag kModuleTag = {0x7a3c1e5b9d2f4a60ULL, 0x8b1d6e2c4f9a3b17ULL};

// What a JS module handle owns: the module until jitRelease (dispose) empties it.
struct Holder {
  c10::optional<Module> module;
};

Napi::Value wrap_module(Napi::Env env, Module m) {
  auto* h = new Holder{std::move(m)};
  auto ext = Napi::External<Holder>::New(env, h, [](Napi::Env, Holder* p) { delete p; });
  ext.TypeTag(&kModuleTag);
  return ext;
}

Holder& holder_from_js(const Napi::Value& v) {
  if (v.IsExternal()) {
    auto ext = v.As<Napi::External<Holder>>();
    if (ext.CheckTypeTag(&kModuleTag)) return *ext.Data();
  }
  throw UserError("expected a native TorchScript module, got " + js_type_name(v));
}

Module& module_from_js(const Napi::Value& v) {
  Holder& h = holder_from_js(v);
  if (!h.module) throw UserError("this ScriptModule was disposed");
  return *h.module;
}

std::string str_arg(const Napi::Value& v, const char* fn, const char* what) {
  if (!v.IsString()) throw UserError(std::string(fn) + "(): " + what + " must be a string, not " + js_type_name(v));
  return v.As<Napi::String>().Utf8Value();
}

double key_of(const void* p) { return static_cast<double>(reinterpret_cast<uintptr_t>(p)); }

// ---- loading -------------------------------------------------------------------

// Serves the bytes of a JS Buffer (copied, so the reader owns what it reads).
class BytesAdapter : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit BytesAdapter(std::string bytes) : bytes_(std::move(bytes)) {}
  size_t size() const override { return bytes_.size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    if (pos >= bytes_.size()) return 0;
    size_t k = std::min<size_t>(n, bytes_.size() - pos);
    std::memcpy(buf, bytes_.data() + pos, k);
    return k;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// Why an archive that torch::jit::load refused is not a TorchScript module,
// in words; empty when the archive looks like one (the loader's own message then says more).
std::string diagnose(const std::string& head, const std::function<std::unique_ptr<caffe2::serialize::PyTorchStreamReader>()>& open_reader) {
  if (head.empty()) return "is empty";
  bool zip_magic = head.size() >= 4 && head.compare(0, 4, "PK\x03\x04", 4) == 0;
  if (!zip_magic) {
    if (static_cast<unsigned char>(head[0]) == 0x80)
      return "is not a TorchScript archive (it looks like a legacy torch.save file; load it with torch.load)";
    return "is not a TorchScript archive (it is not a zip file)";
  }
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  try {
    reader = open_reader();
  } catch (const c10::Error& e) {
    return "is a truncated or damaged archive (" + clean_torch_message(e) + ")";
  } catch (const std::exception& e) {
    return std::string("is a truncated or damaged archive (") + e.what() + ")";
  }
  bool constants = reader->hasRecord("constants.pkl");
  bool data = reader->hasRecord("data.pkl");
  bool code = false;
  for (const auto& r : reader->getAllRecords()) {
    if (r.rfind("code/", 0) == 0) { code = true; break; }
  }
  if (data && !constants && !code)
    return "is not a TorchScript archive (it looks like a torch.save file, such as a state_dict; load it with torch.load)";
  if (reader->hasRecord("bytecode.pkl") && !constants)
    return "is a mobile (lite interpreter) model, which torch.jit.load cannot read";
  if (!data || !constants) return "is not a TorchScript archive (it has no data.pkl and constants.pkl records)";
  return "";
}

[[noreturn]] void load_failed(const std::string& label, const std::string& why, const std::string& cause) {
  if (!why.empty()) throw UserError("jit.load(): " + label + " " + why);
  throw UserError("jit.load(): cannot load " + label + ": " + cause);
}

c10::optional<c10::Device> optional_device(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return c10::nullopt;
  return device_from_js(v);
}

// jitLoad(path | Buffer | Uint8Array, device?, label?) -> module
TN_ENTRY(jitLoad) {
  Napi::Env env = info.Env();
  auto device = optional_device(info[1]);
  if (info[0].IsString()) {
    std::string path = info[0].As<Napi::String>().Utf8Value();
    std::string label = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "'" + path + "'";
    std::string head;
    {
      std::ifstream f(path, std::ios::binary);
      if (!f) throw UserError("jit.load(): cannot open " + label + ": " + std::strerror(errno));
      char buf[8];
      f.read(buf, sizeof(buf));
      head.assign(buf, static_cast<size_t>(f.gcount()));
    }
    auto reader = [&] { return std::make_unique<caffe2::serialize::PyTorchStreamReader>(path); };
    try {
      return wrap_module(env, torch::jit::load(path, device));
    } catch (const c10::Error& e) {
      load_failed(label, diagnose(head, reader), clean_torch_message(e));
    } catch (const std::exception& e) {
      load_failed(label, diagnose(head, reader), e.what());
    }
  }
  if (info[0].IsTypedArray() || info[0].IsArrayBuffer()) {
    std::string label = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "the buffer";
    std::string bytes;
    if (info[0].IsArrayBuffer()) {
      auto ab = info[0].As<Napi::ArrayBuffer>();
      bytes.assign(static_cast<const char*>(ab.Data()), ab.ByteLength());
    } else {
      auto ta = info[0].As<Napi::TypedArray>();
      auto ab = ta.ArrayBuffer();
      bytes.assign(static_cast<const char*>(ab.Data()) + ta.ByteOffset(), ta.ByteLength());
    }
    auto adapter = std::make_shared<BytesAdapter>(std::move(bytes));
    std::string head = adapter->bytes().substr(0, 8);
    auto reader = [&] { return std::make_unique<caffe2::serialize::PyTorchStreamReader>(std::static_pointer_cast<caffe2::serialize::ReadAdapterInterface>(adapter)); };
    try {
      return wrap_module(env, torch::jit::load(std::static_pointer_cast<caffe2::serialize::ReadAdapterInterface>(adapter), device));
    } catch (const c10::Error& e) {
      load_failed(label, diagnose(head, reader), clean_torch_message(e));
    } catch (const std::exception& e) {
      load_failed(label, diagnose(head, reader), e.what());
    }
  }
  throw UserError("jit.load(): expected a file path or a Buffer, got " + js_type_name(info[0]));
}

// jitSave(module, path)
TN_ENTRY(jitSave) {
  Module& m = module_from_js(info[0]);
  m.save(str_arg(info[1], "jit.save", "path"));
  return info.Env().Undefined();
}

// jitSaveToBuffer(module) -> Buffer
TN_ENTRY(jitSaveToBuffer) {
  Module& m = module_from_js(info[0]);
  std::ostringstream out;
  m.save(out);
  std::string s = out.str();
  return Napi::Buffer<char>::Copy(info.Env(), s.data(), s.size());
}

// ---- JS values <-> IValues ---------------------------------------------------------

bool js_int(const Napi::Value& v, int64_t& out) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d == static_cast<double>(static_cast<int64_t>(d)) && std::abs(d) < 9.2233720368547758e18) {
      out = static_cast<int64_t>(d);
      return true;
    }
    return false;
  }
  if (v.IsBigInt()) {
    bool lossless;
    out = v.As<Napi::BigInt>().Int64Value(&lossless);
    return lossless;
  }
  return false;
}

bool is_tensor_obj(Instance& inst, const Napi::Value& v) {
  if (!v.IsObject() || v.IsArray()) return false;
  return v.As<Napi::Object>().Has(inst.handle_key.Value());
}

bool is_plain_object(const Napi::Value& v) {
  if (!v.IsObject() || v.IsArray() || v.IsTypedArray() || v.IsFunction()) return false;
  Napi::Env env = v.Env();
  napi_value proto;
  if (napi_get_prototype(env, v, &proto) != napi_ok) return false;
  Napi::Value p(env, proto);
  if (p.IsNull()) return true;
  Napi::Object object_ctor = env.Global().Get("Object").As<Napi::Object>();
  return p.StrictEquals(object_ctor.Get("prototype"));
}

bool is_map(const Napi::Value& v) {
  if (!v.IsObject()) return false;
  Napi::Value map_ctor = v.Env().Global().Get("Map");
  return v.As<Napi::Object>().InstanceOf(map_ctor.As<Napi::Function>());
}

// The [key, value] pairs of a Map or a plain object.
std::vector<std::pair<Napi::Value, Napi::Value>> entries_of(const Napi::Value& v) {
  std::vector<std::pair<Napi::Value, Napi::Value>> out;
  Napi::Env env = v.Env();
  if (is_map(v)) {
    Napi::Object from = env.Global().Get("Array").As<Napi::Object>();
    Napi::Array arr = from.Get("from").As<Napi::Function>().Call(from, {v}).As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Array kv = arr.Get(i).As<Napi::Array>();
      out.emplace_back(kv.Get(0u), kv.Get(1u));
    }
    return out;
  }
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    Napi::Value k = keys.Get(i);
    out.emplace_back(k, o.Get(k));
  }
  return out;
}

bool to_ivalue(Instance& inst, const c10::TypePtr& type, const Napi::Value& v, c10::IValue& out);

// For Any (and dict values of unknown type): the IValue a JS value most naturally is.
bool infer_ivalue(Instance& inst, const Napi::Value& v, c10::IValue& out) {
  int64_t i;
  if (v.IsUndefined() || v.IsNull()) { out = c10::IValue(); return true; }
  if (v.IsBoolean()) { out = v.As<Napi::Boolean>().Value(); return true; }
  if (js_int(v, i)) { out = i; return true; }
  if (v.IsNumber()) { out = v.As<Napi::Number>().DoubleValue(); return true; }
  if (v.IsString()) { out = v.As<Napi::String>().Utf8Value(); return true; }
  if (is_tensor_obj(inst, v)) { out = tensor_from_js(inst, v, "value"); return true; }
  if (v.IsArray()) {
    auto arr = v.As<Napi::Array>();
    std::vector<c10::IValue> elems;
    for (uint32_t k = 0; k < arr.Length(); ++k) {
      c10::IValue e;
      if (!infer_ivalue(inst, arr.Get(k), e)) return false;
      elems.push_back(std::move(e));
    }
    // A homogeneous array is a list of that type; anything else a tuple.
    c10::TypePtr elem;
    bool same = !elems.empty();
    for (const auto& e : elems) {
      auto t = e.type();
      if (!elem) elem = t;
      else if (*elem != *t) { same = false; break; }
    }
    if (same && !elems[0].isNone()) {
      c10::impl::GenericList list(elem);
      for (auto& e : elems) list.push_back(std::move(e));
      out = std::move(list);
    } else {
      out = c10::ivalue::Tuple::create(std::move(elems));
    }
    return true;
  }
  if (is_map(v) || is_plain_object(v)) {
    c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
    for (auto& [k, x] : entries_of(v)) {
      if (!k.IsString()) return false;
      c10::IValue e;
      if (!infer_ivalue(inst, x, e)) return false;
      d.insert_or_assign(k.As<Napi::String>().Utf8Value(), std::move(e));
    }
    out = std::move(d);
    return true;
  }
  return false;
}

bool to_ivalue(Instance& inst, const c10::TypePtr& type, const Napi::Value& v, c10::IValue& out) {
  using K = c10::TypeKind;
  int64_t i;
  switch (type->kind()) {
    case K::OptionalType:
      if (v.IsUndefined() || v.IsNull()) { out = c10::IValue(); return true; }
      return to_ivalue(inst, type->castRaw<c10::OptionalType>()->getElementType(), v, out);
    case K::UnionType:
      for (const auto& t : type->containedTypes()) {
        if (to_ivalue(inst, t, v, out)) return true;
      }
      return false;
    case K::NoneType:
      if (v.IsUndefined() || v.IsNull()) { out = c10::IValue(); return true; }
      return false;
    case K::TensorType:
      if (!is_tensor_obj(inst, v)) return false;
      out = tensor_from_js(inst, v, "value");
      return true;
    case K::IntType: case K::SymIntType:
      if (!js_int(v, i)) return false;
      out = i;
      return true;
    case K::FloatType:
      if (!v.IsNumber()) return false;
      out = v.As<Napi::Number>().DoubleValue();
      return true;
    case K::NumberType:
      if (js_int(v, i)) { out = i; return true; }
      if (v.IsNumber()) { out = v.As<Napi::Number>().DoubleValue(); return true; }
      if (v.IsBoolean()) { out = v.As<Napi::Boolean>().Value(); return true; }
      return false;
    case K::BoolType:
      if (!v.IsBoolean()) return false;
      out = v.As<Napi::Boolean>().Value();
      return true;
    case K::StringType:
      if (!v.IsString()) return false;
      out = v.As<Napi::String>().Utf8Value();
      return true;
    case K::DeviceObjType:
      if (!v.IsString() && !v.IsObject()) return false;
      out = device_from_js(v);
      return true;
    case K::ListType: {
      if (!v.IsArray()) return false;
      const auto& elem = type->castRaw<c10::ListType>()->getElementType();
      c10::impl::GenericList list(elem);
      auto arr = v.As<Napi::Array>();
      list.reserve(arr.Length());
      for (uint32_t k = 0; k < arr.Length(); ++k) {
        c10::IValue e;
        if (!to_ivalue(inst, elem, arr.Get(k), e)) return false;
        list.push_back(std::move(e));
      }
      out = std::move(list);
      return true;
    }
    case K::TupleType: {
      const auto* tt = type->castRaw<c10::TupleType>();
      const auto elems_t = tt->elements();
      std::vector<c10::IValue> elems;
      if (v.IsArray()) {
        auto arr = v.As<Napi::Array>();
        if (arr.Length() != elems_t.size()) return false;
        for (uint32_t k = 0; k < arr.Length(); ++k) {
          c10::IValue e;
          if (!to_ivalue(inst, elems_t[k], arr.Get(k), e)) return false;
          elems.push_back(std::move(e));
        }
      } else if (tt->schema() && is_plain_object(v)) {
        // A NamedTuple from an object with its field names.
        auto o = v.As<Napi::Object>();
        const auto& fields = tt->schema()->arguments();
        for (size_t k = 0; k < fields.size(); ++k) {
          c10::IValue e;
          if (!to_ivalue(inst, elems_t[k], o.Get(fields[k].name()), e)) return false;
          elems.push_back(std::move(e));
        }
      } else {
        return false;
      }
      if (tt->schema()) out = c10::ivalue::Tuple::createNamed(std::move(elems), type);
      else out = c10::ivalue::Tuple::create(std::move(elems));
      return true;
    }
    case K::DictType: {
      if (!is_map(v) && !is_plain_object(v)) return false;
      const auto* dt = type->castRaw<c10::DictType>();
      c10::impl::GenericDict d(dt->getKeyType(), dt->getValueType());
      bool plain = !is_map(v);
      for (auto& [k, x] : entries_of(v)) {
        c10::IValue key, val;
        Napi::Value kv = k;
        // A plain object's keys are strings: "1" is the int key 1 where the dict wants ints.
        if (plain && dt->getKeyType()->kind() == K::IntType) {
          double num = std::strtod(k.As<Napi::String>().Utf8Value().c_str(), nullptr);
          kv = Napi::Number::New(v.Env(), num);
        }
        if (!to_ivalue(inst, dt->getKeyType(), kv, key)) return false;
        if (!to_ivalue(inst, dt->getValueType(), x, val)) return false;
        d.insert_or_assign(std::move(key), std::move(val));
      }
      out = std::move(d);
      return true;
    }
    case K::AnyType:
      return infer_ivalue(inst, v, out);
    default:
      return false;
  }
}

// Results: tensors go through JS's wrap(handle) so they arrive as Tensor objects.
Napi::Value from_ivalue(Napi::Env env, Instance& inst, const Napi::Function& wrap, const c10::IValue& v) {
  if (v.isNone()) return env.Null();
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (!t.defined()) return env.Null();
    return wrap.Call({Napi::Number::New(env, inst.handles.add(t))});
  }
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isInt()) {
    int64_t i = v.toInt();
    if (i > 9007199254740991LL || i < -9007199254740991LL) return Napi::BigInt::New(env, i);
    return Napi::Number::New(env, static_cast<double>(i));
  }
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isComplexDouble()) {
    auto c = v.toComplexDouble();
    auto arr = Napi::Array::New(env, 2);
    arr.Set(0u, Napi::Number::New(env, c.real()));
    arr.Set(1u, Napi::Number::New(env, c.imag()));
    return arr;
  }
  if (v.isList()) {
    auto list = v.toList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t k = 0; k < list.size(); ++k) arr.Set(static_cast<uint32_t>(k), from_ivalue(env, inst, wrap, list.get(k)));
    return arr;
  }
  if (v.isTuple()) {
    auto tuple = v.toTuple();
    const auto& elems = tuple->elements();
    auto arr = Napi::Array::New(env, elems.size());
    for (size_t k = 0; k < elems.size(); ++k) arr.Set(static_cast<uint32_t>(k), from_ivalue(env, inst, wrap, elems[k]));
    // A NamedTuple is an array that also has its fields by name (as Python's namedtuple).
    auto tt = tuple->type();
    if (tt && tt->schema()) {
      const auto& fields = tt->schema()->arguments();
      for (size_t k = 0; k < fields.size() && k < elems.size(); ++k) arr.Set(fields[k].name(), arr.Get(static_cast<uint32_t>(k)));
    }
    return arr;
  }
  if (v.isGenericDict()) {
    Napi::Function map_ctor = env.Global().Get("Map").As<Napi::Function>();
    Napi::Object map = map_ctor.New({});
    Napi::Function set = map.Get("set").As<Napi::Function>();
    for (const auto& e : v.toGenericDict()) {
      set.Call(map, {from_ivalue(env, inst, wrap, e.key()), from_ivalue(env, inst, wrap, e.value())});
    }
    return map;
  }
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  throw UserError("torch-node cannot convert a TorchScript value of type " + v.type()->annotation_str() + " to JS");
}

const char* js_kind(Instance& inst, const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsBoolean()) return "bool";
  if (v.IsNumber()) {
    int64_t i;
    return js_int(v, i) ? "int" : "float";
  }
  if (v.IsBigInt()) return "int";
  if (v.IsString()) return "str";
  if (is_tensor_obj(inst, v)) return "Tensor";
  if (v.IsArray()) return "Array";
  if (is_map(v)) return "Map";
  return nullptr;
}

torch::jit::Method method_of(Module& m, const std::string& name) {
  auto method = m.find_method(name);
  if (!method) {
    std::string names;
    for (const auto& meth : m.get_methods()) names += (names.empty() ? "" : ", ") + meth.name();
    throw UserError("ScriptModule '" + m.type()->name()->name() + "' has no method '" + name + "' (its methods: " + names + ")");
  }
  return *method;
}

// jitRunMethod(module, name, args[], wrap) -> result
TN_ENTRY(jitRunMethod) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  Module& m = module_from_js(info[0]);
  std::string name = str_arg(info[1], "run_method", "method name");
  if (!info[2].IsArray()) throw UserError("run_method(): arguments must be an array");
  if (!info[3].IsFunction()) throw UserError("run_method(): expected a wrap function");
  auto method = method_of(m, name);
  const auto& schema = method.function().getSchema();
  const auto& formals = schema.arguments();  // formals[0] is self
  auto args = info[2].As<Napi::Array>();
  uint32_t n = args.Length();
  while (n > 0 && args.Get(n - 1).IsUndefined()) --n;  // trailing undefined: defaults
  if (n + 1 > formals.size()) {
    throw UserError(name + "() takes " + std::to_string(formals.size() - 1) + " argument" + (formals.size() == 2 ? "" : "s") +
                    " but " + std::to_string(n) + " were given");
  }
  std::vector<c10::IValue> stack;
  stack.reserve(n);
  for (uint32_t k = 0; k < n; ++k) {
    const auto& formal = formals[k + 1];
    Napi::Value v = args.Get(k);
    if (v.IsUndefined() && formal.default_value()) {
      stack.push_back(*formal.default_value());
      continue;
    }
    c10::IValue iv;
    if (!to_ivalue(inst, formal.type(), v, iv)) {
      const char* kind = js_kind(inst, v);
      throw UserError(name + "(): expected a value of type '" + formal.type()->annotation_str() + "' for argument '" + formal.name() +
                      "' (position " + std::to_string(k + 1) + "), got " + (kind ? kind : js_type_name(v).c_str()));
    }
    stack.push_back(std::move(iv));
  }
  c10::IValue result = method(std::move(stack));
  return from_ivalue(env, inst, info[3].As<Napi::Function>(), result);
}

// ---- inspection --------------------------------------------------------------------

// jitMethodNames(module) -> string[]
TN_ENTRY(jitMethodNames) {
  Napi::Env env = info.Env();
  Module& m = module_from_js(info[0]);
  auto methods = m.get_methods();
  auto arr = Napi::Array::New(env, methods.size());
  for (size_t k = 0; k < methods.size(); ++k) arr.Set(static_cast<uint32_t>(k), Napi::String::New(env, methods[k].name()));
  return arr;
}

// jitMethodSchema(module, name) -> { name, schema, args: [{name, type, hasDefault}], returns: [type] }
TN_ENTRY(jitMethodSchema) {
  Napi::Env env = info.Env();
  Module& m = module_from_js(info[0]);
  auto method = method_of(m, str_arg(info[1], "jitMethodSchema", "method name"));
  const auto& schema = method.function().getSchema();
  auto out = Napi::Object::New(env);
  out.Set("name", Napi::String::New(env, method.name()));
  std::ostringstream s;
  s << schema;
  out.Set("schema", Napi::String::New(env, s.str()));
  auto args = Napi::Array::New(env);
  const auto& formals = schema.arguments();
  for (size_t k = 1; k < formals.size(); ++k) {
    auto a = Napi::Object::New(env);
    a.Set("name", Napi::String::New(env, formals[k].name()));
    a.Set("type", Napi::String::New(env, formals[k].type()->annotation_str()));
    a.Set("hasDefault", Napi::Boolean::New(env, formals[k].default_value().has_value()));
    args.Set(static_cast<uint32_t>(k - 1), a);
  }
  out.Set("args", args);
  auto rets = Napi::Array::New(env);
  for (size_t k = 0; k < schema.returns().size(); ++k)
    rets.Set(static_cast<uint32_t>(k), Napi::String::New(env, schema.returns()[k].type()->annotation_str()));
  out.Set("returns", rets);
  return out;
}

template <typename List>
Napi::Value named_tensors(Napi::Env env, Instance& inst, const List& list) {
  auto arr = Napi::Array::New(env);
  uint32_t k = 0;
  for (const auto& item : list) {
    auto e = Napi::Array::New(env, 3);
    e.Set(0u, Napi::String::New(env, item.name));
    e.Set(1u, tensor_to_js(env, inst, item.value));
    e.Set(2u, Napi::Number::New(env, key_of(item.value.unsafeGetTensorImpl())));
    arr.Set(k++, e);
  }
  return arr;
}

// jitNamedParameters(module, recurse) -> [name, handle, key][]: the handles alias the module's tensors.
TN_ENTRY(jitNamedParameters) {
  Module& m = module_from_js(info[0]);
  bool recurse = info[1].IsBoolean() ? info[1].As<Napi::Boolean>().Value() : true;
  return named_tensors(info.Env(), instance(info.Env()), m.named_parameters(recurse));
}

// jitNamedBuffers(module, recurse) -> [name, handle, key][]
TN_ENTRY(jitNamedBuffers) {
  Module& m = module_from_js(info[0]);
  bool recurse = info[1].IsBoolean() ? info[1].As<Napi::Boolean>().Value() : true;
  return named_tensors(info.Env(), instance(info.Env()), m.named_buffers(recurse));
}

// jitNamedChildren(module) -> [name, module, key][]
TN_ENTRY(jitNamedChildren) {
  Napi::Env env = info.Env();
  Module& m = module_from_js(info[0]);
  auto arr = Napi::Array::New(env);
  uint32_t k = 0;
  for (const auto& child : m.named_children()) {
    auto e = Napi::Array::New(env, 3);
    e.Set(0u, Napi::String::New(env, child.name));
    e.Set(1u, wrap_module(env, child.value));
    e.Set(2u, Napi::Number::New(env, key_of(child.value._ivalue().get())));
    arr.Set(k++, e);
  }
  return arr;
}

// jitTypeName(module) -> [name, qualified name], e.g. ["Net", "__torch__.Net"]
TN_ENTRY(jitTypeName) {
  Napi::Env env = info.Env();
  Module& m = module_from_js(info[0]);
  auto arr = Napi::Array::New(env, 2);
  const auto& qn = m.type()->name();
  arr.Set(0u, Napi::String::New(env, qn ? qn->name() : "Module"));
  arr.Set(1u, Napi::String::New(env, qn ? qn->qualifiedName() : "Module"));
  return arr;
}

// jitTrain(module, on, recurse = true)
TN_ENTRY(jitTrain) {
  Module& m = module_from_js(info[0]);
  if (!info[1].IsBoolean()) throw UserError("train(): mode must be a bool");
  bool on = info[1].As<Napi::Boolean>().Value();
  bool recurse = info[2].IsBoolean() ? info[2].As<Napi::Boolean>().Value() : true;
  if (recurse) {
    m.train(on);
  } else if (m.hasattr("training")) {
    m.setattr("training", on);
  }
  return info.Env().Undefined();
}

TN_ENTRY(jitIsTraining) {
  Module& m = module_from_js(info[0]);
  return Napi::Boolean::New(info.Env(), m.is_training());
}

// jitTo(module, device | null, dtype | null, nonBlocking): every parameter and buffer, in place (set_data).
TN_ENTRY(jitTo) {
  Module& m = module_from_js(info[0]);
  auto device = optional_device(info[1]);
  bool non_blocking = info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  c10::optional<c10::ScalarType> dtype;
  if (info[2].IsString()) dtype = scalar_type_from_name(info[2].As<Napi::String>().Utf8Value());
  if (device && dtype) m.to(*device, *dtype, non_blocking);
  else if (device) m.to(*device, non_blocking);
  else if (dtype) m.to(*dtype, non_blocking);
  return info.Env().Undefined();
}

// jitGetAttr(module, name, wrap) -> value of any attribute (tensors, numbers, lists...; not submodules)
TN_ENTRY(jitGetAttr) {
  Napi::Env env = info.Env();
  Module& m = module_from_js(info[0]);
  std::string name = str_arg(info[1], "getattr", "attribute name");
  if (!m.hasattr(name)) throw UserError("ScriptModule '" + m.type()->name()->name() + "' has no attribute '" + name + "'");
  c10::IValue v = m.attr(name);
  if (v.isModule()) throw UserError("getattr(): '" + name + "' is a submodule; use named_children()");
  if (!info[2].IsFunction()) throw UserError("getattr(): expected a wrap function");
  return from_ivalue(env, instance(env), info[2].As<Napi::Function>(), v);
}

// jitSetAttr(module, name, Tensor | module | null): replaces a parameter, buffer or submodule slot.
TN_ENTRY(jitSetAttr) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  Module& m = module_from_js(info[0]);
  std::string name = str_arg(info[1], "setattr", "attribute name");
  const auto& type = m.type();
  auto slot = type->findAttributeSlot(name);
  if (!slot) throw UserError("ScriptModule '" + type->name()->name() + "' has no attribute '" + name + "'");
  const c10::TypePtr& attr_type = type->getAttribute(*slot);
  c10::IValue v;
  if (info[2].IsExternal()) {
    v = module_from_js(info[2])._ivalue();
  } else if (!info[2].IsNull() && !info[2].IsUndefined()) {
    v = tensor_from_js(inst, info[2], name.c_str());
  }
  if (!v.type()->isSubtypeOf(*attr_type)) {
    throw UserError("cannot assign a value of type '" + v.type()->annotation_str() + "' to attribute '" + name + "' of ScriptModule '" +
                    type->name()->name() + "', which has type '" + attr_type->annotation_str() + "'");
  }
  m._ivalue()->setSlot(*slot, std::move(v));
  return env.Undefined();
}

// jitRelease(module): drops this handle's reference to the module now (dispose()).
TN_ENTRY(jitRelease) {
  holder_from_js(info[0]).module.reset();
  return info.Env().Undefined();
}

}  // namespace

void register_jit(Napi::Env env, Napi::Object exports) {
  exports.Set("jitLoad", Napi::Function::New(env, jitLoad, "jitLoad"));
  exports.Set("jitSave", Napi::Function::New(env, jitSave, "jitSave"));
  exports.Set("jitSaveToBuffer", Napi::Function::New(env, jitSaveToBuffer, "jitSaveToBuffer"));
  exports.Set("jitRunMethod", Napi::Function::New(env, jitRunMethod, "jitRunMethod"));
  exports.Set("jitMethodNames", Napi::Function::New(env, jitMethodNames, "jitMethodNames"));
  exports.Set("jitMethodSchema", Napi::Function::New(env, jitMethodSchema, "jitMethodSchema"));
  exports.Set("jitNamedParameters", Napi::Function::New(env, jitNamedParameters, "jitNamedParameters"));
  exports.Set("jitNamedBuffers", Napi::Function::New(env, jitNamedBuffers, "jitNamedBuffers"));
  exports.Set("jitNamedChildren", Napi::Function::New(env, jitNamedChildren, "jitNamedChildren"));
  exports.Set("jitTypeName", Napi::Function::New(env, jitTypeName, "jitTypeName"));
  exports.Set("jitTrain", Napi::Function::New(env, jitTrain, "jitTrain"));
  exports.Set("jitIsTraining", Napi::Function::New(env, jitIsTraining, "jitIsTraining"));
  exports.Set("jitTo", Napi::Function::New(env, jitTo, "jitTo"));
  exports.Set("jitGetAttr", Napi::Function::New(env, jitGetAttr, "jitGetAttr"));
  exports.Set("jitSetAttr", Napi::Function::New(env, jitSetAttr, "jitSetAttr"));
  exports.Set("jitRelease", Napi::Function::New(env, jitRelease, "jitRelease"));
}

}  // namespace tn
