// Error translation: the one place where C++ exceptions become JS Errors.
// libtorch throws c10::Error (whose what() carries a C++ backtrace) and also
// plain std::exceptions; an exception escaping into N-API aborts Node, so every
// entry point runs its body through guarded().
#pragma once
#include <napi.h>
#include <c10/util/Exception.h>
#include <exception>
#include <string>

namespace tn {

// Thrown by our own argument checks; carries a ready-to-show message.
struct UserError : std::exception {
  std::string msg;
  explicit UserError(std::string m) : msg(std::move(m)) {}
  const char* what() const noexcept override { return msg.c_str(); }
};

// Keeps libtorch's message but drops its "Exception raised from ..." trailer
// and the C++ frames that some builds append to what_without_backtrace().
std::string clean_torch_message(const c10::Error& e);

// Turns the exception being handled into a pending JS exception. Never throws: when
// the environment cannot take an exception (a worker being terminated), it is dropped.
void throw_current_as_js(napi_env env) noexcept;

// Runs body; a C++ exception becomes a pending JS exception and the result undefined.
template <typename F>
napi_value guard(napi_env env, F&& body) {
  try {
    return body();
  } catch (...) {
    throw_current_as_js(env);
  }
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  return undefined;
}

// Frees the tensors dispose() queued since the last native call (handles.h), so
// that every entry point, like every op, starts with their memory returned.
void drain_released(napi_env env);

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F&& body) {
  Napi::Env env = info.Env();
  drain_released(env);
  return Napi::Value(env, guard(env, [&]() -> napi_value { return body(); }));
}

// Declares an N-API entry point whose body is guarded.
#define TN_ENTRY(name)                                                   \
  static Napi::Value name##_body(const Napi::CallbackInfo& info);        \
  static Napi::Value name(const Napi::CallbackInfo& info) {              \
    return ::tn::guarded(info, [&]() { return name##_body(info); });     \
  }                                                                      \
  static Napi::Value name##_body(const Napi::CallbackInfo& info)

}  // namespace tn
