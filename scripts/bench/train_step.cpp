// The seed article's training step written in C++ against libtorch: the floor
// for any binding. Linear 10->20->10, batch 100, MSELoss, SGD lr 0.01; each
// step is zero_grad, forward, loss, backward, step.
//
// Driven by scripts/bench/train-step.ts: reads "N" lines on stdin, runs N
// steps, answers the mean microseconds per step (one line per request), so
// that rounds interleave with the other implementations in one run.
#include <torch/torch.h>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

struct Model : torch::nn::Module {
  torch::nn::Linear layer1{nullptr}, layer2{nullptr};
  Model() {
    layer1 = register_module("layer1", torch::nn::Linear(10, 20));
    layer2 = register_module("layer2", torch::nn::Linear(20, 10));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = layer1->forward(x);
    x = layer2->forward(x);
    return x;
  }
};

int main() {
  torch::manual_seed(0);
  auto model = std::make_shared<Model>();
  model->train();
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.01));
  torch::nn::MSELoss criterion;
  auto source_data = torch::randn({100, 10});
  auto target_data = torch::randn({100, 10});
  auto step = [&]() {
    optimizer.zero_grad();
    auto output = model->forward(source_data);
    auto loss = criterion(output, target_data);
    loss.backward();
    optimizer.step();
  };
  std::string line;
  while (std::getline(std::cin, line)) {
    long n = std::stol(line);
    for (long i = 0; i < std::min(n, 200L); ++i) step();
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) step();
    auto t1 = std::chrono::steady_clock::now();
    double us = std::chrono::duration<double, std::micro>(t1 - t0).count() / n;
    std::printf("%.4f\n", us);
    std::fflush(stdout);
  }
  return 0;
}
