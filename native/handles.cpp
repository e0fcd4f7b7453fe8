#include "handles.h"
#include "errors.h"
#include <c10/core/StorageImpl.h>

namespace tn {

namespace {
// V8 hears about external memory in coarse steps: calling it for every small
// tensor would cost more than the op.
constexpr int64_t kReportStep = 1 << 20;

// The bytes a handle stands for: its own elements, at most its storage. Counting
// the whole storage for every view made V8 collect over and over when many views
// of one large tensor were alive (each reported the full size).
int64_t storage_bytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return 0;
  auto storage = static_cast<int64_t>(t.storage().nbytes());
  auto own = static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
  return own < storage ? own : storage;
}
}  // namespace

HandleTable::~HandleTable() {
  // The environment is going away (process exit or worker termination):
  // dropping the vector frees every tensor still held for it.
  slots_.clear();
}

double HandleTable::add(at::Tensor t) {
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    if (slots_.size() > kSlotMask) throw UserError("too many live tensors (16M): dispose tensors you no longer need");
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[index];
  s.bytes = storage_bytes(t);
  s.tensor = std::move(t);
  s.used = true;
  s.generation = (s.generation + 1) & 0x1FFFFFFF;  // 29 bits: with 24 slot bits it stays below 2^53
  if (++live_ > peak_) peak_ = live_;
  live_bytes_ += s.bytes;
  report_memory(s.bytes);
  return static_cast<double>((uint64_t{s.generation} << kSlotBits) | index);
}

static bool decode(double handle, uint64_t& index, uint32_t& generation) {
  if (!(handle >= 0) || handle > 9007199254740991.0) return false;
  auto bits = static_cast<uint64_t>(handle);
  if (static_cast<double>(bits) != handle) return false;
  index = bits & HandleTable::kSlotMask;
  generation = static_cast<uint32_t>(bits >> HandleTable::kSlotBits);
  return true;
}

const at::Tensor& HandleTable::get(double handle) const {
  uint64_t index;
  uint32_t generation;
  if (!decode(handle, index, generation) || index >= slots_.size() || !slots_[index].used ||
      slots_[index].generation != generation) {
    throw UserError("Tensor has been disposed: it was freed by dispose() or by the scope that created it");
  }
  return slots_[index].tensor;
}

bool HandleTable::release(double handle) {
  uint64_t index;
  uint32_t generation;
  if (!decode(handle, index, generation) || index >= slots_.size()) return false;
  Slot& s = slots_[index];
  if (!s.used || s.generation != generation) return false;
  s.tensor = at::Tensor();
  s.used = false;
  --live_;
  live_bytes_ -= s.bytes;
  report_memory(-s.bytes);
  s.bytes = 0;
  free_.push_back(static_cast<uint32_t>(index));
  return true;
}

void HandleTable::drain_queue() {
  auto n = static_cast<size_t>(queue_[0]);
  if (n > queue_capacity_) n = queue_capacity_;
  queue_[0] = 0;
  for (size_t i = 1; i <= n; ++i) release(queue_[i]);
}

void HandleTable::report_memory(int64_t delta) {
  unreported_ += delta;
  if (defer_depth_ > 0) return;
  if (unreported_ >= kReportStep || unreported_ <= -kReportStep) {
    int64_t result;
    napi_adjust_external_memory(env_, unreported_, &result);
    unreported_ = 0;
  }
}

}  // namespace tn
