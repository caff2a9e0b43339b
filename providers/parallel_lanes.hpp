#pragma once
// The providers without a batch call fit for a failover (alidns, dnspod, huaweicloud, azure) write
// a batch as several requests at once: one per lane (a transport of its own, all behind the
// provider's one ceiling), each lane taking the next write until none is left.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "net/http_client.hpp"

namespace planb::providers {

// Calls write(lane, k) once for every k below count, at most one call in flight per lane; the
// first lane runs on the caller's thread. Returns when every call has returned. `lanes` must not
// be empty.
template <typename WriteOne>
void writeOnLanes(const std::vector<std::shared_ptr<net::HttpTransport>>& lanes, std::size_t count,
                  WriteOne write) {
  std::atomic<std::size_t> next{0};
  auto work = [&](net::HttpTransport* lane) {
    for (std::size_t k = next++; k < count; k = next++) {
      write(lane, k);
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t l = 1; l < std::min(lanes.size(), count); ++l) {
    threads.emplace_back(work, lanes[l].get());
  }
  work(lanes.front().get());
  for (std::thread& t : threads) {
    t.join();
  }
}

}  // namespace planb::providers
