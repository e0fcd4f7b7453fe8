// heapStats(): bytes the C allocator has handed out and not taken back. libtorch's
// CPU tensors live there, including the activations an autograd graph saves,
// which no JS handle counts: this is how a test sees what checkpointing saves.
#include <napi.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "errors.h"

namespace tn {

TN_ENTRY(heapStats) {
  Napi::Env env = info.Env();
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 mi = mallinfo2();  // all arenas; uordblks: in-use chunks, hblkhd: mmapped blocks
  return Napi::Number::New(env, static_cast<double>(mi.uordblks + mi.hblkhd));
#else
  return env.Null();  // not measurable with this C library
#endif
}

void register_heap_stats(Napi::Env env, Napi::Object exports) {
  exports.Set("heapStats", Napi::Function::New(env, heapStats, "heapStats"));
}

}  // namespace tn
