#include "local_network_guard.hpp"

#include <algorithm>

namespace planb::core {

LocalNetworkGuard::LocalNetworkGuard(std::size_t canaries, std::uint32_t rise)
    : canaries_(canaries), rise_(std::max<std::uint32_t>(rise, 1)) {}

bool LocalNetworkGuard::record(std::size_t i, bool ok) {
  Canary& c = canaries_.at(i);
  c.last = ok ? Last::Ok : Last::Failed;
  c.successes = ok ? c.successes + 1 : 0;
  bool was = down_;
  if (down_) {
    down_ = std::none_of(canaries_.begin(), canaries_.end(),
                         [this](const Canary& k) { return k.successes >= rise_; });
  } else {
    down_ = std::all_of(canaries_.begin(), canaries_.end(),
                        [](const Canary& k) { return k.last == Last::Failed; });
  }
  return down_ != was;
}

}  // namespace planb::core
