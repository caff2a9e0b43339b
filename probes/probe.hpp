#pragma once
// One kind of health check of one endpoint, run asynchronously on an Asio io_context.

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "config/config.hpp"
#include "core/probe_result.hpp"

namespace planb::probes {

using ResultCallback = std::function<void(core::ProbeResult)>;

class Probe {
 public:
  virtual ~Probe() = default;
  virtual std::string_view kind() const noexcept = 0;  // "http", "tcp"

  // Starts one attempt. `done` is called exactly once, on the io_context, with the result — also
  // when the attempt times out or is cancelled. Each attempt opens a fresh connection: a probe
  // must test connecting.
  virtual void start(std::chrono::milliseconds timeout, ResultCallback done) = 0;

  // Aborts the attempt in flight, if any; its `done` is still called once (reason internal).
  virtual void cancel() = 0;
};

// Builds the probe a ProbeConfig describes.
std::unique_ptr<Probe> makeProbe(boost::asio::io_context& io, const config::ProbeConfig& config);

}  // namespace planb::probes
