#pragma once
// When a probe runs and how its results turn into health: the probe_defaults keys, merged with
// a probe's own.

#include <cstdint>

#include "core/duration.hpp"

namespace planb::core {

struct ProbeTiming {
  Millis interval{2000};
  Millis timeout{1000};
  std::uint32_t rise = 2;
  std::uint32_t fall = 3;
};

}  // namespace planb::core
