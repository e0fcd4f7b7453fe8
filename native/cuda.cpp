// What CUDA this libtorch offers at run time (none with Debian's CPU build).
#include <ATen/detail/CUDAHooksInterface.h>
#include "errors.h"

namespace tn {

TN_ENTRY(cudaIsAvailable) {
  const auto& hooks = at::detail::getCUDAHooks();
  return Napi::Boolean::New(info.Env(), hooks.hasCUDA() && hooks.getNumGPUs() > 0);
}

TN_ENTRY(cudaDeviceCount) {
  const auto& hooks = at::detail::getCUDAHooks();
  return Napi::Number::New(info.Env(), hooks.hasCUDA() ? hooks.getNumGPUs() : 0);
}

void register_cuda(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaIsAvailable", Napi::Function::New(env, cudaIsAvailable, "cudaIsAvailable"));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, cudaDeviceCount, "cudaDeviceCount"));
}

}  // namespace tn
