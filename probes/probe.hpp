#pragma once
// One kind of health check of one endpoint, run asynchronously on an Asio io_context.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "core/probe_result.hpp"

namespace planb::probes {

using ResultCallback = std::function<void(core::ProbeResult)>;

class Probe {
 public:
  virtual ~Probe() = default;
  virtual std::string_view kind() const noexcept = 0;  // "http", "tcp", "dns", "exec"

  // Starts one attempt. `done` is called exactly once, on the io_context, with the result — also
  // when the attempt times out or is cancelled. Each attempt opens a fresh connection: a probe
  // must test connecting.
  // `done` is never called from inside start() or cancel(), only from a handler the io_context
  // runs. One attempt at a time: the caller waits for `done` (or calls cancel()) before the next
  // start(). `timeout` bounds the whole attempt (resolve included): `done` comes at the latest
  // shortly after it.
  virtual void start(std::chrono::milliseconds timeout, ResultCallback done) = 0;

  // Aborts the attempt in flight, if any; its `done` is still called once (reason internal).
  // A no-op when the attempt has already reported.
  virtual void cancel() = 0;

  // Destroying a probe cancels its attempt in flight, whose `done` is then still called once
  // (reason internal), later, on the io_context — so `done` must not capture the probe itself.
};

}  // namespace planb::probes
