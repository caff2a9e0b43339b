#pragma once
// Randomness that returns the values a test gives, in a loop.

#include <vector>

#include "core/random.hpp"

namespace planb::testing {

class SequenceRandom final : public core::Random {
 public:
  explicit SequenceRandom(std::vector<double> values) : values_(std::move(values)) {}
  double uniform() override {
    double v = values_[next_ % values_.size()];
    ++next_;
    return v;
  }

 private:
  std::vector<double> values_;
  std::size_t next_ = 0;
};

}  // namespace planb::testing
