// Tensor lifetime: the one place where at::Tensors are owned on behalf of JS.
//
// JS never holds a C++ pointer. It holds a number: a slot in this table plus
// the slot's generation. A slot is released exactly once (dispose() or the JS
// FinalizationRegistry, whichever comes first); a release that names an old
// generation is ignored, so a late finalizer can never free a reused slot.
// The table lives in the addon's per-environment instance data, so each
// worker_thread has its own.
#pragma once
#include <napi.h>
#include <ATen/core/Tensor.h>
#include <cstdint>
#include <vector>

namespace tn {

class HandleTable {
 public:
  static constexpr uint64_t kSlotBits = 24;
  static constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;

  explicit HandleTable(napi_env env) : env_(env) {}
  ~HandleTable();

  // Takes ownership of t and returns its handle (exactly representable as a JS number).
  double add(at::Tensor t);
  // The tensor for a handle; throws a UserError for a released or bogus handle.
  const at::Tensor& get(double handle) const;
  // Releases the handle; returns false when it was already released.
  bool release(double handle);

  // dispose() in JS does not call in: it appends the handle to a Float64Array
  // shared with this table (element 0 holds the count), which every native entry
  // point drains first (errors.h: guarded; ops.cpp: opCall). A call per dispose cost as much as a
  // small op. The array must outlive the table (JS keeps it referenced).
  void set_release_queue(double* queue, size_t capacity) {
    queue_ = queue;
    queue_capacity_ = capacity;
  }
  void drain() {
    if (queue_ != nullptr && queue_[0] != 0) drain_queue();
  }

  // While deferred (calls nest), byte changes accumulate without telling V8; the
  // outermost resume reports them in one step. torch.load defers while it creates
  // a checkpoint's tensors: V8 reacting to each one (GC after GC that can free
  // nothing, since every tensor is kept) costs more than the load itself.
  void defer_reporting() { ++defer_depth_; }
  void resume_reporting() {
    if (defer_depth_ > 0 && --defer_depth_ == 0) report_memory(0);
  }

  int64_t live_count() const { return live_; }
  int64_t live_bytes() const { return live_bytes_; }
  int64_t peak_count() const { return peak_; }

 private:
  struct Slot {
    at::Tensor tensor;
    uint32_t generation = 0;
    bool used = false;
    int64_t bytes = 0;
  };
  void report_memory(int64_t delta);
  void drain_queue();

  napi_env env_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  int64_t live_ = 0;
  int64_t peak_ = 0;
  int64_t live_bytes_ = 0;
  int64_t unreported_ = 0;  // bytes not yet passed to V8's external-memory counter
  int defer_depth_ = 0;
  double* queue_ = nullptr;
  size_t queue_capacity_ = 0;
};

}  // namespace tn
