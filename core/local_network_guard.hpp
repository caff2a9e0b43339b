#pragma once
// The local-network guard (product.md §2.5): when every canary fails, the fault is most likely
// this host's own uplink or resolver, not the vendors, so automation must hold.
//
// It fires the moment the last attempt of every canary has failed, without waiting for `fall`
// failures: a dead uplink must show here before the vendors' probes, which fail at the same time,
// reach their own `fall` and condemn a vendor. It stands down once any canary has succeeded `rise`
// times in a row. A canary with no result yet is not failing. Holding automation is the safe
// direction, so firing early costs little.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace planb::core {

class LocalNetworkGuard {
 public:
  enum class Last { None, Ok, Failed };

  LocalNetworkGuard(std::size_t canaries, std::uint32_t rise);

  // Records canary I's latest result; true when the guard's verdict changed.
  bool record(std::size_t i, bool ok);

  bool down() const noexcept { return down_; }
  Last last(std::size_t i) const { return canaries_.at(i).last; }
  std::size_t size() const noexcept { return canaries_.size(); }

 private:
  struct Canary {
    Last last = Last::None;
    std::uint32_t successes = 0;
  };
  std::vector<Canary> canaries_;
  std::uint32_t rise_;
  bool down_ = false;
};

}  // namespace planb::core
