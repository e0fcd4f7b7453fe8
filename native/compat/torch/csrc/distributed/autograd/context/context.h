// Stand-in for a header Debian's libtorch-dev 1.13 leaves out.
//
// c10d/reducer.hpp includes torch/csrc/distributed/autograd/context/context.h
// (distributed autograd, RPC) for two names only: a static_assert that its
// GradCallback type equals DistAutogradContext::GradCallback, and the
// std::shared_ptr<DistAutogradContext> it keeps as a member. Neither depends
// on DistAutogradContext's layout, and torch-node never creates or touches
// one, so this declares just those two names. CMakeLists.txt puts this folder
// after libtorch's own include directories: wherever libtorch ships the real
// header (official libtorch archives, Python wheels), the real one wins.
#pragma once
#include <ATen/core/Tensor.h>
#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};
using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
